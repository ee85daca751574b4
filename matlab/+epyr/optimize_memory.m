function varargout = optimize_memory(varargin)
%OPTIMIZE_MEMORY  Evict the cache down to the memory limit and return unused heap to the OS.
%   report = epyr.optimize_memory(): evicted_entries, library_bytes_released,
%   rss_bytes_released.
[varargout{1:max(nargout, 1)}] = epyr_mex('optimize_memory', varargin{:});
end
