function cache_clear(varargin)
%CACHE_CLEAR  Remove every entry of the global cache: epyr.cache_clear().
%   Arrays already returned are MATLAB copies and stay as they are.
epyr_mex('cache_clear', varargin{:});
end
