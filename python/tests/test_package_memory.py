"""Memory the package holds outside libepyr's budget stays small: nothing kept per distinct
array length, no per-thread buffer the size of the largest descriptor, and DataCache items
measured deeply, bounded by the cache's size, copied or frozen."""

import gc
import threading
import time
import tracemalloc

import numpy as np
import pytest

import epyr_native
from conftest import assert_cannot_write, write_bes3t
from epyr_native.performance import DataCache


def test_arrays_of_distinct_lengths_leave_no_python_memory_behind(tmp_path):
    paths = [write_bes3t(tmp_path / f"f{n}.DSC", np.arange(float(n))) for n in range(2, 302)]
    loader = epyr_native.Loader(cache_enabled=False)
    warm = loader.load(paths[0])  # warm up: everything made once per process or thread
    warm.values, warm.axes
    del warm
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for path in paths:
            dataset = loader.load(path)
            dataset.values, dataset.axes
            del dataset
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 64 * 1024, f"{kept} bytes kept after 300 datasets of distinct lengths"


def test_a_thread_that_read_a_large_descriptor_keeps_no_buffer_of_its_size(corpus):
    path = corpus / "deerlab" / "data_multi_lab5.DSC"  # 1 MB of parameter text
    loader = epyr_native.Loader(cache_enabled=False)
    done, finish = threading.Event(), threading.Event()

    def work():  # a long-lived thread (a pool's worker) that read the descriptor and idles
        for _ in range(3):
            dataset = loader.load(path)
            dataset.params_raw, dataset.axes
            del dataset
        done.set()
        finish.wait(60)

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        worker = threading.Thread(target=work)
        worker.start()
        assert done.wait(60)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        finish.set()
        worker.join()
        tracemalloc.stop()
    assert kept < 256 * 1024, f"{kept} bytes kept by a thread that read a 1 MB descriptor"


class Holder:
    """An object with an array inside, as a user might put one."""

    def __init__(self, array):
        self.array = array


@pytest.fixture
def spectrum(tmp_path, fresh_config):
    fresh_config.set("performance.cache_enabled", True)
    return write_bes3t(tmp_path / "s.DSC", np.arange(4.0))


def test_put_measures_items_deeply_and_refuses_what_exceeds_the_budget(spectrum, tmp_path):
    cache = DataCache(1)
    cache.put(spectrum, Holder(np.zeros(4 << 20 >> 3)))  # 4 MB inside an object
    assert cache.get(spectrum) is None
    nested = {"runs": [(np.zeros(600_000 >> 3), "a")], "n": 1}  # 0.6 MB two levels down
    cache.put(spectrum, nested)
    assert cache.get(spectrum) is not None
    assert 0.57 < cache.get_stats()["total_size_mb"] < 1


def test_put_keeps_the_cache_within_its_size(tmp_path, fresh_config):
    fresh_config.set("performance.cache_enabled", True)
    cache = DataCache(1)
    paths = [write_bes3t(tmp_path / f"f{i}.DSC", np.arange(3.0)) for i in range(8)]
    for path in paths:
        cache.put(path, [Holder(np.ones(300_000 >> 3))])
        assert cache.get_stats()["total_size_mb"] <= 1
    assert cache.get(paths[-1]) is not None and cache.get(paths[0]) is None
    assert cache.get_stats()["entries"] == 3


def test_items_are_copied_and_come_back_read_only_and_unshared(spectrum):
    cache = DataCache(10)
    x, y = np.arange(4.0), np.arange(8.0).reshape(2, 4)
    params = {"MWFQ": 9.4e9, "runs": [1, 2]}
    holder = Holder(np.arange(3.0))
    cache.put(spectrum, (x, y, params, holder))
    x[0] = y[0, 0] = 99.0  # the caller's edits after put
    params["runs"].append(3)
    holder.array.fill(7)
    got_x, got_y, got_params, got_holder = cache.get(spectrum)
    assert got_x[0] == 0 and got_y[0, 0] == 0 and got_params["runs"] == [1, 2]
    assert np.array_equal(got_holder.array, np.arange(3.0))
    for array in (got_x, got_y):
        assert_cannot_write(array)
    got_params["runs"].append(4)  # edits of what get returned
    got_params.clear()
    got_holder.array.fill(9)
    again = cache.get(spectrum)
    assert again[2] == {"MWFQ": 9.4e9, "runs": [1, 2]}
    assert np.array_equal(again[3].array, np.arange(3.0))
    assert np.shares_memory(again[0], got_x)  # arrays are handed out without a copy


def test_put_takes_items_with_cycles(spectrum):
    cache = DataCache(10)
    loop = [np.arange(2.0)]
    loop.append(loop)
    pair = ([],)
    pair[0].append(pair)
    cache.put(spectrum, {"loop": loop, "pair": pair})
    got = cache.get(spectrum)
    assert got["loop"][1] is got["loop"] and np.array_equal(got["loop"][0], [0.0, 1.0])
    assert got["pair"][0][0][0] is got["pair"][0]
    assert 0 < cache.get_stats()["total_size_mb"] < 0.01
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        cache.put(spectrum, deep)
    assert "loop" in cache.get(spectrum)  # a refused put changes nothing


def test_loads_through_the_cache_evict_items_to_keep_it_within_its_size(spectrum, tmp_path):
    cache = DataCache(1)
    cache.put(spectrum, np.zeros(600_000 >> 3))
    big = write_bes3t(tmp_path / "big.DSC", np.arange(40_000.0))  # 0.64 MB with its axis
    time.sleep(0.2)  # libepyr caches no file changed within 50 ms of the load (racy stamps)
    loaded = epyr_native.Loader(cache=cache).load(big)
    stats = cache.get_stats()
    assert stats["total_size_mb"] <= 1, stats
    assert cache._library_stats()["entries"] == 1  # the load is in the cache
    assert cache.get(spectrum) is None and loaded.values[-1] == 39_999
