"""No Python operation can write into memory libepyr shares: every array over it is read-only
down to its root, so NumPy refuses to make it (or a view of it) writable, and the data a
later cache hit hands out is the data of the file."""

import numpy as np
import pytest

import epyr_native
from conftest import assert_cannot_write
from epyr_native.performance import DataCache

FILES = (
    "easyspin/hy3205t132b.DSC",  # 2-D real
    "easyspin/strong1.dsc",  # 1-D real
    "easyspin/esp.par",  # ESP
    "customxepr/cw_epr_complex.DSC",  # complex
    "easyspin/calib_10dB_RT_9370-9440mT_lin_1G.DSC",  # two complex components
    "deerlab/data_sparse.DSC",  # x axis from an .XGF file
    "dnplab/2D_CW.DSC",  # y axis from a .YGF file
)


def shared_arrays(dataset):
    arrays = list(dataset.components)
    arrays += [axis.values for axis in dataset.axes if axis.values is not None]
    return arrays


def views_of(array):
    return [array, array[::2], array.T, array.reshape(-1), array.view(), np.asarray(array),
            array[...], np.ravel(array)]


@pytest.mark.parametrize("name", FILES)
def test_no_array_over_shared_data_can_be_made_writable(corpus, name):
    loader = epyr_native.Loader(cache=DataCache(50))
    first = loader.load(corpus / name)
    expected = [a.copy() for a in shared_arrays(first)]
    for array in shared_arrays(first):
        for view in views_of(array):
            assert_cannot_write(view)
    hit = loader.load(corpus / name)  # a cache hit: the same shared data
    assert np.shares_memory(hit.values, first.values)
    for got, want in zip(shared_arrays(hit), expected):
        assert np.array_equal(got, want)


def test_eprload_arrays_cannot_be_made_writable(corpus):
    loader = epyr_native.Loader(cache=DataCache(50))
    x, y, _, _ = epyr_native.eprload(corpus / "easyspin" / "strong1.dsc", loader=loader)
    for array in (x, y):
        assert_cannot_write(array)


def test_reader_chunks_and_rows_are_the_callers_own_arrays(corpus):
    path = corpus / "easyspin" / "hy3205t132b.DSC"
    with epyr_native.open_reader(path, chunk_points=400) as reader:
        first = next(reader)
        want = first.copy()
        first[:] = 12345.0  # the caller's array: writable, shared with nothing
        rows = reader.read_rows(0, 1)
        assert np.array_equal(rows.ravel(), want)
        rows[:] = 1.0
        reader.rewind()
        assert np.array_equal(next(reader), want)
    assert np.array_equal(epyr_native.load(path).values[0], want)
