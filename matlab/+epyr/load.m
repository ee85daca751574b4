function varargout = load(varargin)
%LOAD  Load a Bruker EPR dataset whole, as a struct.
%
%   ds = epyr.load(file)
%   ds = epyr.load(file, scaling)
%
%   ds.dims        [nx ny nz]
%   ds.components  number of components (BES3T IKKF entries)
%   ds.complex     1 x components logical
%   ds.values      1 x components cell: each nx x ny (x nz) array in file order (x fastest),
%                  complex where the component is complex
%   ds.axes        1 x 3 struct array (x, y, z): values (column; empty where the file gives
%                  none), name, unit
%   ds.params      struct of cells key, value (raw text), device (BES3T .DVC block), in file
%                  order
%   ds.pars        the parameters converted as eprload converts them
%   ds.warnings    cell of the readers warnings
%   ds.sources     cell of the files the dataset was built from
%
%   Through the global cache, like epyr.eprload. scaling as for epyr.eprload.
%   See also epyr.eprload, epyr.describe, epyr.reader.
[varargout{1:max(nargout, 1)}] = epyr_mex('load', varargin{:});
end
