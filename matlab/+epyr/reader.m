function varargout = reader(varargin)
%READER  Open a chunked reader on a dataset too large to load whole.
%
%   r = epyr.reader(file)             chunks of performance.chunk_size_mb
%   r = epyr.reader(file, chunk_mb)
%   r = epyr.reader(file, chunk_mb, scaling)
%
%   r is a struct: id, dims, values_per_point (1 per real component, 2 per complex one),
%   chunk_points, position. At most one chunk is in memory at a time.
%     [v, first] = epyr.reader_next(r)   the next chunk: a column of doubles in file order
%                                        (x fastest; at each point the components, complex
%                                        as re, im), starting at point first (0-based);
%                                        empty at the end
%     v = epyr.reader_rows(r, first, count)  rows first .. first+count-1 (0-based; a row is
%                                        nx points), without moving the stream
%     info = epyr.reader_info(r)         the same struct, with the current position
%     epyr.reader_close(r)               frees the reader (clear epyr_mex frees all)
%   See also epyr.load.
[varargout{1:max(nargout, 1)}] = epyr_mex('reader', varargin{:});
end
