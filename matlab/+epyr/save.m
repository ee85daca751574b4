function save(varargin)
%SAVE  Write an EPR dataset of any format to CSV, the JSON metadata document or BES3T.
%
%   epyr.save(file, out)                 format from out's extension (.csv, .json, .DSC)
%   epyr.save(file, out, format)         format 'csv', 'json' or 'bes3t' ('' = from extension)
%   epyr.save(file, out, format, true)   replace an existing output file
%
%   Reads file (every format epyr reads) and writes out through libepyr's exports: CSV with
%   '#' header lines (sources, format, epyr's version, the common metadata with units) and
%   named columns; JSON: the metadata document (common metadata, every parameter, the source
%   files with their sha256); BES3T: .DSC + .DTA (and .XGF/.YGF for nonlinear axes) that Xepr
%   and eprload read. Each file is written under a temporary name and renamed when complete.
%   An existing output is never replaced unless overwrite is true (error epyr:EXISTS).
%   See also epyr.metadata, epyr.load.
epyr_mex('save', varargin{:});
end
