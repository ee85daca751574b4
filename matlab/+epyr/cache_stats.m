function varargout = cache_stats(varargin)
%CACHE_STATS  Statistics of the global cache.
%
%   stats = epyr.cache_stats(): entries, total_size_mb, max_size_mb, usage_percent, hits,
%   misses, total_bytes, max_bytes, evictions, invalidations.
%   See also epyr.cache_clear, epyr.cache_resize.
[varargout{1:max(nargout, 1)}] = epyr_mex('cache_stats', varargin{:});
end
