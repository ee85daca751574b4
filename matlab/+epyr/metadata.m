function md = metadata(varargin)
%METADATA  The common metadata of an EPR dataset, with units, as a struct.
%
%   md = epyr.metadata(file)
%   md = epyr.metadata(file, scaling)
%
%   The vendor-neutral fields epyr maps from each format's own parameters (microwave
%   frequency, centre field and sweep width, modulation, power, receiver gain, scans,
%   temperature, experiment type, date, title, instrument, ...), each with its value and unit
%   where the file gives it; a field the file does not give is absent, never guessed. The same
%   document as epyr_dataset_metadata_json in C, ds.metadata in Python and the metadata of
%   `epyr convert --to json`. Works for every format epyr reads.
%   See also epyr.save, epyr.load.
md = jsondecode(epyr_mex('metadata', varargin{:}));
end
