"""Converts a folder of EPR datasets (every format epyr reads) to one Zarr store on a Dask
cluster: one group per dataset (its path relative to the folder), holding the variable
``intensity`` with its coordinates and attributes (``Dataset.to_xarray``).

    python archive_to_zarr.py FOLDER OUT.zarr [--workers 2] [--scheduler tcp://host:8786]

Without ``--scheduler`` it starts a ``distributed.LocalCluster`` of ``--workers`` processes;
with one it uses that cluster (started by ``dask scheduler`` / ``dask worker``, or by
``dask_jobqueue.SLURMCluster(...)`` whose ``scheduler_address`` you pass). Tasks carry
paths only: each worker reads the files itself, so they must be on a file system every worker
sees. Prints one line per dataset converted and a summary; exit status 1 if any failed."""

import argparse
import os
import sys

import zarr
from distributed import Client, LocalCluster

import epyr_native


def convert(path, folder, store):
    """Loads one dataset and writes it as the Zarr group named after its relative path."""
    group = os.path.relpath(path, folder).replace(os.sep, "/")
    array = epyr_native.load(path).to_xarray()
    array.to_dataset().to_zarr(store, group=group, mode="w", consolidated=False)
    return group


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("store")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    args = parser.parse_args(argv)
    found = epyr_native.find_datasets(args.folder, recursive=True)
    root = zarr.open_group(args.store, mode="w")
    for entry in found:  # parent groups first, so workers never race to make them
        parts = os.path.relpath(entry.path, args.folder).split(os.sep)[:-1]
        for depth in range(1, len(parts) + 1):
            root.require_group("/".join(parts[:depth]))
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
    with client:
        futures = client.map(convert, [e.path for e in found], folder=args.folder,
                             store=args.store, pure=False)
        failed = 0
        for future, entry in zip(futures, found):
            try:
                print("converted", future.result())
            except Exception as error:  # one bad file does not stop the others
                failed += 1
                print(f"failed {entry.path}: {error}", file=sys.stderr)
    print(f"{len(found) - failed} datasets converted, {failed} failed, "
          f"{len(found.skipped)} files skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
