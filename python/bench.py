"""One run of every Python reader side by side: epyr_native, EPyR Tools (epyr.eprload),
DeerLab (deerload), eprpy and numpy.fromfile of the data file alone.

    python python/bench.py [--quick] [--only readers|formats|scale]

Needs epyr_native installed (pip install ./python), numpy; EPyR Tools, deerlab and eprpy are
timed when importable. Writes its own files into a temporary folder (a 256 MB float64 BES3T
file, a 4096-point complex pulse file, 2,000 small files) and uses the corpus
(EPYR_CORPUS, default ../shared/corpus) for the cw, ESP and 1 MB descriptor files. Every
figure is the median of repeated runs after a warm-up (the page cache is warm); the ratio
column is reader time / epyr_native time. epyr_native loads make values and parameters available
(``params`` holds every text, each value typed on first read; one row types them all), uncached
and as a validated hit of the global cache (what ``epyr_native.load`` gives on a repeated path);
the cache hit alone is reported below the table.

``formats``: epyr_native against the Python readers of the other formats, on the corpus files
they read: cwepr/ASpecD's ``MagnettechXMLImporter`` (Magnettech MS5000 ``.xml``) and DNPLab's
``dnplab.load`` (SpecMan ``.d01``), timed when importable (``pip install cwepr dnplab``).

``scale`` (xarray, Dask, distributed, Zarr): 2,000 small files and a 1 GB 2-D file (``--quick``:
200 files, 128 MB) converted to Zarr on a ``LocalCluster`` of 1 and of 2 worker processes
(files per second per worker, the scaling from 1 to 2, each worker's peak RSS), the same work
in one process (``load_many`` + ``to_xarray`` + ``to_zarr``), and ``xr.open_mfdataset(...,
engine="epyr", parallel=True)`` against a loop of ``load`` + ``to_xarray``.
"""

import contextlib
import io
import logging
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np

# The installed package, not the source folder beside this script (it has no libepyr).
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]

import epyr_native  # noqa: E402
from epyr_native.config import config  # noqa: E402

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
CORPUS = pathlib.Path(os.environ.get("EPYR_CORPUS", REPOSITORY.parent / "shared" / "corpus"))


def write_bes3t(folder, name, nx, ny=1, complex_values=False, pulse=False):
    """A BES3T float64 BIG file with linear axes; returns the .DSC path."""
    points = nx * ny * (2 if complex_values else 1)
    lines = ["#DESC 1.2 * DESCRIPTOR INFORMATION", "DSRC EXP", "BSEQ BIG",
             f"IKKF {'CPLX' if complex_values else 'REAL'}", "XTYP IDX",
             f"YTYP {'IDX' if ny > 1 else 'NODATA'}", "ZTYP NODATA", "IRFMT D",
             *(["IIFMT D"] if complex_values else []), f"XPTS {nx}", "XMIN 0", "XWID 1000",
             "XNAM 'Time'" if pulse else "XNAM 'Field'", "XUNI 'ns'" if pulse else "XUNI 'G'",
             *([f"YPTS {ny}", "YMIN 0", "YWID 1", "YNAM 'Slice'", "YUNI ''"] if ny > 1 else []),
             "TITL 'bench'", "#SPL 1.2 * STANDARD PARAMETER LAYER",
             f"EXPT {'PLS' if pulse else 'CW'}", "MWFQ 9.5e9", "AVGS 4"]
    (folder / f"{name}.DSC").write_text("\n".join(lines) + "\n")
    rng = np.random.default_rng(1)
    with open(folder / f"{name}.DTA", "wb") as f:
        step = 1 << 22
        for start in range(0, points, step):
            rng.standard_normal(min(step, points - start)).astype(">f8").tofile(f)
    return folder / f"{name}.DSC"


def median_seconds(call, repeat):
    """Median seconds of ``call``, or the exception of a reader that cannot read the file."""
    try:
        call()
    except Exception as e:  # a reader that fails on a file gets its error in the table
        return e
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def quietly(call):
    def run():
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return call()
    return run


def readers():
    """name -> (load one file, BES3T only?)."""
    loader = epyr_native.Loader(cache_enabled=False)

    def native(path):
        dataset = loader.load(path)
        dataset.values
        dataset.params  # every text in Python; each value typed when first read
        return dataset

    def native_typed(path):
        dataset = loader.load(path)
        dataset.values
        dict(dataset.params)  # every value typed as EPyR Tools types it
        return dataset

    def native_cached(path):
        dataset = epyr_native.load(path)  # the global cache: a validated hit after the warm-up
        dataset.values
        dataset.params
        return dataset

    out = {
        "epyr_native.load (uncached)": (native, False),
        "epyr_native.load (uncached), every value typed": (native_typed, False),
        "epyr_native.load (cached: validated hit)": (native_cached, False),
    }
    try:
        import epyr
        from epyr.config import config as epyr_config

        epyr_config.set("performance.cache_enabled", False)
        logging.getLogger("epyr").setLevel(logging.CRITICAL)
        out["EPyR Tools eprload"] = (quietly_path(lambda p: epyr.eprload(str(p))), False)
    except ImportError:
        pass
    try:
        from deerlab import deerload

        out["DeerLab deerload"] = (quietly_path(lambda p: deerload(str(p), full_output=True)), True)
    except ImportError:
        pass
    try:
        import eprpy

        out["eprpy load"] = (quietly_path(lambda p: eprpy.load(str(p))), True)
    except ImportError:
        pass
    return out


def quietly_path(call):
    return lambda p: quietly(lambda: call(p))()


def data_file(path):
    for ext in (".DTA", ".dta", ".spc", ".SPC"):
        if path.with_suffix(ext).exists():
            return path.with_suffix(ext)
    raise FileNotFoundError(path)


def bench_readers(quick):
    config.set("performance.memory_limit_mb", 0)
    # Decode with every core (the default, half the cores, is 1 on a 2-core machine), and a
    # global cache that holds the 256 MB file, for the cached rows.
    config.set("performance.threads", os.cpu_count() or 1)
    config.set("performance.cache_size_mb", 1024)
    print(f"performance.threads = {config.get('performance.threads')}, "
          f"cores = {os.cpu_count()}", file=sys.stderr)
    folder = pathlib.Path(tempfile.mkdtemp(prefix="epyr-native-bench-"))
    try:
        big = write_bes3t(folder, "big", 8192, 4096)
        pulse = write_bes3t(folder, "pulse4096", 4096, complex_values=True, pulse=True)
        small_dir = folder / "small"
        small_dir.mkdir()
        small = [write_bes3t(small_dir, f"s{i:04d}", 1024) for i in range(200 if quick else 2000)]
        datasets = [
            ("256 MB float64 (4096 x 8192)", big, 3),
            ("1024-point cw (BES3T)", CORPUS / "epyrtools" / "130406SB_CaWO4_Er_CW_5K_20.DSC", 200),
            ("1024-point ESP (.par/.spc)", CORPUS / "easyspin" / "strong1esp.par", 200),
            ("4096-point complex pulse", pulse, 200),
            ("1 MB descriptor data_multi_lab5", CORPUS / "deerlab" / "data_multi_lab5.DSC", 30),
        ]
        table = []
        all_readers = readers()
        for label, path, repeat in datasets:
            repeat = max(3, repeat // 10) if quick else repeat
            data = data_file(path)
            dtype = ">i4" if data.suffix.lower() == ".spc" and "DOS" not in path.read_text(
                "latin-1") else (">f8" if data.suffix.lower() == ".dta" else "<f4")
            row = {}
            for name, (load, bes3t_only) in all_readers.items():
                if bes3t_only and path.suffix.lower() == ".par":
                    continue
                row[name] = median_seconds(lambda: load(path), repeat)
            row["numpy.fromfile (data file only)"] = median_seconds(
                lambda: np.fromfile(data, dtype=dtype), repeat)
            if "256 MB" in label:
                source = np.fromfile(data, dtype=">f8")
                target = np.empty_like(source)
                np.copyto(target, source)
                row["memcpy of the 256 MB (np.copyto)"] = median_seconds(
                    lambda: np.copyto(target, source), repeat)
                del source, target
            table.append((label, row))
        native_many = lambda: epyr_native.Loader(cache_enabled=False).load_many(small)
        row = {"epyr_native.load_many": median_seconds(native_many, 3)}
        for name, (load, _) in all_readers.items():
            if name.startswith("epyr_native.load"):
                continue
            row[name + " (loop)"] = median_seconds(lambda: [load(p) for p in small], 1)
        row["numpy.fromfile loop (data files only)"] = median_seconds(
            lambda: [np.fromfile(data_file(p), dtype=">f8") for p in small], 3)
        table.append((f"{len(small)} small files (1024 points)", row))

        cached = epyr_native.Loader(cache=None, cache_enabled=True)
        hit_path = CORPUS / "epyrtools" / "130406SB_CaWO4_Er_CW_5K_20.DSC"
        cached.load(hit_path)
        hit = median_seconds(lambda: cached.load(hit_path), 2000)
        hit_values = median_seconds(lambda: cached.load(hit_path).values, 2000)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print("| dataset | reader | time | ratio to epyr_native |")
    print("|---|---|---|---|")
    for label, row in table:
        first = next(iter(row.values()))
        for name, seconds in row.items():
            if isinstance(seconds, Exception):
                print(f"| {label} | {name} | fails: {type(seconds).__name__} | |")
            else:
                print(f"| {label} | {name} | {format_time(seconds)} | {seconds / first:.2f} x |")
    print(f"\ncache hit (validated, global cache): load {hit * 1e6:.2f} us, "
          f"load + values {hit_values * 1e6:.2f} us")
    big_row = table[0][1]
    memcpy = big_row["memcpy of the 256 MB (np.copyto)"]
    print(f"256 MB uncached load / memcpy: "
          f"{memcpy / big_row['epyr_native.load (uncached)']:.2f} x memcpy speed")


def bench_formats(quick):
    """epyr_native against cwepr's Magnettech importer and DNPLab's SpecMan importer."""
    loader = epyr_native.Loader(cache_enabled=False)
    others = {}
    try:
        import cwepr.dataset
        import cwepr.io

        logging.getLogger("cwepr").setLevel(logging.CRITICAL)
        logging.getLogger("aspecd").setLevel(logging.CRITICAL)

        def cwepr_load(path):
            dataset = cwepr.dataset.ExperimentalDataset()
            dataset.import_from(cwepr.io.MagnettechXMLImporter(source=str(path)))
            return dataset

        others[".xml"] = ("cwepr MagnettechXMLImporter", quietly_path(cwepr_load))
    except ImportError:
        print("cwepr not installed: no Magnettech comparison", file=sys.stderr)
    try:
        import dnplab

        others[".d01"] = ("DNPLab dnplab.load", quietly_path(lambda p: dnplab.load(str(p))))
    except ImportError:
        print("dnplab not installed: no SpecMan comparison", file=sys.stderr)

    def native(path):
        dataset = loader.load(path)
        dataset.values
        dataset.params
        return dataset

    repeat = 5 if quick else 30
    print("| file | epyr_native | other reader | its time | ratio to epyr_native |")
    print("|---|---|---|---|---|")
    folder = CORPUS / "easyspin"
    files = sorted((folder / "magnettech").glob("*.xml")) + sorted(
        (folder / "specman").glob("*.d01"))
    for path in files:
        name, other = others.get(path.suffix, (None, None))
        mine = median_seconds(lambda: native(path), repeat)
        theirs = None if other is None else median_seconds(lambda: other(path), repeat)
        shown = (f"fails: {type(theirs).__name__}" if isinstance(theirs, Exception)
                 else "" if theirs is None else format_time(theirs))
        ratio = f"{theirs / mine:.1f} x" if isinstance(theirs, float) else ""
        print(f"| {path.parent.name}/{path.name} | {format_time(mine)} | {name or ''} | "
              f"{shown} | {ratio} |")


def _zarr_one(path, store):
    """Loads one dataset and writes it as a group of ``store`` (a worker's task)."""
    group = os.path.splitext(os.path.basename(path))[0]
    epyr_native.load(path).to_xarray().to_dataset().to_zarr(
        store, group=group, mode="w", consolidated=False)
    return group


def _peak_rss_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _on_cluster(workers, work):
    """Seconds of ``work(client)`` on a fresh LocalCluster of ``workers`` processes, and the
    largest peak RSS (MB) of its workers."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(epyr_native.load, str(CORPUS / "easyspin" / "strong1.dsc"))  # warm
        start = time.perf_counter()
        work(client)
        seconds = time.perf_counter() - start
        peak = max(client.run(_peak_rss_mb).values())
    return seconds, peak


def bench_scale(quick):
    """Dask and xarray figures (see the module)."""
    import xarray as xr

    folder = pathlib.Path(tempfile.mkdtemp(prefix="epyr-native-scale-"))
    try:
        small_dir = folder / "small"
        small_dir.mkdir()
        count = 200 if quick else 2000
        small = [str(write_bes3t(small_dir, f"s{i:04d}", 1024)) for i in range(count)]
        ny = 2048 if quick else 16384
        big = str(write_bes3t(folder, "big", 8192, ny))  # 8192 x ny float64: 1 GB at 16384
        big_mb = 8192 * ny * 8 / 2**20
        rows = []

        def small_work(store):
            return lambda client: client.gather(client.map(
                _zarr_one, small, store=store, pure=False))

        def big_work(store):
            def run(client):
                slowest = xr.open_dataset(big, engine="epyr")["intensity"].dims[0]
                opened = xr.open_dataset(big, engine="epyr", chunks={slowest: 256})
                opened.to_zarr(store, mode="w", consolidated=False, compute=False).compute()
            return run

        for label, work, amount, unit in (
                (f"{count} files of 1024 points -> Zarr", small_work, count, "files"),
                (f"{big_mb:.0f} MB 2-D file -> Zarr (chunks of 256 rows)", big_work, big_mb,
                 "MB")):
            for workers in (1, 2):
                store = str(folder / f"out-{workers}-{unit}.zarr")
                seconds, peak = _on_cluster(workers, work(store))
                rows.append((label, f"LocalCluster, {workers} worker(s)", seconds,
                             amount / seconds / workers, unit, peak))
                shutil.rmtree(store, ignore_errors=True)
        store = str(folder / "one-process.zarr")
        start = time.perf_counter()
        for path, dataset in zip(small, epyr_native.Loader(cache_enabled=False).load_many(small)):
            group = os.path.splitext(os.path.basename(path))[0]
            dataset.to_xarray().to_dataset().to_zarr(store, group=group, mode="w",
                                                     consolidated=False)
        seconds = time.perf_counter() - start
        rows.append((f"{count} files of 1024 points -> Zarr", "one process: load_many",
                     seconds, count / seconds, "files", _peak_rss_mb()))
        print("| work | how | time | per second per worker | peak RSS per worker |")
        print("|---|---|---|---|---|")
        for label, how, seconds, rate, unit, peak in rows:
            print(f"| {label} | {how} | {format_time(seconds)} | {rate:.0f} {unit} | "
                  f"{peak:.0f} MB |")
        for label in {r[0] for r in rows}:
            one, two = (r[2] for r in rows if r[0] == label and "LocalCluster" in r[1])
            print(f"{label}: 2 workers {one / two:.2f} x as fast as 1")

        paths = small[:200]
        mf = median_seconds(lambda: xr.open_mfdataset(
            paths, engine="epyr", combine="nested", concat_dim="file", join="override",
            parallel=True).load(), 3)
        loop = median_seconds(lambda: xr.concat(
            [epyr_native.load(p).to_xarray() for p in paths], dim="file", join="override"), 3)
        print(f"\nxr.open_mfdataset(engine='epyr', parallel=True) over {len(paths)} files: "
              f"{format_time(mf)}; loop of load + to_xarray + concat: {format_time(loop)} "
              f"({mf / loop:.1f} x the loop's time)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    if only in (None, "readers"):
        bench_readers(quick)
    if only in (None, "formats"):
        bench_formats(quick)
    if only in (None, "scale"):
        bench_scale(quick)


def format_time(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


if __name__ == "__main__":
    main()
