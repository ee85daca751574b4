"""Datasets: libepyr's shared, immutable data seen as read-only NumPy arrays without a copy,
plus axes, parameters, warnings and sources."""

import ctypes as C
import re
import threading

import numpy as np

from . import _lib
from ._lib import check, lib

_INT_RE = re.compile(r"^\s*[+-]?\d+(?:_\d+)*\s*$")
# The number pattern of EPyR Tools' parameter typing (a value it converts with float()).
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def typed(text):
    """A value (libepyr has removed one pair of outer single quotes, as EPyR Tools does) as
    EPyR Tools types it: an ``int`` if ``int()`` takes it, a ``float``
    if it looks like a decimal number, else the text."""
    if _INT_RE.match(text):
        return int(text)
    if _NUMBER_RE.match(text):
        return float(text)
    return text


class _Handle:
    """Owns one ``epyr_dataset`` handle and frees it when the last reference is gone. Every
    array handed out keeps it alive through its ``base``."""

    __slots__ = ("value", "__weakref__")

    def __init__(self, value):
        self.value = value

    def __del__(self):
        free = getattr(lib, "epyr_dataset_free", None)
        if free is not None and self.value:
            free(self.value)
            self.value = None


class DatasetMemory:
    """The ``base`` of every array of a dataset: it describes libepyr's memory to NumPy
    (``__array_interface__``, read-only) and holds the dataset handle, so the values live as
    long as any array, or view of one, does."""

    __slots__ = ("handle", "__array_interface__")

    def __init__(self, handle, address, shape, typestr):
        self.handle = handle
        self.__array_interface__ = {
            "version": 3,
            "data": (address, True),
            "shape": shape,
            "typestr": typestr,
        }


def _shared_array(handle, address, length, shape, complex_values):
    """A read-only NumPy view of ``length`` doubles at ``address`` owned by ``handle``."""
    if length == 0:
        return np.empty(shape, dtype=np.complex128 if complex_values else np.float64)
    typestr = "<c16" if complex_values else "<f8"
    if np.little_endian is False:
        typestr = typestr.replace("<", ">")
    array = np.asarray(DatasetMemory(handle, address, shape, typestr))
    array.flags.writeable = False
    return array


def numpy_shape(dims):
    """EPyR Tools' array shape for ``[nx, ny, nz]``: reversed, size-1 dimensions dropped,
    ``(1,)`` for a single point."""
    shape = tuple(int(n) for n in reversed(dims) if n > 1)
    return shape or (1,)


_packed_buffers = threading.local()


def packed_strings(call, handle):
    """The NUL-separated strings of a packed call, in one call when the thread's reused buffer
    is large enough (a size query and a second call otherwise, and the buffer grows)."""
    buffer = getattr(_packed_buffers, "buffer", None)
    if buffer is None:
        buffer = _packed_buffers.buffer = C.create_string_buffer(1 << 16)
    needed = _lib.u64()
    status = call(handle, C.addressof(buffer), len(buffer), C.byref(needed))
    if status == _lib.BUFFER_TOO_SMALL:
        check(call(handle, None, 0, C.byref(needed)))
        buffer = _packed_buffers.buffer = C.create_string_buffer(needed.value * 2)
        status = call(handle, C.addressof(buffer), len(buffer), C.byref(needed))
    check(status)
    return C.string_at(buffer, needed.value).split(b"\0")[:-1]


class Axis:
    """One abscissa: ``values`` (read-only float64, ``None`` where the file gives none),
    ``name`` and ``unit``."""

    __slots__ = ("values", "name", "unit")

    def __init__(self, values, name, unit):
        self.values = values
        self.name = name
        self.unit = unit

    def __repr__(self):
        n = None if self.values is None else len(self.values)
        return f"Axis(name={self.name!r}, unit={self.unit!r}, points={n})"


class Dataset:
    """A dataset loaded (or described) by libepyr.

    ``values`` is component 0, ``components`` every component, each a read-only NumPy array
    shaped like EPyR Tools' arrays (``(nx,)``, ``(ny, nx)``, ``(nz, ny, nx)``; complex as
    ``complex128``) that views libepyr's shared data without a copy. ``dims`` is
    ``(nx, ny, nz)``; ``axes`` the three :class:`Axis`; ``params`` the parameters typed as
    EPyR Tools types them (a later key of the same name wins), ``params_raw`` their raw text,
    ``param_entries`` every ``(key, value text, device block)`` in file order (libepyr's
    text: continuation lines joined, ``\\n`` expanded, one pair of outer quotes removed); ``warnings`` and
    ``sources`` (the files read). Everything is read on first use and kept.
    A dataset from :func:`describe` has everything but the values.
    """

    def __init__(self, handle, described=False):
        self._handle = _Handle(handle)
        self.described = described
        self._cache = {}

    def _get(self, name, make):
        value = self._cache.get(name)
        if value is None:
            value = self._cache[name] = make()
        return value

    @property
    def handle(self):
        """The ``epyr_dataset *`` handle (valid while this object lives)."""
        return self._handle.value

    @property
    def dims(self):
        """``(nx, ny, nz)``, each at least 1."""

        def make():
            n = [_lib.u64(), _lib.u64(), _lib.u64()]
            check(lib.epyr_dataset_dims(self.handle, *(C.byref(v) for v in n)))
            return tuple(v.value for v in n)

        return self._get("dims", make)

    @property
    def shape(self):
        """The NumPy shape of each component (EPyR Tools' convention)."""
        return numpy_shape(self.dims)

    @property
    def complex(self):
        """One flag per component."""

        def make():
            count = C.c_uint32()
            check(lib.epyr_dataset_components(self.handle, C.byref(count)))
            flags = []
            for index in range(count.value):
                flag = _lib.i32()
                check(lib.epyr_dataset_is_complex(self.handle, index, C.byref(flag)))
                flags.append(bool(flag.value))
            return tuple(flags)

        return self._get("complex", make)

    @property
    def components(self):
        """Every component as a read-only zero-copy array."""

        def make():
            arrays = []
            for index, complex_values in enumerate(self.complex):
                pointer, length = _lib.pdbl(), _lib.u64()
                check(
                    lib.epyr_dataset_values(
                        self.handle, index, C.byref(pointer), C.byref(length)
                    )
                )
                address = C.cast(pointer, C.c_void_p).value or 0
                arrays.append(
                    _shared_array(
                        self._handle, address, length.value, self.shape, complex_values
                    )
                )
            return tuple(arrays)

        return self._get("components", make)

    @property
    def values(self):
        """Component 0."""
        return self.components[0]

    @property
    def axes(self):
        """The x, y and z :class:`Axis`."""

        def make():
            labels = [s.decode("utf-8", "replace") for s in
                      packed_strings(lib.epyr_dataset_axis_labels_packed, self.handle)]
            axes = []
            for dim in range(3):
                pointer, length = _lib.pdbl(), _lib.u64()
                check(lib.epyr_dataset_axis(self.handle, dim, C.byref(pointer), C.byref(length)))
                address = C.cast(pointer, C.c_void_p).value or 0
                values = None
                if length.value:
                    values = _shared_array(
                        self._handle, address, length.value, (length.value,), False
                    )
                axes.append(Axis(values, labels[2 * dim], labels[2 * dim + 1]))
            return tuple(axes)

        return self._get("axes", make)

    @property
    def param_entries(self):
        """Every parameter as ``(key, raw value, device block)``, in file order."""

        def make():
            strings = [
                s.decode("utf-8", "replace")
                for s in packed_strings(lib.epyr_dataset_params_packed, self.handle)
            ]
            return tuple(zip(strings[0::3], strings[1::3], strings[2::3]))

        return self._get("param_entries", make)

    @property
    def params_raw(self):
        """Parameter key -> raw value text (a later key of the same name wins)."""
        return self._get("params_raw", lambda: {k: v for k, v, _ in self.param_entries})

    @property
    def params(self):
        """Parameter key -> value typed as EPyR Tools types it."""
        return self._get(
            "params", lambda: {k: typed(v) for k, v in self.params_raw.items()}
        )

    def _texts(self, count_call, item_call):
        count = _lib.u64()
        check(count_call(self.handle, C.byref(count)))
        return tuple(
            _lib.sized_text(item_call, self.handle, i)[:-1].decode("utf-8", "replace")
            for i in range(count.value)
        )

    @property
    def warnings(self):
        """What libepyr noticed and tolerated in the files."""
        return self._get(
            "warnings",
            lambda: self._texts(lib.epyr_dataset_warning_count, lib.epyr_dataset_warning),
        )

    @property
    def sources(self):
        """The files the dataset was read from."""
        return self._get(
            "sources",
            lambda: self._texts(lib.epyr_dataset_source_count, lib.epyr_dataset_source),
        )

    def __repr__(self):
        kind = "described " if self.described else ""
        return f"<epyr_native {kind}Dataset dims={self.dims} complex={self.complex}>"
