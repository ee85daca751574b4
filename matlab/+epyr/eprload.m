function [out1, out2, out3, out4] = eprload(varargin)
%EPRLOAD  Load EPR data like EasySpin's eprload, in every format epyr reads (Bruker BES3T and
%   ESP/WinEPR, Magnettech .xml/.spe, SpecMan, JEOL, CIQTEK, Adani, Active Spectrum, qese, ETH,
%   MAGRES, Varian).
%
%   epyr.eprload(file)
%   epyr.eprload(folder)
%   epyr.eprload()
%   y = epyr.eprload(file)
%   [x, y] = epyr.eprload(file)
%   [x, y, pars] = epyr.eprload(file)
%   [x, y, pars, file] = epyr.eprload(file)
%   ... = epyr.eprload(file, scaling)
%
%   The same outputs as EasySpin's eprload: the same shapes (a 1-D BES3T file gives column
%   vectors, a 1-D ESP file row vectors, a 2-D file x as a cell of two axes, several BES3T
%   components y as a cell), complex data as complex arrays, pars a struct of the parameters
%   with text converted to numbers where eprload converts it, file the file name with its
%   extension. scaling is any of 'n' (scans), 'G' (receiver gain), 'P' (microwave power),
%   'T' (temperature), 'c' (conversion time), e.g. 'nGP'.
%
%   Without outputs, the data are plotted as eprload plots them (epyr.eprload_plot): a line
%   against x per dataset (real and imaginary parts for complex data), a 2-D dataset as a
%   pcolor of its real part. Given a folder, or no file, a file dialog opens there (the
%   current folder) as in eprload; cancelled, every output is []. Without a graphical
%   interface (octave-cli) that is the error epyr:NO_GUI.
%
%   Loads go through epyr's global cache (performance.cache_enabled): loading an unchanged
%   file again is a cache hit, checked against every source file. With caching off, the
%   values of a real dataset are read straight into y.
%   Errors have identifiers epyr:<NAME> (epyr:NOT_FOUND, epyr:FORMAT, epyr:SCALING, ...).
%
%   See also epyr.load, epyr.describe, epyr.reader, epyr.cache_stats.
% epyr.eprload runs in the MEX file +epyr/eprload.mex, which takes precedence over this file
% (the help text): this body runs only when that MEX file was not built.
error('epyr:INVALID_ARG', 'epyr.eprload: the MEX file +epyr/eprload.mex is not built (make -C matlab)');
end
