"""epyr_native: the Bruker EPR reader and performance system of libepyr for Python.

``load``/``describe``/``load_many``/``open_reader`` return libepyr's datasets as read-only
zero-copy NumPy arrays; ``eprload`` gives ``(x, y, params, path)`` with EPyR Tools'
conventions; ``epyr_native.performance`` and ``epyr_native.config`` have the names of EPyR
Tools' ``epyr.performance`` and ``epyr.config``. Importing the package only loads the library:
no file is read or written and no environment variable is set.
"""

from ._dataset import Axis, Dataset
from ._lib import (
    EpyrError,
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
    "EpyrError",
    "EpyrFileNotFoundError",
    "EpyrMemoryError",
    "EpyrOSError",
    "EpyrRuntimeError",
    "EpyrValueError",
    "Loader",
    "Reader",
    "describe",
    "eprload",
    "load",
    "load_many",
    "open_reader",
]
