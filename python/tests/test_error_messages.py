"""Errors as a Python user meets them: messages in the package's names (never a C function
such as epyr_loader_load), FileNotFoundError with errno and filename, exceptions that survive
pickling (multiprocessing sends them between processes), and a closed reader said so."""

import errno
import os
import pickle
import re

import numpy as np
import pytest

import epyr_native
from conftest import write_bes3t
from epyr_native import EpyrError, EpyrMemoryError, EpyrOSError, EpyrValueError
from epyr_native.config import config

# A C function or type name, or a Rust path, as a word of a message (not epyr_native).
C_NAME = re.compile(r"(?<![\w/.])epyr_(?!native\b)[a-z_]+|\w::\w")


def failure(call):
    with pytest.raises(EpyrError) as raised:
        call()
    return raised.value


def test_messages_name_python_calls_not_c_functions(corpus, fresh_config):
    loader = epyr_native.Loader(cache_enabled=False)
    described = loader.describe(corpus / "deerlab" / "data_sparse.DSC")  # x from an .XGF
    fresh_config.set("performance.memory_limit_mb", 0.0001)
    messages = {
        "load over the limit": failure(lambda: loader.load(corpus / "easyspin" / "strong1.dsc")),
        "axis over the limit": failure(lambda: described.axes),
        "values of a description": failure(lambda: described.values),
    }
    fresh_config.set("performance.memory_limit_mb", 0)
    assert isinstance(messages["load over the limit"], EpyrMemoryError)
    assert "open_reader" in messages["load over the limit"].message
    assert "load()" in messages["values of a description"].message
    for what, e in messages.items():
        assert not C_NAME.search(e.message), f"{what}: {e.message}"
        assert not C_NAME.search(str(e)), f"{what}: {e}"


@pytest.mark.parametrize("kind", [str, os.fsencode, lambda p: p])
def test_file_not_found_carries_errno_and_the_filename_given(tmp_path, kind):
    missing = kind(tmp_path / "none.DSC")
    calls = [epyr_native.load, epyr_native.describe, epyr_native.open_reader,
             lambda p: epyr_native.eprload(p), config.load]
    for call in calls:
        with pytest.raises(FileNotFoundError) as raised:
            call(missing)
        e = raised.value
        assert e.errno == errno.ENOENT and e.filename == os.fspath(missing)
        assert isinstance(e, EpyrOSError) and e.name == "EPYR_ERR_NOT_FOUND"
        assert "none.DSC" in e.message and str(e).startswith("EPYR_ERR_NOT_FOUND: ")


def test_exceptions_survive_pickling(tmp_path):
    bad = tmp_path / "bad.DSC"
    bad.write_text("not a descriptor")
    errors = [failure(lambda: epyr_native.load(tmp_path / "none.DSC")),
              failure(lambda: epyr_native.load(bad)),
              failure(lambda: config.set("performance.cache_size_mb", -1))]
    for e in errors:
        again = pickle.loads(pickle.dumps(e))
        assert type(again) is type(e)
        assert (again.code, again.name, again.message, again.filename, str(again)) == (
            e.code, e.name, e.message, e.filename, str(e))
        assert getattr(again, "errno", None) == getattr(e, "errno", None)


def test_a_closed_reader_says_it_is_closed(tmp_path):
    reader = epyr_native.open_reader(write_bes3t(tmp_path / "a.DSC", np.arange(4.0)))
    reader.close()
    for call in (lambda: next(reader), reader.rewind, lambda: reader.read_rows(0, 1),
                 lambda: reader.position, reader.describe):
        with pytest.raises(ValueError, match="closed"):
            call()
    reader.close()  # closing again is harmless
    assert not isinstance(failure(lambda: epyr_native.load(tmp_path / "x.DSC")), EpyrValueError)
