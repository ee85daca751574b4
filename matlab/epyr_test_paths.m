function [corpus, easyspin] = epyr_test_paths()
%EPYR_TEST_PATHS  The folders test_epyr.m and bench_eprload.m read: the corpus (EPYR_CORPUS,
%   by default ../../shared/corpus from this folder) and EasySpin's eprload (EPYR_EASYSPIN, by
%   default ../../shared/reference/easyspin-eprload).
here = fileparts(mfilename('fullpath'));
corpus = getenv('EPYR_CORPUS');
if isempty(corpus), corpus = fullfile(here, '..', '..', 'shared', 'corpus'); end
easyspin = getenv('EPYR_EASYSPIN');
if isempty(easyspin), easyspin = fullfile(here, '..', '..', 'shared', 'reference', 'easyspin-eprload'); end
end
