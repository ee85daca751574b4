% test_epyr  The Octave/MATLAB tests of the epyr MEX gateway (run by `cargo test --test
% octave_mex`, or `make -C matlab test`). Compares epyr.eprload with EasySpin's eprload on
% every corpus file (all four outputs, every scaling eprload accepts for the file), checks
% epyr.load against expected.json, and the rest of the package. Ends with exit status 1 on any
% failure when run with octave --eval.
%
% Environment: EPYR_CORPUS (default ../../shared/corpus from this folder), EPYR_EASYSPIN (the
% folder of EasySpin's eprload.m, default ../../shared/reference/easyspin-eprload).

here = fileparts(mfilename('fullpath'));
addpath(here);
corpus = getenv('EPYR_CORPUS');
if isempty(corpus), corpus = fullfile(here, '..', '..', 'shared', 'corpus'); end
easyspin = getenv('EPYR_EASYSPIN');
if isempty(easyspin), easyspin = fullfile(here, '..', '..', 'shared', 'reference', 'easyspin-eprload'); end
if ~exist(fullfile(easyspin, 'eprload.m'), 'file')
  error('test_epyr: EasySpin''s eprload.m not found in %s (set EPYR_EASYSPIN)', easyspin);
end
if ~exist(fullfile(corpus, 'expected.json'), 'file')
  error('test_epyr: corpus not found in %s (set EPYR_CORPUS)', corpus);
end
addpath(easyspin);
warning('off', 'all');
failures = {};
checks = 0;
expected = jsondecode(fileread(fullfile(corpus, 'expected.json')));
if ~iscell(expected), expected = num2cell(expected); end
eprload_fails = {};

function c = as_cell(v)
  if iscell(v), c = v; else, c = {v}; end
end

% ---------------------------------------------------------------- eprload against eprload
names = {'x', 'y', 'pars', 'file'};
for i = 1:numel(expected)
  e = expected{i};
  file = fullfile(corpus, e.open);
  ok_ref = true;
  try
    ref = cell(1, 4);
    [ref{:}] = eprload(file);
  catch err
    ok_ref = false;
    eprload_fails{end+1} = sprintf('%s (%s)', e.id, err.message);
  end
  got = cell(1, 4);
  [got{:}] = epyr.eprload(file);
  if ok_ref
    for k = 1:4
      checks = checks + 1;
      if ~isequal(got{k}, ref{k})
        failures{end+1} = sprintf('%s: %s differs from eprload', e.id, names{k});
      end
    end
    % Fewer outputs give the same leading outputs (y alone is eprload's first output).
    checks = checks + 1;
    y1 = epyr.eprload(file);
    if ~isequal(y1, ref{2}), failures{end+1} = sprintf('%s: y = epyr.eprload(file) differs', e.id); end
  else
    % eprload fails on this valid file: compare with expected.json.
    checks = checks + 1;
    msg = check_expected(e, got{2}, got{1});
    if ~isempty(msg), failures{end+1} = sprintf('%s: %s', e.id, msg); end
  end
  % Scalings: each letter alone and all together, wherever eprload accepts them.
  for s = {'n', 'G', 'P', 'T', 'c', 'nGPTc'}
    try
      ref = cell(1, 3);
      [ref{:}] = eprload(file, s{1});
    catch
      continue
    end
    checks = checks + 1;
    try
      got = cell(1, 3);
      [got{:}] = epyr.eprload(file, s{1});
      if ~isequaln(got, ref)
        failures{end+1} = sprintf('%s: scaling %s differs from eprload', e.id, s{1});
      end
    catch err
      failures{end+1} = sprintf('%s: scaling %s fails (%s) where eprload gives data', e.id, s{1}, err.message);
    end
  end
end
printf('eprload fails on: %s\n', strjoin(eprload_fails, '; '));
