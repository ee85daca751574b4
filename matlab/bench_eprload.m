% bench_eprload  EasySpin's eprload against epyr.eprload in one Octave/MATLAB session (not a
% test: run it by hand, e.g. `cd matlab; octave --no-gui --eval bench_eprload`).
%   1. every corpus file: eprload, epyr.eprload uncached (cache cleared before each load),
%      epyr.eprload cached (a validated cache hit) and epyr.eprload with caching off (values
%      straight into y), median of 5 runs per file; the 5 files with the smallest uncached
%      speed-up;
%   1b. every dataset of expected-formats.json (the formats other than Bruker's): eprload
%      (CIQTEK: octave-compat's eprload_CIQTEK, as eprload fails on it under Octave) against
%      epyr.eprload uncached and cached ([x, y, pars]) and cached [x, y], median of 5 runs,
%      the ratio per file and the smallest per format;
%   2. a cache hit of a small file, y only and [x, y, pars], mean of 2000 calls;
%   3. a 256 MB BES3T file (float64 little-endian) with the cache off against fread of the
%      same .DTA (page cache warm for both), best of 5.
% Environment as test_epyr.m (EPYR_CORPUS, EPYR_EASYSPIN).
warning('off', 'all');
here = fileparts(mfilename('fullpath'));
addpath(here);
[corpus, easyspin] = epyr_test_paths();
addpath(easyspin);
expected = jsondecode(fileread(fullfile(corpus, 'expected.json')));
if ~iscell(expected), expected = num2cell(expected); end
runs = 5;
n = numel(expected);
t_ref = nan(n, 1); t_cold = nan(n, 1); t_hit = nan(n, 1); t_off = nan(n, 1);
for i = 1:n
  file = fullfile(corpus, expected{i}.open);
  t = nan(runs, 3);
  for r = 1:runs
    try
      tic; [x, y, p] = eprload(file); t(r, 1) = toc; %#ok<ASGLU>
    catch
    end
    epyr.cache_clear();
    tic; [x, y, p] = epyr.eprload(file); t(r, 2) = toc; %#ok<ASGLU>
    tic; [x, y, p] = epyr.eprload(file); t(r, 3) = toc; %#ok<ASGLU>
  end
  t_ref(i) = median(t(:, 1)); t_cold(i) = median(t(:, 2)); t_hit(i) = median(t(:, 3));
end
% Caching off, in a pass of its own (a configuration change costs epyr a re-read of it).
epyr.config_set('performance.cache_enabled', false);
for i = 1:n
  file = fullfile(corpus, expected{i}.open);
  t = nan(runs, 1);
  for r = 1:runs
    tic; [x, y, p] = epyr.eprload(file); t(r) = toc; %#ok<ASGLU>
  end
  t_off(i) = median(t);
end
epyr.config_set('performance.cache_enabled', true);
ok = ~isnan(t_ref);
printf('corpus: %d files (%d that eprload reads), [x, y, pars] per file, median of %d runs\n', n, sum(ok), runs);
printf('  eprload             median %8.3f ms  total %8.1f ms\n', 1e3 * median(t_ref(ok)), 1e3 * sum(t_ref(ok)));
printf('  epyr.eprload cold   median %8.3f ms  total %8.1f ms\n', 1e3 * median(t_cold(ok)), 1e3 * sum(t_cold(ok)));
printf('  epyr.eprload cached median %8.3f ms  total %8.1f ms\n', 1e3 * median(t_hit(ok)), 1e3 * sum(t_hit(ok)));
printf('  epyr.eprload cache off median %8.3f ms  total %8.1f ms\n', 1e3 * median(t_off(ok)), 1e3 * sum(t_off(ok)));
r_cold = t_ref(ok) ./ t_cold(ok);
r_hit = t_ref(ok) ./ t_hit(ok);
r_off = t_ref(ok) ./ t_off(ok);
printf('  speed-up cold: median %.1fx, smallest %.1fx; cached: median %.1fx, smallest %.1fx; cache off: median %.1fx, smallest %.1fx\n', ...
       median(r_cold), min(r_cold), median(r_hit), min(r_hit), median(r_off), min(r_off));
ids = cellfun(@(e) e.id, expected(ok), 'UniformOutput', false);
tr = t_ref(ok); tc = t_cold(ok); to = t_off(ok);
[~, order] = sort(r_cold);
for j = order(1:min(5, end))'
  printf('    %-55s eprload %7.3f ms  cold %6.3f ms (%4.1fx)  cache off %6.3f ms (%4.1fx)\n', ids{j}, ...
         1e3 * tr(j), 1e3 * tc(j), r_cold(j), 1e3 * to(j), r_off(j));
end

% 1b. The other formats, file by file.
addpath(fullfile(easyspin, 'octave-compat'));
codec = '/usr/share/java/commons-codec.jar';
if exist(codec, 'file'), javaaddpath(codec); end
other = jsondecode(fileread(fullfile(corpus, 'expected-formats.json')));
if ~iscell(other), other = num2cell(other); end
m = numel(other);
o_ref = nan(m, 1); o_cold = nan(m, 1); o_hit = nan(m, 1); o_xy = nan(m, 1);
for i = 1:m
  e = other{i};
  file = fullfile(corpus, e.open);
  t = nan(runs, 4);
  for r = 1:runs
    if strcmp(e.format, 'ciqtek')
      tic; [y, x, p] = eprload_CIQTEK(file); t(r, 1) = toc; %#ok<ASGLU>
    else
      tic; [x, y, p] = eprload(file); t(r, 1) = toc; %#ok<ASGLU>
    end
    epyr.cache_clear();
    tic; [x, y, p] = epyr.eprload(file); t(r, 2) = toc; %#ok<ASGLU>
    tic; [x, y, p] = epyr.eprload(file); t(r, 3) = toc; %#ok<ASGLU>
    tic; [x, y] = epyr.eprload(file); t(r, 4) = toc; %#ok<ASGLU>
  end
  o_ref(i) = median(t(:, 1)); o_cold(i) = median(t(:, 2)); o_hit(i) = median(t(:, 3));
  o_xy(i) = median(t(:, 4));
end
rmpath(fullfile(easyspin, 'octave-compat'));
printf('other formats: %d datasets, [x, y, pars] per file, median of %d runs\n', m, runs);
printf('  %-50s %-15s %10s %10s %8s %10s %8s %10s %8s\n', 'dataset', 'format', 'eprload', 'cold', ...
       'ratio', 'cached', 'ratio', '[x,y] hit', 'ratio');
for i = 1:m
  printf('  %-50s %-15s %8.2f ms %7.3f ms %7.1fx %7.3f ms %7.0fx %7.3f ms %7.0fx\n', other{i}.id, ...
         other{i}.format, 1e3 * o_ref(i), 1e3 * o_cold(i), o_ref(i) / o_cold(i), 1e3 * o_hit(i), ...
         o_ref(i) / o_hit(i), 1e3 * o_xy(i), o_ref(i) / o_xy(i));
end
formats = unique(cellfun(@(e) e.format, other, 'UniformOutput', false));
for f = formats(:).'
  in = cellfun(@(e) strcmp(e.format, f{1}), other);
  printf('  %-15s smallest ratio: cold %6.1fx, cached %7.0fx, [x, y] cached %7.0fx\n', f{1}, ...
         min(o_ref(in) ./ o_cold(in)), min(o_ref(in) ./ o_hit(in)), min(o_ref(in) ./ o_xy(in)));
end

small = fullfile(corpus, 'easyspin', 'strong1.dta');
calls = 2000;
y = epyr.eprload(small);
points_small = numel(y);
tic; for k = 1:calls, y = epyr.eprload(small); end; t1 = toc / calls;
tic; for k = 1:calls, [x, y, p] = epyr.eprload(small); end; t3 = toc / calls; %#ok<ASGLU>
tic; for k = 1:calls, y = numel(small); end; t0 = toc / calls;
printf('cache hit (%s, %d points): y = %.1f us, [x, y, pars] = %.1f us per call (empty loop %.2f us)\n', ...
       'strong1.dta', points_small, 1e6 * t1, 1e6 * t3, 1e6 * t0);

% 256 MB: 2^25 float64 values.
points = 2^25;
tmp = tempname(); mkdir(tmp);
base = fullfile(tmp, 'big');
fid = fopen([base '.DSC'], 'w');
fprintf(fid, '#DESC 1.2\nDSRC EXP\nBSEQ LIT\nIKKF REAL\nXTYP IDX\nIRFMT D\nXPTS %d\nXMIN 0\nXWID 1\n', points);
fclose(fid);
fid = fopen([base '.DTA'], 'w'); fwrite(fid, (1:points)', 'double', 0, 'ieee-le'); fclose(fid);
epyr.config_set('performance.memory_limit_mb', 0);
epyr.config_set('performance.cache_enabled', false);
t_fread = inf; t_epyr = inf;
for r = 1:5
  clear v y
  tic; fid = fopen([base '.DTA'], 'r', 'ieee-le'); v = fread(fid, points, 'double'); fclose(fid); t_fread = min(t_fread, toc);
  clear v
  tic; y = epyr.eprload([base '.DTA']); t_epyr = min(t_epyr, toc);
end
printf('256 MB file: fread %.1f ms (%.2f GB/s), epyr.eprload %.1f ms (%.2f GB/s): epyr/fread time %.2f\n', ...
       1e3 * t_fread, 0.268435456 / t_fread, 1e3 * t_epyr, 0.268435456 / t_epyr, t_epyr / t_fread);
epyr.config_set('performance.cache_enabled', true);
clear y
confirm_recursive_rmdir(false);
rmdir(tmp, 's');
