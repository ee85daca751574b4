"""Loading through an ``epyr_loader``: full loads, descriptions, batch loads on libepyr's
worker threads, the chunked reader, and ``eprload`` with EPyR Tools' conventions."""

import ctypes as C
import errno
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from . import _lib
from ._dataset import Dataset, numpy_shape, typed
from ._formats import formats
from ._lib import check, lib, path_bytes, scaling_bytes

_load = _lib.loader_load_untyped


class Loader(_lib.OwnsHandle):
    """An ``epyr_loader``: ``cache`` a :class:`~epyr_native.performance.DataCache` (``None``:
    the global cache), ``chunk_size_mb`` (``None``: ``performance.chunk_size_mb``),
    ``cache_enabled`` (``None``: ``performance.cache_enabled``). It cannot be copied or
    pickled (``TypeError``): make another with the same arguments."""

    _instead = "make another Loader with the same arguments"

    def __init__(self, cache=None, chunk_size_mb=None, cache_enabled=None):
        handle = _lib.P()
        enabled = -1 if cache_enabled is None else int(bool(cache_enabled))
        check(
            lib.epyr_loader_new(
                None if cache is None else cache.handle,
                float(chunk_size_mb or 0),
                enabled,
                C.byref(handle),
            )
        )
        self.handle = handle.value
        self._pointer = handle
        self.cache = cache

    def __del__(self):
        free = getattr(lib, "epyr_loader_free", None)
        if free is not None and getattr(self, "handle", None):
            free(self.handle)
            self.handle = None

    def load(self, path, scaling=""):
        """A full load (a validated cache hit when the files did not change)."""
        out = _lib.P()
        scaling = None if scaling == "" else scaling_bytes(scaling)
        status = _load(self._pointer, path_bytes(path), scaling, C.byref(out))
        if status:
            raise _lib.error(status, path)
        return Dataset(out)

    def describe(self, path, scaling=""):
        """Everything but the values (no data read)."""
        out = _lib.P()
        check(
            lib.epyr_loader_describe(
                self.handle, path_bytes(path), scaling_bytes(scaling), C.byref(out)
            ),
            path,
        )
        return Dataset(out, described=True)

    def load_many(self, paths, scaling="", progress=None):
        """One result per path, in order: a :class:`Dataset` or the exception of that file.
        Without ``progress``, one call into libepyr loads them on its ``performance.threads``
        workers (GIL released). With ``progress(done, total)``, the files are loaded on as
        many Python threads (each call into libepyr releases the GIL) and ``progress`` is
        called on the calling thread after each file (tqdm:
        ``progress=lambda done, total: bar.update(done - bar.n)``)."""
        paths = list(paths)
        encoded = [path_bytes(p) for p in paths]
        if progress is not None:
            return self._load_each(paths, scaling, progress)
        scaling = scaling_bytes(scaling)
        n = len(encoded)
        datasets, statuses = (_lib.P * n)(), (_lib.i32 * n)()
        check(
            lib.epyr_loader_load_many(
                self.handle, (_lib.text * n)(*encoded), n, scaling, datasets, statuses, None
            )
        )
        results = []
        for index in range(n):
            if statuses[index]:
                exc_class = _lib.error(statuses[index]).__class__
                results.append(exc_class(statuses[index], _batch_message(index)))
            else:
                results.append(Dataset(_lib.P(datasets[index])))
        return results

    def _load_or_error(self, path, scaling):
        try:
            return self.load(path, scaling)
        except _lib.EpyrError as error:
            return error

    def _load_each(self, paths, scaling, progress):
        """``load_many`` with a progress call after each file (see there)."""
        results = [None] * len(paths)
        with ThreadPoolExecutor(max_workers=worker_threads()) as pool:
            futures = {pool.submit(self._load_or_error, p, scaling): i
                       for i, p in enumerate(paths)}
            for done, future in enumerate(as_completed(futures), 1):
                results[futures[future]] = future.result()
                progress(done, len(paths))
        return results

    def open_reader(self, path, scaling="", chunk_points=None):
        """A :class:`Reader` streaming the file."""
        return Reader(self, path, scaling, chunk_points)


def _batch_message(index):
    """The message of file ``index`` of this thread's last ``epyr_loader_load_many`` call: that
    file's own, whole, whatever text the file names hold."""
    text = _lib.sized_text(lib.epyr_last_batch_message, index)[:-1]  # without the NUL
    return text.decode("utf-8", "replace")


class Reader(_lib.OwnsHandle):
    """The chunked reader: an iterator of NumPy chunks with one chunk in memory at a time (each
    chunk is a new array the size of one chunk; drop it to free it), plus row ranges by
    positioned reads. A chunk holds whole points; with several values per point (complex or
    several components) it has shape ``(points, values_per_point)`` of float64, and
    ``complex128`` of shape ``(points,)`` for one complex component. Not for several threads at
    once. It cannot be copied or pickled (``TypeError``): open another reader."""

    _instead = "open another reader of the file (open_reader)"

    def __init__(self, loader, path, scaling="", chunk_points=None):
        handle = _lib.P()
        check(
            lib.epyr_reader_open_scaled(
                loader.handle, path_bytes(path), scaling_bytes(scaling), C.byref(handle)
            ),
            path,
        )
        self.handle = handle.value
        if chunk_points is not None:
            check(lib.epyr_reader_set_chunk_points(self.handle, int(chunk_points)))
        info = [_lib.u64() for _ in range(6)]
        check(lib.epyr_reader_info(self.handle, *(C.byref(v) for v in info)))
        nx, ny, nz, self.values_per_point, self.chunk_points, _ = (v.value for v in info)
        self.dims = (nx, ny, nz)
        # Whether two values per point are one complex component: from the reader's own
        # snapshot of the files (describing the path again could see another version).
        self._one_complex = self.values_per_point == 2 and self.describe().complex == (True,)

    def describe(self):
        """The reader's dataset without values (dims, complex flags, axes, parameters,
        sources) from the reader's own snapshot: the files as they were when it was opened,
        which every chunk is read from (a file replaced since raises ``EpyrOSError``)."""
        out = _lib.P()
        check(lib.epyr_reader_describe(self._live(), C.byref(out)))
        return Dataset(out, described=True)

    def close(self):
        """Frees the reader (also done when it is garbage)."""
        free = getattr(lib, "epyr_reader_free", None)
        if free is not None and getattr(self, "handle", None):
            free(self.handle)
            self.handle = None

    __del__ = close

    def _live(self):
        """The reader's handle; ``ValueError`` once the reader is closed."""
        if not self.handle:
            raise ValueError("the Reader is closed")
        return self.handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def position(self):
        """The next point the iterator reads."""
        info = [_lib.u64() for _ in range(6)]
        check(lib.epyr_reader_info(self._live(), *(C.byref(v) for v in info)))
        return info[5].value

    def rewind(self):
        """Back to the first point."""
        check(lib.epyr_reader_rewind(self._live()))

    def _shaped(self, flat):
        if self._one_complex:
            return flat.view(np.complex128)
        if self.values_per_point > 1:
            return flat.reshape(-1, self.values_per_point)
        return flat

    def __iter__(self):
        return self

    def __next__(self):
        handle = self._live()
        chunk = np.empty(self.chunk_points * self.values_per_point, dtype=np.float64)
        length, first = _lib.u64(), _lib.u64()
        check(
            lib.epyr_reader_next(
                handle, chunk.ctypes.data, chunk.size, C.byref(length), C.byref(first)
            )
        )
        if length.value == 0:
            raise StopIteration
        return self._shaped(chunk[: length.value])

    def read_rows(self, start, count):
        """Rows ``start .. start + count`` (a row is ``nx`` points; rows run over y, then z),
        shaped ``(count, nx)`` (plus the values per point), without moving the iterator."""
        handle, length = self._live(), _lib.u64()
        check(lib.epyr_reader_read_rows(handle, start, count, None, 0, C.byref(length)))
        out = np.empty(length.value, dtype=np.float64)
        check(
            lib.epyr_reader_read_rows(
                handle, start, count, out.ctypes.data, out.size, C.byref(length)
            )
        )
        rows = self._shaped(out)
        return rows.reshape((count, self.dims[0]) + rows.shape[1:])


_default = None
_default_lock = threading.Lock()


def default_loader():
    """The loader on the global cache that follows the configuration, made on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Loader()
    return _default


def load(path, scaling=""):
    """Loads a Bruker file (BES3T ``.DSC``/``.DTA`` or base name, ESP ``.par``/``.spc``)
    through the global cache; ``scaling`` is any of ``nPGTc``. Returns a :class:`Dataset`."""
    return (_default or default_loader()).load(path, scaling)


def describe(path, scaling=""):
    """Everything of a dataset but its values, without reading the data file."""
    return default_loader().describe(path, scaling)


def worker_threads():
    """The number of workers ``performance.threads`` gives (0: half the cores, at least one;
    one when ``performance.parallel_processing`` is false)."""
    from .config import config

    if not config.get("performance.parallel_processing"):
        return 1
    threads = int(config.get("performance.threads"))
    return threads or max(1, (os.cpu_count() or 2) // 2)


def load_many(paths, scaling="", progress=None):
    """Loads many files on worker threads: one :class:`Dataset` or exception per path, in
    order. ``progress(done, total)`` is called after each file (see ``Loader.load_many``)."""
    return default_loader().load_many(paths, scaling, progress)


def open_reader(path, scaling="", chunk_points=None):
    """A chunked :class:`Reader` of the file (``chunk_points`` default: from
    ``performance.chunk_size_mb``)."""
    return default_loader().open_reader(path, scaling, chunk_points)


# EPyR Tools' axis-label parameters: (if this key is set, copy it into, source key).
_BES3T_LABELS = (("XNAM", "XAXIS_NAME", "XNAM"), ("XNAM", "XAXIS_UNIT", "XUNI"),
                 ("YNAM", "YAXIS_NAME", "YNAM"), ("YNAM", "YAXIS_UNIT", "YUNI"))
_ESP_LABELS = (("JEX", "XAXIS_NAME", "JEX"), ("JUN", "XAXIS_UNIT", "JUN"),
               ("XXUN", "XAXIS_UNIT", "XXUN"), ("JEY", "YAXIS_NAME", "JEY"),
               ("XYUN", "YAXIS_UNIT", "XYUN"))
#: EPyR Tools copies axis labels for the two formats it reads (by the library's format id).
_LABELS = {"bruker-bes3t": _BES3T_LABELS, "bruker-esp": _ESP_LABELS}


def eprload_params(dataset):
    """The parameter dict EPyR Tools' ``eprload`` gives: every key that starts with a letter
    (a later key of the same name wins), plus its ``XAXIS_NAME``/``UNIT`` and
    ``YAXIS_NAME``/``UNIT`` copies, then typed as it types them."""
    text = {k: v for k, v, _ in dataset.param_entries if k[:1].isalpha()}
    for flag, added, source in _LABELS.get(dataset.format, ()):
        if text.get(flag) and source in text:
            text[added] = text[source]
    return {k: typed(v) for k, v in text.items()}


def eprload_result(dataset, path):
    """``(x, y, params, path)`` of a loaded dataset with EPyR Tools' conventions."""
    defined = [a.values for a in dataset.axes if a.values is not None and len(a.values) > 1]
    if not defined:
        x = None
    elif len(defined) == 1:
        x = defined[0]
    else:
        x = defined
    components = dataset.components
    y = components[0] if len(components) == 1 else np.stack(components)
    resolved = os.path.realpath(os.fsdecode(path)) if os.path.exists(path) else dataset.sources[0]
    return x, y, eprload_params(dataset), resolved


_RETURN_TYPES = {"default": None, "real": np.real, "imag": np.imag}


def eprload(file_name=None, scaling="", plot_if_possible=False, save_if_possible=False,
            return_type="default", *, loader=None):
    """``(x, y, params, path)`` as EPyR Tools 0.5's ``epyr.eprload`` returns them, for every
    format libepyr reads: ``x`` the abscissa (a list ``[x, y]`` for 2-D, ``None`` without
    one), ``y`` shaped ``(ny, nx)`` (all components stacked first when there are several:
    EPyR Tools keeps only the first), ``params`` typed like EPyR Tools', ``path`` the resolved
    file name. ``scaling`` is any of ``nPGTc``; ``return_type`` ``"real"`` or ``"imag"``
    gives that part of ``y``. ``plot_if_possible`` draws the data with matplotlib
    (:meth:`Dataset.plot`; a warning and no plot when matplotlib is not installed) and
    ``save_if_possible`` also saves the figure as ``<file>.png`` beside the file. A folder
    (or ``None``: the current folder) opens EPyR Tools' file dialog where a display and
    tkinter are available ((None,)*4 when it is cancelled) and raises
    ``IsADirectoryError`` elsewhere (list a folder's datasets with
    :func:`~epyr_native.find_datasets`). Errors raise (EPyR Tools returns ``(None,)*4``)."""
    if return_type not in _RETURN_TYPES:
        raise ValueError(
            f"Invalid return_type {return_type!r}. Must be 'default', 'real', or 'imag'."
        )
    path = os.getcwd() if file_name is None else file_name
    if os.path.isdir(path):
        path = _choose_file(path)
        if path is None:
            return None, None, None, None
    dataset = (loader or default_loader()).load(path, scaling or "")
    x, y, params, resolved = eprload_result(dataset, path)
    if _RETURN_TYPES[return_type] is not None:
        y = _RETURN_TYPES[return_type](y)
    if plot_if_possible:
        _plot_for_eprload(dataset, resolved, return_type, save_if_possible)
    return x, y, params, resolved


def _has_display():
    return sys.platform in ("win32", "darwin") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _choose_file(folder):
    """EPyR Tools' file dialog in ``folder`` (the path chosen, ``None`` when cancelled);
    ``IsADirectoryError`` without a display or tkinter."""
    try:
        if not _has_display():
            raise ImportError("no display")
        import tkinter
        from tkinter import filedialog
    except ImportError:
        raise IsADirectoryError(
            errno.EISDIR,
            "eprload was given a folder and there is no display for a file dialog: pass a "
            "file, or list the folder's datasets with epyr_native.find_datasets(folder)",
            os.fsdecode(folder),
        ) from None
    root = tkinter.Tk()
    root.withdraw()
    patterns = " ".join(f"*.{e} *.{e.upper()}" for f in formats() for e in f["extensions"])
    chosen = filedialog.askopenfilename(
        title="Load EPR data file...", initialdir=os.fsdecode(folder),
        filetypes=[("EPR data", patterns), ("All files", "*.*")])
    root.destroy()
    return chosen or None


def _plot_for_eprload(dataset, resolved, return_type, save):
    """``plot_if_possible``: the quick look, saved as ``<file>.png`` when ``save``."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        logging.getLogger("epyr_native").warning(
            "plot_if_possible: matplotlib is not installed (pip install matplotlib)")
        return
    ax = dataset.plot(part="imag" if return_type == "imag" else "real")
    if save:
        ax.figure.savefig(os.path.splitext(resolved)[0] + ".png", dpi=300)
    plt.show()


__all__ = ["Loader", "Reader", "load", "describe", "load_many", "open_reader", "eprload",
           "numpy_shape"]
