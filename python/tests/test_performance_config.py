"""The performance API's own rules: nothing at import, NumPy threads through threadpoolctl,
the configuration file shared with EPyR Tools, and the put/get cache's validation."""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from epyr_native.performance import DataCache, optimize_numpy_operations


def test_import_writes_no_environment_variable_and_no_file(tmp_path):
    code = (
        "import os, sys; before = dict(os.environ); import epyr_native, epyr_native.performance,"
        " epyr_native.config; sys.exit(0 if dict(os.environ) == before else 3)"
    )
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), OMP_NUM_THREADS="7")
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=60).returncode == 0
    assert list(tmp_path.iterdir()) == []


def test_optimize_numpy_operations_limits_thread_pools_without_the_environment(fresh_config):
    from threadpoolctl import threadpool_info

    before = os.environ.get("OMP_NUM_THREADS")
    threads = optimize_numpy_operations()
    assert threads == max(1, (os.cpu_count() or 1) // 2)
    assert os.environ.get("OMP_NUM_THREADS") == before
    assert all(pool["num_threads"] == threads for pool in threadpool_info())
    fresh_config.set("performance.parallel_processing", False)
    assert optimize_numpy_operations() is None


def test_config_is_epyr_tools_file_with_its_other_sections_kept(fresh_config, config_home):
    path = config_home / "epyrtools" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"plotting": {"dpi": 300}, "performance": {"cache_size_mb": 64}}))
    fresh_config.load()
    assert fresh_config.get("plotting.dpi") == 300
    assert fresh_config.get("plotting.missing", "x") == "x"
    fresh_config.set("performance.chunk_size_mb", 20)
    assert fresh_config.get("performance.chunk_size_mb") == 20
    fresh_config.save()
    saved = json.loads(path.read_text())
    assert saved["plotting"] == {"dpi": 300}
    assert saved["performance"]["chunk_size_mb"] == 20
    path.unlink()


def test_put_get_cache_drops_an_item_when_the_data_file_changes(corpus, tmp_path, fresh_config):
    for name in ("strong1.dsc", "strong1.dta"):
        shutil.copy(corpus / "easyspin" / name, tmp_path / name)
    cache = DataCache(10)
    item = (np.arange(4.0), {"a": 1})
    cache.put(tmp_path / "strong1.dsc", item)
    got = cache.get(str(tmp_path / "strong1.dsc"))
    assert got[1] == {"a": 1} and not got[0].flags.writeable
    time.sleep(0.01)
    with open(tmp_path / "strong1.dta", "ab") as f:
        f.write(b"\0")
    assert cache.get(tmp_path / "strong1.dsc") is None
    (tmp_path / "strong1.dta").unlink()
    cache.put(tmp_path / "strong1.dsc", item)
    (tmp_path / "strong1.dsc").unlink()
    assert cache.get(tmp_path / "strong1.dsc") is None  # a deleted file is a miss
    stats = cache.get_stats()
    assert stats["entries"] == 0 and stats["hits"] == 1 and stats["misses"] == 2
    assert set(stats) >= {"entries", "total_size_mb", "max_size_mb", "usage_percent"}


def test_put_stores_nothing_when_caching_is_off_or_the_budget_is_zero(corpus, fresh_config):
    path = corpus / "easyspin" / "strong1.dsc"
    empty = DataCache(0)
    empty.put(path, (1,))
    assert empty.get(path) is None
    fresh_config.set("performance.cache_enabled", False)
    cache = DataCache(10)
    cache.put(path, (1,))
    assert cache.get(path) is None
