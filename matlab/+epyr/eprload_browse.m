function file = eprload_browse(folder)
%EPRLOAD_BROWSE  The file chooser of epyr.eprload (called as epyr.eprload(folder) or
%   epyr.eprload()): a file dialog (uigetfile) opened in FOLDER with the file types epyr reads,
%   as EasySpin's eprload opens it. Returns the chosen file's path, or '' where the dialog was
%   cancelled. Where the host has no graphical interface (octave-cli, MATLAB -nodisplay) it
%   raises epyr:NO_GUI instead of waiting for a dialog nobody sees.
%
%   See also epyr.eprload.
if exist('OCTAVE_VERSION', 'builtin')
  gui = have_window_system() && ~isempty(available_graphics_toolkits());
else
  gui = usejava('awt');
end
if ~gui
  error('epyr:NO_GUI', ['epyr.eprload: no file name given and no graphical interface to ' ...
        'choose one in (folder %s): give the file name'], folder);
end
filters = {
  '*.DTA;*.dta;*.DSC;*.dsc;*.spc;*.par', 'Bruker (*.dta, *.dsc, *.spc, *.par)'
  '*.d01', 'SpecMan (*.d01)'
  '*', 'All files, incl. JEOL (*.*)'
  '*.spe;*.xml', 'Magnettech (*.spe, *.xml)'
  '*.esr;*.ESR', 'Active Spectrum (*.esr)'
  '*.epr', 'CIQTEK (*.epr)'
  '*.dat;*.json', 'Adani (*.dat, *.json)'
  '*.spk;*.ref', 'Varian (*.spk, *.ref)'
  '*.eco', 'qese/tryscore (*.eco)'
  '*.d00', 'ETH/WIS (*.d00)'
  '*.plt;*.PLT', 'Magres (*.plt)'};
[name, path] = uigetfile(filters, 'Load EPR data file...', [folder filesep]);
if isequal(name, 0)
  file = '';
else
  file = fullfile(path, name);
end
end
