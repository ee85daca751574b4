function varargout = load_many(varargin)
%LOAD_MANY  Load many datasets on worker threads.
%
%   [datasets, status] = epyr.load_many(files)
%   [datasets, status] = epyr.load_many(files, scaling)
%
%   files is a cell of file names. datasets is a cell of epyr.load structs ([] where a file
%   failed); status a struct array, one per file: file, ok (logical), identifier
%   (epyr:<NAME>,  when ok) and message. A bad file does not stop the batch. Threads:
%   performance.threads; through the global cache.
%   See also epyr.load.
[varargout{1:max(nargout, 1)}] = epyr_mex('load_many', varargin{:});
end
