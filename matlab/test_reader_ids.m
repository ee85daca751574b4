function test_reader_ids(how)
% test_reader_ids  A reader id is never given twice in a process: a reader kept in a variable
% reads nothing once it was closed, or once the MEX files were cleared, even while another
% reader is open. `how` is 'close' (epyr.reader_close), 'clear epyr_mex' or 'clear all'.
%
% Run each case in a fresh Octave or MATLAB process, before anything else used epyr there (as
% `cargo test --test octave_mex` and `make -C matlab test` do): clearing the MEX files unloads
% libepyr with them unless something keeps it loaded, and that is what is checked. Prints
% "test_reader_ids(<how>): ok" or the failure; exits with status 1 on a failure when
% EPYR_TEST_EXIT is set.

warning('off', 'all');
here = fileparts(mfilename('fullpath'));
addpath(here);
corpus = epyr_test_paths();
expected = jsondecode(fileread(fullfile(corpus, 'expected.json')));
if ~iscell(expected), expected = num2cell(expected); end
file_a = fullfile(corpus, expected{1}.open);
file_b = fullfile(corpus, expected{3}.open);
stash = fullfile(tempdir(), sprintf('epyr_test_reader_ids_%d.mat', getpid()));
old = epyr.reader(file_a);
switch how
  case 'close'
    epyr.reader_close(old);
  case 'clear epyr_mex'
    clear epyr_mex
  case 'clear all'
    % `clear all` clears this function's variables too: they wait in a file meanwhile.
    save(stash, '-mat', 'old', 'file_b', 'how');
    clear all
    load(fullfile(tempdir(), sprintf('epyr_test_reader_ids_%d.mat', getpid())), '-mat');
    delete(fullfile(tempdir(), sprintf('epyr_test_reader_ids_%d.mat', getpid())));
  otherwise
    error('test_reader_ids: unknown case ''%s''', how);
end
new = epyr.reader(file_b);
msg = '';
if new.id == old.id
  msg = sprintf('the new reader has the id %g of the old one', new.id);
else
  try
    epyr.reader_next(old);
    msg = sprintf('the old reader (id %g) still reads', old.id);
  catch err
    if ~strcmp(err.identifier, 'epyr:INVALID_ARG')
      msg = sprintf('the old reader fails with %s, expected epyr:INVALID_ARG', err.identifier);
    end
  end
end
epyr.reader_close(new);
if isempty(msg)
  printf('test_reader_ids(%s): ok\n', how);
else
  printf('test_reader_ids(%s): FAIL %s\n', how, msg);
  if ~isempty(getenv('EPYR_TEST_EXIT')), exit(1); end
end
end
