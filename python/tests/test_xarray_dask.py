"""xarray and Dask: ``Dataset.to_xarray``, the ``engine="epyr"`` backend (lazy, reading only
the rows an index touches), ``epyr_native.dask`` and the Zarr example on a LocalCluster."""

import gc
import json
import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import epyr_native
import epyr_native.dask
import epyr_native.performance
from conftest import REPOSITORY, write_bes3t
from epyr_native import xarray_backend


def every_corpus_dataset(corpus):
    """(id, path to open) of every dataset of expected.json and expected-formats.json."""
    found = []
    for name in ("expected.json", "expected-formats.json"):
        found += [(w["id"], corpus / w["open"]) for w in json.loads((corpus / name).read_text())]
    return found


def test_to_xarray_names_dimensions_from_the_axes_with_units_and_metadata(corpus):
    strong = epyr_native.load(corpus / "easyspin" / "strong1.dsc")
    array = strong.to_xarray()
    assert array.dims == ("field",) and array.name == "intensity"
    assert array.coords["field"].attrs == {"units": "G", "long_name": "Field"}
    assert np.shares_memory(array.values, strong.values)
    assert np.array_equal(array.coords["field"].values, strong.axes[0].values)
    assert array.attrs["format"] == "bruker-bes3t"
    assert array.attrs["param:XPTS"] == 1024 and array.attrs["param:MWFQ"] == pytest.approx(
        float(strong.params_raw["MWFQ"]))
    assert array.attrs["microwave_frequency_units"] == "GHz"
    assert array.attrs["microwave_frequency"] == pytest.approx(
        float(strong.params_raw["MWFQ"]) / 1e9)
    # Two axes of one name; several complex components; a unit but no name; no axis at all.
    assert epyr_native.load(corpus / "easyspin" / "hy3205t132b.DSC").to_xarray().dims == (
        "time_y", "time")
    calib = epyr_native.load(corpus / "easyspin" / "calib_10dB_RT_9370-9440mT_lin_1G.DSC")
    both = calib.to_xarray()
    assert both.dims == ("component", "field") and both.dtype == np.complex128
    assert np.array_equal(both.values[1], calib.components[1])
    assert epyr_native.load(corpus / "easyspin" / "jeol" / "C60").to_xarray().dims == ("field",)
    eco = epyr_native.load(corpus / "easyspin" / "strong1.eco").to_xarray()
    assert eco.dims == ("x",) and "x" not in eco.coords
    specman = epyr_native.load(corpus / "easyspin" / "specman" / "specman_cw.d01").to_xarray()
    assert specman.dims == ("field", "rf1amp")
    assert specman.coords["field"].attrs == {"units": "mT", "long_name": "B0"}


def test_the_epyr_engine_is_registered_and_guesses_from_the_format_table():
    assert "epyr" in xr.backends.list_engines()
    backend = xr.backends.list_engines()["epyr"]
    for name in ("a.DSC", "a.dta", "b.spc", "c.xml", "d.SPE", "e.d01", "f.exp", "g.esr",
                 "h.eco", "i.d00", "j.epr"):
        assert backend.guess_can_open(name), name
    for name in ("README.md", "notes.txt", "no_extension", 42):
        assert not backend.guess_can_open(name), name


def test_open_dataset_equals_to_xarray_for_every_corpus_dataset(corpus):
    for what, path in every_corpus_dataset(corpus):
        direct = epyr_native.load(path).to_xarray()
        opened = xr.open_dataset(path, engine="epyr")
        assert opened["intensity"].dims == direct.dims, what
        np.testing.assert_array_equal(opened["intensity"].values, direct.values, what)
        for name in direct.coords:
            np.testing.assert_array_equal(opened[name].values, direct[name].values, what)
            assert opened[name].attrs == direct[name].attrs, what
        chunked = xr.open_dataset(path, engine="epyr", chunks={})
        np.testing.assert_array_equal(chunked["intensity"].values, direct.values, what)


@pytest.fixture
def row_reads(monkeypatch):
    """Every ``Reader.read_rows(first, count)`` call made from now on."""
    calls = []
    read_rows = epyr_native.Reader.read_rows

    def counting(self, first, count):
        calls.append((first, count))
        return read_rows(self, first, count)

    monkeypatch.setattr(epyr_native.Reader, "read_rows", counting)
    return calls


def test_a_chunked_open_reads_nothing_and_isel_reads_only_the_indexed_rows(corpus, row_reads):
    path = corpus / "easyspin" / "hy3205t132b.DSC"
    whole = epyr_native.load(path).values
    opened = xr.open_dataset(path, engine="epyr", chunks={"time_y": 100})
    assert opened["intensity"].chunks == ((100,) * 4, (400,))
    assert row_reads == []
    got = opened["intensity"].isel(time_y=slice(10, 13), time=slice(5, None, 7)).values
    assert row_reads == [(10, 3)]
    assert np.array_equal(got, whole[10:13, 5::7])
    row_reads.clear()
    lazy = xr.open_dataset(path, engine="epyr")["intensity"]
    assert np.array_equal(lazy.isel(time_y=-1).values, whole[-1]) and row_reads == [(399, 1)]


def test_a_file_larger_than_the_memory_budget_opens_chunked_and_reads_by_rows(
        tmp_path, fresh_config):
    values = np.arange(64 * 2048, dtype=float).reshape(64, 2048)  # 1 MiB
    path = write_bes3t(tmp_path / "big.DSC", values.ravel(), "YTYP IDX\nYPTS 64\nYMIN 0\nYWID 1\n")
    path.write_text(path.read_text().replace("YTYP NODATA\n", "").replace(
        f"XPTS {values.size}", "XPTS 2048"))
    epyr_native.performance.get_global_cache().clear()
    gc.collect()
    held = epyr_native.performance.MemoryMonitor.get_memory_info()["library_mb"]
    fresh_config.set("performance.memory_limit_mb", held + 0.5)
    with pytest.raises(MemoryError):
        epyr_native.Loader(cache_enabled=False).load(path)
    opened = xr.open_dataset(path, engine="epyr", chunks={"y": 8})
    total = opened["intensity"].sum().compute()
    assert float(total) == values.sum()
    assert np.array_equal(opened["intensity"].isel(y=5).values, values[5])


def test_the_backend_refuses_files_changed_since_they_were_opened(tmp_path):
    path = write_bes3t(tmp_path / "a.DSC", np.arange(8.0))
    opened = xr.open_dataset(path, engine="epyr", chunks={})
    write_bes3t(tmp_path / "a.DSC", np.arange(9.0))
    with pytest.raises(OSError, match="changed after it was opened"):
        opened["intensity"].values


def test_open_mfdataset_in_parallel_concatenates_every_file(corpus):
    paths = [corpus / "easyspin" / n for n in ("strong1.dsc", "bes3tint.dsc", "be3tintlit.dsc")]
    # Three field sweeps of 1024 points over different fields: the first file's field axis
    # labels the points (join="override"), the values stay each file's.
    combined = xr.open_mfdataset(paths, engine="epyr", combine="nested", concat_dim="file",
                                 join="override", parallel=True)
    assert combined["intensity"].shape == (3, 1024)
    for index, path in enumerate(paths):
        assert np.array_equal(combined["intensity"][index].values,
                              epyr_native.load(path).values)


def test_the_backend_array_pickles_as_path_scaling_and_stamps(corpus):
    path = corpus / "easyspin" / "strong1.dsc"
    described = epyr_native.describe(path, "n")
    layout = epyr_native._xarray.Layout(described)
    array = xarray_backend.EpyrBackendArray(str(path), "n", described, layout)
    again = pickle.loads(pickle.dumps(array))
    assert (again.path, again.scaling, again.stamps) == (str(path), "n", array.stamps)
    full = again[xr.core.indexing.BasicIndexer((slice(None),))]
    assert np.array_equal(full, epyr_native.load(path, "n").values)


def test_dask_bag_and_stack_load_where_they_are_computed(corpus):
    paths = [corpus / "easyspin" / n for n in ("strong1.dsc", "bes3tint.dsc", "be3tintlit.dsc")]
    bag = epyr_native.dask.from_paths(paths)
    sums = bag.map(lambda d: float(d.values.sum())).compute(scheduler="processes")
    assert sums == [float(epyr_native.load(p).values.sum()) for p in paths]
    datasets = bag.compute(scheduler="processes")
    assert all(d.handle is None for d in datasets)  # came back pickled from the workers
    assert np.array_equal(datasets[2].values, epyr_native.load(paths[2]).values)
    stacked = epyr_native.dask.stack(paths)
    assert stacked.shape == (3, 1024) and stacked.chunks == ((1, 1, 1), (1024,))
    assert np.array_equal(stacked.compute(), np.stack([epyr_native.load(p).values for p in paths]))
    mixed = epyr_native.dask.stack(paths + [corpus / "easyspin" / "esp.par"])
    with pytest.raises(ValueError, match="shape"):
        mixed.compute()


def test_the_zarr_example_converts_a_corpus_copy_on_a_local_cluster(corpus, tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    store = tmp_path / "archive.zarr"
    script = REPOSITORY / "python" / "examples" / "archive_to_zarr.py"
    done = subprocess.run([sys.executable, str(script), str(copy), str(store), "--workers", "2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    expected = every_corpus_dataset(copy)
    assert f"{len(expected)} datasets converted, 0 failed" in done.stdout
    for what, path in expected:
        group = os.path.relpath(path, copy).replace(os.sep, "/")
        if group not in done.stdout.split():
            # The dataset is listed under another member's name (.DSC for .DTA ...).
            group = next(e for e in epyr_native.find_datasets(path.parent)
                         if str(path) in e.files).path
            group = os.path.relpath(group, copy).replace(os.sep, "/")
        written = xr.open_zarr(store, group=group, consolidated=False)
        direct = epyr_native.load(path).to_xarray()
        np.testing.assert_array_equal(written["intensity"].values, direct.values, what)
        for name in direct.coords:
            np.testing.assert_array_equal(written[name].values, direct[name].values, what)
