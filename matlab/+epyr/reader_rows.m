function varargout = reader_rows(varargin)
%READER_ROWS  Rows of a 2-D/3-D dataset: values = epyr.reader_rows(r, first, count).
%
%   Rows are the ny*nz lines of nx points (y fastest, then z), 0-based; values is a column of
%   count*nx*values_per_point doubles. The streaming position does not move. See epyr.reader.
[varargout{1:max(nargout, 1)}] = epyr_mex('reader_rows', varargin{:});
end
