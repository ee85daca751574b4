function emx_test_hook(point)
% emx_test_hook  Called by the test build of epyr.eprload (epyr_eprload_hooked, built by
% `make -C matlab hooks`) at two points: 'described' (caching off: between describing a file and
% loading its values) and 'pars' (before pars is built from the dataset epyr read). When the
% global EMX_TEST_MOVES holds file names {from1, to1; from2, to2; ...} and the global
% EMX_TEST_POINT names this point ('described' when empty), it renames each `from` over its `to`
% once (then empties the list): the files change at exactly that point.
global EMX_TEST_MOVES EMX_TEST_POINT
at = EMX_TEST_POINT;
if isempty(at), at = 'described'; end
if ~strcmp(point, at), return; end
moves = EMX_TEST_MOVES;
EMX_TEST_MOVES = {};
for i = 1:size(moves, 1)
  [ok, msg] = movefile(moves{i, 1}, moves{i, 2}, 'f');
  if ~ok
    error('emx_test_hook: cannot rename %s: %s', moves{i, 1}, msg);
  end
end
end
