function info = performance_info(varargin)
%PERFORMANCE_INFO  Performance information as a struct.
%   info = epyr.performance_info(): version, memory (rss_mb, vms_mb, percent, library_mb,
%   limit_mb), cpu_count, the configuration in force, config_error, the global caches
%   statistics and the worker threads ([] where a key has no valid value).
info = jsondecode(epyr_mex('performance_info', varargin{:}));
end
