function config_set(varargin)
%CONFIG_SET  Set a configuration value for this process.
%   epyr.config_set(performance.cache_size_mb, 200)
%   epyr.config_set(performance.cache_enabled, false)
%   value is a number, a logical or text (200, true). Invalid values are refused
%   (epyr:CONFIG) and nothing changes.
epyr_mex('config_set', varargin{:});
end
