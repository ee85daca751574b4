"""Zero-copy arrays, eight threads on one cache, and bad input."""

import gc
import shutil
import threading

import numpy as np
import pytest

import epyr_native
from epyr_native.performance import DataCache, MemoryMonitor, get_global_cache


def library_bytes():
    gc.collect()
    return MemoryMonitor.get_memory_info()["library_mb"]


def test_arrays_view_the_shared_data_and_keep_it_alive(corpus):
    path = corpus / "easyspin" / "hy3205t132b.DSC"
    cache = DataCache(50)
    loader = epyr_native.Loader(cache=cache)
    before = library_bytes()
    dataset = loader.load(path)
    held = library_bytes() - before
    data_mb = 400 * 400 * 8 / 2**20
    assert held >= data_mb
    values = dataset.values
    again = loader.load(path).values  # a cache hit: the same shared data
    assert np.shares_memory(values, again)
    assert library_bytes() - before == held  # no copy for either array
    assert not values.flags.writeable and not values.flags.owndata
    with pytest.raises(ValueError):
        values[0, 0] = 1.0
    expected_sum = float(values.sum())
    del dataset, again, loader
    cache.clear()
    del cache
    # The cache's bookkeeping is gone; the array's base still holds the dataset.
    alive = library_bytes() - before
    assert data_mb <= alive <= held
    assert float(values.sum()) == expected_sum
    view = values[::2]
    del values
    assert library_bytes() - before == alive
    del view
    assert library_bytes() == before


def test_eight_threads_loading_through_one_cache_get_the_same_data(corpus):
    paths = [corpus / "easyspin" / n for n in ("strong1.dsc", "esp.par", "hy3205t132b.DSC")]
    want = [epyr_native.load(p).values.copy() for p in paths]
    loader = epyr_native.Loader(cache=DataCache(50))
    errors, barrier = [], threading.Barrier(8)

    def work(seed):
        try:
            barrier.wait(timeout=30)
            for i in range(200):
                k = (seed + i) % len(paths)
                assert np.array_equal(loader.load(paths[k]).values, want[k])
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a loading thread hangs"
    assert errors == []
    stats = loader.cache.get_stats()
    assert stats["entries"] == 3 and stats["hits"] >= 1600 - 3 * 8


def test_errors_are_exceptions_with_epyrs_code_and_message(corpus, tmp_path, fresh_config):
    with pytest.raises(FileNotFoundError) as missing:
        epyr_native.load(tmp_path / "none.DSC")
    assert isinstance(missing.value, epyr_native.EpyrError)
    assert missing.value.name == "EPYR_ERR_NOT_FOUND" and "none.DSC" in missing.value.message
    with pytest.raises(ValueError, match="EPYR_ERR_SCALING|EPYR_ERR_INVALID_ARG"):
        epyr_native.load(corpus / "easyspin" / "strong1.dsc", "nX")
    shutil.copy(corpus / "easyspin" / "strong1.dsc", tmp_path / "cut.dsc")
    data = (corpus / "easyspin" / "strong1.dta").read_bytes()
    (tmp_path / "cut.dta").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError) as cut:
        epyr_native.load(tmp_path / "cut.dsc")
    assert cut.value.name == "EPYR_ERR_FORMAT" and "cut.dta" in str(cut.value)
    with pytest.raises(epyr_native.EpyrError):
        epyr_native.load(tmp_path)  # a directory
    with pytest.raises(ValueError):
        epyr_native.load("a\0b.DSC")
    with pytest.raises(TypeError):
        epyr_native.load(12)
    with pytest.raises(TypeError):
        epyr_native.load(corpus / "easyspin" / "strong1.dsc", 5)
    fresh_config.set("performance.memory_limit_mb", 0.01)
    with pytest.raises(MemoryError) as limit:
        epyr_native.Loader(cache_enabled=False).load(corpus / "easyspin" / "hy3205t132b.DSC")
    assert isinstance(limit.value, epyr_native.EpyrError)
    with pytest.raises(ValueError):
        fresh_config.set("performance.chunk_size_mb", -5)
    with epyr_native.open_reader(corpus / "easyspin" / "strong1.dsc") as reader:
        with pytest.raises(ValueError):
            reader.read_rows(5, 1)
    failed = epyr_native.load_many([tmp_path / "cut.dsc"])[0]
    assert isinstance(failed, ValueError) and "cut.dta" in str(failed)


def test_the_global_cache_serves_load_and_eprload(corpus):
    cache = get_global_cache()
    cache.clear()
    path = corpus / "easyspin" / "esp.par"
    epyr_native.load(path)
    hits = cache.get_stats()["hits"]
    epyr_native.eprload(path)
    assert cache.get_stats()["hits"] == hits + 1
