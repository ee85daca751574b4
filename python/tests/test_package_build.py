"""What `pip install ./python` ships: the library stripped (no debug information, no symbol
table beyond the exported functions), as docs/python.md promises."""

import os
import shutil
import subprocess
import sys

import pytest

from epyr_native import _lib


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks an ELF library (Linux)")
@pytest.mark.skipif(shutil.which("readelf") is None, reason="readelf (binutils) not installed")
@pytest.mark.skipif("EPYR_NATIVE_LIBRARY" in os.environ,
                    reason="EPYR_NATIVE_LIBRARY points at a development build, not the package's")
def test_the_package_ships_the_library_stripped():
    library = _lib._library_path()
    sections = subprocess.run(["readelf", "-S", "--wide", library], capture_output=True,
                              text=True, check=True).stdout
    assert ".debug_" not in sections and ".symtab" not in sections, sections
    symbols = subprocess.run(["readelf", "--dyn-syms", "--wide", library], capture_output=True,
                             text=True, check=True).stdout
    assert " epyr_loader_load\n" in symbols  # the C functions stay exported
    assert os.path.getsize(library) < 4 << 20, os.path.getsize(library)
