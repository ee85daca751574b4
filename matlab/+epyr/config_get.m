function varargout = config_get(varargin)
%CONFIG_GET  The value in force of a configuration key.
%   value = epyr.config_get(performance.cache_size_mb)   (a number, or logical for
%   performance.cache_enabled and performance.parallel_processing)
%   Keys: performance.cache_enabled, cache_size_mb, chunk_size_mb, memory_limit_mb,
%   parallel_processing, threads. Order: defaults < file < environment < set at run time.
[varargout{1:max(nargout, 1)}] = epyr_mex('config_get', varargin{:});
end
