function config_load(varargin)
%CONFIG_LOAD  Re-read the configuration file and the EPYR_PERFORMANCE_* environment.
%   epyr.config_load()       the default file;  epyr.config_load(path)  that file.
%   Values set at run time are kept.
epyr_mex('config_load', varargin{:});
end
