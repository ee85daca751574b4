"""epyr_native: the Bruker EPR reader and performance system of libepyr for Python.

``load``/``describe``/``load_many``/``open_reader`` return libepyr's datasets as read-only
zero-copy NumPy arrays; ``eprload`` gives ``(x, y, params, path)`` with EPyR Tools'
conventions; ``epyr_native.performance`` and ``epyr_native.config`` have the names of EPyR
Tools' ``epyr.performance`` and ``epyr.config``. ``Dataset.to_xarray``, the xarray backend
``engine="epyr"`` and ``epyr_native.dask`` need xarray / dask (optional dependencies). Importing the package only loads the library:
no file is read or written and no environment variable is set.
"""

from ._dataset import Axis, Dataset
from ._formats import DatasetEntry, FoundDatasets, find_datasets, formats
from ._lib import (
    EpyrError,
    EpyrFileExistsError,
    EpyrFileNotFoundError,
    EpyrMemoryError,
    EpyrOSError,
    EpyrRuntimeError,
    EpyrValueError,
    lib as _lib_handle,
)
from ._loader import Loader, Reader, describe, eprload, load, load_many, open_reader

__version__ = _lib_handle.epyr_version().decode()

__all__ = [
    "Axis",
    "Dataset",
    "DatasetEntry",
    "EpyrError",
    "EpyrFileExistsError",
    "EpyrFileNotFoundError",
    "EpyrMemoryError",
    "EpyrOSError",
    "EpyrRuntimeError",
    "EpyrValueError",
    "FoundDatasets",
    "Loader",
    "Reader",
    "describe",
    "eprload",
    "find_datasets",
    "formats",
    "load",
    "load_many",
    "open_reader",
]
