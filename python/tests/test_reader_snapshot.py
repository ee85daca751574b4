"""A chunked reader takes everything from one snapshot of the files: how chunks are shaped
(one complex component, or two real ones) comes from the files it opened, not from reading
the path again, which may name another version of them by then."""

import os

import numpy as np
import pytest

import epyr_native
from epyr_native import EpyrOSError
from epyr_native._lib import lib

POINTS = 6
ONE_COMPLEX = ("CPLX", "D", (True,))
TWO_REAL = ("REAL,REAL", "D,D", (False, False))
VERSIONS = [(ONE_COMPLEX, TWO_REAL), (TWO_REAL, ONE_COMPLEX)]


def write_version(path, kind, first):
    """A BES3T pair of POINTS points with two doubles per point, starting at ``first``."""
    ikkf, irfmt, _ = kind
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "#DESC 1.2 * DESCRIPTOR INFORMATION\nDSRC EXP\nBSEQ BIG\n"
        f"IKKF {ikkf}\nIRFMT {irfmt}\nXTYP IDX\nYTYP NODATA\nZTYP NODATA\n"
        f"XPTS {POINTS}\nXMIN 0\nXWID 1\n"
    )
    np.arange(first, first + 2 * POINTS, dtype=">f8").tofile(path.with_suffix(".DTA"))
    return path


def assert_chunks_are_the_opened_version(chunks, opened, opened_values):
    got = np.concatenate(chunks)
    if opened is ONE_COMPLEX:
        assert got.dtype == np.complex128 and np.array_equal(got, opened_values[0])
    else:
        assert got.shape == (POINTS, 2) and np.array_equal(got.T, np.stack(opened_values))


@pytest.mark.parametrize("opened, later", VERSIONS)
def test_a_reader_shapes_chunks_from_the_files_it_opened_not_from_the_path_again(
        tmp_path, monkeypatch, opened, later):
    # Once the reader is open, anything that reads the path again sees the later version, as
    # it would after a replacement within the file system's time granularity.
    path = write_version(tmp_path / "a.DSC", opened, 0.0)
    other = os.fsencode(write_version(tmp_path / "later" / "a.DSC", later, 100.0))
    opened_values = epyr_native.Loader(cache_enabled=False).load(path).components
    for name in ("epyr_loader_describe", "epyr_loader_load"):
        real = getattr(lib, name)
        monkeypatch.setattr(lib, name, lambda h, p, *rest, real=real: real(h, other, *rest))
    with epyr_native.open_reader(path) as reader:
        assert_chunks_are_the_opened_version(list(reader), opened, opened_values)
        assert reader.describe().complex == opened[2]
        assert reader.describe().sources[0] == str(path)


@pytest.mark.parametrize("opened, later", VERSIONS)
def test_a_reader_whose_files_are_replaced_after_opening_reads_them_or_says_so(
        tmp_path, monkeypatch, opened, later):
    path = write_version(tmp_path / "a.DSC", opened, 0.0)
    other = write_version(tmp_path / "later" / "a.DSC", later, 100.0)
    opened_values = epyr_native.Loader(cache_enabled=False).load(path).components
    real_open = lib.epyr_reader_open_scaled

    def open_then_replace(*args):
        status = real_open(*args)
        for ext in (".DSC", ".DTA"):
            os.replace(other.with_suffix(ext), path.with_suffix(ext))
        return status

    monkeypatch.setattr(lib, "epyr_reader_open_scaled", open_then_replace)
    with epyr_native.open_reader(path) as reader:
        try:
            chunks = list(reader)
        except EpyrOSError as e:  # the reader noticed the replaced files
            assert e.name == "EPYR_ERR_FILE_CHANGED"
            return
    assert_chunks_are_the_opened_version(chunks, opened, opened_values)
