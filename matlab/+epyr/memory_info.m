function varargout = memory_info(varargin)
%MEMORY_INFO  Memory use in MB: info = epyr.memory_info().
%
%   rss_mb, vms_mb (the process), percent (resident size in percent of physical memory),
%   library_mb (what epyr holds: cache, live datasets, reader buffers), limit_mb
%   (performance.memory_limit_mb, 0 = no limit).
[varargout{1:max(nargout, 1)}] = epyr_mex('memory_info', varargin{:});
end
