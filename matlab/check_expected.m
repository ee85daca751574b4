function msg = check_expected(e, y, x)
% check_expected  '' when data y (epyr.eprload's y) and x match the entry e of expected.json
% (dims, values sha256 in file order, sum of abs values, axes first/last/n); else what differs.
msg = '';
comps = as_cell(y);
v = [];
for k = 1:numel(comps)
  c = comps{k}(:).';
  if ~isreal(c) || e.complex(k)
    c = [real(c); imag(c)];
  end
  v = [v; c]; %#ok<AGROW>
end
v = v(:);
n = prod(e.dims(:).');
if numel(comps{1}) ~= n
  msg = sprintf('%d points, expected.json has %d', numel(comps{1}), n); return
end
digest = hash('sha256', char(typecast(v, 'uint8')).');
if ~strcmp(digest, e.values_sha256)
  msg = 'values differ from expected.json (sha256)'; return
end
axes = as_cell(x);
ax = e.axes;
if ~iscell(ax), ax = num2cell(ax); end
for a = 1:numel(ax)
  xa = axes{a};
  if numel(xa) ~= ax{a}.n || abs(xa(1) - ax{a}.first) > 1e-9 * max(1, abs(ax{a}.first)) ...
      || abs(xa(end) - ax{a}.last) > 1e-9 * max(1, abs(ax{a}.last))
    msg = sprintf('axis %d differs from expected.json', a); return
  end
end
end

function c = as_cell(v)
if iscell(v), c = v; else, c = {v}; end
end
