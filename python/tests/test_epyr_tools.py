"""epyr_native.eprload against EPyR Tools' epyr.eprload (PyPI epyr-tools) on every corpus file:
values, axes, parameters and path equal, except for the differences documented in
``KNOWN_DIFFERENCES`` (each with the reason; EPyR Tools is the one that is wrong there). A
difference that appears or disappears fails the test, so the list stays true."""

import logging
import warnings

import numpy as np
import pytest

import epyr_native

epyr = pytest.importorskip("epyr", reason="EPyR Tools (pip install epyr-tools) is needed")

PULSESPEL = {"PlsSPELGlbTxt", "PlsSPELPrgTxt"}
ESP_WITHOUT_JEX = {"added": {"JEX", "XAXIS_NAME"}}

#: Per corpus dataset, where EPyR Tools 0.5.0 differs and why.
KNOWN_DIFFERENCES = {
    # EPyR Tools reads the descriptor in text mode, where a lone CR byte ends a line: the
    # multi-line PulseSPEL texts are cut at their first lone CR and the rest of their lines
    # become bogus parameters ("acq", "begin", ...). It also strips the leading blanks of each
    # continuation line. libepyr keeps the text as in the file.
    "deerlab/data_2d": {"texts": PULSESPEL, "split_at_cr": True},
    "dnplab/DEER": {"texts": PULSESPEL, "split_at_cr": True},
    # EPyR Tools strips the leading blanks of each continuation line of a multi-line value.
    "deerlab/data_multi_lab5": {"texts": PULSESPEL},
    "deerlab/data_sparse": {"texts": PULSESPEL},
    # IKKF CPLX,CPLX: EPyR Tools reads the first nx complex values of the file as one
    # component, but the file holds both components point by point, so its y alternates
    # component 0 and 1 of the first nx/2 points and the rest is dropped. epyr_native stacks
    # both components, shape (2, nx).
    "easyspin/calib_10dB_RT_9370-9440mT_lin_1G": {"components": 2},
    # The .par has no JEX: libepyr adds JEX = 'field-sweep' as EasySpin's eprload does (its
    # abscissa is a field sweep), and eprload's XAXIS_NAME copy follows.
    "easyspin/00011201": ESP_WITHOUT_JEX,
    "easyspin/100416_wt60min": ESP_WITHOUT_JEX,
    "easyspin/PNOX120DB": ESP_WITHOUT_JEX,
    "easyspin/eth_sband_qese_2d": ESP_WITHOUT_JEX,
    "easyspin/inga17MAY3": ESP_WITHOUT_JEX,
    "easyspin/jena_mi191000": ESP_WITHOUT_JEX,
    "easyspin/strong1esp": ESP_WITHOUT_JEX,
}


@pytest.fixture(scope="module", autouse=True)
def quiet_epyr_tools_without_its_cache():
    """EPyR Tools' own cache ignores the scaling and the data file: keep it out."""
    from epyr.config import config as epyr_config

    epyr_config.set("performance.cache_enabled", False)
    logging.getLogger("epyr").setLevel(logging.CRITICAL)
    yield


def reference(path, scaling=""):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return epyr.eprload(str(path), scaling=scaling)


def same_axes(ours, theirs):
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if isinstance(ours, list) != isinstance(theirs, list):
        return False
    if isinstance(ours, list):
        return len(ours) == len(theirs) and all(same_axes(a, b) for a, b in zip(ours, theirs))
    return ours.shape == theirs.shape and np.allclose(ours, theirs, rtol=1e-12, atol=0)


def without_blanks(text):
    return "".join(text.split())


def check_params(what, ours, theirs, known):
    texts = known.get("texts", set())
    added = known.get("added", set())
    assert set(ours) - set(theirs) == added, what
    extra = set(theirs) - set(ours)
    if known.get("split_at_cr"):
        assert extra, what
        joined = "".join(str(ours[k]) for k in texts)
        assert all(key in joined for key in extra), (what, extra)
    else:
        assert not extra, (what, extra)
    for key, value in theirs.items():
        if key in extra:
            continue
        if key in texts:
            assert value != ours[key], (what, key)
            if known.get("split_at_cr"):
                assert without_blanks(ours[key]).startswith(without_blanks(value)), (what, key)
            else:
                assert without_blanks(ours[key]) == without_blanks(value), (what, key)
        else:
            assert ours[key] == value and type(ours[key]) is type(value), (what, key)


def test_eprload_equals_epyr_tools_on_every_corpus_file(corpus, expected):
    compared = 0
    for want in expected:
        what = want["id"]
        path = corpus / want["open"]
        ex, ey, eparams, epath = reference(path)
        assert ey is not None, f"EPyR Tools cannot read {what}: add it to the documented list"
        x, y, params, got_path = epyr_native.eprload(path)
        known = KNOWN_DIFFERENCES.get(what, {})
        if known.get("components"):
            assert y.shape == (known["components"],) + ey.shape, what
            half = len(ey[0::2])
            assert np.array_equal(ey[0::2], y[0][:half]), what
            assert np.array_equal(ey[1::2], y[1][: len(ey) - half]), what
        else:
            assert y.shape == ey.shape, what
            assert np.array_equal(y, ey), what
        assert y.dtype == (np.complex128 if np.iscomplexobj(ey) else np.float64), what
        assert same_axes(x, ex), what
        assert got_path == epath, what
        check_params(what, params, eparams, known)
        compared += 1
    assert compared == len(expected)


def test_scaled_eprload_equals_epyr_tools(corpus, expected):
    for want in (w for w in expected if "scaled" in w):
        path = corpus / want["open"]
        for scaling in want["scaled"]:
            _, ey, _, _ = reference(path, scaling)
            _, y, _, _ = epyr_native.eprload(path, scaling)
            assert np.allclose(y, ey, rtol=1e-12, atol=0), (want["id"], scaling)
