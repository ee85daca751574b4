function varargout = check_memory_limit(varargin)
%CHECK_MEMORY_LIMIT  True while epyr holds no more than performance.memory_limit_mb.
%   ok = epyr.check_memory_limit()
[varargout{1:max(nargout, 1)}] = epyr_mex('check_memory_limit', varargin{:});
end
