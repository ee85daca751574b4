"""EPyR Tools' performance system (``epyr.performance``) with the same names, backed by
libepyr: memory monitoring with a budget on the bytes libepyr holds, a thread-safe validated
LRU data cache, an optimized loader that really streams large files, NumPy thread limits set
at run time, and performance information."""

import ctypes as C
import gc
import logging
import os
import threading
from collections import OrderedDict

from . import _lib, _stored
from ._lib import check, lib
from ._loader import Loader, eprload
from ._loader import describe as _describe
from .config import config

logger = logging.getLogger("epyr_native")

_MIB = 1024.0 * 1024.0


class MemoryMonitor:
    """Memory of the process and of libepyr."""

    @staticmethod
    def get_memory_info():
        """``{'rss_mb', 'vms_mb', 'percent'}`` of the process plus ``library_mb``, the MB
        libepyr holds (datasets, cache bookkeeping, reader buffers)."""
        values = [_lib.dbl() for _ in range(4)]
        check(lib.epyr_memory_info(*(C.byref(v) for v in values)))
        rss, vms, percent, library = (v.value for v in values)
        return {"rss_mb": rss, "vms_mb": vms, "percent": percent, "library_mb": library}

    @staticmethod
    def check_memory_limit():
        """``True`` while the bytes libepyr holds are within ``performance.memory_limit_mb``
        (always with limit 0); logs a warning when they are not."""
        within = _lib.i32()
        check(lib.epyr_check_memory_limit(C.byref(within)))
        if not within.value:
            logger.warning(
                "epyr holds more than performance.memory_limit_mb (%s MB)",
                config.get("performance.memory_limit_mb"),
            )
        return bool(within.value)

    @staticmethod
    def optimize_memory():
        """Runs Python's garbage collector, then lets libepyr evict cache entries nobody holds
        until within the limit and return free heap to the system. Returns
        ``{'evicted_entries', 'library_bytes_released', 'rss_bytes_released'}``."""
        gc.collect()
        values = [_lib.u64() for _ in range(3)]
        check(lib.epyr_optimize_memory_ex(*(C.byref(v) for v in values)))
        evicted, library, rss = (v.value for v in values)
        return {"evicted_entries": evicted, "library_bytes_released": library,
                "rss_bytes_released": rss}


def _stamp(path):
    """What identifies a file's content: size, modification and change times, inode, device."""
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _members(path):
    """The files of the dataset at ``path`` as libepyr resolves them from its format table
    (a ``.DSC`` and its ``.DTA``, a SpecMan ``.d01`` and its ``.exp``, ...): the path itself
    and every other source of its description; the path alone when it is not a dataset."""
    try:
        sources = _describe(path).sources
    except _lib.EpyrError:
        return (path,)
    return (path,) + tuple(s for s in sources if os.path.realpath(s) != path)


def _stamps(members):
    """The stamps of each member file (a stored item is valid while all of them hold)."""
    return tuple(_stamp(member) for member in members)


class DataCache(_lib.OwnsHandle):
    """A validated LRU cache (``max_size_mb`` MB; ``None``: ``performance.cache_size_mb``).

    Loads through a loader on this cache are stored in libepyr (keyed on the canonical
    descriptor and data files and the scaling, every source file re-checked on each hit).
    ``put(path, item)``/``get(path)`` store any Python item for a file as EPyR Tools' cache
    does, keyed on the resolved path and valid while the file and its companion
    (``.DSC``/``.DTA``, ``.par``/``.spc``: the dataset's members as libepyr resolves them when
    the item is stored) keep size, times and inode. ``put`` stores a copy
    (arrays read-only, measured deeply), ``get`` hands out read-only arrays and new
    containers. Both share the budget: items get the room the library's datasets leave, and
    are evicted first when loads take it; ``get_stats`` counts both. Thread-safe. It cannot
    be copied or pickled (``TypeError``): make another cache.
    """

    _instead = "make another DataCache"

    def __init__(self, max_size_mb=None, _handle=None):
        self._owned = _handle is None
        if _handle is None:
            size = config.get("performance.cache_size_mb") if max_size_mb is None else max_size_mb
            handle = _lib.P()
            check(lib.epyr_cache_new(float(size), C.byref(handle)))
            _handle = handle.value
        self.handle = _handle
        self._items = OrderedDict()
        self._item_bytes = 0
        self._item_hits = 0
        self._item_misses = 0
        self._lock = threading.Lock()

    def __del__(self):
        free = getattr(lib, "epyr_cache_free", None)
        if free is not None and getattr(self, "_owned", False) and self.handle:
            free(self.handle)
            self.handle = None

    def _library_stats(self):
        entries, total, maximum, usage = _lib.u64(), _lib.dbl(), _lib.dbl(), _lib.dbl()
        hits, misses = _lib.u64(), _lib.u64()
        check(lib.epyr_cache_stats(self.handle, C.byref(entries), C.byref(total),
                                   C.byref(maximum), C.byref(usage), C.byref(hits),
                                   C.byref(misses)))
        total_bytes, max_bytes, evictions, invalidations = (_lib.u64() for _ in range(4))
        check(lib.epyr_cache_stats_ex(self.handle, C.byref(total_bytes), C.byref(max_bytes),
                                      C.byref(evictions), C.byref(invalidations)))
        return {"entries": entries.value, "total_bytes": total_bytes.value,
                "max_bytes": max_bytes.value, "hits": hits.value, "misses": misses.value,
                "evictions": evictions.value, "invalidations": invalidations.value}

    @property
    def max_size_mb(self):
        """The budget in MB."""
        return self._library_stats()["max_bytes"] / _MIB

    def put(self, file_path, data):
        """Stores a copy of ``data`` for ``file_path`` (replacing an item already stored for
        it): NumPy arrays copied into read-only arrays, lists, tuples, dicts and sets rebuilt,
        other objects deep-copied, so later edits of ``data`` do not show. Its size is measured
        deeply (array data, everything reachable, cycles counted once). Nothing is stored while
        ``performance.cache_enabled`` is false, or for an item larger than the room the
        library's datasets leave in the budget; older items are evicted to make room."""
        if not config.get("performance.cache_enabled"):
            return
        key = os.path.realpath(os.fspath(file_path))
        members = _members(key)
        stamps = (members, _stamps(members))
        stored = _stored.Stored(data)
        size = stored.size
        room = self._room()
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._item_bytes -= old[2]
            if size > room:
                return
            self._evict_to(room - size)
            self._items[key] = (stamps, stored, size)
            self._item_bytes += size

    def _room(self):
        """The bytes of the budget the library's datasets leave to the items."""
        library = self._library_stats()
        return max(0, library["max_bytes"] - library["total_bytes"])

    def _evict_to(self, room):
        """Drops the least recently used items until they hold at most ``room`` bytes (with
        ``self._lock`` held)."""
        while self._items and self._item_bytes > room:
            _, (_, _, evicted_size) = self._items.popitem(last=False)
            self._item_bytes -= evicted_size

    def get(self, file_path):
        """The item stored for ``file_path`` if its files did not change, else ``None`` (a
        changed or deleted file drops the item). Arrays come back read-only (the stored ones,
        without a copy); lists, dicts and sets come back as new containers, so editing them
        changes nothing stored."""
        key = os.path.realpath(os.fspath(file_path))
        with self._lock:
            entry = self._items.get(key)
        if entry is not None:
            try:
                members, stamps = entry[0]
                valid = _stamps(members) == stamps
            except OSError:
                valid = False
            with self._lock:
                if valid and self._items.get(key) is entry:
                    self._items.move_to_end(key)
                    self._item_hits += 1
                    return entry[1].thawed()
                if self._items.get(key) is entry:
                    del self._items[key]
                    self._item_bytes -= entry[2]
        with self._lock:
            self._item_misses += 1
        return None

    def clear(self):
        """Drops every stored item and every dataset of the libepyr cache."""
        with self._lock:
            self._items.clear()
            self._item_bytes = 0
        check(lib.epyr_cache_clear(self.handle))

    def get_stats(self):
        """``{'entries', 'total_size_mb', 'max_size_mb', 'usage_percent'}`` as EPyR Tools
        gives them, plus ``hits``, ``misses``, ``evictions``, ``invalidations``."""
        library = self._library_stats()
        with self._lock:
            # Loads since the last put may have taken room from the items: evict them first.
            self._evict_to(max(0, library["max_bytes"] - library["total_bytes"]))
            entries = library["entries"] + len(self._items)
            total = library["total_bytes"] + self._item_bytes
            hits = library["hits"] + self._item_hits
            misses = library["misses"] + self._item_misses
        maximum = library["max_bytes"]
        return {
            "entries": entries,
            "total_size_mb": total / _MIB,
            "max_size_mb": maximum / _MIB,
            "usage_percent": 100.0 * total / maximum if maximum else 0.0,
            "hits": hits,
            "misses": misses,
            "evictions": library["evictions"],
            "invalidations": library["invalidations"],
        }


_global_cache = None
_global_lock = threading.Lock()


def get_global_cache():
    """The process-wide cache (libepyr's global cache, sized and enabled by
    ``performance.cache_size_mb``/``cache_enabled`` as they change)."""
    global _global_cache
    if _global_cache is None:
        with _global_lock:
            if _global_cache is None:
                _global_cache = DataCache(_handle=lib.epyr_cache_global())
    return _global_cache


class OptimizedLoader:
    """A loader with a chunk size (``None``: ``performance.chunk_size_mb``) and caching
    (``None``: ``performance.cache_enabled``) on the global cache (``self.cache``)."""

    def __init__(self, chunk_size_mb=None, cache_enabled=None):
        self.chunk_size_mb = chunk_size_mb or config.get("performance.chunk_size_mb")
        self.cache_enabled = (
            config.get("performance.cache_enabled") if cache_enabled is None else cache_enabled
        )
        self.cache = get_global_cache()
        self.loader = Loader(None, self.chunk_size_mb, cache_enabled)

    def load_epr_file(self, file_path, scaling=None):
        """``(x, y, params, path)`` as ``eprload``; a cache hit when the files did not change.
        The memory budget is checked first (with ``optimize_memory`` when over it); a load
        that would exceed it raises ``MemoryError``."""
        if not MemoryMonitor.check_memory_limit():
            MemoryMonitor.optimize_memory()
        return eprload(file_path, scaling, loader=self.loader)

    def load_chunked_data(self, file_path, processor, scaling=None):
        """Runs ``processor`` on a file: ``processor(file_path, is_chunked=False)`` when its
        values fit in one chunk (``chunk_size_mb``), else ``processor(chunk, is_chunked=True)``
        for each chunk of the chunked reader (a NumPy array of whole points; one chunk in
        memory at a time) and returns the list of results."""
        with self.loader.open_reader(file_path, scaling or "") as reader:
            nx, ny, nz = reader.dims
            if nx * ny * nz * reader.values_per_point * 8 > self.chunk_size_mb * _MIB:
                # Sized and streamed from the reader's one snapshot of the files.
                return [processor(chunk, is_chunked=True) for chunk in reader]
        return processor(file_path, is_chunked=False)


def optimize_numpy_operations():
    """Limits the BLAS/OpenMP thread pools of NumPy to half the cores (at least 1) through
    ``threadpoolctl`` when ``performance.parallel_processing`` is true; returns that number
    (``None`` when parallel processing is off). Called by nobody at import; environment
    variables are never written."""
    if not config.get("performance.parallel_processing"):
        return None
    from threadpoolctl import threadpool_limits

    threads = max(1, (os.cpu_count() or 1) // 2)
    threadpool_limits(limits=threads)
    return threads


_CONFIG_KEYS = ("cache_enabled", "cache_size_mb", "chunk_size_mb", "memory_limit_mb",
                "parallel_processing")


def get_performance_info():
    """``{'memory', 'cpu_count', 'config'}`` as EPyR Tools gives them, plus ``cache`` (the
    global cache's statistics)."""
    return {
        "memory": MemoryMonitor.get_memory_info(),
        "cpu_count": os.cpu_count(),
        "config": {key: config.get(f"performance.{key}") for key in _CONFIG_KEYS},
        "cache": get_global_cache().get_stats(),
    }


__all__ = ["MemoryMonitor", "DataCache", "get_global_cache", "OptimizedLoader",
           "optimize_numpy_operations", "get_performance_info"]
