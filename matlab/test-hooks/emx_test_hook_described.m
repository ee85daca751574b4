function emx_test_hook_described()
% emx_test_hook_described  Called by the test build of epyr.eprload (epyr_eprload_hooked, built
% by `make -C matlab hooks`) between describing a file and loading its values. When the global
% EMX_TEST_MOVES holds file names {from1, to1; from2, to2; ...}, it renames each `from` over its
% `to` once (then empties the list): the files change at exactly that point.
global EMX_TEST_MOVES
moves = EMX_TEST_MOVES;
EMX_TEST_MOVES = {};
for i = 1:size(moves, 1)
  [ok, msg] = movefile(moves{i, 1}, moves{i, 2}, 'f');
  if ~ok
    error('emx_test_hook_described: cannot rename %s: %s', moves{i, 1}, msg);
  end
end
end
