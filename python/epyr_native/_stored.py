"""The Python items ``DataCache.put`` stores: a private copy of the item that nobody else can
change (arrays read-only down to their root, containers rebuilt), its size measured deeply,
and, for each ``get``, new copies of its mutable parts."""

import copy
import gc
import sys
import types

import numpy as np

#: Immutable leaves, kept as they are (and NumPy scalars other than ``numpy.void``, which
#: may view an array).
_ATOMS = (type(None), bool, int, float, complex, str, bytes, range, frozenset)
#: Objects shared by everything, never counted in an item's size.
_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)
_MUTABLE = (list, dict, set)


def _is_atom(obj, kind):
    return kind in _ATOMS or (isinstance(obj, np.generic) and kind is not np.void)


class _Opaque:
    """An object the cache cannot freeze (any other type): a deep copy of it, handed out as a
    new deep copy on each ``get``."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Stored:
    """A stored item: ``value`` (the frozen copy), ``size`` (bytes, measured deeply) and
    ``deep``, the ids of its containers that hold something mutable at any depth (the others
    are handed out as they are, tuples, or as one shallow copy, lists, dicts, sets)."""

    __slots__ = ("value", "size", "deep")

    def __init__(self, item):
        """Freezes ``item``: NumPy arrays become read-only arrays over bytes (no writable
        buffer at their root), lists, tuples, dicts and sets are rebuilt around frozen
        contents, any other object is deep-copied. Cycles stay cycles. Raises ``ValueError``
        for an item nested too deeply to copy."""
        self.size, self.deep = 0, set()
        try:
            self.value = self._freeze(item, {})
        except RecursionError:
            raise ValueError("DataCache.put: the item is nested too deeply to copy") from None

    def _freeze(self, obj, memo):
        kind = type(obj)
        if _is_atom(obj, kind):
            self.size += sys.getsizeof(obj)
            return obj
        done = memo.get(id(obj))
        if done is not None:
            return done[0]
        if kind is list or kind is dict:
            copied = kind()
            memo[id(obj)] = (copied, obj)
            if kind is list:
                copied.extend(self._freeze(x, memo) for x in obj)
                children = copied
            else:  # keys are hashable, so immutable: kept as they are
                for key, value in obj.items():
                    copied[key] = self._freeze(value, memo)
                children = copied.values()
        elif kind is tuple:
            children = [self._freeze(x, memo) for x in obj]
            done = memo.get(id(obj))  # a cycle through a list inside made the copy already
            if done is not None:
                return done[0]
            copied = tuple(children)
        elif kind is set:  # of hashable, so immutable, elements
            copied, children = set(obj), ()
        elif kind is np.ndarray and not obj.dtype.hasobject and obj.dtype.itemsize:
            copied = np.frombuffer(obj.tobytes(), dtype=obj.dtype).reshape(obj.shape)
            self.size += copied.nbytes
            children = ()
        else:
            copied, children = _Opaque(copy.deepcopy(obj)), ()
            self.size += deep_size(copied.value)
        memo[id(obj)] = (copied, obj)
        self.size += sys.getsizeof(copied)
        if any(type(c) in _MUTABLE or type(c) is _Opaque or id(c) in self.deep
               for c in children):
            self.deep.add(id(copied))
        return copied

    def thawed(self):
        """What ``get`` hands out: the same arrays and immutable parts, new lists, dicts and
        sets (and a new deep copy of any other object), so that editing what one ``get``
        returned changes nothing stored."""
        return self._thaw(self.value, {})

    def _thaw(self, obj, memo):
        kind = type(obj)
        if kind is _Opaque:
            return copy.deepcopy(obj.value, memo)
        if id(obj) not in self.deep:
            return kind(obj) if kind in _MUTABLE else obj
        done = memo.get(id(obj))
        if done is not None:
            return done
        if kind is list:
            copied = memo[id(obj)] = []
            copied.extend(self._thaw(x, memo) for x in obj)
        elif kind is dict:
            copied = memo[id(obj)] = {}
            for key, value in obj.items():
                copied[key] = self._thaw(value, memo)
        else:  # a tuple
            contents = [self._thaw(x, memo) for x in obj]
            done = memo.get(id(obj))
            if done is not None:
                return done
            copied = memo[id(obj)] = tuple(contents)
        return copied


def deep_size(obj):
    """Bytes an object holds: every object reachable from it counted once (arrays with their
    data), types, modules and functions left out. Iterative: any depth, any cycle."""
    seen, pending, total = set(), [obj], 0
    while pending:
        obj = pending.pop()
        if id(obj) in seen or isinstance(obj, _SHARED):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, np.ndarray):
            total += obj.nbytes if obj.base is not None else 0
            if obj.dtype.hasobject:
                pending.extend(obj.ravel().tolist())
            continue
        pending.extend(gc.get_referents(obj))
    return total
