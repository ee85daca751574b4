% test_epyr  The Octave/MATLAB tests of the epyr MEX gateway (run by `cargo test --test
% octave_mex`, or `make -C matlab test`). Compares epyr.eprload with EasySpin's eprload on
% every corpus file (all four outputs, every scaling eprload accepts for the file), checks
% epyr.load against expected.json, and the rest of the package. Ends with exit status 1 on any
% failure when run with octave --eval.
%
% Environment: EPYR_CORPUS (default ../../shared/corpus from this folder), EPYR_EASYSPIN (the
% folder of EasySpin's eprload.m, default ../../shared/reference/easyspin-eprload).

warning('off', 'Octave:shadowed-function');
here = fileparts(mfilename('fullpath'));
addpath(here);
[corpus, easyspin] = epyr_test_paths();
if ~exist(fullfile(easyspin, 'eprload.m'), 'file')
  error('test_epyr: EasySpin''s eprload.m not found in %s (set EPYR_EASYSPIN)', easyspin);
end
if ~exist(fullfile(corpus, 'expected.json'), 'file')
  error('test_epyr: corpus not found in %s (set EPYR_CORPUS)', corpus);
end
addpath(easyspin);
warning('off', 'all');
% Calls without outputs plot (epyr.eprload): into invisible figures, never a window.
graphics_toolkit('gnuplot');
set(0, 'defaultfigurevisible', 'off');
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

% ---------------------------------------------------------------- eprload's text rules
% Descriptors whose values continue over lines ending in `\` (as Xepr writes PulseSPEL
% programs): all four outputs and epyr.load's pars equal eprload's, whatever ends the value.
% eprload leaves the line that ends a continued value out of it and reads it as a line of its
% own, which can set a field (also one that x is made from) or stop the reading (#MHL).
NL = char(10); CR = char(13);
head = ['#DESC' char(9) '1.2 * DESCRIPTOR INFORMATION' NL 'DSRC EXP' NL 'BSEQ BIG' NL ...
        'IKKF REAL' NL 'XTYP IDX' NL 'YTYP NODATA' NL 'ZTYP NODATA' NL 'IRFMT D' NL ...
        'XPTS 4' NL 'XMIN 0' NL 'XWID 3' NL];
continued = {
  'last line blank (\n)',       [head 'Prog \' NL 'a\n\' NL 'b\n\' NL '\n' NL 'AFTER x' NL]
  'last line not blank',        [head 'Prog \' NL 'begin exp9\n\' NL 'd1 = 200\n\' NL 'end exp9' NL 'AFTER x' NL]
  'last line a KEY value pair', [head 'Prog \' NL 'a\n\' NL 'XMIN 5' NL 'AFTER x' NL]
  'last line a key alone',      [head 'Prog \' NL 'a\' NL 'LASTKEY' NL 'AFTER x' NL]
  'last line numbers',          [head 'Prog \' NL 'a\' NL '5 6' NL 'AFTER x' NL]
  'last line #MHL',             [head 'Prog \' NL 'a\n\' NL '#MHL 1' NL 'AFTER x' NL]
  'to the end of the file',     [head 'AFTER x' NL 'Prog \' NL 'a\n\' NL 'last line']
  'to the end, a line end',     [head 'AFTER x' NL 'Prog \' NL 'a\n\' NL 'last line' NL]
  'CR LF line ends',            strrep([head 'Prog \' NL 'a\n\' NL 'b\n\' NL 'end exp9' NL 'AFTER x' NL], NL, [CR NL])
  'lone CRs inside',            [head 'Prog \' NL 'a' CR 'Q 7\' NL 'b\n\' NL 'end' NL 'AFTER x' NL]
  'a CR inside a plain line',   [head 'K a' CR 'b' NL 'AFTER x' NL]
  'a numeric value',            [head 'Prog 1\' NL '2\' NL '3' NL 'AFTER x' NL]
  'quotes around the value',    [head 'Prog ''\' NL 'a\n\' NL 'b''\' NL '\n' NL 'AFTER x' NL]
  'a quote opened only',        [head 'Prog ''a\' NL 'b''' NL 'AFTER x' NL]
  'blanks and tabs',            [head 'Prog' char(9) '\' NL ' a \n\' NL '  end  exp9  ' NL 'AFTER x' NL]
  'a doubled backslash',        [head 'Prog \' NL 'a\\' NL 'nope' NL 'AFTER x' NL]
  'a key overridden',           [head 'AFTER y' NL 'Prog \' NL 'a\' NL 'AFTER z' NL 'B 1' NL]
};
text_dir = tempname(); mkdir(text_dir);
function failures = compare_outputs(got, ref, label, failures)
  names = {'x', 'y', 'pars', 'file'};
  for k = 1:numel(ref)
    d = eprload_differences(got{k}, ref{k}, names{k});
    if ~isempty(d)
      failures{end+1} = sprintf('%s: %s', label, strjoin(d(1:min(end, 5)), '; '));
    end
  end
end
% All four outputs of epyr.eprload with caching off (real data read straight into y).
function out = uncached_outputs(file)
  epyr.config_set('performance.cache_enabled', false);
  out = cell(1, 4);
  try
    [out{:}] = epyr.eprload(file);
  catch err
    out = {err.message};
  end
  epyr.config_set('performance.cache_enabled', true);
end
% All four outputs of eprload and of epyr.eprload for one file.
function [got, ref] = both_outputs(file)
  ref = cell(1, 4);
  [ref{:}] = eprload(file);
  got = cell(1, 4);
  [got{:}] = epyr.eprload(file);
end
function write_pair(base, text)
  fid = fopen([base '.DSC'], 'w'); fwrite(fid, text); fclose(fid);
  fid = fopen([base '.DTA'], 'w', 'ieee-be'); fwrite(fid, [1 2 3 4], 'float64'); fclose(fid);
end
for i = 1:size(continued, 1)
  base = fullfile(text_dir, sprintf('case%02d', i));
  write_pair(base, continued{i, 2});
  file = [base '.DSC'];
  checks = checks + 1;
  try
    [got, ref] = both_outputs(file);
    ds = epyr.load(file);
    failures = compare_outputs(got, ref, ['continued value, ' continued{i, 1}], failures);
    if ~isequaln(ds.pars, ref{3})
      failures{end+1} = sprintf('continued value, %s: epyr.load''s pars differ from eprload''s', continued{i, 1});
    end
  catch err
    failures{end+1} = sprintf('continued value, %s: %s', continued{i, 1}, err.message);
  end
end
% Where eprload stops with an indexing error (a continuation into an empty line, or past the
% last line), epyr.eprload ends the value there.
stops = {
  'into an empty line', [head 'Prog \' NL NL 'AFTER x' NL], ''
  'past the last line', [head 'AFTER x' NL 'Prog \' NL 'a\n\' NL], 'a'
};
for i = 1:size(stops, 1)
  base = fullfile(text_dir, sprintf('stop%02d', i));
  write_pair(base, stops{i, 2});
  checks = checks + 1;
  try
    [~, ~, pars] = epyr.eprload([base '.DSC']);
    if ~ischar(pars.Prog) || ~isequal(pars.Prog(:).', stops{i, 3}(:).') || ~strcmp(pars.AFTER, 'x')
      failures{end+1} = sprintf('continued value %s: Prog ''%s'', expected ''%s''', stops{i, 1}, pars.Prog, stops{i, 3});
    end
  catch err
    failures{end+1} = sprintf('continued value %s: %s', stops{i, 1}, err.message);
  end
end
confirm_recursive_rmdir(false);
rmdir(text_dir, 's');

% ---------------------------------------------------------------- every other format
% For every dataset of expected-formats.json (Magnettech, SpecMan, JEOL, CIQTEK, Adani, Active
% Spectrum, qese, ETH), all four outputs of epyr.eprload are isequaln to eprload's under Octave
% (with the compatibility functions of the reference folder, octave-compat), nested pars
% included; each difference is reported by file and output. Known differences, each with its
% reason (docs/matlab-octave.md): CIQTEK is compared with octave-compat's eprload_CIQTEK, as
% eprload itself fails on it under Octave; Adani .json's y is compared with
% expected-formats.json, as Octave's jsondecode rounds some decimals 1 ulp off.
addpath(fullfile(easyspin, 'octave-compat'));
codec = '/usr/share/java/commons-codec.jar';
if exist(codec, 'file'), javaaddpath(codec); end
other = jsondecode(fileread(fullfile(corpus, 'expected-formats.json')));
if ~iscell(other), other = num2cell(other); end
for i = 1:numel(other)
  e = other{i};
  file = fullfile(corpus, e.open);
  checks = checks + 1;
  try
    if strcmp(e.format, 'ciqtek')
      ref = cell(1, 3);
      [ref{2}, ref{1}, ref{3}] = eprload_CIQTEK(file);
      ref{4} = file;
    else
      ref = cell(1, 4);
      [ref{:}] = eprload(file);
    end
  catch err
    failures{end+1} = sprintf('%s: eprload fails (%s)', e.id, err.message);
    continue
  end
  try
    got = cell(1, 4);
    [got{:}] = epyr.eprload(file);
  catch err
    failures{end+1} = sprintf('%s: epyr.eprload fails (%s)', e.id, err.message);
    continue
  end
  switch e.format
    case 'adani-json'
      msg = check_expected(e, got{2}, got{1});
      if ~isempty(msg), failures{end+1} = sprintf('%s: y %s', e.id, msg); end
      ref{2} = got{2};
  end
  failures = compare_outputs(got, ref, e.id, failures);
  % A cache hit (JEOL and JSON: the outputs kept for the same parameters and values) gives the
  % same four outputs, also after the caller changed its own copy of pars.
  checks = checks + 1;
  hit = cell(1, 4);
  [hit{:}] = epyr.eprload(file);
  if ~isequaln(hit, got)
    failures{end+1} = sprintf('%s: a cache hit''s outputs differ from the first load''s', e.id);
  end
  if isstruct(hit{3})
    hit{3}.changed_by_caller = 1;
    again = cell(1, 4);
    [again{:}] = epyr.eprload(file);
    if ~isequaln(again, got)
      failures{end+1} = sprintf('%s: a change to a returned pars reaches a later load', e.id);
    end
  end
  % y alone, and epyr.load's pars (the same struct, JEOL's Data channels aside).
  checks = checks + 1;
  if ~isequaln(epyr.eprload(file), got{2})
    failures{end+1} = sprintf('%s: y = epyr.eprload(file) differs', e.id);
  end
  ds = epyr.load(file);
  if ~isequaln(ds.pars, got{3})
    failures{end+1} = sprintf('%s: epyr.load''s pars differ from epyr.eprload''s', e.id);
  end
  % With caching off (real data straight into y), the same four outputs.
  if ~isequaln(uncached_outputs(file), got)
    failures{end+1} = sprintf('%s: with caching off the outputs differ', e.id);
  end
end

% MAGRES .PLT and Varian E9 .spk/.ref, of which no public files exist, and the .eco shapes the
% corpus lacks: written here by the rules of eprload's readers, all four outputs equal eprload's.
written_dir = tempname(); mkdir(written_dir);
written = {
  'basic.plt',        ['MAGRES' NL 'DATA 6' NL NL ' 1.5 2' NL ' -3e2' NL ' 4 5 6 7' NL]
  'crlf and tab.PLT', strrep(['MAGRES' NL 'DATA' char(9) '4' NL 'field' NL ' 0.25' NL ' -1.0e-3' NL ' 7' NL ' 8' NL], NL, [CR NL])
  'v1003.ref',        typecast(single(mod((0:1002) * 37, 1001) * 0.125 - 60.3), 'uint8')
  'v2001.SPK',        typecast(single([-0 1e-40 mod((2:2000) * 37, 1001) * 0.125 - 60.3]), 'uint8')
  % qese .eco first lines: eprload's y has the shape [nx ny] they give.
  'column.eco',       ['5 1 0' NL '1' NL '2' NL '3' NL '4' NL '5' NL]
  'count only.eco',   ['4' NL ' 1.5 2 3 4' NL]
  'row.ECO',          ['1 3' NL '7 8 9' NL]
  'complex col.eco',  ['3 1 1' NL '1 2 3 4 5 6' NL]
  'matrix.eco',       ['2 3 0' NL '1 2 3 4 5 6' NL]
};
for i = 1:size(written, 1)
  file = fullfile(written_dir, written{i, 1});
  fid = fopen(file, 'w'); fwrite(fid, written{i, 2}, 'uint8'); fclose(fid);
  checks = checks + 1;
  try
    [got, ref] = both_outputs(file);
    failures = compare_outputs(got, ref, ['written ' written{i, 1}], failures);
    if ~isequaln(uncached_outputs(file), got)
      failures{end+1} = sprintf('written %s: with caching off the outputs differ', written{i, 1});
    end
  catch err
    failures{end+1} = sprintf('written %s: %s', written{i, 1}, err.message);
  end
end
confirm_recursive_rmdir(false);
rmdir(written_dir, 's');
rmpath(fullfile(easyspin, 'octave-compat'));

% With caching off, values go straight into y (epyr_loader_load_described_into): the same
% outputs as through the cache, for every file, with and without scaling (or the same error).
function [out, id] = outputs_or_error(file, scaling)
  out = cell(1, 4); id = '';
  try
    [out{:}] = epyr.eprload(file, scaling);
  catch err
    id = err.identifier;
  end
end
for i = 1:numel(expected)
  file = fullfile(corpus, expected{i}.open);
  for s = {'', 'nGPTc'}
    [cached, cached_id] = outputs_or_error(file, s{1});
    epyr.config_set('performance.cache_enabled', false);
    [direct, direct_id] = outputs_or_error(file, s{1});
    y_only = [];
    if isempty(direct_id), y_only = epyr.eprload(file, s{1}); end
    epyr.config_set('performance.cache_enabled', true);
    checks = checks + 1;
    if ~isequaln(direct, cached) || ~strcmp(direct_id, cached_id) || (isempty(direct_id) && ~isequaln(y_only, cached{2}))
      failures{end+1} = sprintf('%s: with caching off (scaling ''%s'') the outputs differ from the cached load', expected{i}.id, s{1});
    end
  end
end

% With caching off, x, pars and y come from one version of the files, also when the files are
% replaced between the description (x, pars) and the values (y): the test build of
% epyr.eprload (epyr_eprload_hooked) calls emx_test_hook('described') at exactly that point.
function write_bes3t_text(base, title, xmin, values)
  fid = fopen([base '.DSC'], 'w');
  fprintf(fid, '#DESC\t1.2 * DESCRIPTOR INFORMATION\nDSRC\tEXP\nBSEQ\tBIG\nIKKF\tREAL\n');
  fprintf(fid, 'XTYP\tIDX\nYTYP\tNODATA\nZTYP\tNODATA\nIRFMT\tD\nXPTS\t%d\n', numel(values));
  fprintf(fid, 'XMIN\t%g\nXWID\t3\nTITL\t''%s''\n', xmin, title);
  fclose(fid);
  fid = fopen([base '.DTA'], 'w', 'ieee-be'); fwrite(fid, values, 'float64'); fclose(fid);
end
global EMX_TEST_MOVES
hooked = fullfile(here, 'test-hooks');
checks = checks + 1;
if ~exist(fullfile(hooked, 'epyr_eprload_hooked.mex'), 'file')
  failures{end+1} = 'test-hooks/epyr_eprload_hooked.mex is not built (make -C matlab hooks)';
else
  addpath(hooked);
  swap_dir = tempname(); mkdir(swap_dir);
  base = fullfile(swap_dir, 'swapped');
  write_bes3t_text(base, 'one', 0, [1 2 3 4]);
  write_bes3t_text(fullfile(swap_dir, 'v2'), 'two', 10, [5 6 7 8]);
  EMX_TEST_MOVES = {fullfile(swap_dir, 'v2.DSC'), [base '.DSC']; fullfile(swap_dir, 'v2.DTA'), [base '.DTA']};
  epyr.config_set('performance.cache_enabled', false);
  try
    got = cell(1, 3);
    [got{:}] = epyr_eprload_hooked([base '.DSC']);
    now = cell(1, 3);
    [now{:}] = epyr.eprload([base '.DSC']);
    if ~isempty(EMX_TEST_MOVES)
      failures{end+1} = 'files replaced during epyr.eprload: the hook did not run';
    elseif ~isequaln(got, now)
      failures{end+1} = sprintf(['files replaced during epyr.eprload: x, pars and y of different ' ...
        'versions (TITL %s, y(1) %g, x(1) %g; the file now: TITL %s, y(1) %g, x(1) %g)'], ...
        got{3}.TITL, got{2}(1), got{1}(1), now{3}.TITL, now{2}(1), now{1}(1));
    end
  catch err
    failures{end+1} = ['files replaced during epyr.eprload: ' err.message];
  end
  epyr.config_set('performance.cache_enabled', true);
  EMX_TEST_MOVES = {};
  confirm_recursive_rmdir(false);
  rmdir(swap_dir, 's');
end

% JSON files (Adani .json, CIQTEK .epr): pars is the document epyr read, never the file read
% again. A cached load whose file is replaced after epyr took its values (at the 'pars' hook,
% just before pars is built) gives y and pars of the same version; the next load, of the new
% version, gives the new y and pars.
function write_adani(file, center, points, note)
  list = @(v) strjoin(arrayfun(@(x) sprintf('%g', x), v, 'UniformOutput', false), ',');
  fid = fopen(file, 'w');
  fprintf(fid, ['{"ExperimentOptions": {"CommonOptions": {"CenterMagneticField": %g, ' ...
                '"SweepWidth": 15.0, "Note": "%s"}, "Empty": {}, "Off": null, "On": true}, ' ...
                '"Values": [{"Values": [{"Points": [%s]}, {"Points": [%s]}]}], "Phase": 0.0}'], ...
          center, note, list(points), list(fliplr(points)));
  fclose(fid);
end
checks = checks + 1;
if exist(fullfile(hooked, 'epyr_eprload_hooked.mex'), 'file')
  global EMX_TEST_POINT
  swap_dir = tempname(); mkdir(swap_dir);
  file = fullfile(swap_dir, 'doc.json');
  write_adani(file, 337.5, [1 2 3 4], 'first \"one\"');
  write_adani(fullfile(swap_dir, 'v2.json'), 340, [5 6 7 9], 'second\\two');
  try
    first = cell(1, 3);
    [first{:}] = epyr.eprload(file);
    EMX_TEST_POINT = 'pars';
    EMX_TEST_MOVES = {fullfile(swap_dir, 'v2.json'), file};
    got = cell(1, 3);
    [got{:}] = epyr_eprload_hooked(file);
    now = cell(1, 3);
    [now{:}] = epyr.eprload(file);
    ref = jsondecode(fileread(file));
    if ~isempty(EMX_TEST_MOVES)
      failures{end+1} = 'JSON file replaced before pars: the hook did not run';
    elseif ~isequaln(got, first)
      failures{end+1} = sprintf(['JSON file replaced before pars: y and pars of different ' ...
        'versions (Note ''%s'', y(1) %g; before: Note ''%s'', y(1) %g)'], ...
        got{3}.ExperimentOptions.CommonOptions.Note, got{2}(1), ...
        first{3}.ExperimentOptions.CommonOptions.Note, first{2}(1));
    elseif ~isequaln(now{3}, ref) || isequaln(now{2}, first{2})
      failures{end+1} = 'JSON file replaced: the next load does not give the new y and pars';
    elseif ~strcmp(first{3}.ExperimentOptions.CommonOptions.Note, 'first "one"')
      failures{end+1} = 'JSON pars: a string with quotes does not come back as written';
    end
  catch err
    failures{end+1} = ['JSON file replaced before pars: ' err.message];
  end
  EMX_TEST_POINT = '';
  EMX_TEST_MOVES = {};
  confirm_recursive_rmdir(false);
  rmdir(swap_dir, 's');
end

% The outputs kept for cache hits (JEOL, JSON) are those of the values the file holds now: a
% JEOL file whose data change while its header stays gets, from the cache hit after the change,
% the new y and pars.Data (as the load that read the change), never the outputs kept before.
checks = checks + 1;
jeol_dir = tempname(); mkdir(jeol_dir);
file = fullfile(jeol_dir, 'jeol-copy');
copyfile(fullfile(corpus, 'easyspin', 'jeol', 'jeol-spin'), file);
before = cell(1, 3); [before{:}] = epyr.eprload(file); [before{:}] = epyr.eprload(file);
fid = fopen(file, 'r+'); fseek(fid, -4096, 'eof'); fwrite(fid, 1:512, 'float32', 0, 'ieee-le'); fclose(fid);
pause(2); % epyr caches no file modified within the last second (a change in the same tick)
changed = cell(1, 3); [changed{:}] = epyr.eprload(file);
stats = epyr.cache_stats();
hit = cell(1, 3); [hit{:}] = epyr.eprload(file);
after = epyr.cache_stats();
if after.hits ~= stats.hits + 1
  failures{end+1} = 'JEOL data changed: the load after the change is not a cache hit';
elseif isequaln(changed{2}, before{2}) || ~isequaln(rmfield(changed{3}, 'Data'), rmfield(before{3}, 'Data'))
  failures{end+1} = 'JEOL data changed: the test did not change the data alone';
elseif ~isequaln(hit, changed)
  failures{end+1} = 'JEOL data changed: a cache hit gives the outputs kept for the old data';
end
confirm_recursive_rmdir(false);
rmdir(jeol_dir, 's');

% ---------------------------------------------------------------- epyr.load, describe, reader
for i = 1:numel(expected)
  e = expected{i};
  file = fullfile(corpus, e.open);
  ds = epyr.load(file);
  checks = checks + 1;
  if ~isequal(ds.dims, e.dims(:).') || ds.components ~= e.components || ~isequal(ds.complex, logical(e.complex(:).'))
    failures{end+1} = sprintf('%s: epyr.load dims/components differ from expected.json', e.id);
    continue
  end
  % Axes of expected.json are those with more than one point, in x, y, z order.
  with_axis = {ds.axes(ds.dims > 1).values};
  msg = check_expected(e, ds.values, with_axis);
  if ~isempty(msg), failures{end+1} = sprintf('%s: epyr.load %s', e.id, msg); end
  % The whole dataset in file order, for the reader.
  flat = [];
  for k = 1:ds.components
    c = ds.values{k}(:).';
    if ds.complex(k), c = [real(c); imag(c)]; end
    flat = [flat; c]; %#ok<AGROW>
  end
  flat = flat(:);
  info = epyr.describe(file);
  checks = checks + 1;
  if ~isequal(info.dims, ds.dims) || ~isempty(info.values) || ~isequal(info.params, ds.params) ...
      || ~isequal(info.sources, ds.sources)
    failures{end+1} = sprintf('%s: epyr.describe differs from epyr.load', e.id);
  end
  r = epyr.reader(file, 0.01);
  streamed = [];
  firsts = [];
  while true
    [v, first] = epyr.reader_next(r);
    if isempty(v), break; end
    streamed = [streamed; v]; %#ok<AGROW>
    firsts(end+1) = first; %#ok<AGROW>
  end
  checks = checks + 1;
  if ~isequaln(streamed, flat) || firsts(1) ~= 0
    failures{end+1} = sprintf('%s: streamed values differ from epyr.load', e.id);
  end
  rows = prod(ds.dims(2:3));
  if rows > 1
    checks = checks + 1;
    per_row = numel(flat) / rows;
    got = epyr.reader_rows(r, rows - 1, 1);
    if ~isequaln(got, flat(end - per_row + 1:end))
      failures{end+1} = sprintf('%s: reader_rows of the last row differ from epyr.load', e.id);
    end
  end
  epyr.reader_close(r);
end

% ---------------------------------------------------------------- errors and bad arguments
function id = error_id_of(f)
  id = '';
  try
    f();
  catch err
    id = err.identifier;
  end
end
good = fullfile(corpus, expected{1}.open);
tmp = tempname(); mkdir(tmp);
bad = fullfile(tmp, 'bad.DSC');
fid = fopen(bad, 'w'); fprintf(fid, 'IKKF REAL\nXPTS 1000000000000\nIRFMT D\n'); fclose(fid);
fid = fopen(fullfile(tmp, 'bad.DTA'), 'w'); fwrite(fid, zeros(8, 1), 'double'); fclose(fid);
cases = {
  'missing file',          @() epyr.eprload(fullfile(tmp, 'none.DTA')),  'epyr:NOT_FOUND'
  'claimed size too large', @() epyr.eprload(bad),                       'epyr:FORMAT'
  'unknown scaling letter', @() epyr.eprload(good, 'q'),                 'epyr:INVALID_ARG'
  'power scaling of pulse data', @() epyr.eprload(fullfile(corpus, 'easyspin', '2010_06_25_IKKG_C95_2pESEEM.DSC'), 'P'), 'epyr:SCALING'
  'numeric file name',      @() epyr.eprload(42),                        'epyr:INVALID_ARG'
  'cell file name',         @() epyr.eprload({good}),                    'epyr:INVALID_ARG'
  'empty file name',        @() epyr.eprload(''),                        'epyr:INVALID_ARG'
  'no argument, no GUI',    @() epyr.eprload(),                          'epyr:NO_GUI'
  'three arguments',        @() epyr.eprload(good, '', 1),               'epyr:INVALID_ARG'
  'char matrix',            @() epyr.eprload(['ab'; 'cd']),              'epyr:INVALID_ARG'
  'numeric scaling',        @() epyr.eprload(good, 3),                   'epyr:INVALID_ARG'
  'unknown config key',     @() epyr.config_get('performance.nope'),     'epyr:CONFIG'
  'invalid config value',   @() epyr.config_set('performance.cache_size_mb', -5), 'epyr:CONFIG'
  'config value of a struct', @() epyr.config_set('performance.cache_size_mb', struct()), 'epyr:INVALID_ARG'
  'missing config file',    @() epyr.config_load(fullfile(tmp, 'none.json')), 'epyr:NOT_FOUND'
  'negative cache size',    @() epyr.cache_resize(-1),                   'epyr:INVALID_ARG'
  'NaN cache size',         @() epyr.cache_resize(NaN),                  'epyr:INVALID_ARG'
  'closed reader',          @() epyr.reader_next(struct('id', 200)),     'epyr:INVALID_ARG'
  'garbage reader',         @() epyr.reader_next('x'),                   'epyr:INVALID_ARG'
  'load_many of a string',  @() epyr.load_many(good),                    'epyr:INVALID_ARG'
  'load_many of numbers',   @() epyr.load_many({1, 2}),                  'epyr:INVALID_ARG'
  'describe missing file',  @() epyr.describe(fullfile(tmp, 'none.DSC')), 'epyr:NOT_FOUND'
  'reader missing file',    @() epyr.reader(fullfile(tmp, 'none.DSC')),  'epyr:NOT_FOUND'
  'reader zero chunk',      @() epyr.reader(good, 0),                    'epyr:INVALID_ARG'
  % Text with a NUL (char(0)) is refused wherever it would become a C string, which would end
  % at the NUL and name another file, key or option.
  'NUL in a file name',     @() epyr.eprload([good char(0) '.x']),       'epyr:INVALID_ARG'
  'NUL in the scaling',     @() epyr.eprload(good, ['n' char(0) 'q']),   'epyr:INVALID_ARG'
  'NUL in a describe path', @() epyr.describe([good char(0) 'x']),       'epyr:INVALID_ARG'
  'NUL in a reader path',   @() epyr.reader([good char(0) 'x']),         'epyr:INVALID_ARG'
  'NUL in a load_many path', @() epyr.load_many({[good char(0) 'x']}),   'epyr:INVALID_ARG'
  'NUL in a config key',    @() epyr.config_set(['performance.cache_enabled' char(0) 'x'], false), 'epyr:INVALID_ARG'
  'NUL in a config key read', @() epyr.config_get(['performance.cache_enabled' char(0) 'x']), 'epyr:INVALID_ARG'
  'NUL in a config value',  @() epyr.config_set('performance.cache_enabled', ['true' char(0) 'x']), 'epyr:INVALID_ARG'
  'NUL in a config path',   @() epyr.config_save([fullfile(tmp, 'c.json') char(0) 'x']), 'epyr:INVALID_ARG'
  'NUL in a command',       @() epyr_mex(['version' char(0) 'x']),       'epyr:INVALID_ARG'
};
for i = 1:size(cases, 1)
  checks = checks + 1;
  id = error_id_of(cases{i, 2});
  if ~strcmp(id, cases{i, 3})
    failures{end+1} = sprintf('error for %s: identifier ''%s'', expected %s', cases{i, 1}, id, cases{i, 3});
  end
end
% Too many outputs is an error, not a crash: the function refuses five (Octave's own error),
% and so does the gateway beneath it.
checks = checks + 1;
try
  [a, b, c, d, e5] = epyr.eprload(good); %#ok<ASGLU>
  failures{end+1} = 'five outputs of epyr.eprload gave no error';
catch
end
checks = checks + 1;
try
  [a, b, c, d, e5] = epyr_mex('eprload', good); %#ok<ASGLU>
  failures{end+1} = 'five outputs of the gateway gave no error';
catch err
  if ~strcmp(err.identifier, 'epyr:INVALID_ARG'), failures{end+1} = ['five outputs: ' err.identifier]; end
end
% The message is epyr's: it names the file.
checks = checks + 1;
try
  epyr.eprload(fullfile(tmp, 'none.DTA'));
catch err
  if isempty(strfind(err.message, 'none.DTA')) || strncmp(err.message, 'epyr_mex', 8)
    failures{end+1} = ['message of a missing file: ' err.message];
  end
end

% ---------------------------------------------------------------- load_many
files = {fullfile(corpus, expected{1}.open), fullfile(tmp, 'none.DTA'), fullfile(corpus, expected{3}.open)};
[datasets, status] = epyr.load_many(files);
first_ds = epyr.load(files{1});
checks = checks + 1;
if numel(datasets) ~= 3 || ~isempty(datasets{2}) || ~isequal([status.ok], [true false true]) ...
    || ~strcmp(status(2).identifier, 'epyr:NOT_FOUND') || isempty(strfind(status(2).message, 'none.DTA')) ...
    || ~isequaln(datasets{1}.values, first_ds.values) || ~isempty(status(1).identifier)
  failures{end+1} = 'load_many with a bad file: wrong datasets or status';
end
% Each file's status and message are its own, whatever text the names hold (the first holds
% what separates files in a joined message); an empty name is that file's own error.
function [id, msg] = single_error(file)
  id = ''; msg = '';
  try
    epyr.load(file);
  catch err
    id = err.identifier; msg = err.message;
  end
end
files = {fullfile(tmp, sprintf('a\npaths[2]: made-up message.DSC')), good, ...
         fullfile(tmp, 'missing.DSC'), fullfile(tmp, 'also missing.DSC')};
[datasets, status] = epyr.load_many(files);
checks = checks + 1;
bad = {};
if ~status(2).ok || isempty(datasets{2}), bad{end+1} = 'the good file failed'; end
for i = [1 3 4]
  [id, msg] = single_error(files{i});
  if status(i).ok || ~strcmp(status(i).identifier, id) || ~strcmp(status(i).message, msg)
    bad{end+1} = sprintf('file %d: %s "%s", alone %s "%s"', i, status(i).identifier, status(i).message, id, msg);
  end
end
if ~isempty(bad), failures{end+1} = ['load_many messages: ' strjoin(bad, '; ')]; end
checks = checks + 1;
try
  [datasets, status] = epyr.load_many({good, '', []});
  if ~status(1).ok || isempty(datasets{1}), failures{end+1} = 'load_many: a good file beside empty names failed'; end
  for i = [2 3]
    if status(i).ok || ~strcmp(status(i).identifier, 'epyr:INVALID_ARG') || isempty(strfind(status(i).message, 'empty path'))
      failures{end+1} = sprintf('load_many: empty file name %d gives %s "%s"', i, status(i).identifier, status(i).message);
    end
  end
catch err
  failures{end+1} = ['load_many with empty file names fails as a whole: ' err.message];
end

% ---------------------------------------------------------------- performance system
epyr.cache_clear();
s0 = epyr.cache_stats();
y1 = epyr.eprload(good);
y2 = epyr.eprload(good);
s1 = epyr.cache_stats();
checks = checks + 1;
if s0.entries ~= 0 || s1.entries < 1 || s1.hits < s0.hits + 1 || ~isequal(y1, y2)
  failures{end+1} = 'cache: a second load of a file is not a hit';
end
checks = checks + 1;
need = {'entries', 'total_size_mb', 'max_size_mb', 'usage_percent', 'hits', 'misses', 'total_bytes', 'max_bytes', 'evictions', 'invalidations'};
if ~all(isfield(s1, need)), failures{end+1} = 'cache_stats: fields missing'; end
old = epyr.config_get('performance.cache_size_mb');
epyr.cache_resize(0);
s2 = epyr.cache_stats();
checks = checks + 1;
if s2.entries ~= 0 || s2.max_size_mb ~= 0 || epyr.config_get('performance.cache_size_mb') ~= 0
  failures{end+1} = 'cache_resize(0) leaves entries or the configuration unchanged';
end
epyr.cache_resize(old);
m = epyr.memory_info();
checks = checks + 1;
if ~all(isfield(m, {'rss_mb', 'vms_mb', 'percent', 'library_mb', 'limit_mb'})) || ~(m.rss_mb > 0)
  failures{end+1} = 'memory_info: fields missing or rss_mb not positive';
end
checks = checks + 1;
if ~islogical(epyr.check_memory_limit()), failures{end+1} = 'check_memory_limit is not logical'; end
o = epyr.optimize_memory();
checks = checks + 1;
if ~all(isfield(o, {'evicted_entries', 'library_bytes_released', 'rss_bytes_released'}))
  failures{end+1} = 'optimize_memory: fields missing';
end
epyr.config_set('performance.chunk_size_mb', 3);
epyr.config_set('performance.cache_enabled', false);
checks = checks + 1;
if epyr.config_get('performance.chunk_size_mb') ~= 3 || epyr.config_get('performance.cache_enabled') ~= false
  failures{end+1} = 'config_set/config_get do not agree';
end
% Caching off: loads are not stored.
epyr.cache_clear();
epyr.eprload(good);
checks = checks + 1;
st = epyr.cache_stats();
if st.entries ~= 0, failures{end+1} = 'cache_enabled false still caches'; end
epyr.config_set('performance.cache_enabled', 'true');
epyr.eprload(good);
checks = checks + 1;
st = epyr.cache_stats();
if st.entries ~= 1, failures{end+1} = 'cache_enabled true does not cache'; end
saved = fullfile(tmp, 'config.json');
epyr.config_save(saved);
checks = checks + 1;
txt = fileread(saved);
if isempty(strfind(txt, 'chunk_size_mb')), failures{end+1} = 'config_save wrote no chunk_size_mb'; end
epyr.config_load(saved);
p = epyr.performance_info();
checks = checks + 1;
if ~isstruct(p) || ~isfield(p, 'memory') || ~isfield(p.memory, 'library_mb')
  failures{end+1} = 'performance_info is not a struct with memory.library_mb';
end
checks = checks + 1;
if ~ischar(epyr.version()), failures{end+1} = 'version is not text'; end
% Help text of every function.
for f = {'eprload', 'load', 'describe', 'reader', 'load_many', 'cache_stats', 'config_set', 'performance_info', 'metadata', 'save'}
  checks = checks + 1;
  if isempty(strtrim(help(['epyr.' f{1}]))), failures{end+1} = ['no help for epyr.' f{1}]; end
end
% ---------------------------------------------------------------- without outputs: a plot
% epyr.eprload(file) with no output plots as eprload plots (epyr.eprload_plot) and returns
% nothing: in an invisible figure (gnuplot toolkit, no window), the lines hold x and y (real
% and imaginary parts of complex data), the title is the file name; a 2-D dataset is a pcolor
% of its real part. A folder, or no file, asks for a file in a dialog, which octave-cli cannot
% show: a clear epyr:NO_GUI error instead.
function [lines, fig] = plotted(file)
  fig = figure('visible', 'off');
  epyr.eprload(file);
  lines = findobj(fig, 'type', 'line');
end
plot_cases = {fullfile(corpus, 'easyspin', 'jeol', 'data2'), ...
              fullfile(corpus, 'easyspin', 'magnettech', 'newformat.spe')};
for i = 1:numel(plot_cases)
  file = plot_cases{i};
  checks = checks + 1;
  try
    [x, y] = epyr.eprload(file);
    [lines, fig] = plotted(file);
    xs = get(lines, 'XData'); ys = get(lines, 'YData');
    if ~iscell(xs), xs = {xs}; ys = {ys}; end
    parts = {real(y)};
    if ~isreal(y), parts{2} = imag(y); end
    for k = 1:numel(parts)
      hit = cellfun(@(a, b) isequal(a(:), x(:)) && isequal(b(:), parts{k}(:)), xs, ys);
      if ~any(hit)
        failures{end+1} = sprintf('plot of %s: no line holds x and part %d of y', file, k);
      end
    end
    t = get(get(findobj(fig, 'type', 'axes')(end), 'title'), 'string');
    if ~strcmp(t, file), failures{end+1} = sprintf('plot of %s: title ''%s''', file, t); end
    close(fig);
  catch err
    failures{end+1} = sprintf('plot of %s: %s', file, err.message);
  end
end
checks = checks + 1;
try
  file = fullfile(corpus, 'easyspin', 'specman', 'specman_cw.d01');
  [~, y] = epyr.eprload(file);
  fig = figure('visible', 'off');
  epyr.eprload(file);
  s = findobj(fig, 'type', 'surface');
  if numel(s) ~= 1 || ~isequal(get(s, 'CData'), real(y))
    failures{end+1} = 'plot of a 2-D dataset: not one pcolor surface of real(y)';
  end
  close(fig);
catch err
  failures{end+1} = ['plot of a 2-D dataset: ' err.message];
end
checks = checks + 1;
if ~isempty(evalc('epyr.eprload(plot_cases{1})'))
  failures{end+1} = 'epyr.eprload(file) without outputs prints something';
end
close all
for c = {{corpus}, {}}
  checks = checks + 1;
  id = error_id_of(@() epyr.eprload(c{1}{:}));
  if ~strcmp(id, 'epyr:NO_GUI')
    failures{end+1} = sprintf('epyr.eprload of a folder (or nothing) without a GUI: ''%s'', not epyr:NO_GUI', id);
  end
end
% ---------------------------------------------------------------- metadata and exports
% epyr.metadata: the common metadata of the bundled sample (MWFQ 9.500000e+09, STMP 295 and
% TITL nitroxide_cw in its .DSC); epyr.save: CSV, JSON and BES3T read back, no replacing
% without overwrite, bad arguments.
sample = fullfile(here, '..', 'examples-c', 'data', 'nitroxide_cw.DSC');
md = epyr.metadata(sample);
checks = checks + 3;
if ~(md.microwave_frequency.value == 9.5 && strcmp(md.microwave_frequency.unit, 'GHz'))
  failures{end+1} = 'epyr.metadata: microwave_frequency is not 9.5 GHz';
end
if ~(md.temperature.value == 295 && strcmp(md.temperature.unit, 'K'))
  failures{end+1} = 'epyr.metadata: temperature is not 295 K';
end
if ~strcmp(md.title.value, 'nitroxide_cw'), failures{end+1} = 'epyr.metadata: title'; end
src = epyr.load(sample);
out = fullfile(tmp, 'exported');
epyr.save(sample, [out '.csv']);
epyr.save(sample, [out '.json'], 'json');
epyr.save(sample, [out '.DSC']);
csv_lines = strsplit(strtrim(fileread([out '.csv'])), "\n");
data_rows = csv_lines(~strncmp(csv_lines, '#', 1));
columns = str2double(strsplit(strjoin(data_rows(2:end), ','), ','));
columns = reshape(columns, [], numel(data_rows) - 1)';
checks = checks + 4;
if ~isequal(columns(:, end), src.values{1}), failures{end+1} = 'epyr.save csv: values differ'; end
doc = jsondecode(fileread([out '.json']));
if doc.common.microwave_frequency.value ~= 9.5, failures{end+1} = 'epyr.save json: common metadata'; end
copy = epyr.load([out '.DSC']);
if ~isequal(copy.values, src.values), failures{end+1} = 'epyr.save bes3t: values differ'; end
if ~strcmp(error_id_of(@() epyr.save(sample, [out '.csv'])), 'epyr:EXISTS')
  failures{end+1} = 'epyr.save replaced an existing file without overwrite';
end
epyr.save(sample, [out '.csv'], '', true);
save_cases = {
  'overwrite as text',    @() epyr.save(sample, [out '.csv'], '', 'yes')
  'no output name',       @() epyr.save(sample)
  'unknown format',       @() epyr.save(sample, [out '.xyz'], 'xlsx')
  'missing source',       @() epyr.save(fullfile(tmp, 'none.DSC'), [out '2.csv'])
};
save_ids = {'epyr:INVALID_ARG', 'epyr:INVALID_ARG', 'epyr:INVALID_ARG', 'epyr:NOT_FOUND'};
for k = 1:size(save_cases, 1)
  checks = checks + 1;
  id = error_id_of(save_cases{k, 2});
  if ~strcmp(id, save_ids{k})
    failures{end+1} = sprintf('epyr.save, %s: %s, expected %s', save_cases{k, 1}, id, save_ids{k});
  end
end
% Clearing the MEX file frees every handle (mexAtExit): an open reader is gone after it.
r = epyr.reader(good);
clear epyr_mex
checks = checks + 1;
if ~strcmp(error_id_of(@() epyr.reader_next(r)), 'epyr:INVALID_ARG')
  failures{end+1} = 'a reader survives clear epyr_mex';
end
confirm_recursive_rmdir(false);
rmdir(tmp, 's');

printf('test_epyr: %d checks, %d failures\n', checks, numel(failures));
printf('  FAIL %s\n', failures{:});
if ~isempty(failures) && ~isempty(getenv('EPYR_TEST_EXIT'))
  exit(1);
end
