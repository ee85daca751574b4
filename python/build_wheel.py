"""Builds the wheel that installs without Rust: ``python build_wheel.py --library LIB -o DIR``
ships ``LIB`` (a built libepyr) stripped of debug information and of its symbol table,
tagged for its platform, and prints the wheel's path.

For Linux, LIB is the old-glibc build (``.ci/old-glibc`` prints its path: cargo zigbuild
against glibc 2.17), tagged ``manylinux2014_x86_64`` (the default ``--plat``): it installs on
every distribution with glibc 2.17 or newer. For Windows, LIB is the MinGW ``epyr.dll``
(``cargo build --release --lib --target x86_64-pc-windows-gnu``) with ``--plat win_amd64
--strip x86_64-w64-mingw32-strip``; for macOS, the ``libepyr.dylib`` of ``.ci/macos-dylib``
with ``--plat macosx_11_0_arm64`` (or ``macosx_10_12_x86_64``) and ``--strip
llvm-strip``. Only the Linux wheel is installed and tested here (tests/python_package.rs).
Runs ``pip wheel`` of this interpreter; needs setuptools and wheel, no cargo."""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", required=True, help="the built libepyr to ship")
    parser.add_argument("--plat", default="manylinux2014_x86_64", help="wheel platform tag")
    parser.add_argument("--strip", default="strip", help="the strip tool for the library")
    parser.add_argument("-o", "--out", default="dist", help="folder for the wheel")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        library = os.path.join(work, os.path.basename(args.library))
        shutil.copyfile(args.library, library)
        subprocess.run([args.strip, "--strip-all", library], check=True)
        # The repository (the licence files the wheel ships) stays where it is: the copy of
        # the package below has no parent folder holding it.
        env = dict(os.environ, EPYR_NATIVE_PREBUILT=library, EPYR_NATIVE_PLAT_NAME=args.plat,
                   EPYR_SOURCE_DIR=os.path.dirname(HERE))
        # From a copy of the package's sources: no build folder of an earlier build (or of a
        # `pip install ./python` running at the same time) is shared.
        source = os.path.join(work, "python")
        shutil.copytree(HERE, source, ignore=shutil.ignore_patterns(
            "build", "dist", "*.egg-info", "__pycache__", "tests", "examples", "*.so",
            "*.dylib", "*.dll"))
        before = set(glob.glob(os.path.join(args.out, "*.whl")))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                        "--no-build-isolation", "-w", os.path.abspath(args.out), source],
                       check=True, env=env)
    built = sorted(set(glob.glob(os.path.join(args.out, f"*-{args.plat}.whl"))) - before)
    if not built:  # pip replaced a wheel of the same name
        built = glob.glob(os.path.join(args.out, f"epyr_native-*-py3-none-{args.plat}.whl"))
    print(os.path.abspath(built[0]))


if __name__ == "__main__":
    main()
