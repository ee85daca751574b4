function d = eprload_differences(got, ref, name)
%EPRLOAD_DIFFERENCES  Where two values differ (for the tests): a cell of texts naming each
%   part of GOT that is not isequaln to REF (fields of structs and struct arrays, cells,
%   classes, sizes, values), NAME prefixed; empty where they are equal.
d = {};
if isequaln(got, ref)
  return
end
if ~strcmp(class(got), class(ref))
  d = {sprintf('%s: class %s, eprload %s', name, class(got), class(ref))};
elseif ~isequal(size(got), size(ref))
  d = {sprintf('%s: size %s, eprload %s', name, mat2str(size(got)), mat2str(size(ref)))};
elseif isstruct(got)
  fg = fieldnames(got); fr = fieldnames(ref);
  missing = setdiff(fr, fg); extra = setdiff(fg, fr);
  if ~isempty(missing), d{end+1} = sprintf('%s: fields missing: %s', name, strjoin(missing(:).', ', ')); end
  if ~isempty(extra), d{end+1} = sprintf('%s: fields not in eprload''s: %s', name, strjoin(extra(:).', ', ')); end
  if isempty(missing) && isempty(extra) && ~isequal(fg, fr)
    d{end+1} = sprintf('%s: field order differs', name);
  end
  common = intersect(fr, fg, 'stable');
  for i = 1:numel(got)
    for k = 1:numel(common)
      sub = sprintf('%s.%s', name, common{k});
      if numel(got) > 1, sub = sprintf('%s(%d).%s', name, i, common{k}); end
      d = [d, eprload_differences(got(i).(common{k}), ref(i).(common{k}), sub)];
    end
  end
elseif iscell(got)
  for i = 1:numel(got)
    d = [d, eprload_differences(got{i}, ref{i}, sprintf('%s{%d}', name, i))];
  end
elseif ischar(got)
  d = {sprintf('%s: ''%s'', eprload ''%s''', name, got(:).', ref(:).')};
else
  bad = find(~(got(:) == ref(:) | (isnan(got(:)) & isnan(ref(:)))));
  if isempty(bad)
    d = {sprintf('%s: complexity differs', name)};
  else
    d = {sprintf('%s: %d of %d values differ (first at %d: %.17g, eprload %.17g)', name, ...
                 numel(bad), numel(got), bad(1), got(bad(1)), ref(bad(1)))};
  end
end
end
