"""Every dataset of expected-formats.json (the formats other than Bruker's: Magnettech,
SpecMan, JEOL, CIQTEK, Adani, Active Spectrum, qese, ETH d00) loads through epyr_native with
the listed format, dims, complex flags, values (sha256 of the values in file order, sum of
magnitudes, first values), axes and parameters (EasySpin's eprload numbers)."""

import hashlib
import json
import math

import numpy as np
import pytest

import epyr_native


@pytest.fixture(scope="session")
def expected_formats(corpus):
    return json.loads((corpus / "expected-formats.json").read_text())


def close(a, b, rel):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def epyr_key(format_id, name):
    """The key under which epyr keeps the parameter eprload names ``name``: eprload merges a
    Magnettech Recipe's Param nodes into the measurement's fields, and names a SpecMan
    ``.exp`` key ``section_key`` where epyr keeps ``section.key``."""
    if format_id == "magnettech-xml" and name in ("Bfrom", "Bto", "Modulation", "SweepTime"):
        return f"Recipe.Param.{name}"
    if format_id == "specman" and not name.endswith("label"):
        return name.replace("_", ".", 1)
    return name


def columns(dataset, want):
    """The values as Octave returns them, one array per column in file order: a complex
    component as real and imaginary parts, except the one complex component whose imaginary
    parts are all zero where the expectation is real (Octave narrows it to real)."""
    components = [c.reshape(-1) for c in dataset.components]
    if (len(components) == 1 and np.iscomplexobj(components[0]) and want["complex"] == [False]
            and not components[0].imag.any()):
        return [components[0].real]
    out = []
    for values in components:
        out += [values.real, values.imag] if np.iscomplexobj(values) else [values]
    return out


def check_dataset(corpus, want):
    what = want["id"]
    dataset = epyr_native.load(corpus / want["open"])
    assert dataset.format == want["format"], what
    assert list(dataset.dims) == want["dims"], what
    cols = columns(dataset, want)
    narrowed = len(cols) == 1 and dataset.complex == (True,)
    complex_flags = [False] if narrowed else list(dataset.complex)
    assert complex_flags == want["complex"] and len(dataset.complex) == want["components"], what
    file_order = np.ascontiguousarray(np.stack(cols, axis=1), dtype="<f8")
    assert hashlib.sha256(file_order.tobytes()).hexdigest() == want["values_sha256"], what
    magnitudes = [np.abs(dataset.components[0].real if narrowed else c).reshape(-1)
                  for c in dataset.components]
    total = math.fsum(math.fsum(m) for m in magnitudes)
    assert close(total, want["sum_abs"], 1e-12), (what, total, want["sum_abs"])
    first = cols[0] if narrowed or not np.iscomplexobj(dataset.values) else None
    for i, ref in enumerate(want["head"]):
        got = [first[i]] if first is not None else [dataset.values.reshape(-1)[i].real,
                                                    dataset.values.reshape(-1)[i].imag]
        ref = ref if isinstance(ref, list) else [ref]
        assert all(close(a, b, 1e-12) for a, b in zip(got, ref)) and len(got) == len(ref), what
    axes = [a.values for a in dataset.axes if a.values is not None]
    assert len(axes) == len(want["axes"]), what
    for got, ref in zip(axes, want["axes"]):
        assert len(got) == ref["n"], what
        assert close(got[0], ref["first"], 1e-9) and close(got[-1], ref["last"], 1e-9), what
        total = math.fsum(got)
        assert close(total, ref["sum"], 1e-9) or abs(total - ref["sum"]) <= 1e-12 * math.fsum(
            abs(got)), what
    raw = dataset.params_raw
    for name, value in want["params"].items():
        key = epyr_key(want["format"], name)
        assert key in raw, (what, key)
        if isinstance(value, bool):
            assert raw[key].strip().lower() == str(value).lower(), (what, key)
        elif isinstance(value, (int, float)):
            assert close(float(raw[key]), value, 1e-12), (what, key, raw[key], value)
        else:
            assert raw[key] == value, (what, key, raw[key], value)


def test_every_dataset_of_the_other_formats_equals_expected_formats_json(corpus,
                                                                         expected_formats):
    assert len(expected_formats) >= 29
    assert len({w["format"] for w in expected_formats}) >= 10
    for want in expected_formats:
        check_dataset(corpus, want)


def test_eprload_gives_the_same_numbers_for_the_other_formats(corpus, expected_formats):
    for want in expected_formats:
        dataset = epyr_native.load(corpus / want["open"])
        x, y, params, path = epyr_native.eprload(corpus / want["open"])
        components = dataset.components
        assert np.array_equal(y, components[0] if len(components) == 1
                              else np.stack(components)), want["id"]
        axes = [a.values for a in dataset.axes if a.values is not None and len(a.values) > 1]
        got = [] if x is None else (x if isinstance(x, list) else [x])
        assert len(got) == len(axes) and all(np.array_equal(a, b) for a, b in zip(got, axes))
        assert params == {k: epyr_native._dataset.typed(v) for k, v in dataset.params_raw.items()
                          if k[:1].isalpha()}, want["id"]
