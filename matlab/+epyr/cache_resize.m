function cache_resize(varargin)
%CACHE_RESIZE  Set the budget of the global cache in MB: epyr.cache_resize(mb).
%   Evicts least recently used entries until the rest fits; sets performance.cache_size_mb.
%   0 stores nothing.
epyr_mex('cache_resize', varargin{:});
end
