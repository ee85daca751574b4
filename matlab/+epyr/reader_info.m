function varargout = reader_info(varargin)
%READER_INFO  The shape and position of a reader: info = epyr.reader_info(r). See epyr.reader.
[varargout{1:max(nargout, 1)}] = epyr_mex('reader_info', varargin{:});
end
