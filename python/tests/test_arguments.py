"""Arguments as Python gives them: any str subclass or path-like as a path, names that are
not valid UTF-8 round-tripped, text with a NUL refused before it reaches libepyr, and numbers
of any size or NumPy type for the configuration."""

import os
import sys

import numpy as np
import pytest

import epyr_native
from conftest import write_bes3t
from epyr_native import EpyrValueError
from epyr_native.config import config
from epyr_native.performance import DataCache


class Text(str):
    """A str subclass, as a user or a library may have one."""


class Where:
    """An os.PathLike whose __fspath__ gives a str subclass."""

    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return Text(self.path)


@pytest.mark.parametrize("kind", [np.str_, Text, Where, os.fsencode])
def test_a_path_may_be_any_str_subclass_bytes_or_path_like(tmp_path, kind):
    path = write_bes3t(tmp_path / "a.DSC", np.arange(5.0))
    given = kind(str(path))
    assert np.array_equal(epyr_native.load(given).values, np.arange(5.0))
    assert epyr_native.describe(given).dims == (5, 1, 1)
    with epyr_native.open_reader(given) as reader:
        assert np.array_equal(next(reader), np.arange(5.0))
    x, y, _, resolved = epyr_native.eprload(given)
    assert resolved == os.path.realpath(path)
    cache = DataCache(1)
    cache.put(given, (1, 2))
    assert cache.get(given) == (1, 2)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"),
                    reason="file names there are Unicode: no name that is not valid UTF-8")
def test_a_file_name_that_is_not_utf8_round_trips_in_sources_and_eprload(tmp_path):
    folder = os.fsencode(tmp_path)
    raw = os.path.join(folder, b"caf\xe9-\xff.DSC")
    write_bes3t(os.fsdecode(raw), np.arange(3.0))
    for given in (raw, os.fsdecode(raw)):
        dataset = epyr_native.load(given)
        assert os.fsencode(dataset.sources[0]) == raw
        assert os.fsencode(dataset.sources[1]) == raw[:-4] + b".DTA"
        assert os.path.exists(dataset.sources[0])
        _, _, _, resolved = epyr_native.eprload(given)
        assert os.fsencode(resolved) == os.path.realpath(raw)


def test_text_with_a_nul_is_refused_before_it_reaches_the_library(tmp_path, fresh_config):
    fresh_config.set("performance.cache_enabled", True)
    path = write_bes3t(tmp_path / "a.DSC", np.arange(3.0))
    calls = [
        lambda: config.set("performance.cache_enabled\0x", False),
        lambda: config.set("performance.cache_enabled", "false\0true"),
        lambda: config.get("performance.cache_enabled\0x"),
        lambda: config.save(str(tmp_path / "c.json") + "\0x"),
        lambda: config.load(str(tmp_path / "c.json") + "\0x"),
        lambda: epyr_native.load(str(path) + "\0x"),
        lambda: epyr_native.load(os.fsencode(path) + b"\0x"),
        lambda: epyr_native.load(path, scaling="n\0G"),
        lambda: epyr_native.describe(str(path) + "\0x"),
        lambda: epyr_native.open_reader(path, scaling="\0"),
    ]
    for call in calls:
        with pytest.raises(EpyrValueError) as refused:
            call()
        assert refused.value.name == "EPYR_ERR_INVALID_ARG"
        assert "NUL" in refused.value.message
    assert config.get("performance.cache_enabled") is True
    assert not (tmp_path / "c.json").exists()


def test_config_takes_numbers_of_any_size_and_numpy_scalars(fresh_config):
    fresh_config.set("performance.cache_size_mb", 100)
    for huge in (10**400, -(10**400)):
        with pytest.raises(EpyrValueError) as refused:
            config.set("performance.cache_size_mb", huge)
        assert "performance.cache_size_mb" in refused.value.message
    assert config.get("performance.cache_size_mb") == 100
    config.set("performance.cache_size_mb", np.int64(7))
    assert config.get("performance.cache_size_mb") == 7
    config.set("performance.chunk_size_mb", np.float32(8.0))
    assert config.get("performance.chunk_size_mb") == 8
    config.set("performance.cache_enabled", np.bool_(False))
    assert config.get("performance.cache_enabled") is False
    config.set("performance.cache_enabled", np.True_)
    assert config.get("performance.cache_enabled") is True
    with pytest.raises(TypeError):
        config.set("performance.cache_size_mb", [1])
