"""The xarray backend ``engine="epyr"`` (registered in the package's entry points):
``xr.open_dataset(path, engine="epyr")`` for every format libepyr reads.

Opening describes the dataset (headers only); the variable ``intensity`` is lazy: indexing it
reads only the rows (``nx`` points each, over y then z) that the index touches, through the
chunked reader's positioned reads, so ``chunks={...}`` gives a Dask array over a file larger
than memory and ``.isel(...)`` reads only those rows. The array carries the path, the scaling
and the files' stamps (size, modification time, inode) taken when the file was opened, never a
libepyr handle: it pickles to Dask workers, opens its own reader where it runs, and refuses to
read files that changed since (``OSError``)."""

import os

import numpy as np
import xarray as xr
from xarray.backends import BackendArray, BackendEntrypoint
from xarray.core import indexing

from . import _lib, _xarray
from ._formats import has_known_extension
from ._loader import Loader, default_loader


def _stamps(paths):
    """Size, modification time (ns), inode and device of each file."""
    out = []
    for path in paths:
        st = os.stat(path)
        out.append((st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev))
    return tuple(out)


def _as_slice(key, n):
    """An integer or slice of a basic index as ``(start, stop, step, dropped)``."""
    if isinstance(key, slice):
        start, stop, step = key.indices(n)
        return start, stop, step, False
    index = int(key) + (n if key < 0 else 0)
    return index, index + 1, 1, True


class EpyrBackendArray(BackendArray):
    """The lazy values of one dataset: ``shape``/``dtype`` of the layout, read by row ranges
    (see the module). Picklable: path, scaling, stamps and the layout, no handle."""

    def __init__(self, path, scaling, dataset, layout):
        self.path, self.scaling = path, scaling
        self.sources = tuple(dataset.sources)
        self.stamps = _stamps(self.sources)
        self.dims3 = tuple(int(n) for n in dataset.dims)
        self.complex = tuple(dataset.complex)
        self.kept = tuple(layout.kept)
        self.shape = layout.shape
        self.dtype = layout.dtype

    def __getitem__(self, key):
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.BASIC, self._read
        )

    def _check_stamps(self):
        if _stamps(self.sources) != self.stamps:
            raise _lib.EpyrOSError(
                _lib.FILE_CHANGED,
                f"{self.path}: a file of the dataset changed after it was opened with "
                "engine='epyr'; open it again",
                self.path,
            )

    def _full_key(self, key):
        """The index as (component, z, y, x) ranges of ``_as_slice``."""
        key = tuple(key)
        if len(self.complex) > 1:
            component, key = key[0], key[1:]
        else:
            component = 0
        ranges = {i: (0, 1, 1, False) for i in (0, 1, 2)}
        for i, k in zip(self.kept, key):
            ranges[i] = _as_slice(k, self.dims3[i])
        return _as_slice(component, len(self.complex)), ranges[2], ranges[1], ranges[0]

    def _read(self, key):
        comp, z, y, x = self._full_key(key)
        nx, ny, _ = self.dims3
        self._check_stamps()
        with Loader(cache_enabled=False).open_reader(self.path, self.scaling) as reader:
            blocks = []
            for zi in range(z[0], z[1], z[2]):
                first, count = zi * ny + y[0], max(y[1] - y[0], 0)
                rows = self._components(reader.read_rows(first, count)) if count else (
                    np.empty((len(self.complex), 0, nx), self.dtype))
                blocks.append(rows[:, :: y[2]])
        data = np.stack(blocks, axis=1) if blocks else np.empty(
            (len(self.complex), 0, 0, nx), self.dtype)
        data = data[slice(*comp[:3]), :, :, slice(*x[:3])]
        # Data axes: 0 component, 1 z, 2 y, 3 x; the layout keeps the component axis when
        # there are several and the axes of ``kept`` (size 1 otherwise), minus integer indices.
        ranges = {0: comp, 1: z, 2: y, 3: x}
        keep = [0] if len(self.complex) > 1 else []
        keep += [3 - i for i in self.kept]
        return data.reshape(tuple(data.shape[a] for a in keep if not ranges[a][3]))

    def _components(self, rows):
        """Rows from the reader as (component, row, x) in the layout's dtype."""
        if rows.ndim == 2:  # one component, real or complex
            return rows[np.newaxis].astype(self.dtype, copy=False)
        out, column = [], 0
        for is_complex in self.complex:
            if is_complex:
                out.append(rows[..., column] + 1j * rows[..., column + 1])
                column += 2
            else:
                out.append(rows[..., column])
                column += 1
        return np.stack(out).astype(self.dtype, copy=False)


class EpyrBackendEntrypoint(BackendEntrypoint):
    """``engine="epyr"``: every format of libepyr's table (``epyr_native.formats()``)."""

    description = "EPR datasets of every format epyr reads (Bruker, Magnettech, JEOL, ...)"
    url = "https://github.com/epyr/epyr/blob/main/docs/python.md"
    open_dataset_parameters = ("filename_or_obj", "drop_variables", "scaling")

    def open_dataset(self, filename_or_obj, *, drop_variables=None, scaling=""):
        """The dataset at ``filename_or_obj`` (a path), ``scaling`` as for ``load``."""
        path = os.fsdecode(os.fspath(filename_or_obj))
        dataset = default_loader().describe(path, scaling)
        layout = _xarray.Layout(dataset)
        lazy = indexing.LazilyIndexedArray(EpyrBackendArray(path, scaling, dataset, layout))
        attrs = _xarray.attributes(dataset, None)
        variables = {}
        if _xarray.VARIABLE not in (drop_variables or ()):
            variables[_xarray.VARIABLE] = xr.Variable(layout.dims, lazy, attrs)
        coords = {name: xr.Variable(*spec) for name, spec in
                  _xarray.coordinates(layout).items()}
        return xr.Dataset(variables, coords=coords, attrs={"source": path})

    def guess_can_open(self, filename_or_obj):
        """Whether the path's extension is one of libepyr's format table (formats known by
        their content only are opened with ``engine="epyr"`` given)."""
        try:
            return has_known_extension(os.fspath(filename_or_obj))
        except TypeError:
            return False
