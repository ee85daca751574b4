function varargout = reader_next(varargin)
%READER_NEXT  The next chunk of a reader: [values, first_point] = epyr.reader_next(r).
%
%   values is a column of doubles in file order (empty at the end of the data), first_point
%   the 0-based index of its first point. See epyr.reader.
[varargout{1:max(nargout, 1)}] = epyr_mex('reader_next', varargin{:});
end
