"""Objects that own a libepyr handle (Loader, Reader, DataCache) refuse to be copied or
pickled, so that no copy frees the original's handle and no pickle carries a handle number to
a process where it means another object. A Dataset pickles as its content, self-contained."""

import copy
import gc
import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

import epyr_native
from conftest import assert_cannot_write
from epyr_native.performance import DataCache, get_global_cache

COPIES = {"copy": copy.copy, "deepcopy": copy.deepcopy, "pickle": pickle.dumps}


@pytest.mark.parametrize("how", COPIES)
def test_objects_owning_a_handle_refuse_copy_and_pickle_and_keep_working(corpus, how):
    path = corpus / "easyspin" / "strong1.dsc"
    cache = DataCache(10)
    loader = epyr_native.Loader(cache=cache)
    reader = loader.open_reader(path)
    dataset = loader.load(path)
    for owner in (loader, reader, cache, get_global_cache(), dataset.values.base.handle):
        with pytest.raises(TypeError, match="cannot be copied or pickled"):
            COPIES[how](owner)
    gc.collect()  # a copy that slipped through would free the original's handle here
    assert np.array_equal(loader.load(path).values, dataset.values)
    assert next(reader).size > 0
    assert cache.get_stats()["entries"] == 1
    reader.close()


def test_a_dataset_copy_is_itself_and_a_deep_copy_holds_the_same_content(corpus):
    dataset = epyr_native.load(corpus / "easyspin" / "calib_10dB_RT_9370-9440mT_lin_1G.DSC")
    assert copy.copy(dataset) is dataset
    deep = copy.deepcopy(dataset)
    assert deep.handle is None
    assert_same_content(deep, dataset)


def summary(dataset):
    """What a dataset holds, in plain Python objects."""
    return {
        "described": dataset.described,
        "dims": dataset.dims,
        "complex": dataset.complex,
        "shape": dataset.shape,
        "components": None if dataset.described else [c.tolist() for c in dataset.components],
        "axes": [(None if a.values is None else a.values.tolist(), a.name, a.unit)
                 for a in dataset.axes],
        "entries": dataset.param_entries,
        "params": dict(dataset.params),
        "warnings": dataset.warnings,
        "sources": dataset.sources,
    }


def assert_same_content(got, want):
    assert repr(summary(got)) == repr(summary(want))
    if not got.described:
        for array in got.components:
            assert_cannot_write(array)
    for axis in got.axes:
        if axis.values is not None:
            assert_cannot_write(axis.values)


_CHILD = """
import pickle, sys
sys.path.insert(0, sys.argv[1])
from test_copy_and_pickle import summary
dataset = pickle.load(sys.stdin.buffer)
print(repr(summary(dataset)))
"""


@pytest.mark.parametrize("name", ["customxepr/cw_epr_complex", "deerlab/data_sparse",
                                  "easyspin/hy3205t132b"])
def test_a_dataset_pickles_as_its_content_and_unpickles_anywhere_without_the_files(
        corpus, tmp_path, name):
    for found in (corpus / name).parent.glob((corpus / name).name + ".*"):
        shutil.copy(found, tmp_path / found.name)
    loader = epyr_native.Loader(cache_enabled=False)
    loaded = loader.load(tmp_path / (os.path.basename(name) + ".DSC"))
    described = loader.describe(tmp_path / (os.path.basename(name) + ".DSC"))
    for dataset in (loaded, described):
        blob = pickle.dumps(dataset)
        again = pickle.loads(blob)
        assert again.handle is None
        assert_same_content(again, dataset)
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, os.path.dirname(__file__)],
            input=blob, capture_output=True, check=True, cwd=tmp_path,
        )
        assert child.stdout.decode().strip() == repr(summary(dataset))
    for file in tmp_path.iterdir():
        file.unlink()
    again = pickle.loads(pickle.dumps(loaded))
    assert repr(summary(again)) == repr(summary(loaded))
    with pytest.raises(epyr_native.EpyrValueError, match=r"describe\(\) holds no values"):
        pickle.loads(pickle.dumps(described)).values
