"""EPyR Tools' config.json is read by libepyr's one reader of it, with the rules of every file
epyr reads: a key of another section comes back from a regular file, and a FIFO, a link to
/dev/zero or an oversized file gives the default at once instead of hanging or reading until
memory runs out."""

import json
import os
import subprocess
import sys

import pytest

from epyr_native.config import config

_CHILD = """
import resource, sys, json
limit = 2 << 30  # an endless read fails here, not on the machine
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from epyr_native import EpyrValueError
from epyr_native.config import config
try:
    cache_size = config.get("performance.cache_size_mb")
except EpyrValueError as e:  # the file could have set it: no value in force
    cache_size = e.name
print(json.dumps([config.get("plotting.dpi", 7), cache_size]))
"""


def get_in_a_child(config_home):
    """``config.get`` of a key outside libepyr's section in a child process whose config
    folder is ``config_home``: its output, or a failure if it does not end within 60 s."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(config_home))
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("config.get hangs on the configuration file")
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                    reason="needs FIFOs and /dev/zero (POSIX)")
@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "2 MB file"])
def test_a_config_file_that_is_not_a_small_regular_file_gives_defaults_at_once(tmp_path, kind):
    folder = tmp_path / "epyrtools"
    folder.mkdir()
    file = folder / "config.json"
    if kind == "fifo":
        os.mkfifo(file)
    elif kind == "link to /dev/zero":
        os.symlink("/dev/zero", file)
    else:
        file.write_text(json.dumps({"plotting": {"dpi": 300}, "pad": "x" * (2 << 20)}))
    dpi, cache_size = get_in_a_child(tmp_path)
    assert dpi == 7
    assert cache_size == "EPYR_ERR_CONFIG"


def test_a_key_of_another_section_comes_from_the_file_through_a_link(tmp_path):
    real = tmp_path / "dotfiles" / "config.json"
    real.parent.mkdir()
    real.write_text(json.dumps({"plotting": {"dpi": 300}, "performance": {"cache_size_mb": 5}}))
    (tmp_path / "epyrtools").mkdir()
    os.symlink(real, tmp_path / "epyrtools" / "config.json")
    assert get_in_a_child(tmp_path) == [300, 5]


def test_missing_keys_and_sections_give_the_default(config_home):
    assert config.get("plotting.no_such_key", "d") == "d"
    assert config.get("no_such_section.key") is None
