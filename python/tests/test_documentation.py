"""The Python side of the documentation checks (the rest is ``cli/tests/docs.rs``): every
```` ```python ```` block of ``README.md`` and ``docs/*.md`` that is not marked ``excerpt`` runs
in a fresh folder laid out like the Rust test's sandbox (the samples in ``examples-c/data``, the
cw sample as ``spectrum.DSC``, the 2-D one as ``map.DSC``), ``python/examples/first_look.py``
prints its summary and writes a PNG, and the installed package ships both licence files."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import epyr_native
from conftest import REPOSITORY

SAMPLES = REPOSITORY / "examples-c" / "data"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def blocks(page):
    """``(line, info words, text)`` of every fenced block of a page."""
    found, open_block = [], None
    for number, line in enumerate(page.read_text().splitlines(), 1):
        stripped = line.strip()
        if open_block is None and stripped.startswith("```"):
            open_block = (number, stripped[3:].split(), [])
        elif open_block is not None and stripped == "```":
            found.append((open_block[0], open_block[1], "\n".join(open_block[2]) + "\n"))
            open_block = None
        elif open_block is not None:
            open_block[2].append(line)
    assert open_block is None, f"{page}:{open_block[0]}: a block that is never closed"
    return found


def python_blocks():
    """Every runnable Python block of the pages, as ``(where, text)``."""
    pages = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md"))]
    return [
        (f"{page.relative_to(REPOSITORY)}:{line}", text)
        for page in pages
        for line, words, text in blocks(page)
        if words and words[0] == "python" and "excerpt" not in words[1:]
    ]


def sandbox(folder):
    """The samples where the pages' code expects them."""
    shutil.copytree(SAMPLES, folder / "examples-c" / "data")
    for stem, name in (("nitroxide_cw", "spectrum"), ("pulse_2d", "map")):
        for sample in SAMPLES.glob(f"{stem}.*"):
            shutil.copy(sample, folder / (name + sample.suffix))
    return folder


def run(args, cwd):
    """Runs Python code with the package's library on the loader's path (for ctypes recipes
    that open ``libepyr.so`` by name) and no display (matplotlib writes files only)."""
    env = dict(os.environ, MPLBACKEND="Agg",
               LD_LIBRARY_PATH=str(pathlib.Path(epyr_native.__file__).parent))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def sample_points():
    """The points of the cw sample, from its descriptor's ``XPTS`` line (not from epyr)."""
    for line in (SAMPLES / "nitroxide_cw.DSC").read_text(encoding="latin-1").splitlines():
        if line.startswith("XPTS"):
            return int(line.split()[1])
    raise AssertionError("no XPTS in the sample")


def test_the_pages_have_python_blocks_to_run():
    assert len(python_blocks()) >= 2, python_blocks()


@pytest.mark.parametrize("where, code", python_blocks(), ids=[w for w, _ in python_blocks()])
def test_every_python_block_of_the_docs_runs(tmp_path, where, code):
    done = run(["-c", code], sandbox(tmp_path))
    assert done.returncode == 0, f"the python block at {where} failed:\n{done.stdout}{done.stderr}"


def test_the_first_look_example_prints_a_summary_and_writes_a_png(tmp_path):
    done = run([str(REPOSITORY / "python" / "examples" / "first_look.py")], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{sample_points()} points" in done.stdout, done.stdout
    assert (tmp_path / "first_look.png").read_bytes().startswith(PNG_SIGNATURE)


def test_the_installed_package_ships_both_licence_files():
    package = pathlib.Path(epyr_native.__file__).parent
    for name in ("LICENSE-MIT", "LICENSE-APACHE"):
        shipped = package / name
        assert shipped.is_file(), f"{name} is not in the installed package ({package})"
        assert shipped.read_bytes() == (REPOSITORY / name).read_bytes(), name
