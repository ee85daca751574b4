function varargout = version(varargin)
%VERSION  The version of the epyr library: v = epyr.version().
[varargout{1:max(nargout, 1)}] = epyr_mex('version', varargin{:});
end
