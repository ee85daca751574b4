"""libepyr's format table (``epyr_formats_json``) and folders of datasets: the package keeps no
format list, extension table or companion rule of its own."""

import functools
import json
import os
from typing import NamedTuple

from . import _lib
from ._lib import lib


@functools.lru_cache(maxsize=1)
def _table():
    return tuple(json.loads(_lib.sized_text(lib.epyr_formats_json)[:-1]))


def formats():
    """The formats libepyr reads, from its format table: a list of dicts with ``id``,
    ``name``, ``vendor``, ``members`` (each ``role`` and ``extensions``) and ``extensions``
    (lower case, matched in any case; empty for a format recognised by its content only)."""
    return json.loads(json.dumps(_table()))  # a fresh copy the caller may edit


@functools.lru_cache(maxsize=1)
def _extensions():
    return frozenset(ext for entry in _table() for ext in entry["extensions"])


@functools.lru_cache(maxsize=1)
def _content_only():
    return any(not entry["extensions"] for entry in _table())


def has_known_extension(path):
    """Whether the path's extension is one of the format table's (in any case)."""
    ext = os.path.splitext(os.fsdecode(path))[1][1:].lower()
    return ext in _extensions()


def may_be_dataset(path):
    """Whether a file could be a dataset by the table: a known extension, or any file when a
    format is recognised by its content only (JEOL's files have no extension)."""
    return has_known_extension(path) or _content_only()


class DatasetEntry(NamedTuple):
    """One dataset of a folder: ``path`` to load, its ``format`` id and every file it is
    read from (``files``). It is path-like (``os.fspath`` gives ``path``), so ``load``,
    ``load_many``, ``epyr_native.dask`` and ``xr.open_dataset`` take it as it is."""

    path: str
    format: str
    files: tuple

    def __fspath__(self):
        return self.path


class FoundDatasets(list):
    """The datasets of a folder (a list of :class:`DatasetEntry`), with ``skipped``: every
    other file as ``(path, reason)`` (a companion of a listed dataset, a file of another
    format than asked for, or a file no format reads, with libepyr's message)."""

    def __init__(self, entries, skipped):
        super().__init__(entries)
        self.skipped = skipped


def _candidates(folder, recursive):
    """The regular files of a folder (and its sub-folders), sorted, hidden ones left out."""
    folder = os.fspath(folder)
    if not recursive:
        names = sorted(os.listdir(folder))
        return [os.path.join(folder, n) for n in names
                if not n.startswith(".") and os.path.isfile(os.path.join(folder, n))]
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, n) for n in sorted(names) if not n.startswith("."))
    return [p for p in found if os.path.isfile(p)]


def find_datasets(folder, recursive=False, formats=None, loader=None):
    """One :class:`DatasetEntry` per dataset in ``folder`` (of any format libepyr reads, or
    of the format ids in ``formats``), in file-name order: libepyr describes each file that
    is not a member of a dataset found already (headers only, no values), so a ``.DSC`` +
    ``.DTA`` pair is listed once and companions are not listed. The result's ``skipped``
    says why every other file is not listed."""
    from ._loader import default_loader

    loader = loader or default_loader()
    wanted = None if formats is None else set(formats)
    unknown = (wanted or set()) - {entry["id"] for entry in _table()}
    if unknown:
        raise ValueError(f"unknown format ids {sorted(unknown)}; see epyr_native.formats()")
    entries, skipped, member_of = [], [], {}
    for path in _candidates(folder, recursive):
        key = os.path.realpath(path)
        if key in member_of:
            skipped.append((path, f"a member of the dataset {member_of[key]}"))
            continue
        if not may_be_dataset(path):
            skipped.append((path, "no format of epyr_native.formats() has this extension"))
            continue
        try:
            described = loader.describe(path)
        except _lib.EpyrError as error:
            skipped.append((path, error.message))
            continue
        for source in described.sources:
            member_of[os.path.realpath(source)] = path
        if wanted is not None and described.format not in wanted:
            skipped.append((path, f"format {described.format} not asked for"))
            continue
        entries.append(DatasetEntry(path, described.format, described.sources))
    # A file listed before a later dataset turned out to hold it is that dataset's member.
    kept = []
    for entry in entries:
        owner = member_of[os.path.realpath(entry.path)]
        if owner == entry.path:
            kept.append(entry)
        else:
            skipped.append((entry.path, f"a member of the dataset {owner}"))
    return FoundDatasets(kept, skipped)
