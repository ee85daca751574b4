"""Dask helpers: tasks carry paths and the scaling, never libepyr handles; each worker loads
through its own process's libepyr (global cache, configuration). Datasets pickle as their
content, so a bag of datasets moves between workers and back to the client.

``from_paths(paths)`` gives a ``dask.bag`` of :class:`~epyr_native.Dataset`; ``stack(paths)``
a Dask array of same-shape spectra, one chunk per file. Point the same code at a real
cluster with ``distributed.Client("tcp://scheduler:8786")`` (or ``dask_jobqueue``'s
``SLURMCluster``/``PBSCluster``) before computing; see docs/python.md."""

import os

import dask
import dask.array as da
import dask.bag as db

from ._loader import default_loader


def _load(path, scaling):
    return default_loader().load(path, scaling)


def from_paths(paths, scaling="", npartitions=None):
    """A ``dask.bag`` of the datasets at ``paths`` (loaded where the bag is computed; a file
    that fails raises its exception there). ``npartitions`` defaults to one per path up to
    100 partitions."""
    paths = [os.fspath(p) for p in paths]
    if npartitions is None:
        npartitions = max(1, min(len(paths), 100))
    return db.from_sequence(paths, npartitions=npartitions).map(_load, scaling)


def _values(path, scaling, component, shape, dtype):
    values = _load(path, scaling).components[component]
    if values.shape != shape:
        raise ValueError(f"{path}: shape {values.shape}, not {shape} as the first file's")
    return values.astype(dtype, copy=False)


def stack(paths, scaling="", component=0):
    """A Dask array of shape ``(len(paths),) + shape`` over files of one shape (the first
    file's, described without reading its values), one chunk per file, of ``component``
    of each dataset (``float64``, or ``complex128`` when that component of the first file
    is complex). A file of another shape raises ``ValueError`` when its chunk is computed."""
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise ValueError("stack needs at least one path")
    first = default_loader().describe(paths[0], scaling)
    shape = first.shape
    dtype = "complex128" if first.complex[component] else "float64"
    chunks = [
        da.from_delayed(
            dask.delayed(_values, pure=True)(p, scaling, component, shape, dtype),
            shape=shape,
            dtype=dtype,
        )
        for p in paths
    ]
    return da.stack(chunks)
