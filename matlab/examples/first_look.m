function first_look(file, png)
% FIRST_LOOK  A first look at an EPR file with epyr in MATLAB or GNU Octave: a summary of what
% it holds, and its plot as a PNG.
%
%   addpath('matlab/examples'); first_look                 % the sample shipped with epyr
%   first_look(file)                                       % any file epyr reads
%   first_look(file, png)                                  % the plot into png
%
% The plot goes to first_look.png in the current folder unless png is given. Needs the MEX
% files (make -C matlab). Run under Octave by cargo test (cli/tests/docs.rs).
here = fileparts(mfilename('fullpath'));
addpath(fullfile(here, '..'));              % the folder holding +epyr
if nargin < 1 || isempty(file)
  file = fullfile(here, '..', '..', 'examples-c', 'data', 'nitroxide_cw.DSC');
end
if nargin < 2
  png = 'first_look.png';
end

[x, y, pars] = epyr.eprload(file);
fprintf('%s\n%d points (%s)\n', file, numel(y), mat2str(size(y)));
if iscell(x)                                % 2-D: a cell of axes, x first
  x = x{1};
end
label = 'point';
if isfield(pars, 'XNAM') && isfield(pars, 'XUNI')
  label = sprintf('%s (%s)', pars.XNAM, pars.XUNI);
end
if ~isempty(x)
  fprintf('x: %s, %g to %g\n', label, x(1), x(end));
else
  x = 1:size(y, 1);
end
if isfield(pars, 'MWFQ')
  fprintf('microwave frequency %g GHz\n', pars.MWFQ / 1e9);
end

f = figure('visible', 'off');
plot(x, real(y));                           % complex data: the real part
xlabel(label);
ylabel('intensity');
print(f, '-dpng', png);
close(f);
fprintf('plot: %s\n', png);
end
