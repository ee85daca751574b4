function eprload_plot(x, y, file, xlabel_text)
%EPRLOAD_PLOT  Plot what epyr.eprload loaded, as EasySpin's eprload plots when it is called
%   without outputs (epyr.eprload(file) calls it): one subplot per dataset; a 1-D dataset as a
%   line against x (real and imaginary parts in blue and red, with a legend, for complex
%   data), titled with the file name, axis tight; a 2-D dataset as pcolor of its real part,
%   shading flat. Where x is empty (formats without an abscissa) the points are numbered.
%   XLABEL_TEXT, where not empty, labels the x axis (epyr's axis name and unit; eprload puts
%   no label).
%
%   See also epyr.eprload.
if ~iscell(y), y = {y}; end
if isempty(y) || isempty(y{1}), return; end
n = numel(y);
for k = 1:n
  subplot(n, 1, k);
  yk = y{k};
  if min(size(yk)) == 1
    xk = x;
    if iscell(xk), xk = xk{1}; end
    if isempty(xk), xk = 1:numel(yk); end
    if isreal(yk)
      plot(xk, yk);
    else
      plot(xk, real(yk), 'b', xk, imag(yk), 'r');
    end
    if n > 1
      title([file sprintf(', dataset %d', k)], 'Interpreter', 'none');
    else
      title(file, 'Interpreter', 'none');
    end
    axis tight
    if ~isreal(yk)
      legend('real', 'imag');
      legend boxoff
    end
    if nargin > 3 && ~isempty(xlabel_text), xlabel(xlabel_text); end
  else
    pcolor(real(yk)); shading flat;
  end
end
end
