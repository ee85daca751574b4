"""Datasets: libepyr's shared, immutable data seen as read-only NumPy arrays without a copy,
plus axes, parameters, warnings and sources."""

import ctypes as C
import json
import re
import threading
from collections.abc import Mapping
from os import fsdecode

import numpy as np

from . import _lib
from ._lib import check, lib

# EPyR Tools' parameter typing in one pattern: group 1 is a text ``int()`` takes (whitespace
# and ``_`` between digits allowed), group 2 a decimal number it converts with ``float()``.
_TYPED_RE = re.compile(
    r"^(\s*[+-]?\d+(?:_\d+)*\s*)$|^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)$"
)


def typed(text):
    """A value (libepyr has removed one pair of outer single quotes, as EPyR Tools does) as
    EPyR Tools types it: an ``int`` if ``int()`` takes it, a ``float``
    if it looks like a decimal number, else the text."""
    match = _TYPED_RE.match(text)
    if match is None:
        return text
    return int(text) if match.group(1) is not None else float(text)


class _Handle(_lib.OwnsHandle):
    """Owns one ``epyr_dataset`` handle (a ``c_void_p``, or ``None`` for a detached dataset)
    and frees it when the last reference is gone. Every array handed out keeps it alive
    through its ``base``."""

    __slots__ = ("pointer", "__weakref__")
    _instead = "pickle or copy the Dataset, which holds it"

    def __init__(self, pointer):
        self.pointer = pointer

    def __del__(self, _free=_lib.dataset_free_untyped):
        # The free function is bound at definition: module globals may be gone at shutdown.
        if self.pointer:
            _free(self.pointer)
            self.pointer = None


class _SharedMemory:
    """The root ``base`` of every array over libepyr's memory: it keeps the dataset handle
    alive and shows the memory to NumPy read-only, once, while the array is made; then its
    ``__array_interface__`` is removed. It has no buffer of its own, so no array over the
    memory can be made writable (``flags.writeable = True`` raises ``ValueError``)."""

    __slots__ = ("__array_interface__", "handle")


_FLOAT64, _COMPLEX128 = np.dtype(np.float64).str, np.dtype(np.complex128).str


def _shared_array(handle, address, length, shape, complex_values):
    """A read-only NumPy array of shape ``shape`` over the ``length`` doubles at ``address``
    owned by ``handle`` (two per point when ``complex_values``), without a copy."""
    points = 1
    for n in shape:
        points *= n
    if points * (2 if complex_values else 1) != length:
        raise _lib.EpyrRuntimeError(
            _lib.PANIC, f"libepyr gave {length} doubles for an array of shape {shape}"
        )
    root = _SharedMemory()
    root.handle = handle
    root.__array_interface__ = {
        "shape": shape,
        "typestr": _COMPLEX128 if complex_values else _FLOAT64,
        "data": (address, True),
        "version": 3,
    }
    array = np.asarray(root)
    del root.__array_interface__
    return array


def numpy_shape(dims):
    """EPyR Tools' array shape for ``[nx, ny, nz]``: reversed, size-1 dimensions dropped,
    ``(1,)`` for a single point."""
    shape = tuple(int(n) for n in reversed(dims) if n > 1)
    return shape or (1,)


_packed_buffers = threading.local()
#: The size of each thread's reused buffer for packed texts: descriptors up to this size take
#: one call; a larger one takes a buffer of its own size for that call only, so no thread
#: keeps more than this after a large descriptor was read.
PACKED_BUFFER_BYTES = 1 << 16


def packed_strings(call, handle):
    """The NUL-separated strings of a packed call, decoded (UTF-8, invalid bytes replaced), in
    one call when the thread's reused buffer is large enough (else a size query and a second
    call into a buffer of exactly that size, dropped afterwards)."""
    buffer = getattr(_packed_buffers, "buffer", None)
    if buffer is None:
        buffer = _packed_buffers.buffer = C.create_string_buffer(PACKED_BUFFER_BYTES)
    needed = _lib.u64()
    status = call(handle, C.addressof(buffer), len(buffer), C.byref(needed))
    if status == _lib.BUFFER_TOO_SMALL:
        check(call(handle, None, 0, C.byref(needed)))
        buffer = C.create_string_buffer(needed.value)
        status = call(handle, C.addressof(buffer), len(buffer), C.byref(needed))
    check(status)
    raw = C.string_at(buffer, needed.value)
    if raw.isascii():
        # One decode and one split of an ASCII text (the common case) is the fastest way.
        return raw.decode("ascii").split("\0")[:-1]
    # Otherwise each string on its own: only the strings with non-ASCII bytes take UTF-8's
    # slow path and a wide representation (a 1 MB PulseSPEL descriptor: 0.44 ms against 1.4).
    return [piece.decode("utf-8", "replace") for piece in raw.split(b"\0")[:-1]]


def _decode_text(raw):
    """libepyr's UTF-8 text (a warning) as ``str``, invalid bytes replaced."""
    return raw.decode("utf-8", "replace")


_UNTYPED = object()


class Params(Mapping):
    """Parameter key -> value typed as EPyR Tools types it (a later key of the same name
    wins): a read-only mapping over the parameter texts that types each value when it is
    first read (``dict(params)`` types them all)."""

    __slots__ = ("_raw", "_typed")

    def __init__(self, raw):
        self._raw = raw
        self._typed = {}

    def __getitem__(self, key):
        value = self._typed.get(key, _UNTYPED)
        if value is _UNTYPED:
            value = self._typed[key] = typed(self._raw[key])
        return value

    def __contains__(self, key):
        return key in self._raw

    def __iter__(self):
        return iter(self._raw)

    def __len__(self):
        return len(self._raw)

    def __repr__(self):
        return f"Params({dict(self)!r})"


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
    EPyR Tools types them (a :class:`Params` mapping: a later key of the same name wins, each
    value typed when first read), ``params_raw`` their raw text, ``param_entries`` every
    ``(key, value text, device block)`` in file order (libepyr's text: continuation lines
    joined, ``\\n`` expanded, one pair of outer quotes removed); ``warnings`` and ``sources``
    (the files read). Everything is read on first use and kept; all parameter texts come from
    one call into libepyr. A dataset from :func:`describe` has everything but the values.
    """

    __slots__ = ("_handle", "described", "_cache")

    def __init__(self, pointer, described=False):
        """``pointer``: a ``c_void_p`` holding a new ``epyr_dataset *`` this object owns."""
        self._handle = _Handle(pointer)
        self.described = described
        self._cache = {}

    def _kept(self, name, make):
        """The value kept under ``name``, made by ``make()`` on first use."""
        value = self._cache.get(name)
        if value is None:
            value = self._cache[name] = make()
        return value

    @property
    def handle(self):
        """The ``epyr_dataset *`` handle (valid while this object lives); ``None`` for a
        detached dataset (unpickled or deep-copied), which holds everything itself."""
        pointer = self._handle.pointer
        return None if pointer is None else pointer.value

    def __copy__(self):
        """The dataset itself: nothing of it can be changed."""
        return self

    def __deepcopy__(self, memo):
        """A detached dataset with the same content (see ``__reduce__``)."""
        return _detached(self._state())

    def __reduce__(self):
        """A dataset pickles as what it holds, self-contained: values, axes, parameter texts,
        warnings, sources, dims and complex flags (no handle, no path to reload), so it
        unpickles in any process, without the files, as a detached :class:`Dataset` with the
        same content and read-only arrays."""
        return (_detached, (self._state(),))

    def _state(self):
        """Everything the dataset holds, as plain Python objects (arrays as bytes)."""
        return {
            "described": self.described,
            "dims": self.dims,
            "complex": self.complex,
            "components": () if self.described else tuple(map(_packed, self.components)),
            "axes": tuple(
                (None if a.values is None else _packed(a.values), a.name, a.unit)
                for a in self.axes
            ),
            "param_strings": tuple(self._param_strings()),
            "warnings": self.warnings,
            "sources": self.sources,
            "format": self.format,
            "metadata": None if self.described else self.metadata,
        }

    def _read_dims(self):
        nx, ny, nz = _lib.u64(), _lib.u64(), _lib.u64()
        check(lib.epyr_dataset_dims(self.handle, C.byref(nx), C.byref(ny), C.byref(nz)))
        return nx.value, ny.value, nz.value

    @property
    def dims(self):
        """``(nx, ny, nz)``, each at least 1."""
        return self._kept("dims", self._read_dims)

    @property
    def shape(self):
        """The NumPy shape of each component (EPyR Tools' convention)."""
        return numpy_shape(self.dims)

    def _is_complex(self, index):
        flag = _lib.i32()
        check(lib.epyr_dataset_is_complex(self.handle, index, C.byref(flag)))
        return bool(flag.value)

    def _read_complex(self):
        count = C.c_uint32()
        check(lib.epyr_dataset_components(self.handle, C.byref(count)))
        return tuple(self._is_complex(index) for index in range(count.value))

    @property
    def complex(self):
        """One flag per component."""
        return self._kept("complex", self._read_complex)

    def _component(self, index):
        """Component ``index`` as a read-only zero-copy array (kept once made). A complex
        component has two doubles per point, which is how its length tells it apart."""
        arrays = self._kept("arrays", dict)
        array = arrays.get(index)
        if array is None:
            if self.described:
                raise _lib.EpyrValueError(
                    _lib.INVALID_ARG,
                    f"{self.sources[0]}: a dataset from describe() holds no values; "
                    "load the file with load()",
                )
            address, length = _lib.P(), _lib.u64()
            check(lib.epyr_dataset_values(self.handle, index, C.byref(address), C.byref(length)))
            nx, ny, nz = self.dims
            complex_values = length.value == 2 * nx * ny * nz
            array = arrays[index] = _shared_array(
                self._handle, address.value, length.value, self.shape, complex_values
            )
        return array

    @property
    def components(self):
        """Every component as a read-only zero-copy array."""
        return tuple(self._component(index) for index in range(len(self.complex)))

    @property
    def values(self):
        """Component 0 (made without asking for the other components)."""
        return self._component(0)

    def _read_axes(self):
        labels = packed_strings(lib.epyr_dataset_axis_labels_packed, self.handle)
        axes = []
        for dim in range(3):
            address, length = _lib.P(), _lib.u64()
            check(lib.epyr_dataset_axis(self.handle, dim, C.byref(address), C.byref(length)))
            values = None
            if length.value:
                values = _shared_array(
                    self._handle, address.value, length.value, (length.value,), False
                )
            axes.append(Axis(values, labels[2 * dim], labels[2 * dim + 1]))
        return tuple(axes)

    @property
    def axes(self):
        """The x, y and z :class:`Axis`."""
        return self._kept("axes", self._read_axes)

    def _param_strings(self):
        """Key, value text and device block of every parameter, flat, from one call."""
        return self._kept(
            "param_strings",
            lambda: packed_strings(lib.epyr_dataset_params_packed, self.handle),
        )

    @property
    def param_entries(self):
        """Every parameter as ``(key, raw value, device block)``, in file order."""
        s = self._param_strings()
        return self._kept("param_entries", lambda: tuple(zip(s[0::3], s[1::3], s[2::3])))

    @property
    def params_raw(self):
        """Parameter key -> raw value text (a later key of the same name wins)."""
        s = self._param_strings()
        return self._kept("params_raw", lambda: dict(zip(s[0::3], s[1::3])))

    @property
    def params(self):
        """Parameter key -> value typed as EPyR Tools types it (a :class:`Params` mapping that
        types a value when it is first read)."""
        return self._kept("params", lambda: Params(self.params_raw))

    def _texts(self, count_call, item_call, decode):
        count = _lib.u64()
        check(count_call(self.handle, C.byref(count)))
        return tuple(
            decode(_lib.sized_text(item_call, self.handle, i)[:-1]) for i in range(count.value)
        )

    @property
    def warnings(self):
        """What libepyr noticed and tolerated in the files."""
        return self._kept(
            "warnings",
            lambda: self._texts(
                lib.epyr_dataset_warning_count, lib.epyr_dataset_warning, _decode_text
            ),
        )

    @property
    def sources(self):
        """The files the dataset was read from, decoded as ``os.fsdecode`` decodes (a name
        that is not valid UTF-8 round-trips through ``os.fsencode``)."""
        return self._kept(
            "sources",
            lambda: self._texts(lib.epyr_dataset_source_count, lib.epyr_dataset_source, fsdecode),
        )

    @property
    def format(self):
        """The id of the format the dataset was read from, from libepyr's format table
        (``"bruker-bes3t"``, ``"bruker-esp"``, ``"jeol"``, ...; see :func:`formats`)."""
        return self._kept(
            "format",
            lambda: _lib.sized_text(lib.epyr_dataset_format, self._live("format"))[:-1].decode(),
        )

    @property
    def metadata(self):
        """The common metadata libepyr maps from the format's own parameters: a dict of the
        fields the file gives (absent fields are left out), each ``{"value", "unit",
        "source"}`` (texts without ``unit``); see docs/python.md. Loaded datasets only."""
        if self.described:
            raise _lib.EpyrValueError(
                _lib.INVALID_ARG,
                f"{self.sources[0]}: the common metadata needs a loaded dataset (load())",
            )
        return self._kept(
            "metadata",
            lambda: json.loads(
                _lib.sized_text(lib.epyr_dataset_metadata_json, self._live("metadata"))[:-1]
            ),
        )

    def save(self, path, to=None, overwrite=False):
        """Writes the dataset to ``path`` through libepyr's exports: ``to`` is ``"csv"``,
        ``"json"`` (the metadata document) or ``"bes3t"`` (``.DSC`` + ``.DTA``); ``None``
        takes it from the extension. An existing file is never replaced unless
        ``overwrite`` (``FileExistsError`` otherwise); a failed save leaves no partial file.
        Returns ``path``."""
        format_bytes = None if to is None else _lib.text_bytes(to, "export format")
        check(
            lib.epyr_dataset_export(
                self._live("save"), _lib.path_bytes(path), format_bytes, int(bool(overwrite))
            ),
            path,
        )
        return path

    def _live(self, what):
        """The handle; a detached dataset (unpickled) has none, so ``what`` needs a load."""
        handle = self.handle
        if handle is None:
            raise _lib.EpyrValueError(
                _lib.INVALID_ARG,
                f"{what}: this dataset was unpickled or deep-copied and holds no libepyr "
                f"dataset; load {self.sources[0]} again",
            )
        return handle

    def to_xarray(self):
        """An ``xarray.DataArray`` named ``intensity``: dimensions named from the axes
        (``field``, ``time``, ``frequency``, ...; ``x``, ``y``, ``z`` where the file names
        none), slowest first as in :attr:`shape`, with a leading ``component`` dimension when
        there are several; coordinates with ``units`` and ``long_name``; complex data as
        complex; the format, sources, common metadata (``<field>`` and ``<field>_units``) and
        every parameter (``param:<key>``) as attributes. The values are the dataset's own
        read-only array (no copy) for one component."""
        from ._xarray import to_xarray

        return to_xarray(self)

    def plot(self, ax=None, part="real"):
        """A quick look with matplotlib (an optional dependency): a 1-D line with axis labels
        and units, a 2-D colour map with a colour bar (3-D: the first slice). ``part`` is
        ``"real"``, ``"imag"`` or ``"abs"`` for complex data. Returns the matplotlib axes."""
        from ._plot import plot

        return plot(self, ax, part)

    def __repr__(self):
        kind = "described " if self.described else ""
        return f"<epyr_native {kind}Dataset dims={self.dims} complex={self.complex}>"


def _packed(array):
    """An array as ``(bytes, dtype, shape)``."""
    return array.tobytes(), array.dtype.str, array.shape


def _unpacked(packed):
    """The read-only array of ``_packed``: a view of its bytes, which no one can write."""
    data, dtype, shape = packed
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _detached(state):
    """A :class:`Dataset` holding everything of ``Dataset._state`` itself, with no handle."""
    dataset = Dataset.__new__(Dataset)
    dataset._handle = _Handle(None)
    dataset.described = state["described"]
    dataset._cache = {
        "dims": tuple(state["dims"]),
        "complex": tuple(state["complex"]),
        "arrays": dict(enumerate(map(_unpacked, state["components"]))),
        "axes": tuple(
            Axis(None if values is None else _unpacked(values), name, unit)
            for values, name, unit in state["axes"]
        ),
        "param_strings": list(state["param_strings"]),
        "warnings": tuple(state["warnings"]),
        "sources": tuple(state["sources"]),
        "format": state["format"],
    }
    if state["metadata"] is not None:
        dataset._cache["metadata"] = state["metadata"]
    return dataset
