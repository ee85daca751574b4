"""The C ABI of libepyr through ctypes: the shared library shipped inside the package, every
function declared from the one table of ``_prototypes.py``, and the mapping of status codes
to Python exceptions.

ctypes releases the GIL for the duration of every call into a ``CDLL``, so loads on several
Python threads run in parallel inside libepyr.
"""

import ctypes as C
import errno
import os
import re
import sys

# The table of every C function, and the types the package's modules build arguments with.
from ._prototypes import PROTOTYPES as _PROTOTYPES
from ._prototypes import P, dbl, i32, u64  # noqa: F401 (used as _lib.P, ... elsewhere)
from ._prototypes import ch as text  # noqa: F401

OK = 0
NULL_ARG, INVALID_ARG, IO, NOT_FOUND, FORMAT, UNSUPPORTED, SCALING = 1, 2, 3, 4, 5, 6, 7
MEMORY_LIMIT, CONFIG, BUFFER_TOO_SMALL, PANIC, FILE_CHANGED, EXISTS = 8, 9, 10, 11, 12, 13

#: The C ABI version this package was written against (``EPYR_ABI_VERSION``).
ABI_VERSION = 1


class EpyrError(Exception):
    """A failed call into libepyr: ``code`` is the ``EPYR_ERR_*`` status, ``name`` its macro
    name, ``message`` libepyr's message (what failed, with which file, key or value, in the
    package's names) and ``filename`` the path the call was given (``None`` without one)."""

    def __init__(self, code, message, filename=None):
        self.code = code
        self.name = error_name(code)
        self.message = message
        super().__init__(f"{self.name}: {message}")
        self.filename = filename

    def __str__(self):
        return f"{self.name}: {self.message}"

    def __reduce__(self):
        return (type(self), (self.code, self.message, self.filename))


class EpyrOSError(EpyrError, OSError):
    """A file could not be opened or read, or changed while it was read. ``filename`` is the
    path given, ``strerror`` the message; ``errno`` is ``None`` (libepyr gives no number)."""

    _errno = None

    def __init__(self, code, message, filename=None):
        super().__init__(code, message, filename)
        self.errno, self.strerror = self._errno, message


class EpyrFileNotFoundError(EpyrOSError, FileNotFoundError):
    """A file (descriptor, data, companion) or a parameter key does not exist: ``errno`` is
    ``errno.ENOENT``, ``filename`` the path given."""

    _errno = errno.ENOENT


class EpyrFileExistsError(EpyrOSError, FileExistsError):
    """An output file exists and was not to be replaced (``EPYR_ERR_EXISTS``): ``errno`` is
    ``errno.EEXIST``, ``filename`` the path given."""

    _errno = errno.EEXIST


class EpyrMemoryError(EpyrError, MemoryError):
    """A full load would take libepyr over ``performance.memory_limit_mb``."""


class EpyrValueError(EpyrError, ValueError):
    """A file does not follow its format, uses an unsupported feature, or an argument, scaling
    or configuration value is not accepted."""


class EpyrRuntimeError(EpyrError, RuntimeError):
    """A bug inside libepyr, caught at its boundary (``EPYR_ERR_PANIC``)."""


_EXCEPTION_OF_CODE = {
    NOT_FOUND: EpyrFileNotFoundError,
    IO: EpyrOSError,
    FILE_CHANGED: EpyrOSError,
    EXISTS: EpyrFileExistsError,
    MEMORY_LIMIT: EpyrMemoryError,
    FORMAT: EpyrValueError,
    UNSUPPORTED: EpyrValueError,
    SCALING: EpyrValueError,
    INVALID_ARG: EpyrValueError,
    NULL_ARG: EpyrValueError,
    CONFIG: EpyrValueError,
    BUFFER_TOO_SMALL: EpyrValueError,
    PANIC: EpyrRuntimeError,
}


class OwnsHandle:
    """Base of the classes whose objects own a libepyr handle (an address valid in this process
    only): a copy would free the handle a second time when dropped, and a pickle would carry a
    number that means nothing, or another object, where it is loaded. Both raise ``TypeError``
    saying what to do instead (the class's ``_instead``)."""

    __slots__ = ()
    _instead = "make a new one"

    def __reduce_ex__(self, protocol):
        raise TypeError(
            f"a {type(self).__name__} cannot be copied or pickled: it owns a libepyr handle "
            f"that is valid only in this process; {self._instead}"
        )


def _library_path():
    """``EPYR_NATIVE_LIBRARY`` if set (for developing libepyr), else the library inside the
    package."""
    override = os.environ.get("EPYR_NATIVE_LIBRARY")
    if override:
        return override
    names = {"win32": "epyr.dll", "darwin": "libepyr.dylib"}
    return os.path.join(os.path.dirname(__file__), names.get(sys.platform, "libepyr.so"))


if not os.path.exists(_library_path()):
    raise ImportError(
        f"{_library_path()} is missing: install the package with `pip install ./python` from a "
        "checkout of epyr (it builds libepyr), or set EPYR_NATIVE_LIBRARY to a libepyr build"
    )
lib = C.CDLL(_library_path())

# Every function is declared from the one table, shared with tests/ctypes_abi.py.
for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    _function = getattr(lib, _name)
    _function.restype = _restype
    _function.argtypes = _argtypes

#: The two calls of a validated cache hit (load, then free of the handle), as second function
#: objects of the same symbols without ``argtypes``: ctypes' per-argument conversion is about
#: 0.35 µs of a 5 µs hit. Called only with ``c_void_p`` handles, ``bytes`` or ``None``
#: strings and ``byref`` of a ``c_void_p``, which ctypes passes as the C prototypes' pointers.
loader_load_untyped = lib["epyr_loader_load"]
loader_load_untyped.restype = i32
dataset_free_untyped = lib["epyr_dataset_free"]
dataset_free_untyped.restype = None

if lib.epyr_abi_version() != ABI_VERSION:
    raise ImportError(
        f"{_library_path()} has C ABI version {lib.epyr_abi_version()}, "
        f"epyr_native expects {ABI_VERSION}"
    )


def error_name(code):
    """The ``EPYR_*`` macro name of a status code."""
    name = lib.epyr_error_name(code)
    return name.decode() if name else f"EPYR_ERR_{code}"


#: What libepyr's messages name in C or Rust terms, as the Python user knows it: sentences
#: first, then every C name left (``epyr_loader_load`` -> ``load``).
_PYTHON_SENTENCES = (
    ("copy ranges into your own buffer (epyr_dataset_copy_axis, epyr_reader_copy_axis), ", ""),
    ("(epyr_reader_open / Loader::open_reader)", "(epyr_native.open_reader)"),
)
_PYTHON_NAMES = {
    "epyr_loader_load": "load", "epyr_loader_load_into": "load",
    "epyr_loader_describe": "describe", "epyr_loader_load_many": "load_many",
    "epyr_reader_open": "open_reader", "epyr_reader_open_scaled": "open_reader",
    "epyr_config_get": "config.get", "epyr_config_get_double": "config.get",
    "epyr_config_get_bool": "config.get", "epyr_config_set": "config.set",
    "epyr_config_set_double": "config.set", "epyr_config_set_bool": "config.set",
    "epyr_config_save": "config.save", "epyr_config_load": "config.load",
    "epyr_cache": "DataCache", "epyr_loader": "Loader", "epyr_reader": "Reader",
    "epyr_dataset": "Dataset",
}
# A C name or Rust item as a word of its own, not part of a path (a folder "epyr_reader/").
_C_NAME = re.compile(
    r"(?<![\w/\\.-])(?:epyr_[a-z_]+|[A-Z][A-Za-z]*::[a-z_]+)(?![\w/\\-])(?!\.\w)"
)


def python_message(message):
    """libepyr's message with the names of its C functions (and Rust items) replaced by the
    package's: a Python user never reads ``epyr_loader_load``."""
    if "epyr_" not in message and "::" not in message:
        return message
    for c_text, python_text in _PYTHON_SENTENCES:
        message = message.replace(c_text, python_text)
    return _C_NAME.sub(
        lambda m: _PYTHON_NAMES.get(m.group(), m.group().replace("::", ".")), message
    )


def last_error_message():
    """The message of this thread's last failed call into libepyr, in the package's names."""
    needed = lib.epyr_last_error_message(None, 0)
    message = C.create_string_buffer(needed)
    lib.epyr_last_error_message(C.addressof(message), needed)
    return python_message(message.value.decode("utf-8", "replace"))


def error(status, filename=None):
    """The exception for a failed call's status, with this thread's last message and the
    path the call was given (``filename``: ``str``, ``bytes``, path-like or ``None``)."""
    if filename is not None:
        filename = _fspath(filename)
    return _EXCEPTION_OF_CODE.get(status, EpyrError)(status, last_error_message(), filename)


def check(status, filename=None):
    """Raises the exception for a failed status (see ``error``); nothing on ``EPYR_OK``."""
    if status:
        raise error(status, filename)


_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
_fspath = os.fspath


def refuse_nul(raw, what, shown):
    """Raises ``EpyrValueError`` (``EPYR_ERR_INVALID_ARG``) when ``raw`` (``str`` or ``bytes``)
    holds a NUL: a C string ends at its first NUL, so libepyr would see only the text before
    it (another file, another key). Every text this package passes to libepyr goes through
    here."""
    if ("\0" if isinstance(raw, str) else b"\0") in raw:
        raise EpyrValueError(
            INVALID_ARG, f"{what} {shown!r} contains a NUL character (C strings end at a NUL)"
        )


def text_bytes(text, what):
    """A text argument (``str`` or a subclass such as ``numpy.str_``) as the UTF-8 bytes
    libepyr takes; ``what`` names it in errors (``"configuration key"``)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    refuse_nul(text, what, text)
    try:
        return text.encode()
    except UnicodeEncodeError as e:
        raise EpyrValueError(INVALID_ARG, f"{what} {text!r} is not valid Unicode: {e}") from None


def path_bytes(path):
    """A path as the bytes libepyr takes: ``str`` (or a subclass), ``bytes`` or any
    ``os.PathLike``, encoded as ``os.fsencode`` does (a name that is not valid UTF-8 keeps its
    bytes). A NUL inside the path is refused here."""
    raw = _fspath(path)
    if isinstance(raw, str):
        raw = raw.encode(_FS_ENCODING, _FS_ERRORS)  # what os.fsencode does, in fewer calls
    refuse_nul(raw, "path", path)
    return raw


def scaling_bytes(scaling):
    """A scaling option (``None`` or ``""`` for none: NULL) as bytes."""
    if scaling is None or scaling == "":
        return None
    return text_bytes(scaling, "scaling")


def sized_text(call, *args):
    """Text from a ``(buf, cap, needed)`` function: a size query, then the copy."""
    needed = u64()
    check(call(*args, None, 0, C.byref(needed)))
    out = C.create_string_buffer(max(needed.value, 1))
    check(call(*args, C.addressof(out), needed.value, C.byref(needed)))
    return out.raw[: needed.value]
