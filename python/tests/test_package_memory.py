"""Memory the package holds outside libepyr's budget stays small: nothing kept per distinct
array length, no per-thread buffer the size of the largest descriptor, and DataCache items
measured deeply, bounded by the cache's size, copied or frozen."""

import gc
import threading
import tracemalloc

import numpy as np

import epyr_native
from conftest import write_bes3t


def test_arrays_of_distinct_lengths_leave_no_python_memory_behind(tmp_path):
    paths = [write_bes3t(tmp_path / f"f{n}.DSC", np.arange(float(n))) for n in range(2, 302)]
    loader = epyr_native.Loader(cache_enabled=False)
    loader.load(paths[0]).values  # warm up: everything made once per process
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
