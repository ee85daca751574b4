"""The C ABI of libepyr as Python's ctypes sees it: every exported function, with good
arguments and with bad ones (NULL, freed and foreign handles, bad paths, buffers too small,
size queries), and from several threads.

Run by tests/c_abi.rs with:
  EPYR_LIB         the shared library to test
  EPYR_HOOKS_LIB   the same built with the test-hooks feature (epyr_test_panic)
  EPYR_HEADER      include/epyr.h, to check that every declared function is called here
  EPYR_VERSION     the version in Cargo.toml
  EPYR_CW, EPYR_2D a 1-D real and a 2-D complex BES3T sample
  EPYR_WORK        an empty folder to write to
  XDG_CONFIG_HOME  a folder of its own (the default config file goes there)
Prints one line per check and a closing "N passed, N failed".
"""

import ctypes as C
import importlib.util
import json
import os
import re
import shutil
import sys
import threading
import traceback

OK, NULL_ARG, INVALID_ARG, IO, NOT_FOUND, FORMAT = 0, 1, 2, 3, 4, 5
UNSUPPORTED, SCALING, MEMORY_LIMIT, CONFIG, BUFFER_TOO_SMALL, PANIC, FILE_CHANGED = range(6, 13)
EXISTS = 13

P = C.c_void_p
u64, i32, u32, dbl, ch = C.c_uint64, C.c_int32, C.c_uint32, C.c_double, C.c_char_p
pu64, pi32, pu32, pdbl = C.POINTER(u64), C.POINTER(i32), C.POINTER(u32), C.POINTER(dbl)
ppdbl = C.POINTER(pdbl)

# The one table of prototypes, shared with the Python package (loaded by path: the package
# itself needs NumPy, this script does not).
_TABLE_SPEC = importlib.util.spec_from_file_location(
    "epyr_prototypes",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "python",
                 "epyr_native", "_prototypes.py"),
)
_TABLE = importlib.util.module_from_spec(_TABLE_SPEC)
_TABLE_SPEC.loader.exec_module(_TABLE)
PROTOTYPES, CHUNK_CB = _TABLE.PROTOTYPES, _TABLE.CHUNK_CB


class Lib:
    """The library with prototypes set, recording which functions were called."""

    def __init__(self, path):
        self.dll = C.CDLL(path)
        self.called = set()
        for name, (restype, argtypes) in PROTOTYPES.items():
            f = getattr(self.dll, name)
            f.restype, f.argtypes = restype, argtypes

    def __getattr__(self, name):
        f = getattr(self.dll, name)
        self.called.add(name)
        return f


lib = Lib(os.environ["EPYR_LIB"])
WORK = os.environ["EPYR_WORK"]
CW = os.environ["EPYR_CW"].encode()
PULSE = os.environ["EPYR_2D"].encode()
results = {"passed": 0, "failed": 0}


def check(name):
    """Registers a check function and runs it, counting a failure instead of stopping."""

    def run(f):
        try:
            f()
            results["passed"] += 1
            print(f"ok     {name}")
        except Exception:  # noqa: BLE001 - every failure is reported
            results["failed"] += 1
            print(f"FAILED {name}\n{traceback.format_exc()}")
        return f

    return run


def last_error():
    n = lib.epyr_last_error_message(None, 0)
    buf = C.create_string_buffer(n)
    assert lib.epyr_last_error_message(buf, n) == n
    return buf.value.decode()


def expect(status, code, *fragments):
    """The status is `code` and the last error message holds every fragment."""
    assert status == code, f"status {status}, expected {code}: {last_error()}"
    if code != OK:
        message = last_error()
        for f in fragments:
            assert f in message, f"{f!r} not in {message!r}"


def handle(ctor, *args):
    out = P()
    expect(ctor(*args, C.byref(out)), OK)
    assert out.value
    return out


def text(f, *args):
    """A string through a size query, then a copy."""
    needed = u64()
    expect(f(*args, None, 0, C.byref(needed)), OK)
    buf = C.create_string_buffer(needed.value)
    expect(f(*args, buf, needed.value, C.byref(needed)), OK)
    assert len(buf.value) + 1 == needed.value
    return buf.value.decode()


def doubles(f, *args):
    """Doubles through a size query, then a copy."""
    n = u64()
    expect(f(*args, None, 0, C.byref(n)), OK)
    buf = (dbl * n.value)()
    expect(f(*args, buf, n.value, C.byref(n)), OK)
    return list(buf)


SENTINEL = 0xDEAD0


@check("versions and error names")
def _():
    assert lib.epyr_version().decode() == os.environ["EPYR_VERSION"]
    assert lib.epyr_abi_version() == 1
    assert lib.epyr_error_name(0) == b"EPYR_OK"
    assert lib.epyr_error_name(NOT_FOUND) == b"EPYR_ERR_NOT_FOUND"
    assert lib.epyr_error_name(FILE_CHANGED) == b"EPYR_ERR_FILE_CHANGED"
    assert lib.epyr_error_name(999) == b"EPYR_ERR_UNKNOWN"
    with open(os.environ["EPYR_HEADER"]) as f:
        codes = re.findall(r"^#define (EPYR_(?:OK|ERR_[A-Z_]+)) (\d+)$", f.read(), flags=re.M)
    assert len(codes) == 14, codes
    for name, code in codes:
        assert lib.epyr_error_name(int(code)) == name.encode(), name
    assert lib.epyr_error_name(-1) == b"EPYR_ERR_UNKNOWN"


@check("last error message: empty, size query, truncation")
def _():
    t = threading.Thread(target=lambda: results.setdefault("fresh", {}).update(
        size=lib.epyr_last_error_message(None, 0)))
    t.start()
    t.join()
    assert results.pop("fresh")["size"] == 1, "a new thread has an empty message"
    expect(lib.epyr_cache_clear(None), NULL_ARG, "cache")
    full = last_error()
    n = lib.epyr_last_error_message(None, 0)
    assert n == len(full.encode()) + 1
    small = C.create_string_buffer(b"#" * 10)
    assert lib.epyr_last_error_message(small, 5) == n
    assert small.raw[:5] == full.encode()[:4] + b"\0" and small.raw[5:10] == b"#" * 5
    untouched = C.create_string_buffer(b"abc")
    assert lib.epyr_last_error_message(untouched, 0) == n
    assert untouched.value == b"abc"
    # A successful call does not clear it.
    expect(lib.epyr_memory_info(None, None, None, None), OK)
    assert last_error() == full


@check("memory info, limit check, optimize")
def _():
    rss, vms, pct, library = dbl(), dbl(), dbl(), dbl()
    expect(lib.epyr_memory_info(C.byref(rss), C.byref(vms), C.byref(pct), C.byref(library)), OK)
    assert rss.value > 0 and vms.value >= rss.value and 0 < pct.value < 100
    assert library.value >= 0
    expect(lib.epyr_memory_info(None, None, None, None), OK)
    within = i32(7)
    expect(lib.epyr_check_memory_limit(None), NULL_ARG, "within_limit")
    expect(lib.epyr_check_memory_limit(C.byref(within)), OK)
    assert within.value == 1
    released = u64(SENTINEL)
    expect(lib.epyr_optimize_memory(None), NULL_ARG)
    expect(lib.epyr_optimize_memory(C.byref(released)), OK)
    assert released.value != SENTINEL
    evicted, lib_bytes, rss_bytes = u64(), u64(), u64()
    expect(lib.epyr_optimize_memory_ex(C.byref(evicted), C.byref(lib_bytes), C.byref(rss_bytes)), OK)
    expect(lib.epyr_optimize_memory_ex(None, None, None), OK)


@check("config: set, get, typed getters and setters, errors change nothing")
def _():
    key = b"performance.cache_size_mb"
    expect(lib.epyr_config_set(key, b"200"), OK)
    assert text(lib.epyr_config_get, key) == "200"
    value = dbl()
    expect(lib.epyr_config_get_double(key, C.byref(value)), OK)
    assert value.value == 200.0
    expect(lib.epyr_config_set(key, b"-5"), CONFIG, "performance.cache_size_mb", "-5")
    expect(lib.epyr_config_set(key, b"abc"), CONFIG, "abc")
    expect(lib.epyr_config_set_double(key, float("nan")), CONFIG, "NaN")
    expect(lib.epyr_config_set(b"performance.nope", b"1"), CONFIG, "performance.nope")
    expect(lib.epyr_config_set(None, b"1"), NULL_ARG, "key")
    expect(lib.epyr_config_set(key, None), NULL_ARG, "value")
    expect(lib.epyr_config_set(b"performance.\xff", b"1"), INVALID_ARG, "UTF-8")
    assert text(lib.epyr_config_get, key) == "200", "rejected values change nothing"
    expect(lib.epyr_config_set_double(key, 150.5), OK)
    assert text(lib.epyr_config_get, key) == "150.5"
    expect(lib.epyr_config_set_double(key, 100), OK)

    flag = b"performance.parallel_processing"
    b = i32(SENTINEL)
    expect(lib.epyr_config_set(flag, b"False"), OK)
    expect(lib.epyr_config_get_bool(flag, C.byref(b)), OK)
    assert b.value == 0
    expect(lib.epyr_config_set_bool(flag, 5), OK)
    expect(lib.epyr_config_get_bool(flag, C.byref(b)), OK)
    assert b.value == 1
    expect(lib.epyr_config_set(flag, b"maybe"), CONFIG, "maybe")
    expect(lib.epyr_config_get_double(flag, C.byref(value)), CONFIG, "boolean")
    b.value = SENTINEL
    expect(lib.epyr_config_get_bool(key, C.byref(b)), CONFIG, "numeric")
    assert b.value == SENTINEL, "outputs are written only on success"
    expect(lib.epyr_config_set_bool(key, 1), CONFIG)
    expect(lib.epyr_config_set(flag, b"false"), OK)
    expect(lib.epyr_config_set_double(flag, 1.0), CONFIG, "performance.parallel_processing",
           "boolean")
    assert text(lib.epyr_config_get, flag) == "false", "a refused typed set changes nothing"
    expect(lib.epyr_config_set_bool(flag, 1), OK)
    expect(lib.epyr_config_get_bool(flag, None), NULL_ARG)
    expect(lib.epyr_config_get_double(None, C.byref(value)), NULL_ARG)

    needed = u64(SENTINEL)
    small = C.create_string_buffer(b"zz")
    expect(lib.epyr_config_get(key, small, 2, C.byref(needed)), BUFFER_TOO_SMALL, "needs 4")
    assert needed.value == SENTINEL and small.raw == b"zz\0"
    # A size query needs somewhere to write the size; the message names that argument.
    expect(lib.epyr_config_get(key, None, 0, None), NULL_ARG, "`needed`")
    # With a buffer, the size output may be NULL.
    big = C.create_string_buffer(64)
    expect(lib.epyr_config_get(key, big, 64, None), OK)
    assert big.value == b"100", big.value
    expect(lib.epyr_config_get(b"nope", None, 0, C.byref(needed)), CONFIG, "nope")


@check("config: save and load, default file, bad files")
def _():
    path = os.path.join(WORK, "cfg", "config.json")
    key = b"performance.chunk_size_mb"
    expect(lib.epyr_config_set(key, b"3"), OK)
    expect(lib.epyr_config_save(path.encode()), OK)
    with open(path) as f:
        assert json.load(f)["performance"]["chunk_size_mb"] == 3
    expect(lib.epyr_config_save(None), OK)
    default = os.path.join(os.environ["XDG_CONFIG_HOME"], "epyrtools", "config.json")
    assert os.path.isfile(default), "NULL saves to the file shared with EPyR Tools"
    with open(path, "w") as f:
        json.dump({"performance": {"memory_limit_mb": 321}, "other": 1}, f)
    expect(lib.epyr_config_load(path.encode()), OK)
    assert text(lib.epyr_config_get, b"performance.memory_limit_mb") == "321"
    assert text(lib.epyr_config_get, key) == "3", "run-time values are kept"
    with open(path, "w") as f:
        f.write("{not json")
    expect(lib.epyr_config_load(path.encode()), CONFIG, "config.json")
    assert text(lib.epyr_config_get, b"performance.memory_limit_mb") == "321"
    expect(lib.epyr_config_load(os.path.join(WORK, "missing.json").encode()), NOT_FOUND)
    expect(lib.epyr_config_load(None), OK)
    expect(lib.epyr_config_load(b""), INVALID_ARG, "empty path")
    expect(lib.epyr_config_save(WORK.encode() + b"/\xff/x/config.json"), OK)
    expect(lib.epyr_config_set(key, b"10"), OK)

    # Any key of the file as JSON text, through the reader of every config file.
    needed = u64()
    with open(path, "w") as f:
        json.dump({"plotting": {"dpi": 150, "style": {"cmap": "viridis"}}}, f)
    assert text(lib.epyr_config_file_get, path.encode(), b"plotting.dpi") == "150"
    assert json.loads(text(lib.epyr_config_file_get, path.encode(), b"plotting.style")) == {
        "cmap": "viridis"}
    expect(lib.epyr_config_file_get(path.encode(), b"plotting.size", None, 0, C.byref(needed)),
           NOT_FOUND, "plotting.size", "config.json")
    expect(lib.epyr_config_file_get(b"/no/such.json", b"a", None, 0, C.byref(needed)),
           NOT_FOUND)
    expect(lib.epyr_config_file_get(WORK.encode(), b"a", None, 0, C.byref(needed)), CONFIG)
    expect(lib.epyr_config_file_get(path.encode(), None, None, 0, C.byref(needed)), NULL_ARG)
    expect(lib.epyr_config_file_get(path.encode(), b"plotting.dpi", None, 0, None), NULL_ARG)
    expect(lib.epyr_config_file_get(path.encode(), b"\xff", None, 0, C.byref(needed)),
           INVALID_ARG, "UTF-8")
    needed.value = SENTINEL
    small = C.create_string_buffer(2)
    expect(lib.epyr_config_file_get(path.encode(), b"plotting.dpi", small, 2, C.byref(needed)),
           BUFFER_TOO_SMALL)
    assert needed.value == SENTINEL
    assert text(lib.epyr_config_file_get, None, b"performance.chunk_size_mb") == "3", (
        "NULL is the file shared with EPyR Tools")


@check("performance info JSON: size query, snapshot, too small")
def _():
    info = json.loads(text(lib.epyr_performance_info_json))
    assert info["version"] == os.environ["EPYR_VERSION"]
    assert {"memory", "cache", "config", "threads", "cpu_count"} <= set(info)
    needed = u64(SENTINEL)
    buf = C.create_string_buffer(8)
    expect(lib.epyr_performance_info_json(buf, 8, C.byref(needed)), BUFFER_TOO_SMALL)
    assert needed.value == SENTINEL
    expect(lib.epyr_performance_info_json(None, 0, None), NULL_ARG)


@check("caches: new, stats, resize, clear, free; bad handles")
def _():
    out = P(SENTINEL)
    expect(lib.epyr_cache_new(-1, C.byref(out)), INVALID_ARG, "-1")
    expect(lib.epyr_cache_new(float("nan"), C.byref(out)), INVALID_ARG)
    assert out.value == SENTINEL
    expect(lib.epyr_cache_new(1, None), NULL_ARG, "out")
    cache = handle(lib.epyr_cache_new, dbl(8))
    entries, total, mx, usage, hits, misses = u64(), dbl(), dbl(), dbl(), u64(), u64()
    expect(lib.epyr_cache_stats(cache, C.byref(entries), C.byref(total), C.byref(mx),
                                C.byref(usage), C.byref(hits), C.byref(misses)), OK)
    assert (entries.value, total.value, mx.value, hits.value) == (0, 0, 8, 0)
    expect(lib.epyr_cache_stats(cache, None, None, None, None, None, None), OK)
    tb, mb, ev, inv = u64(), u64(), u64(), u64()
    expect(lib.epyr_cache_stats_ex(cache, C.byref(tb), C.byref(mb), C.byref(ev), C.byref(inv)), OK)
    assert mb.value == 8 * 1024 * 1024
    expect(lib.epyr_cache_resize(cache, 2), OK)
    expect(lib.epyr_cache_stats_ex(cache, None, C.byref(mb), None, None), OK)
    assert mb.value == 2 * 1024 * 1024
    expect(lib.epyr_cache_resize(cache, -3), INVALID_ARG)
    expect(lib.epyr_cache_clear(cache), OK)
    expect(lib.epyr_cache_stats(None, None, None, None, None, None, None), NULL_ARG)
    expect(lib.epyr_cache_stats_ex(None, None, None, None, None), NULL_ARG)
    expect(lib.epyr_cache_resize(None, 1), NULL_ARG)
    lib.epyr_cache_free(cache)
    lib.epyr_cache_free(cache)  # twice: ignored
    lib.epyr_cache_free(None)
    expect(lib.epyr_cache_clear(cache), INVALID_ARG, "not a live epyr_cache")
    expect(lib.epyr_cache_clear(P(0x1234)), INVALID_ARG, "not a live epyr_cache")
    expect(lib.epyr_cache_clear(P(0xFFFFFFFFFFFFFFF0)), INVALID_ARG)
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(1))
    expect(lib.epyr_cache_clear(loader), INVALID_ARG, "is an epyr_loader handle")
    lib.epyr_cache_free(loader)  # wrong type: left alone
    lib.epyr_dataset_free(handle(lib.epyr_loader_load, loader, CW, None))
    lib.epyr_loader_free(loader)


@check("the global cache: never freed, resize goes through the configuration")
def _():
    g = lib.epyr_cache_global()
    assert g and g == lib.epyr_cache_global()
    lib.epyr_cache_free(g)
    expect(lib.epyr_cache_stats(g, None, None, None, None, None, None), OK)
    expect(lib.epyr_cache_resize(g, 42), OK)
    assert text(lib.epyr_config_get, b"performance.cache_size_mb") == "42"
    mx = dbl()
    expect(lib.epyr_cache_stats(g, None, None, C.byref(mx), None, None, None), OK)
    assert mx.value == 42
    expect(lib.epyr_cache_resize(g, 100), OK)


@check("loader: options, load errors leave outputs alone, cache hits share data")
def _():
    out = P(SENTINEL)
    expect(lib.epyr_loader_new(None, -1, 1, C.byref(out)), INVALID_ARG, "chunk size")
    expect(lib.epyr_loader_new(None, float("nan"), 1, C.byref(out)), INVALID_ARG)
    expect(lib.epyr_loader_new(P(0x1230), 0, 1, C.byref(out)), INVALID_ARG, "cache")
    expect(lib.epyr_loader_new(None, 0, 1, None), NULL_ARG, "out")
    assert out.value == SENTINEL
    cache = handle(lib.epyr_cache_new, dbl(16))
    loader = handle(lib.epyr_loader_new, cache, dbl(0.5), i32(-1))
    missing = os.path.join(WORK, "nothing_here.DSC").encode()
    ds = P(SENTINEL)
    expect(lib.epyr_loader_load(loader, missing, None, C.byref(ds)), NOT_FOUND, "nothing_here")
    expect(lib.epyr_loader_load(loader, WORK.encode(), None, C.byref(ds)), NOT_FOUND)
    d = os.path.join(WORK, "dir.DSC")
    os.makedirs(d, exist_ok=True)
    expect(lib.epyr_loader_load(loader, d.encode(), None, C.byref(ds)), INVALID_ARG, "directory")
    expect(lib.epyr_loader_load(loader, CW, b"x", C.byref(ds)), INVALID_ARG, "'x'")
    expect(lib.epyr_loader_load(loader, None, None, C.byref(ds)), NULL_ARG, "path")
    expect(lib.epyr_loader_load(loader, b"", None, C.byref(ds)), INVALID_ARG, "empty path")
    expect(lib.epyr_loader_load(loader, CW, None, None), NULL_ARG, "out")
    expect(lib.epyr_loader_load(None, CW, None, C.byref(ds)), NULL_ARG, "loader")
    bad = os.path.join(WORK, "bad.DSC")
    with open(bad, "w") as f:
        f.write("#DESC 1.2\nXPTS 1000000000000\nIKKF REAL\nIRFMT D\n")
    with open(os.path.join(WORK, "bad.DTA"), "wb") as f:
        f.write(b"\0" * 64)
    expect(lib.epyr_loader_load(loader, bad.encode(), None, C.byref(ds)), FORMAT, "bad.D")
    assert ds.value == SENTINEL, "outputs are written only on success"

    a = handle(lib.epyr_loader_load, loader, CW, None)
    b = handle(lib.epyr_loader_load, loader, CW, b"")
    assert a.value != b.value, "each load gives its own handle"
    pa, pb, n = pdbl(), pdbl(), u64()
    expect(lib.epyr_dataset_values(a, 0, C.byref(pa), C.byref(n)), OK)
    expect(lib.epyr_dataset_values(b, 0, C.byref(pb), C.byref(n)), OK)
    assert C.cast(pa, P).value == C.cast(pb, P).value, "a cache hit shares the data"
    hits = u64()
    expect(lib.epyr_cache_stats(cache, None, None, None, None, C.byref(hits), None), OK)
    assert hits.value == 1
    first = pa[0]
    # The data outlive the loader, the cache and the cache entry.
    lib.epyr_loader_free(loader)
    expect(lib.epyr_cache_clear(cache), OK)
    lib.epyr_cache_free(cache)
    lib.epyr_dataset_free(b)
    expect(lib.epyr_dataset_values(a, 0, C.byref(pa), C.byref(n)), OK)
    assert pa[0] == first
    lib.epyr_dataset_free(a)
    lib.epyr_dataset_free(a)
    expect(lib.epyr_dataset_values(a, 0, C.byref(pa), C.byref(n)), INVALID_ARG, "epyr_dataset")
    expect(lib.epyr_loader_load(loader, CW, None, C.byref(ds)), INVALID_ARG, "epyr_loader")

    nocache = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    c = handle(lib.epyr_loader_load, nocache, CW, None)
    scaled = P()
    status = lib.epyr_loader_load(nocache, CW, b"n", C.byref(scaled))
    assert status in (OK, SCALING), last_error()
    lib.epyr_dataset_free(scaled)
    lib.epyr_dataset_free(c)
    lib.epyr_loader_free(nocache)


@check("memory limit: a load over the budget fails with a clear message")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    expect(lib.epyr_config_set(b"performance.memory_limit_mb", b"0.001"), OK)
    try:
        ds = P(SENTINEL)
        expect(lib.epyr_loader_load(loader, PULSE, None, C.byref(ds)), MEMORY_LIMIT,
               "memory_limit_mb", "pulse_2d")
        assert ds.value == SENTINEL
        within = i32()
        expect(lib.epyr_check_memory_limit(C.byref(within)), OK)
    finally:
        expect(lib.epyr_config_set(b"performance.memory_limit_mb", b"500"), OK)
    lib.epyr_loader_free(loader)


@check("dataset accessors on a 1-D real dataset")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    ds = handle(lib.epyr_loader_load, loader, CW, None)
    nx, ny, nz = u64(), u64(), u64()
    expect(lib.epyr_dataset_dims(ds, C.byref(nx), C.byref(ny), C.byref(nz)), OK)
    assert (ny.value, nz.value) == (1, 1) and nx.value > 1
    expect(lib.epyr_dataset_dims(ds, None, None, None), OK)
    expect(lib.epyr_dataset_dims(None, None, None, None), NULL_ARG)
    count = u32()
    expect(lib.epyr_dataset_components(ds, C.byref(count)), OK)
    assert count.value == 1
    expect(lib.epyr_dataset_components(ds, None), NULL_ARG)
    cplx = i32(SENTINEL)
    expect(lib.epyr_dataset_is_complex(ds, 0, C.byref(cplx)), OK)
    assert cplx.value == 0
    expect(lib.epyr_dataset_is_complex(ds, 1, C.byref(cplx)), INVALID_ARG, "component index 1")
    values = doubles(lib.epyr_dataset_copy_values, ds, 0)
    assert len(values) == nx.value
    ptr, n = pdbl(), u64()
    expect(lib.epyr_dataset_values(ds, 0, C.byref(ptr), C.byref(n)), OK)
    assert ptr[: n.value] == values
    expect(lib.epyr_dataset_values(ds, 3, C.byref(ptr), C.byref(n)), INVALID_ARG)
    expect(lib.epyr_dataset_values(ds, 0, None, C.byref(n)), NULL_ARG)
    small = (dbl * 4)(*[7.0] * 4)
    n.value = SENTINEL
    expect(lib.epyr_dataset_copy_values(ds, 0, small, 4, C.byref(n)), BUFFER_TOO_SMALL,
           str(nx.value))
    assert list(small) == [7.0] * 4 and n.value == SENTINEL
    expect(lib.epyr_dataset_copy_values(ds, 0, small, 4, None), BUFFER_TOO_SMALL)
    expect(lib.epyr_dataset_copy_values(ds, 0, None, 0, None), NULL_ARG, "`len`")
    whole = (dbl * nx.value)()
    expect(lib.epyr_dataset_copy_values(ds, 0, whole, nx.value, None), OK)
    assert list(whole) == values

    x = doubles(lib.epyr_dataset_copy_axis, ds, 0)
    expect(lib.epyr_dataset_axis(ds, 0, C.byref(ptr), C.byref(n)), OK)
    assert n.value == nx.value and ptr[: n.value] == x
    expect(lib.epyr_dataset_axis(ds, 1, C.byref(ptr), C.byref(n)), OK)
    assert n.value == 0 and not ptr
    assert doubles(lib.epyr_dataset_copy_axis, ds, 2) == []
    expect(lib.epyr_dataset_axis(ds, 3, C.byref(ptr), C.byref(n)), INVALID_ARG, "axis 3")
    expect(lib.epyr_dataset_copy_axis(ds, 7, None, 0, C.byref(n)), INVALID_ARG)
    assert text(lib.epyr_dataset_axis_name, ds, 0)
    assert text(lib.epyr_dataset_axis_unit, ds, 0)
    assert text(lib.epyr_dataset_axis_name, ds, 2) == ""
    expect(lib.epyr_dataset_axis_unit(ds, 5, None, 0, C.byref(n)), INVALID_ARG)

    assert float(text(lib.epyr_dataset_param, ds, b"MWFQ")) > 1e9
    f = dbl()
    expect(lib.epyr_dataset_param_double(ds, b"MWFQ", C.byref(f)), OK)
    assert f.value > 1e9
    expect(lib.epyr_dataset_param_double(ds, b"TITL", C.byref(f)), FORMAT, "TITL")
    expect(lib.epyr_dataset_param_double(ds, b"NOPE", C.byref(f)), NOT_FOUND, "NOPE")
    expect(lib.epyr_dataset_param_double(ds, None, C.byref(f)), NULL_ARG)
    expect(lib.epyr_dataset_param(ds, b"NOPE", None, 0, C.byref(n)), NOT_FOUND, "NOPE")
    expect(lib.epyr_dataset_param(ds, None, None, 0, C.byref(n)), NULL_ARG, "key")
    pc = u64()
    expect(lib.epyr_dataset_param_count(ds, C.byref(pc)), OK)
    keys = [text(lib.epyr_dataset_param_key, ds, i) for i in range(pc.value)]
    vals = [text(lib.epyr_dataset_param_value, ds, i) for i in range(pc.value)]
    assert "MWFQ" in keys and vals[keys.index("XPTS")] == str(nx.value)
    expect(lib.epyr_dataset_param_key(ds, pc.value, None, 0, C.byref(n)), INVALID_ARG,
           f"parameter index {pc.value}")
    expect(lib.epyr_dataset_param_value(ds, 1 << 63, None, 0, C.byref(n)), INVALID_ARG)
    expect(lib.epyr_dataset_param_count(ds, None), NULL_ARG)

    wc, sc = u64(SENTINEL), u64()
    expect(lib.epyr_dataset_warning_count(ds, C.byref(wc)), OK)
    assert wc.value != SENTINEL
    expect(lib.epyr_dataset_warning(ds, wc.value, None, 0, C.byref(n)), INVALID_ARG,
           f"warning index {wc.value}")
    expect(lib.epyr_dataset_source_count(ds, C.byref(sc)), OK)
    assert sc.value >= 2
    sources = [text(lib.epyr_dataset_source, ds, i) for i in range(sc.value)]
    assert sources[0].endswith(".DSC") and sources[1].endswith(".DTA")
    expect(lib.epyr_dataset_source(ds, 99, None, 0, C.byref(n)), INVALID_ARG)
    lib.epyr_dataset_free(ds)
    lib.epyr_loader_free(loader)


@check("warnings of a file with extra bytes")
def _():
    base = os.path.join(WORK, "extra")
    shutil.copy(CW.decode(), base + ".DSC")
    shutil.copy(CW.decode()[:-4] + ".DTA", base + ".DTA")
    with open(base + ".DTA", "ab") as f:
        f.write(b"\0" * 16)
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    ds = handle(lib.epyr_loader_load, loader, (base + ".DSC").encode(), None)
    wc = u64()
    expect(lib.epyr_dataset_warning_count(ds, C.byref(wc)), OK)
    warnings = [text(lib.epyr_dataset_warning, ds, i) for i in range(wc.value)]
    assert any("16 bytes" in w for w in warnings), warnings
    lib.epyr_dataset_free(ds)
    lib.epyr_loader_free(loader)


@check("describe, load_into with size query, 2-D complex data")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(1))
    desc = handle(lib.epyr_loader_describe, loader, PULSE, None)
    nx, ny = u64(), u64()
    expect(lib.epyr_dataset_dims(desc, C.byref(nx), C.byref(ny), None), OK)
    cplx = i32()
    expect(lib.epyr_dataset_is_complex(desc, 0, C.byref(cplx)), OK)
    assert cplx.value == 1 and ny.value > 1
    y = doubles(lib.epyr_dataset_copy_axis, desc, 1)
    assert len(y) == ny.value
    assert text(lib.epyr_dataset_param, desc, b"TITL")
    ptr, n = pdbl(), u64()
    # A describe handle makes axis values on demand; they equal those of a load.
    expect(lib.epyr_dataset_axis(desc, 1, C.byref(ptr), C.byref(n)), OK)
    assert ptr[: n.value] == y
    loaded = handle(lib.epyr_loader_load, loader, PULSE, None)
    assert doubles(lib.epyr_dataset_copy_axis, loaded, 1) == y
    assert doubles(lib.epyr_dataset_copy_axis, loaded, 0) == doubles(
        lib.epyr_dataset_copy_axis, desc, 0)
    lib.epyr_dataset_free(loaded)
    expect(lib.epyr_dataset_values(desc, 0, C.byref(ptr), C.byref(n)), INVALID_ARG,
           "epyr_loader_describe")
    expect(lib.epyr_dataset_copy_values(desc, 0, None, 0, C.byref(n)), INVALID_ARG)
    expect(lib.epyr_write_bes3t(desc, os.path.join(WORK, "d").encode(), None, None), INVALID_ARG)
    out = P(SENTINEL)
    expect(lib.epyr_loader_describe(loader, b"/no/such.DSC", None, C.byref(out)), NOT_FOUND)
    expect(lib.epyr_loader_describe(loader, PULSE, None, None), NULL_ARG)
    assert out.value == SENTINEL

    into = doubles(lib.epyr_loader_load_into, loader, PULSE, None)
    assert len(into) == 2 * nx.value * ny.value
    ds = handle(lib.epyr_loader_load, loader, PULSE, None)
    assert into == doubles(lib.epyr_dataset_copy_values, ds, 0)
    # The values of the describe handle, from the files it was described from.
    assert doubles(lib.epyr_loader_load_described_into, loader, desc) == into
    expect(lib.epyr_loader_load_described_into(loader, ds, None, 0, C.byref(n)), INVALID_ARG,
           "epyr_dataset_copy_values")
    expect(lib.epyr_loader_load_described_into(loader, None, None, 0, C.byref(n)), NULL_ARG,
           "described")
    expect(lib.epyr_loader_load_described_into(loader, desc, (dbl * 3)(), 3, C.byref(n)),
           BUFFER_TOO_SMALL)
    lib.epyr_dataset_free(desc)
    small = (dbl * 3)(1, 2, 3)
    n.value = SENTINEL
    expect(lib.epyr_loader_load_into(loader, PULSE, None, small, 3, C.byref(n)),
           BUFFER_TOO_SMALL, "pulse_2d", "holds 3")
    assert list(small) == [1, 2, 3] and n.value == SENTINEL
    expect(lib.epyr_loader_load_into(loader, PULSE, b"q", None, 0, C.byref(n)), INVALID_ARG)
    expect(lib.epyr_loader_load_into(loader, PULSE, None, None, 0, None), NULL_ARG, "len")
    big = (dbl * (len(into) + 5))()
    expect(lib.epyr_loader_load_into(loader, PULSE, None, big, len(big), C.byref(n)), OK)
    assert n.value == len(into) and list(big)[: len(into)] == into
    lib.epyr_dataset_free(ds)
    lib.epyr_loader_free(loader)


@check("the format table, a dataset's format, axis rules, loads as a named format")
def _():
    table = json.loads(text(lib.epyr_formats_json))
    ids = [f["id"] for f in table]
    assert "bruker-bes3t" in ids and "bruker-esp" in ids, ids
    bes3t = table[ids.index("bruker-bes3t")]
    assert bes3t["extensions"] == ["dsc", "dta"] and bes3t["vendor"] == "Bruker", bes3t
    needed = u64()
    expect(lib.epyr_formats_json(None, 0, None), NULL_ARG)
    small = C.create_string_buffer(4)
    expect(lib.epyr_formats_json(small, 4, C.byref(needed)), BUFFER_TOO_SMALL)
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(1))
    ds = handle(lib.epyr_loader_load, loader, CW, None)
    assert text(lib.epyr_dataset_format, ds) == "bruker-bes3t"
    kind, rule = i32(-1), (dbl * 4)(9, 9, 9, 9)
    expect(lib.epyr_dataset_axis_rule(ds, 0, C.byref(kind), rule), OK)
    axis = doubles(lib.epyr_dataset_copy_axis, ds, 0)
    assert kind.value == 1 and rule[1] == 1.0 and rule[2] == 0.0, list(rule)
    assert rule[0] == axis[0] and rule[0] + rule[3] == axis[-1], (list(rule), axis[0], axis[-1])
    expect(lib.epyr_dataset_axis_rule(ds, 1, C.byref(kind), rule), OK)
    assert kind.value == 0
    expect(lib.epyr_dataset_axis_rule(ds, 3, C.byref(kind), rule), INVALID_ARG)
    expect(lib.epyr_dataset_axis_rule(ds, 0, None, rule), NULL_ARG, "kind")
    expect(lib.epyr_dataset_axis_rule(ds, 0, C.byref(kind), None), NULL_ARG, "params")
    made = handle(lib.epyr_dataset_new, 2, 1, 1, 0, (dbl * 2)(1, 2), 2)
    assert text(lib.epyr_dataset_format, made) == "user"
    lib.epyr_dataset_free(made)
    same = handle(lib.epyr_loader_load_as, loader, CW, b"bruker-bes3t", None)
    assert doubles(lib.epyr_dataset_copy_values, same, 0) == doubles(
        lib.epyr_dataset_copy_values, ds, 0)
    desc = handle(lib.epyr_loader_describe_as, loader, CW, b"bruker-bes3t", None)
    assert text(lib.epyr_dataset_format, desc) == "bruker-bes3t"
    out = P(SENTINEL)
    expect(lib.epyr_loader_load_as(loader, CW, b"no-such-format", None, C.byref(out)),
           INVALID_ARG, "no-such-format", "bruker-bes3t")
    expect(lib.epyr_loader_load_as(loader, CW, None, None, C.byref(out)), NULL_ARG, "format_id")
    expect(lib.epyr_loader_describe_as(loader, CW, b"bruker-esp", None, C.byref(out)),
           NOT_FOUND)
    assert out.value == SENTINEL
    for h in (same, desc, ds):
        lib.epyr_dataset_free(h)
    lib.epyr_loader_free(loader)


@check("impossible buffer lengths and misaligned buffers are refused untouched")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    ds = handle(lib.epyr_loader_load, loader, CW, None)
    small = (dbl * 4)(1, 2, 3, 4)
    n = u64(SENTINEL)
    expect(lib.epyr_dataset_copy_values(ds, 0, small, 1 << 62, C.byref(n)), INVALID_ARG,
           "cannot be a real buffer")
    assert list(small) == [1, 2, 3, 4] and n.value == SENTINEL
    raw = (C.c_char * 64)()
    odd = C.cast(C.addressof(raw) + 1, pdbl)
    expect(lib.epyr_dataset_copy_values(ds, 0, odd, 4, C.byref(n)), INVALID_ARG, "aligned")
    assert n.value == SENTINEL
    # The reader writes at most one chunk, whatever `cap` claims.
    reader = handle(lib.epyr_reader_open, loader, CW)
    expect(lib.epyr_reader_set_chunk_points(reader, 4), OK)
    first = u64()
    expect(lib.epyr_reader_next(reader, small, 1 << 62, C.byref(n), C.byref(first)), OK)
    assert n.value == 4 and first.value == 0
    lib.epyr_reader_free(reader)
    lib.epyr_dataset_free(ds)
    lib.epyr_loader_free(loader)


@check("load_many: per-file statuses, failures listed, argument errors")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(1))
    paths = (ch * 3)(CW, b"/no/such/file.DSC", PULSE)
    ds = (P * 3)(*[SENTINEL] * 3)
    st = (i32 * 3)(*[-1] * 3)
    failed = u64()
    expect(lib.epyr_loader_load_many(loader, paths, 3, None, ds, st, C.byref(failed)), OK)
    assert list(st) == [OK, NOT_FOUND, OK] and failed.value == 1
    assert ds[0] and not ds[1] and ds[2]
    message = last_error()
    assert "1 of 3 files failed" in message and "paths[1]" in message and "/no/such" in message
    for h in ds:
        lib.epyr_dataset_free(h)
    # Each file's own message: size query, copy, a buffer too small, an index past the batch.
    needed = u64()
    expect(lib.epyr_last_batch_message(1, None, 0, C.byref(needed)), OK)
    buf = C.create_string_buffer(needed.value)
    expect(lib.epyr_last_batch_message(1, buf, needed.value, None), OK)
    assert b"/no/such/file.DSC" in buf.value and b"paths[" not in buf.value, buf.value
    expect(lib.epyr_last_batch_message(1, buf, needed.value - 1, C.byref(needed)),
           BUFFER_TOO_SMALL)
    expect(lib.epyr_last_batch_message(0, buf, needed.value, C.byref(needed)), OK)
    assert buf.value == b"" and needed.value == 1
    expect(lib.epyr_last_batch_message(3, None, 0, C.byref(needed)), INVALID_ARG, "index 3")
    expect(lib.epyr_last_batch_message(0, None, 0, None), NULL_ARG, "needed")
    # An empty path is that path's own error.
    with_empty = (ch * 2)(CW, b"")
    st2 = (i32 * 2)(9, 9)
    expect(lib.epyr_loader_load_many(loader, with_empty, 2, None, ds, st2, None), OK)
    assert list(st2) == [OK, INVALID_ARG], list(st2)
    lib.epyr_dataset_free(ds[0])
    with_null = (ch * 2)(CW, None)
    st2 = (i32 * 2)(9, 9)
    expect(lib.epyr_loader_load_many(loader, with_null, 2, None, ds, st2, None), NULL_ARG,
           "paths[1]")
    assert list(st2) == [9, 9]
    expect(lib.epyr_loader_load_many(loader, paths, 3, b"z", ds, st, None), INVALID_ARG, "'z'")
    expect(lib.epyr_loader_load_many(loader, None, 3, None, ds, st, None), NULL_ARG, "paths")
    expect(lib.epyr_loader_load_many(loader, paths, 3, None, None, st, None), NULL_ARG, "datasets")
    expect(lib.epyr_loader_load_many(loader, paths, 3, None, ds, None, None), NULL_ARG, "statuses")
    expect(lib.epyr_loader_load_many(loader, None, 0, None, None, None, C.byref(failed)), OK)
    assert failed.value == 0
    lib.epyr_loader_free(loader)


@check("for_each_chunk: sums, early stop, NULL callback")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0.001), i32(0))
    seen = {"values": 0, "calls": 0, "firsts": []}

    def on_chunk(user, values, n, first):
        seen["values"] += n
        seen["calls"] += 1
        seen["firsts"].append(first)
        return 0

    cb = CHUNK_CB(on_chunk)
    expect(lib.epyr_loader_for_each_chunk(loader, PULSE, None, cb, None), OK)
    nx, ny = u64(), u64()
    ds = handle(lib.epyr_loader_load, loader, PULSE, None)
    expect(lib.epyr_dataset_dims(ds, C.byref(nx), C.byref(ny), None), OK)
    assert seen["values"] == 2 * nx.value * ny.value and seen["calls"] > 1
    assert seen["firsts"][0] == 0 and seen["firsts"] == sorted(seen["firsts"])
    stop = CHUNK_CB(lambda user, values, n, first: 1)
    expect(lib.epyr_loader_for_each_chunk(loader, PULSE, None, stop, None), OK)
    expect(lib.epyr_loader_for_each_chunk(loader, PULSE, None, CHUNK_CB(), None), NULL_ARG,
           "callback")
    expect(lib.epyr_loader_for_each_chunk(loader, b"/no.DSC", None, cb, None), NOT_FOUND)
    lib.epyr_dataset_free(ds)
    lib.epyr_loader_free(loader)


@check("dataset_new and write_bes3t round trip; writer errors")
def _():
    vals = (dbl * 12)(*[float(i) - 3.5 for i in range(12)])
    out = P(SENTINEL)
    expect(lib.epyr_dataset_new(4, 3, 1, 0, vals, 11, C.byref(out)), INVALID_ARG, "11 values")
    expect(lib.epyr_dataset_new(0, 3, 1, 0, vals, 12, C.byref(out)), INVALID_ARG, "zero")
    expect(lib.epyr_dataset_new(4, 3, 1, 0, None, 12, C.byref(out)), NULL_ARG, "values")
    expect(lib.epyr_dataset_new(1 << 62, 1 << 62, 1, 0, vals, 12, C.byref(out)), INVALID_ARG)
    expect(lib.epyr_dataset_new(4, 3, 1, 0, vals, 12, None), NULL_ARG)
    assert out.value == SENTINEL
    ds = handle(lib.epyr_dataset_new, u64(4), u64(3), u64(1), i32(0), vals, u64(12))
    cplx = handle(lib.epyr_dataset_new, u64(2), u64(3), u64(1), i32(1), vals, u64(12))
    base = os.path.join(WORK, "written").encode()
    expect(lib.epyr_write_bes3t(ds, base, b"Q", None), INVALID_ARG, "Q")
    expect(lib.epyr_write_bes3t(ds, base, None, b"MIDDLE"), INVALID_ARG, "MIDDLE")
    expect(lib.epyr_write_bes3t(ds, base, b"S", None), INVALID_ARG, "-3.5")
    expect(lib.epyr_write_bes3t(ds, None, None, None), NULL_ARG, "path")
    expect(lib.epyr_write_bes3t(None, base, None, None), NULL_ARG, "ds")
    expect(lib.epyr_write_bes3t(ds, b"/no/such/dir/x", None, None), NOT_FOUND)
    expect(lib.epyr_write_bes3t(ds, base, b"F", b"LIT"), OK)
    expect(lib.epyr_write_bes3t(cplx, base + b"_c", None, b"BIG"), OK)
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    back = handle(lib.epyr_loader_load, loader, base + b".DSC", None)
    assert doubles(lib.epyr_dataset_copy_values, back, 0) == list(vals)
    back_c = handle(lib.epyr_loader_load, loader, base + b"_c.DTA", None)
    c = i32()
    expect(lib.epyr_dataset_is_complex(back_c, 0, C.byref(c)), OK)
    assert c.value == 1 and doubles(lib.epyr_dataset_copy_values, back_c, 0) == list(vals)
    for h in (ds, cplx, back, back_c):
        lib.epyr_dataset_free(h)
    lib.epyr_loader_free(loader)


@check("dataset_export writes CSV, JSON and BES3T, never replacing a file unless asked")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    ds = handle(lib.epyr_loader_load, loader, CW, None)
    csv = os.path.join(WORK, "exported.csv").encode()
    expect(lib.epyr_dataset_export(ds, csv, None, 0), OK)
    with open(csv, encoding="utf-8") as f:
        rows = [line for line in f if not line.startswith("#")]
    n = u64()
    expect(lib.epyr_dataset_copy_values(ds, 0, None, 0, C.byref(n)), OK)
    assert len(rows) == 1 + n.value, len(rows)
    expect(lib.epyr_dataset_export(ds, csv, b"csv", 0), EXISTS, "exported.csv")
    expect(lib.epyr_dataset_export(ds, csv, b"csv", 1), OK)
    expect(lib.epyr_dataset_export(ds, csv, b"xml", 0), INVALID_ARG, "xml")
    expect(lib.epyr_dataset_export(ds, csv, None, 7), INVALID_ARG, "7")
    expect(lib.epyr_dataset_export(ds, None, None, 0), NULL_ARG, "path")
    expect(lib.epyr_dataset_export(None, csv, None, 0), NULL_ARG, "ds")
    js = os.path.join(WORK, "exported.json").encode()
    expect(lib.epyr_dataset_export(ds, js, b"json", 0), OK)
    with open(js, encoding="utf-8") as f:
        doc = json.load(f)
    assert doc["schema"] == "urn:epyr:schema:metadata:1" and len(doc["sources"]) == 2, doc
    dsc = os.path.join(WORK, "exported.DSC").encode()
    expect(lib.epyr_dataset_export(ds, dsc, None, 0), OK)
    back = handle(lib.epyr_loader_load, loader, dsc, None)
    assert doubles(lib.epyr_dataset_copy_values, back, 0) == doubles(
        lib.epyr_dataset_copy_values, ds, 0
    )
    md = json.loads(text(lib.epyr_dataset_metadata_json, ds))
    assert md["microwave_frequency"]["unit"] == "GHz", md
    small = C.create_string_buffer(2)
    need = u64()
    expect(lib.epyr_dataset_metadata_json(ds, small, 2, C.byref(need)), BUFFER_TOO_SMALL)
    expect(lib.epyr_dataset_metadata_json(None, None, 0, C.byref(need)), NULL_ARG)
    for h in (ds, back):
        lib.epyr_dataset_free(h)
    lib.epyr_loader_free(loader)


@check("reader: streaming, own buffer, rows, chunk size, errors")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0.001), i32(0))
    r = P(SENTINEL)
    expect(lib.epyr_reader_open(loader, b"/no/such.DSC", C.byref(r)), NOT_FOUND)
    expect(lib.epyr_reader_open_scaled(loader, PULSE, b"w", C.byref(r)), INVALID_ARG)
    expect(lib.epyr_reader_open(loader, PULSE, None), NULL_ARG)
    expect(lib.epyr_reader_open(None, PULSE, C.byref(r)), NULL_ARG)
    assert r.value == SENTINEL
    r = handle(lib.epyr_reader_open, loader, PULSE)
    nx, ny, nz, vpp, cp, pos = (u64() for _ in range(6))
    expect(lib.epyr_reader_info(r, C.byref(nx), C.byref(ny), C.byref(nz), C.byref(vpp),
                                C.byref(cp), C.byref(pos)), OK)
    assert vpp.value == 2 and pos.value == 0 and cp.value >= 1
    expect(lib.epyr_reader_info(r, None, None, None, None, None, None), OK)
    expect(lib.epyr_reader_info(None, None, None, None, None, None, None), NULL_ARG)
    # The reader's own description: a describe handle of the plan it opened, without values.
    desc = handle(lib.epyr_reader_describe, r)
    dx, dy, dz, flag = u64(), u64(), u64(), i32()
    expect(lib.epyr_dataset_dims(desc, C.byref(dx), C.byref(dy), C.byref(dz)), OK)
    assert (dx.value, dy.value, dz.value) == (nx.value, ny.value, nz.value)
    expect(lib.epyr_dataset_is_complex(desc, 0, C.byref(flag)), OK)
    assert flag.value == 1
    assert text(lib.epyr_dataset_source, desc, 0) == os.path.abspath(PULSE.decode())
    expect(lib.epyr_dataset_values(desc, 0, C.byref(pdbl()), C.byref(u64())), INVALID_ARG,
           "holds no values")
    lib.epyr_dataset_free(desc)
    out = P(SENTINEL)
    expect(lib.epyr_reader_describe(r, None), NULL_ARG, "out")
    expect(lib.epyr_reader_describe(None, C.byref(out)), NULL_ARG)
    expect(lib.epyr_reader_describe(loader, C.byref(out)), INVALID_ARG, "epyr_loader")
    assert out.value == SENTINEL
    total_values = nx.value * ny.value * vpp.value
    full = doubles(lib.epyr_loader_load_into, loader, PULSE, None)

    buf = (dbl * (cp.value * vpp.value))()
    n, first = u64(), u64()
    one = (dbl * 1)()
    expect(lib.epyr_reader_next(r, one, 1, C.byref(n), C.byref(first)), BUFFER_TOO_SMALL,
           "one point")
    expect(lib.epyr_reader_next(r, None, 8, C.byref(n), None), NULL_ARG, "buf")
    expect(lib.epyr_reader_next(r, buf, len(buf), None, None), NULL_ARG, "len")
    got = []
    while True:
        expect(lib.epyr_reader_next(r, buf, len(buf), C.byref(n), C.byref(first)), OK)
        if n.value == 0:
            break
        assert first.value * 2 == len(got)
        got.extend(buf[: n.value])
    assert got == full

    expect(lib.epyr_reader_rewind(r), OK)
    expect(lib.epyr_reader_set_chunk_points(r, 0), INVALID_ARG)
    expect(lib.epyr_reader_set_chunk_points(r, 100), OK)
    got, ptr = [], pdbl()
    while True:
        expect(lib.epyr_reader_next_chunk(r, C.byref(ptr), C.byref(n), None), OK)
        if n.value == 0:
            assert not ptr
            break
        assert n.value <= 200
        got.extend(ptr[: n.value])
    assert got == full
    expect(lib.epyr_reader_next_chunk(r, None, C.byref(n), None), NULL_ARG, "values")

    row_len = nx.value * 2
    rows = doubles(lib.epyr_reader_read_rows, r, 2, 3)
    assert rows == full[2 * row_len: 5 * row_len]
    expect(lib.epyr_reader_read_rows(r, ny.value, 1, None, 0, C.byref(n)), INVALID_ARG,
           "out of range")
    expect(lib.epyr_reader_read_rows(r, 1 << 63, 1 << 63, None, 0, C.byref(n)), INVALID_ARG)
    small = (dbl * 2)()
    expect(lib.epyr_reader_read_rows(r, 0, 1, small, 2, C.byref(n)), BUFFER_TOO_SMALL)
    expect(lib.epyr_reader_read_rows(r, 0, 1, None, 0, None), NULL_ARG)
    # Axis ranges, computed or read into the caller's buffer, equal the loaded axes.
    ds = handle(lib.epyr_loader_load, loader, PULSE, None)
    for axis, count in ((0, nx.value), (1, ny.value)):
        whole = doubles(lib.epyr_dataset_copy_axis, ds, axis)
        assert len(whole) == count
        assert doubles(lib.epyr_reader_copy_axis, r, axis, 0, count) == whole
        assert doubles(lib.epyr_reader_copy_axis, r, axis, 1, count - 1) == whole[1:]
    lib.epyr_dataset_free(ds)
    assert doubles(lib.epyr_reader_copy_axis, r, 2, 0, 5) == [], "no z axis"
    expect(lib.epyr_reader_copy_axis(r, 0, nx.value, 1, None, 0, C.byref(n)), INVALID_ARG,
           "out of range")
    expect(lib.epyr_reader_copy_axis(r, 0, 1 << 63, 1 << 63, None, 0, C.byref(n)), INVALID_ARG)
    expect(lib.epyr_reader_copy_axis(r, 3, 0, 1, None, 0, C.byref(n)), INVALID_ARG, "axis 3")
    expect(lib.epyr_reader_copy_axis(r, 0, 0, 3, small, 2, C.byref(n)), BUFFER_TOO_SMALL)
    expect(lib.epyr_reader_copy_axis(r, 0, 0, 1, None, 0, None), NULL_ARG)
    expect(lib.epyr_reader_copy_axis(None, 0, 0, 1, None, 0, C.byref(n)), NULL_ARG)
    expect(lib.epyr_reader_rewind(None), NULL_ARG)
    # More points than the dataset has: one chunk of the whole dataset, as epyr_reader_info says.
    for points in (1 << 63, (1 << 64) - 1, nx.value * ny.value * nz.value + 1):
        expect(lib.epyr_reader_set_chunk_points(r, points), OK)
        expect(lib.epyr_reader_info(r, None, None, None, None, C.byref(cp), None), OK)
        assert cp.value == nx.value * ny.value * nz.value, (points, cp.value)
    expect(lib.epyr_reader_rewind(r), OK)
    expect(lib.epyr_reader_next_chunk(r, C.byref(ptr), C.byref(n), None), OK)
    assert ptr[: n.value] == full, "one chunk holds the whole dataset"
    lib.epyr_reader_free(r)
    lib.epyr_reader_free(r)
    lib.epyr_reader_free(None)
    expect(lib.epyr_reader_rewind(r), INVALID_ARG, "epyr_reader")
    assert total_values == len(full)
    lib.epyr_loader_free(loader)


@check("reader: a file truncated while it is read gives EPYR_ERR_FILE_CHANGED")
def _():
    base = os.path.join(WORK, "shrinking")
    shutil.copy(PULSE.decode(), base + ".DSC")
    shutil.copy(PULSE.decode()[:-4] + ".DTA", base + ".DTA")
    for ext in (".YGF", ".XGF"):
        if os.path.exists(PULSE.decode()[:-4] + ext):
            shutil.copy(PULSE.decode()[:-4] + ext, base + ext)
    loader = handle(lib.epyr_loader_new, None, dbl(0.001), i32(0))
    r = handle(lib.epyr_reader_open, loader, (base + ".DSC").encode())
    ptr, n = pdbl(), u64()
    expect(lib.epyr_reader_next_chunk(r, C.byref(ptr), C.byref(n), None), OK)
    with open(base + ".DTA", "r+b") as f:
        f.truncate(100)
    expect(lib.epyr_reader_next_chunk(r, C.byref(ptr), C.byref(n), None), FILE_CHANGED,
           "shrinking.DTA")
    buf = (dbl * 1024)()
    expect(lib.epyr_reader_next(r, buf, 1024, C.byref(n), None), FILE_CHANGED)
    expect(lib.epyr_reader_read_rows(r, 0, 1, buf, 1024, C.byref(n)), FILE_CHANGED)
    lib.epyr_reader_free(r)
    lib.epyr_loader_free(loader)


@check("threads: shared loader and cache, per-thread errors, free while in use")
def _():
    cache = handle(lib.epyr_cache_new, dbl(16))
    loader = handle(lib.epyr_loader_new, cache, dbl(0), i32(1))
    shared = handle(lib.epyr_loader_load, loader, CW, None)
    failures = []

    def work(i):
        try:
            bad = f"/no/such/thread-{i}.DSC".encode()
            for _ in range(20):
                ds = handle(lib.epyr_loader_load, loader, PULSE, None)
                ptr, n = pdbl(), u64()
                expect(lib.epyr_dataset_values(ds, 0, C.byref(ptr), C.byref(n)), OK)
                lib.epyr_dataset_free(ds)
                out = P()
                expect(lib.epyr_loader_load(loader, bad, None, C.byref(out)), NOT_FOUND)
                assert bad.decode() in last_error(), "each thread has its own last error"
                # Another thread may free `shared` meanwhile: an error, never a crash.
                status = lib.epyr_dataset_values(shared, 0, C.byref(ptr), C.byref(n))
                assert status in (OK, INVALID_ARG)
                st = u64()
                expect(lib.epyr_cache_stats(cache, C.byref(st), None, None, None, None, None), OK)
            if i == 3:
                lib.epyr_dataset_free(shared)
        except Exception:  # noqa: BLE001
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[0]
    entries = u64()
    expect(lib.epyr_cache_stats(cache, C.byref(entries), None, None, None, None, None), OK)
    assert entries.value == 2
    lib.epyr_dataset_free(shared)
    lib.epyr_loader_free(loader)
    lib.epyr_cache_free(cache)


@check("a panic inside an entry point is caught (test-hooks build)")
def _():
    hooks = C.CDLL(os.environ["EPYR_HOOKS_LIB"])
    hooks.epyr_test_panic.restype = i32
    hooks.epyr_last_error_message.restype = u64
    hooks.epyr_last_error_message.argtypes = [C.c_char_p, u64]
    assert hooks.epyr_test_panic() == PANIC
    n = hooks.epyr_last_error_message(None, 0)
    buf = C.create_string_buffer(n)
    hooks.epyr_last_error_message(buf, n)
    assert b"epyr_test_panic was called" in buf.value, buf.value
    # The library still works after the panic.
    assert hooks.epyr_test_panic() == PANIC
    assert not hasattr(lib.dll, "epyr_test_panic"), "the hook is in the normal build"


def packed(f, ds):
    """The NUL-terminated strings of a packed call, through a size query."""
    needed = u64(SENTINEL)
    expect(f(ds, None, 0, C.byref(needed)), OK)
    buf = C.create_string_buffer(max(needed.value, 1))
    expect(f(ds, buf, needed.value, None), OK)
    raw = buf.raw[: needed.value]
    assert raw == b"" or raw.endswith(b"\0"), raw[-8:]
    return [t.decode() for t in raw.split(b"\0")[:-1]]


@check("all parameters and axis labels in one call equal the per-key calls")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    for path in (CW, PULSE):
        ds = handle(lib.epyr_loader_load, loader, path, None)
        pc = u64()
        expect(lib.epyr_dataset_param_count(ds, C.byref(pc)), OK)
        strings = packed(lib.epyr_dataset_params_packed, ds)
        assert len(strings) == 3 * pc.value, (len(strings), pc.value)
        for i in range(pc.value):
            key, value = strings[3 * i], strings[3 * i + 1]
            assert key == text(lib.epyr_dataset_param_key, ds, i), (i, key)
            assert value == text(lib.epyr_dataset_param_value, ds, i), (i, key)
        labels = packed(lib.epyr_dataset_axis_labels_packed, ds)
        want = []
        for axis in range(3):
            want += [text(lib.epyr_dataset_axis_name, ds, axis),
                     text(lib.epyr_dataset_axis_unit, ds, axis)]
        assert labels == want, (labels, want)
        small = C.create_string_buffer(b"zz")
        needed = u64(SENTINEL)
        expect(lib.epyr_dataset_params_packed(ds, small, 2, C.byref(needed)), BUFFER_TOO_SMALL,
               "parameters")
        assert needed.value == SENTINEL and small.raw == b"zz\0"
        expect(lib.epyr_dataset_params_packed(ds, None, 0, None), NULL_ARG, "`needed`")
        lib.epyr_dataset_free(ds)
    expect(lib.epyr_dataset_axis_labels_packed(None, None, 0, C.byref(u64())), NULL_ARG, "ds")
    lib.epyr_loader_free(loader)


@check("parameter lines: the text as written of values continued over lines, else empty")
def _():
    base = os.path.join(WORK, "continued")
    head = open(CW.decode(), "rb").read()
    with open(base + ".DSC", "wb") as f:
        f.write(head + b"Prog   \\\r\na\\n\\\nend exp9\r\nLAST x\n")
    shutil.copyfile(CW.decode()[:-4] + ".DTA", base + ".DTA")
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    ds = handle(lib.epyr_loader_describe, loader, (base + ".DSC").encode(), None)
    pc = u64()
    expect(lib.epyr_dataset_param_count(ds, C.byref(pc)), OK)
    lines = packed(lib.epyr_dataset_param_lines_packed, ds)
    assert len(lines) == pc.value, (len(lines), pc.value)
    keys = packed(lib.epyr_dataset_params_packed, ds)[::3]
    at = keys.index("Prog")
    assert lines[at] == "Prog   \\\r\na\\n\\\nend exp9", lines[at]
    assert lines[:at] + lines[at + 1:] == [""] * (pc.value - 1), lines
    expect(lib.epyr_dataset_param_lines_packed(None, None, 0, C.byref(u64())), NULL_ARG, "ds")
    # BES3T values are text: no parameter is marked as read from a binary number.
    kinds = packed(lib.epyr_dataset_param_kinds_packed, ds)
    assert kinds == [""] * pc.value, kinds
    expect(lib.epyr_dataset_param_kinds_packed(None, None, 0, C.byref(u64())), NULL_ARG, "ds")
    # BES3T files hold no arrays besides the data: none to name or point at.
    count = u64(SENTINEL)
    expect(lib.epyr_dataset_array_count(ds, C.byref(count)), OK)
    assert count.value == 0, count.value
    ptr, n = pdbl(), u64()
    expect(lib.epyr_dataset_array(ds, 0, C.byref(ptr), C.byref(n)), INVALID_ARG, "array")
    expect(lib.epyr_dataset_array_name(ds, 0, None, 0, C.byref(n)), INVALID_ARG, "array")
    expect(lib.epyr_dataset_array_count(None, C.byref(count)), NULL_ARG, "ds")
    lib.epyr_dataset_free(ds)
    lib.epyr_loader_free(loader)


@check("parameter kinds of a JSON document name each member's JSON kind")
def _():
    path = os.path.join(WORK, "kinds.json")
    with open(path, "w") as f:
        f.write('{"ExperimentOptions": {"CommonOptions": {"CenterMagneticField": 337.5,'
                ' "SweepWidth": 15.0, "Note": "0.5"}, "Empty": {}, "Off": null, "On": true},'
                ' "Values": [{"Values": [{"Points": [1, 2, 3, 4]}, {"Points": [5, 6, 7, 8]}]}]}')
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    ds = handle(lib.epyr_loader_load, loader, path.encode(), None)
    keys = packed(lib.epyr_dataset_params_packed, ds)[::3]
    kinds = packed(lib.epyr_dataset_param_kinds_packed, ds)
    got = dict(zip(keys, kinds))
    assert got == {
        "ExperimentOptions.CommonOptions.CenterMagneticField": "json number",
        "ExperimentOptions.CommonOptions.SweepWidth": "json number",
        "ExperimentOptions.CommonOptions.Note": "json string",
        "ExperimentOptions.Empty": "json object",
        "ExperimentOptions.Off": "json null",
        "ExperimentOptions.On": "json boolean",
        "Values": "json array",
    }, got
    lib.epyr_dataset_free(ds)
    lib.epyr_loader_free(loader)


def handle_error(h):
    n = lib.epyr_handle_last_error_message(h, None, 0)
    if n == 0:
        return None
    buf = C.create_string_buffer(n)
    assert lib.epyr_handle_last_error_message(h, buf, n) == n
    return buf.value.decode()


def process_error():
    n = lib.epyr_process_last_error_message(None, 0)
    buf = C.create_string_buffer(n)
    assert lib.epyr_process_last_error_message(buf, n) == n
    return buf.value.decode()


@check("a failed call's message is read through its handle on another thread")
def _():
    loader = handle(lib.epyr_loader_new, None, dbl(0), i32(0))
    assert handle_error(loader) == ""
    missing = os.path.join(WORK, "nowhere", "gone.DSC").encode()
    statuses = []

    def fail_on_a_worker():
        out = P()
        statuses.append(lib.epyr_loader_load(loader, missing, None, C.byref(out)))

    worker = threading.Thread(target=fail_on_a_worker)
    worker.start()
    worker.join()
    assert statuses == [NOT_FOUND], statuses
    # LabVIEW "Run in any thread": the next node runs on another thread than the failed one.
    message = handle_error(loader)
    assert message and "gone.DSC" in message, message
    assert "gone.DSC" not in last_error(), "this thread's own message is untouched"
    assert "gone.DSC" in process_error()
    # A successful call keeps the message of the last failed one; a new failure replaces it.
    ds = handle(lib.epyr_loader_load, loader, CW, None)
    assert "gone.DSC" in handle_error(loader)
    expect(lib.epyr_dataset_param(ds, b"NOPE", None, 0, C.byref(u64())), NOT_FOUND)
    assert "NOPE" in handle_error(ds) and "gone.DSC" in handle_error(loader)
    lib.epyr_dataset_free(ds)
    assert handle_error(ds) is None, "a freed handle has no message"
    assert lib.epyr_handle_last_error_message(None, None, 0) == 0
    assert lib.epyr_handle_last_error_message(P(0x7777770), None, 0) == 0
    # A batch with a failed file returns EPYR_OK; its message is the handle's too.
    paths = (ch * 2)(CW, missing)
    dsets, stats = (P * 2)(), (i32 * 2)()
    expect(lib.epyr_loader_load_many(loader, paths, 2, None, dsets, stats, None), OK)
    assert list(stats) == [OK, NOT_FOUND], list(stats)
    assert "1 of 2 files failed" in handle_error(loader), handle_error(loader)
    lib.epyr_dataset_free(dsets[0])
    # load_into with a buffer needs no size output.
    n = u64()
    expect(lib.epyr_loader_load_into(loader, CW, None, None, 0, C.byref(n)), OK)
    buf = (dbl * n.value)()
    expect(lib.epyr_loader_load_into(loader, CW, None, buf, n.value, None), OK)
    expect(lib.epyr_loader_load_into(loader, CW, None, None, 0, None), NULL_ARG, "`len`")
    # Handle creation fails before a handle exists: the process-wide message has it.
    out = P()
    expect(lib.epyr_cache_new(dbl(-5), C.byref(out)), INVALID_ARG)
    assert "-5" in process_error(), process_error()
    lib.epyr_loader_free(loader)


@check("every function the header declares was called")
def _():
    with open(os.environ["EPYR_HEADER"]) as f:
        header = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    declared = set(re.findall(r"\b(epyr_[a-z0-9_]+)\s*\(", header))
    declared -= {"epyr_chunk_callback"}
    assert declared == set(PROTOTYPES), declared ^ set(PROTOTYPES)
    missing = declared - lib.called
    assert not missing, f"not called: {sorted(missing)}"


print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
