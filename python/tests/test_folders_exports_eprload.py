"""Folders of datasets (one entry per dataset, reasons for the rest), per-file progress,
exports and common metadata through the C ABI, EPyR Tools' full ``eprload`` and quick looks."""

import json
import os
import shutil
import sys

import matplotlib
import numpy as np
import pytest

import epyr_native
from epyr_native.performance import DataCache

matplotlib.use("Agg")


@pytest.fixture
def folder(corpus, tmp_path):
    """A folder with a BES3T pair, an ESP pair, a SpecMan pair, a JEOL file (no extension),
    a lone .DTA, a text file and a sub-folder with a Magnettech file."""
    e = corpus / "easyspin"
    for name in ("strong1.dsc", "strong1.dta", "esp.par", "esp.spc", "hy3205t132b.DTA",
                 "jeol/C60", "specman/specman_cw.d01", "specman/specman_cw.exp"):
        shutil.copy(e / name, tmp_path / os.path.basename(name))
    (tmp_path / "notes.txt").write_text("not a dataset\n")
    (tmp_path / "sub").mkdir()
    shutil.copy(e / "magnettech" / "oldformat.spe", tmp_path / "sub" / "oldformat.spe")
    return tmp_path


def test_find_datasets_lists_each_dataset_once_with_reasons_for_every_other_file(folder):
    found = epyr_native.find_datasets(folder)
    names = [os.path.basename(e.path) for e in found]
    assert names == ["C60", "esp.par", "specman_cw.d01", "strong1.dsc"]
    assert [e.format for e in found] == ["jeol", "bruker-esp", "specman", "bruker-bes3t"]
    assert sorted(os.path.basename(f) for f in found[3].files) == ["strong1.dsc", "strong1.dta"]
    reasons = {os.path.basename(p): r for p, r in found.skipped}
    assert set(reasons) == {"esp.spc", "hy3205t132b.DTA", "notes.txt", "specman_cw.exp",
                            "strong1.dta"}
    assert reasons["strong1.dta"].startswith("a member of the dataset")
    assert reasons["specman_cw.exp"].startswith("a member of the dataset")
    assert "hy3205t132b" in reasons["hy3205t132b.DTA"] and "DSC" in reasons["hy3205t132b.DTA"]
    recursive = epyr_native.find_datasets(folder, recursive=True)
    assert [e.format for e in recursive][-1] == "magnettech-spe"
    only = epyr_native.find_datasets(folder, formats=["bruker-bes3t", "jeol"])
    assert [e.format for e in only] == ["jeol", "bruker-bes3t"]
    with pytest.raises(ValueError, match="unknown format ids"):
        epyr_native.find_datasets(folder, formats=["bruker"])


def test_load_many_over_a_folder_reports_progress_after_each_file(folder):
    entries = epyr_native.find_datasets(folder, recursive=True)
    paths = [e.path for e in entries]
    assert np.array_equal(epyr_native.load(entries[0]).values, epyr_native.load(paths[0]).values)
    calls = []
    results = epyr_native.load_many(paths, progress=lambda done, total: calls.append(done))
    assert calls == list(range(1, len(paths) + 1))
    for path, result in zip(paths, results):
        assert np.array_equal(result.values, epyr_native.load(path).values)


def test_formats_come_from_the_library_table():
    table = epyr_native.formats()
    ids = [f["id"] for f in table]
    assert ids[:2] == ["bruker-bes3t", "bruker-esp"] and "jeol" in ids and "specman" in ids
    assert {"dsc", "dta"} <= set(table[0]["extensions"])
    table[0]["id"] = "edited"
    assert epyr_native.formats()[0]["id"] == "bruker-bes3t"


def test_format_and_common_metadata_come_from_the_library(corpus):
    strong = epyr_native.load(corpus / "easyspin" / "strong1.dsc")
    assert strong.format == "bruker-bes3t"
    assert epyr_native.describe(corpus / "easyspin" / "esp.par").format == "bruker-esp"
    meta = strong.metadata
    assert meta["microwave_frequency"]["unit"] == "GHz"
    assert meta["microwave_frequency"]["value"] == pytest.approx(
        float(strong.params_raw["MWFQ"]) / 1e9)
    assert meta["title"]["value"] == strong.params_raw["TITL"]
    with pytest.raises(ValueError, match="loaded dataset"):
        epyr_native.describe(corpus / "easyspin" / "strong1.dsc").metadata


def test_save_writes_csv_json_and_bes3t_and_never_replaces_a_file_unasked(corpus, tmp_path):
    strong = epyr_native.load(corpus / "easyspin" / "strong1.dsc")
    strong.save(tmp_path / "s.csv")
    table = np.loadtxt(tmp_path / "s.csv", delimiter=",", ndmin=2,
                       skiprows=_header_lines(tmp_path / "s.csv"))
    assert np.array_equal(table[:, 1], strong.values)
    assert np.allclose(table[:, 0], strong.axes[0].values, rtol=1e-12)
    strong.save(tmp_path / "meta.txt", to="json")
    document = json.loads((tmp_path / "meta.txt").read_text())
    assert document["common"]["microwave_frequency"] == strong.metadata["microwave_frequency"]
    strong.save(tmp_path / "copy.DSC")
    again = epyr_native.load(tmp_path / "copy.DSC")
    assert np.array_equal(again.values, strong.values)
    with pytest.raises(FileExistsError) as raised:
        strong.save(tmp_path / "s.csv")
    assert raised.value.code == 13 and raised.value.filename == str(tmp_path / "s.csv")
    assert isinstance(raised.value, epyr_native.EpyrFileExistsError)
    strong.save(tmp_path / "s.csv", overwrite=True)
    with pytest.raises(ValueError):
        strong.save(tmp_path / "s.xyz")


def _header_lines(path):
    """The ``#`` lines and the column-name line before the numbers of an epyr CSV."""
    lines = path.read_text().splitlines()
    return sum(1 for line in lines if line.startswith("#")) + 1


def test_a_pickled_dataset_keeps_format_and_metadata_but_cannot_be_saved(corpus, tmp_path):
    import pickle

    strong = epyr_native.load(corpus / "easyspin" / "strong1.dsc")
    copy = pickle.loads(pickle.dumps(strong))
    assert copy.format == "bruker-bes3t" and copy.metadata == strong.metadata
    with pytest.raises(ValueError, match="load .* again"):
        copy.save(tmp_path / "x.csv")


def test_the_put_get_cache_follows_the_members_the_library_resolves(corpus, tmp_path):
    for name in ("specman_cw.d01", "specman_cw.exp"):
        shutil.copy(corpus / "easyspin" / "specman" / name, tmp_path / name)
    cache = DataCache(10)
    cache.put(tmp_path / "specman_cw.d01", (1, 2))
    assert cache.get(tmp_path / "specman_cw.d01") == (1, 2)
    with open(tmp_path / "specman_cw.exp", "a") as f:
        f.write("\n")
    assert cache.get(tmp_path / "specman_cw.d01") is None


def test_eprload_takes_epyr_tools_keywords(corpus, tmp_path, monkeypatch):
    path = corpus / "deerlab" / "data_sparse.DSC"
    x, y, params, resolved = epyr_native.eprload(path)
    assert np.iscomplexobj(y)
    _, real, _, _ = epyr_native.eprload(file_name=path, return_type="real")
    _, imag, _, _ = epyr_native.eprload(path, "", False, False, "imag")
    assert np.array_equal(real, y.real) and np.array_equal(imag, y.imag)
    with pytest.raises(ValueError, match="return_type"):
        epyr_native.eprload(path, return_type="abs")
    if sys.platform.startswith("linux"):
        monkeypatch.delenv("DISPLAY", raising=False)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        with pytest.raises(IsADirectoryError, match="find_datasets"):
            epyr_native.eprload(corpus / "easyspin")
        monkeypatch.chdir(tmp_path)
        with pytest.raises(IsADirectoryError):
            epyr_native.eprload()
    for name in ("strong1.dsc", "strong1.dta"):
        shutil.copy(corpus / "easyspin" / name, tmp_path / name)
    x, y, _, _ = epyr_native.eprload(tmp_path / "strong1.dsc", plot_if_possible=True,
                                     save_if_possible=True)
    assert (tmp_path / "strong1.png").stat().st_size > 1000


def test_plot_draws_lines_and_maps_with_axis_names_and_units(corpus):
    import matplotlib.pyplot as plt

    ax = epyr_native.load(corpus / "easyspin" / "strong1.dsc").plot()
    assert ax.get_xlabel() == "Field (G)" and ax.get_title() == "cw:strong-pitch"
    assert len(ax.lines) == 1 and len(ax.lines[0].get_xdata()) == 1024
    dataset = epyr_native.load(corpus / "dnplab" / "2D_CW.DSC")
    ax = dataset.plot()
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Field (G)", "Time (s)")
    assert len(ax.figure.axes) == 2  # the map and its colour bar
    assert ax.collections[0].get_array().size == 1600 * 100
    with pytest.raises(ValueError, match="part"):
        dataset.plot(part="phase")
    plt.close("all")
