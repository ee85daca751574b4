"""Loading through an ``epyr_loader``: full loads, descriptions, batch loads on libepyr's
worker threads, the chunked reader, and ``eprload`` with EPyR Tools' conventions."""

import ctypes as C
import os
import threading

import numpy as np

from . import _lib
from ._dataset import Dataset, numpy_shape, typed
from ._lib import check, lib, path_bytes, scaling_bytes

_load = _lib.loader_load_untyped


class Loader:
    """An ``epyr_loader``: ``cache`` a :class:`~epyr_native.performance.DataCache` (``None``:
    the global cache), ``chunk_size_mb`` (``None``: ``performance.chunk_size_mb``),
    ``cache_enabled`` (``None``: ``performance.cache_enabled``)."""

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
            raise _lib.error(status)
        return Dataset(out)

    def describe(self, path, scaling=""):
        """Everything but the values (no data read)."""
        out = _lib.P()
        check(
            lib.epyr_loader_describe(
                self.handle, path_bytes(path), scaling_bytes(scaling), C.byref(out)
            )
        )
        return Dataset(out, described=True)

    def load_many(self, paths, scaling="", progress=None, batch=256):
        """One result per path, in order: a :class:`Dataset` or the exception of that file.
        Files are loaded by libepyr's ``performance.threads`` workers with the GIL released;
        ``progress(done, total)`` is called after each batch of ``batch`` files."""
        encoded = [path_bytes(p) for p in paths]
        scaling = scaling_bytes(scaling)
        total = len(encoded)
        results = []
        step = max(1, int(batch)) if progress is not None else max(total, 1)
        for start in range(0, total, step):
            part = encoded[start : start + step]
            n = len(part)
            datasets, statuses = (_lib.P * n)(), (_lib.i32 * n)()
            check(
                lib.epyr_loader_load_many(
                    self.handle,
                    (_lib.text * n)(*part),
                    n,
                    scaling,
                    datasets,
                    statuses,
                    None,
                )
            )
            for index in range(n):
                if statuses[index]:
                    exc_class = _lib.error(statuses[index]).__class__
                    results.append(exc_class(statuses[index], _batch_message(index)))
                else:
                    results.append(Dataset(_lib.P(datasets[index])))
            if progress is not None:
                progress(len(results), total)
        return results

    def open_reader(self, path, scaling="", chunk_points=None):
        """A :class:`Reader` streaming the file."""
        return Reader(self, path, scaling, chunk_points)


def _batch_message(index):
    """The message of file ``index`` of this thread's last ``epyr_loader_load_many`` call: that
    file's own, whole, whatever text the file names hold."""
    text = _lib.sized_text(lib.epyr_last_batch_message, index)[:-1]  # without the NUL
    return text.decode("utf-8", "replace")


class Reader:
    """The chunked reader: an iterator of NumPy chunks with one chunk in memory at a time (each
    chunk is a new array the size of one chunk; drop it to free it), plus row ranges by
    positioned reads. A chunk holds whole points; with several values per point (complex or
    several components) it has shape ``(points, values_per_point)`` of float64, and
    ``complex128`` of shape ``(points,)`` for one complex component. Not for several threads at
    once."""

    def __init__(self, loader, path, scaling="", chunk_points=None):
        handle = _lib.P()
        check(
            lib.epyr_reader_open_scaled(
                loader.handle, path_bytes(path), scaling_bytes(scaling), C.byref(handle)
            )
        )
        self.handle = handle.value
        if chunk_points is not None:
            check(lib.epyr_reader_set_chunk_points(self.handle, int(chunk_points)))
        info = [_lib.u64() for _ in range(6)]
        check(lib.epyr_reader_info(self.handle, *(C.byref(v) for v in info)))
        nx, ny, nz, self.values_per_point, self.chunk_points, _ = (v.value for v in info)
        self.dims = (nx, ny, nz)
        self._one_complex = False
        if self.values_per_point == 2:
            probe = loader.describe(path, scaling)
            self._one_complex = probe.complex == (True,)

    def close(self):
        """Frees the reader (also done when it is garbage)."""
        free = getattr(lib, "epyr_reader_free", None)
        if free is not None and getattr(self, "handle", None):
            free(self.handle)
            self.handle = None

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def position(self):
        """The next point the iterator reads."""
        info = [_lib.u64() for _ in range(6)]
        check(lib.epyr_reader_info(self.handle, *(C.byref(v) for v in info)))
        return info[5].value

    def rewind(self):
        """Back to the first point."""
        check(lib.epyr_reader_rewind(self.handle))

    def _shaped(self, flat):
        if self._one_complex:
            return flat.view(np.complex128)
        if self.values_per_point > 1:
            return flat.reshape(-1, self.values_per_point)
        return flat

    def __iter__(self):
        return self

    def __next__(self):
        chunk = np.empty(self.chunk_points * self.values_per_point, dtype=np.float64)
        length, first = _lib.u64(), _lib.u64()
        check(
            lib.epyr_reader_next(
                self.handle, chunk.ctypes.data, chunk.size, C.byref(length), C.byref(first)
            )
        )
        if length.value == 0:
            raise StopIteration
        return self._shaped(chunk[: length.value])

    def read_rows(self, start, count):
        """Rows ``start .. start + count`` (a row is ``nx`` points; rows run over y, then z),
        shaped ``(count, nx)`` (plus the values per point), without moving the iterator."""
        length = _lib.u64()
        check(lib.epyr_reader_read_rows(self.handle, start, count, None, 0, C.byref(length)))
        out = np.empty(length.value, dtype=np.float64)
        check(
            lib.epyr_reader_read_rows(
                self.handle, start, count, out.ctypes.data, out.size, C.byref(length)
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


def load_many(paths, scaling="", progress=None):
    """Loads many files on libepyr's worker threads: one :class:`Dataset` or exception per
    path. ``progress(done, total)`` is called as batches finish."""
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


def eprload_params(dataset):
    """The parameter dict EPyR Tools' ``eprload`` gives: every key that starts with a letter
    (a later key of the same name wins), plus its ``XAXIS_NAME``/``UNIT`` and
    ``YAXIS_NAME``/``UNIT`` copies, then typed as it types them."""
    text = {k: v for k, v, _ in dataset.param_entries if k[:1].isalpha()}
    is_esp = dataset.sources[0].lower().endswith((".par", ".spc"))
    for flag, added, source in _ESP_LABELS if is_esp else _BES3T_LABELS:
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


def eprload(path, scaling=None, loader=None):
    """``(x, y, params, path)`` as EPyR Tools' ``epyr.eprload`` returns them: ``x`` the
    abscissa (a list ``[x, y]`` for 2-D, ``None`` without one), ``y`` shaped ``(ny, nx)``
    (all components stacked first when there are several: EPyR Tools keeps only the first),
    ``params`` typed like EPyR Tools', ``path`` the resolved file name. Errors raise."""
    dataset = (loader or default_loader()).load(path, scaling or "")
    return eprload_result(dataset, path)


__all__ = ["Loader", "Reader", "load", "describe", "load_many", "open_reader", "eprload",
           "numpy_shape"]
