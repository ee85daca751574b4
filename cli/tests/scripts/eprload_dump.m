% Reads BES3T files with EasySpin's eprload and writes what it returns as float64
% little-endian: <out>.values (file order: x fastest, per point the components, complex as
% re, im) and <out>.axes (every abscissa, x first). Used by cli/tests/corpus_outputs.rs.
% Usage: octave --no-gui --quiet --eval "addpath(EPRLOAD_DIR); addpath(THIS_DIR); eprload_dump(LIST)"
% LIST is a text file of lines "<file>\t<out>". Prints "failed <file>: <message>" for a file
% eprload cannot read.
function eprload_dump(list)
  lines = strsplit(fileread(list), "\n");
  for k = 1:numel(lines)
    if isempty(strtrim(lines{k}))
      continue;
    end
    parts = strsplit(lines{k}, "\t");
    try
      [x, y] = eprload(parts{1});
    catch err
      printf("failed %s: %s\n", parts{1}, err.message);
      continue;
    end
    if ~iscell(y)
      y = {y};
    end
    rows = [];
    for c = 1:numel(y)
      v = y{c}(:).';
      if iscomplex(y{c})
        rows = [rows; real(v); imag(v)];
      else
        rows = [rows; v];
      end
    end
    write_le([parts{2} ".values"], rows(:));
    if ~iscell(x)
      x = {x};
    end
    axes = [];
    for a = 1:numel(x)
      axes = [axes; x{a}(:)];
    end
    write_le([parts{2} ".axes"], axes);
  end
end

function write_le(path, v)
  fid = fopen(path, "w");
  fwrite(fid, v, "double", 0, "ieee-le");
  fclose(fid);
end
