"""Every corpus dataset loaded through epyr_native equals expected.json (EasySpin's numbers)."""

import hashlib
import math
import sys

import numpy as np
import pytest

import epyr_native


def file_order_values(dataset):
    """Every value in file order: x fastest, then y, z; at each point the components in IKKF
    order; complex as re, im."""
    columns = []
    for values in dataset.components:
        flat = values.reshape(-1)
        if np.iscomplexobj(flat):
            columns.append(flat.real)
            columns.append(flat.imag)
        else:
            columns.append(flat)
    return np.ascontiguousarray(np.stack(columns, axis=1), dtype="<f8")


def close(a, b, rel):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def check_values(dataset, want, what):
    values = file_order_values(dataset)
    assert hashlib.sha256(values.tobytes()).hexdigest() == want["values_sha256"], what
    sum_abs = math.fsum(float(np.abs(c).sum()) for c in dataset.components)
    assert close(sum_abs, want["sum_abs"], 1e-9), (what, sum_abs, want["sum_abs"])
    head = dataset.values.reshape(-1)[:4]
    for got, ref in zip(head, want["head"]):
        if isinstance(ref, list):
            assert (got.real, got.imag) == tuple(ref), what
        else:
            assert got == ref, what


def test_every_corpus_dataset_equals_expected(corpus, expected):
    assert len(expected) >= 38
    for want in expected:
        what = want["id"]
        dataset = epyr_native.load(corpus / want["open"])
        assert list(dataset.dims) == want["dims"], what
        assert list(dataset.complex) == want["complex"], what
        assert len(dataset.components) == want["components"], what
        for values in dataset.components:
            assert values.shape == dataset.shape, what
            assert not values.flags.writeable, what
        check_values(dataset, want, what)
        axes = [a.values for a in dataset.axes if a.values is not None and len(a.values) > 1]
        assert len(axes) == len(want["axes"]), what
        for got, ref in zip(axes, want["axes"]):
            assert len(got) == ref["n"], what
            assert close(float(got[0]), ref["first"], 1e-9), what
            assert close(float(got[-1]), ref["last"], 1e-9), what
            assert close(math.fsum(got), ref["sum"], 1e-9), what
        x, y, params, path = epyr_native.eprload(corpus / want["open"])
        for key, value in want["params"].items():
            assert params[key] == value, (what, key, params[key], value)
        assert sorted(dataset.sources) == sorted(str(corpus / f) for f in want["files"]), what


def test_scaled_corpus_datasets_equal_expected(corpus, expected):
    scaled = [w for w in expected if "scaled" in w]
    assert len(scaled) == 2
    for want in scaled:
        for scaling, ref in want["scaled"].items():
            dataset = epyr_native.load(corpus / want["open"], scaling)
            check_values(dataset, ref, f"{want['id']} {scaling}")


def test_describe_gives_everything_but_values(corpus, expected):
    for want in expected:
        described = epyr_native.describe(corpus / want["open"])
        assert list(described.dims) == want["dims"]
        assert list(described.complex) == want["complex"]
        assert described.param_entries
        with pytest.raises(epyr_native.EpyrValueError):
            described.values


def test_chunked_reader_streams_the_same_values_as_a_load(corpus):
    path = corpus / "easyspin" / "hy3205t132b.DSC"
    whole = epyr_native.load(path).values.reshape(-1)
    with epyr_native.open_reader(path, chunk_points=30000) as reader:
        chunks = list(reader)
    assert len(chunks) == 6 and all(len(c) <= 30000 for c in chunks)
    assert np.array_equal(np.concatenate(chunks), whole)
    with epyr_native.open_reader(path) as reader:
        rows = reader.read_rows(10, 3)
    assert np.array_equal(rows, epyr_native.load(path).values[10:13])


def test_chunked_reader_gives_complex_chunks_for_one_complex_component(corpus):
    path = corpus / "deerlab" / "data_2d.DSC"
    whole = epyr_native.load(path).values.reshape(-1)
    with epyr_native.open_reader(path, chunk_points=1000) as reader:
        got = np.concatenate(list(reader))
    assert got.dtype == np.complex128 and np.array_equal(got, whole)


def test_load_many_gives_a_result_or_an_exception_per_file(corpus, tmp_path):
    paths = [corpus / "easyspin" / "esp.par", tmp_path / "missing.DSC",
             corpus / "easyspin" / "strong1.dsc"]
    calls = []
    results = epyr_native.load_many(paths, progress=lambda done, total: calls.append((done, total)))
    assert isinstance(results[0], epyr_native.Dataset)
    assert isinstance(results[1], FileNotFoundError)
    assert isinstance(results[1], epyr_native.EpyrError) and "missing.DSC" in str(results[1])
    assert np.array_equal(results[2].values, epyr_native.load(paths[2]).values)
    assert calls == [(1, 3), (2, 3), (3, 3)]  # after each file


def single_load_error(path):
    """The exception a load of ``path`` alone raises."""
    try:
        epyr_native.load(path)
    except epyr_native.EpyrError as error:
        return error
    raise AssertionError(f"{path!r} loaded")


def test_load_many_gives_each_file_its_own_message_whatever_the_names_hold(corpus, tmp_path):
    # The first name holds what a joined message would use to separate files (Windows names
    # cannot hold a newline or a colon: there it holds the rest).
    tricky = "a paths[2] made-up message.DSC" if sys.platform == "win32" else (
        "a\npaths[2]: made-up message.DSC")
    paths = [tmp_path / tricky, corpus / "easyspin" / "esp.par",
             tmp_path / "missing.DSC", "", tmp_path / "also missing.DSC"]
    loader = epyr_native.Loader()
    for progress in (None, lambda *_: None):
        results = loader.load_many(paths, progress=progress)
        assert isinstance(results[1], epyr_native.Dataset)
        for index in (0, 2, 4):
            alone = single_load_error(paths[index])
            assert type(results[index]) is type(alone), index
            assert results[index].code == alone.code and str(results[index]) == str(alone), index
        assert "made-up" not in str(results[2]) and "missing.DSC" in str(results[2])
        # An empty path is that path's own error, not the batch's.
        assert isinstance(results[3], epyr_native.EpyrValueError)
        assert results[3].code == 2 and "empty path" in str(results[3])
