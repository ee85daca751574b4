"""Test isolation: a temporary configuration folder (EPyR Tools and libepyr both use
``$XDG_CONFIG_HOME/epyrtools/config.json``) and no ``EPYR_PERFORMANCE_*`` variables, set
before either package is imported; the corpus from ``EPYR_CORPUS`` (default
``../shared/corpus`` beside the repository)."""

import json
import os
import pathlib
import tempfile

import pytest

_CONFIG_HOME = tempfile.mkdtemp(prefix="epyr-native-tests-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG_HOME
for _name in list(os.environ):
    if _name.startswith("EPYR_PERFORMANCE_"):
        del os.environ[_name]

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


def corpus_dir():
    """The corpus folder, or ``None`` (a failure with ``EPYR_REQUIRE_CORPUS=1``)."""
    folder = pathlib.Path(os.environ.get("EPYR_CORPUS", REPOSITORY.parent / "shared" / "corpus"))
    if (folder / "expected.json").is_file():
        return folder
    if os.environ.get("EPYR_REQUIRE_CORPUS") == "1":
        pytest.fail(f"corpus not found at {folder} and EPYR_REQUIRE_CORPUS=1")
    return None


@pytest.fixture(scope="session")
def corpus():
    folder = corpus_dir()
    if folder is None:
        pytest.skip("corpus not found (set EPYR_CORPUS, or EPYR_REQUIRE_CORPUS=1 to fail)")
    return folder


@pytest.fixture(scope="session")
def expected(corpus):
    return json.loads((corpus / "expected.json").read_text())


@pytest.fixture(scope="session")
def config_home():
    return pathlib.Path(_CONFIG_HOME)


@pytest.fixture
def fresh_config():
    """Run-time configuration values set by a test are undone after it."""
    from epyr_native.config import config

    keys = ("cache_enabled", "cache_size_mb", "chunk_size_mb", "memory_limit_mb",
            "parallel_processing")
    saved = {k: config.get(f"performance.{k}") for k in keys}
    yield config
    for key, value in saved.items():
        config.set(f"performance.{key}", value)


def write_bes3t(path, values, descriptor=""):
    """A real BES3T pair: ``path`` (``.DSC``) with ``descriptor`` lines added, and its ``.DTA``
    of ``values`` as big-endian float64. Returns ``path``."""
    import numpy as np

    values = np.asarray(values, dtype=">f8")
    path = pathlib.Path(path)
    path.write_text(
        "#DESC 1.2 * DESCRIPTOR INFORMATION\nDSRC EXP\nBSEQ BIG\nIKKF REAL\nXTYP IDX\n"
        "YTYP NODATA\nZTYP NODATA\nIRFMT D\n"
        f"XPTS {values.size}\nXMIN 0\nXWID 1\nXNAM 'Time'\nXUNI 'ns'\n{descriptor}"
    )
    values.tofile(path.with_suffix(".DTA"))
    return path


def base_chain(array):
    """``array.base``, its base, ... up to the first object that is not an array."""
    import numpy as np

    chain, base = [], array.base
    while base is not None:
        chain.append(base)
        base = base.base if isinstance(base, np.ndarray) else None
    return chain


def assert_cannot_write(array):
    """Neither the array, nor a base of it, nor its root can be made to write its memory."""
    import numpy as np

    with pytest.raises(ValueError):
        array.flags.writeable = True
    with pytest.raises(ValueError):
        array.flat[0] = 12345.0
    chain = base_chain(array)
    assert chain, "an array over memory it does not own keeps the owner as its base"
    for base in chain[:-1]:
        with pytest.raises(ValueError):
            base.flags.writeable = True
    root = chain[-1]
    try:
        view = memoryview(root)
    except TypeError:
        view = None
    assert view is None or view.readonly
    again = np.asarray(root)
    assert not np.shares_memory(again, array) or not again.flags.writeable
