function reader_close(varargin)
%READER_CLOSE  Close a reader: epyr.reader_close(r). See epyr.reader.
epyr_mex('reader_close', varargin{:});
end
