"""Builds libepyr with cargo and ships the shared library inside the ``epyr_native`` package,
with the repository's licence files (``LICENSE-MIT``, ``LICENSE-APACHE``) beside it.

The Rust sources are the repository this folder belongs to (``..``), or ``EPYR_SOURCE_DIR``.
``CARGO_TARGET_DIR`` and ``CARGO`` are honoured. ``EPYR_NATIVE_PREBUILT`` (a built, stripped
library: what ``build_wheel.py`` passes) ships that file instead, without cargo, and
``EPYR_NATIVE_PLAT_NAME`` sets the wheel's platform tag (``manylinux2014_x86_64``). The wheel
is platform-specific (it carries a native library) but has no Python extension module (the
package reaches the library through ctypes and the C ABI), so it is tagged ``py3-none``: one
wheel for every Python 3 version.
"""

import json
import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools before 70.1
    from wheel.bdist_wheel import bdist_wheel

LIBRARY_NAMES = {"win32": "epyr.dll", "darwin": "libepyr.dylib"}
LIBRARY_NAME = LIBRARY_NAMES.get(sys.platform, "libepyr.so")
LICENCES = ("LICENSE-MIT", "LICENSE-APACHE")


def source_dir():
    """The cargo project holding libepyr."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.environ.get("EPYR_SOURCE_DIR") or os.path.dirname(here)
    if not os.path.isfile(os.path.join(root, "Cargo.toml")):
        sys.exit(
            f"epyr-native: no Cargo.toml in {root}: build from a checkout of epyr "
            "(pip install ./python) or set EPYR_SOURCE_DIR"
        )
    return root


def build_libepyr():
    """Runs ``cargo build --profile wheel --lib`` (release, stripped: no debug information, no
    symbol table beyond the exported functions) and returns the path of the shared library."""
    cargo = os.environ.get("CARGO", "cargo")
    command = [cargo, "build", "--profile", "wheel", "--lib",
               "--message-format=json-render-diagnostics"]
    try:
        done = subprocess.run(
            command, cwd=source_dir(), stdout=subprocess.PIPE, check=True, text=True
        )
    except FileNotFoundError:
        sys.exit("epyr-native: cargo not found: install Rust (https://rustup.rs) or set CARGO")
    except subprocess.CalledProcessError as e:
        sys.exit(f"epyr-native: {' '.join(command)} failed with status {e.returncode}")
    for line in done.stdout.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("reason") != "compiler-artifact":
            continue
        if message.get("target", {}).get("name") != "epyr":
            continue
        for filename in message.get("filenames", []):
            if os.path.basename(filename) == LIBRARY_NAME:
                return filename
    sys.exit(f"epyr-native: cargo built no {LIBRARY_NAME}")


class BuildPyWithLibepyr(build_py):
    """``build_py`` that also builds libepyr and copies it and the licences into the package."""

    def run(self):
        super().run()
        prebuilt = os.environ.get("EPYR_NATIVE_PREBUILT")
        name = os.path.basename(prebuilt) if prebuilt else LIBRARY_NAME
        target = os.path.join(self.build_lib, "epyr_native", name)
        shutil.copyfile(prebuilt or build_libepyr(), target)
        for licence in LICENCES:
            shutil.copyfile(
                os.path.join(source_dir(), licence),
                os.path.join(self.build_lib, "epyr_native", licence),
            )


class PlatformWheel(bdist_wheel):
    """A ``py3-none-<platform>`` wheel: any Python 3, no extension module, one platform (the
    machine's, or ``EPYR_NATIVE_PLAT_NAME``)."""

    def finalize_options(self):
        plat_name = os.environ.get("EPYR_NATIVE_PLAT_NAME")
        if plat_name:
            self.plat_name = plat_name
        super().finalize_options()

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class NativeDistribution(Distribution):
    """A distribution with native code, so wheels get a platform tag."""

    def has_ext_modules(self):
        return True


setup(
    cmdclass={"build_py": BuildPyWithLibepyr, "bdist_wheel": PlatformWheel},
    distclass=NativeDistribution,
)
