function config_save(varargin)
%CONFIG_SAVE  Save the configuration as JSON.
%   epyr.config_save()       to the file shared with EPyR Tools
%                            ($XDG_CONFIG_HOME/epyrtools/config.json)
%   epyr.config_save(path)   to path
epyr_mex('config_save', varargin{:});
end
