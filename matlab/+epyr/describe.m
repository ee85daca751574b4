function varargout = describe(varargin)
%DESCRIBE  Describe a Bruker EPR dataset without reading its data.
%
%   info = epyr.describe(file)
%   info = epyr.describe(file, scaling)
%
%   The struct of epyr.load with ds.values empty: dims, components, complex, axes, params,
%   pars, warnings, sources. Use it to look at a file too large to load.
%   See also epyr.load, epyr.reader.
[varargout{1:max(nargout, 1)}] = epyr_mex('describe', varargin{:});
end
