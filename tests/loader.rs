//! Loader: load, load_into, describe, load_many with progress, chunked reading of every corpus
//! file at several chunk sizes, read_rows, files changed while read, parallel decoding.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{corpus_dir, expected, isolate_config, temp_dir, write_sample};
use epyr::{ErrorKind, Loader, LoaderOptions, Plan, Scaling};
use parking_lot::Mutex;

fn uncached_loader(chunk_size_mb: f64) -> Loader {
    isolate_config();
    Loader::new(LoaderOptions {
        chunk_size_mb: Some(chunk_size_mb),
        cache_enabled: Some(false),
        cache: None,
    })
    .unwrap()
}

fn corpus_paths() -> Vec<PathBuf> {
    let dir = corpus_dir();
    expected(&dir)
        .iter()
        .map(|e| dir.join(e["open"].as_str().unwrap()))
        .collect()
}

/// Streams the whole dataset with `chunk_points` points per chunk and joins the chunks.
fn stream(
    loader: &Loader,
    path: &std::path::Path,
    scaling: &str,
    chunk_points: Option<usize>,
) -> Vec<f64> {
    let mut reader = loader.open_reader(path, scaling).unwrap();
    if let Some(n) = chunk_points {
        reader.set_chunk_points(n).unwrap();
    }
    let per_point = reader.values_per_point();
    let chunk = reader.chunk_points();
    let mut all = Vec::new();
    let mut expected_first = 0;
    while let Some((first, values)) = reader.next_chunk().unwrap() {
        assert_eq!(first, expected_first, "{}", path.display());
        assert!(values.len() <= chunk * per_point);
        assert_eq!(values.len() % per_point, 0, "whole points only");
        expected_first += values.len() / per_point;
        all.extend_from_slice(values);
    }
    all
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn chunks_of_every_corpus_file_equal_the_full_load() {
    let dir = corpus_dir();
    let paths = corpus_paths();
    assert!(
        paths.len() >= 38,
        "{}: {} datasets",
        dir.display(),
        paths.len()
    );
    let loader = uncached_loader(10.0);
    for path in &paths {
        let full = loader.load(path, "").unwrap().file_order_values();
        let nx = loader.describe(path, "").unwrap().layout.dims[0];
        for chunk in [Some(1), Some(7), Some(nx), None] {
            let joined = stream(&loader, path, "", chunk);
            assert!(
                joined
                    .iter()
                    .map(|v| v.to_bits())
                    .eq(full.iter().map(|v| v.to_bits())),
                "{} chunk {chunk:?}",
                path.display()
            );
        }
    }
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn scaled_chunks_equal_the_scaled_full_load_across_row_boundaries() {
    let dir = corpus_dir();
    // A WinEPR power sweep: 'P' divides each row by its own power.
    let path = dir.join("easyspin/EMX_2Dpowersweep.spc");
    let loader = uncached_loader(10.0);
    let full = loader.load(&path, "P").unwrap();
    let unscaled = loader.load(&path, "").unwrap();
    let nx = full.dims()[0];
    let (a, b) = (
        &full.components()[0].values,
        &unscaled.components()[0].values,
    );
    assert!(a[0] / b[0] != a[nx] / b[nx], "rows are scaled differently");
    let joined = stream(&loader, &path, "P", Some(7));
    assert_eq!(&joined, a);
}

#[test]
fn reader_default_chunks_are_whole_rows_within_the_chunk_size() {
    let dir = temp_dir("loader-rows");
    let dsc = write_sample(&dir, "a", [100, 50, 1], &[true]);
    // 100 complex points = 1600 bytes a row; 0.01 MB = 10485 bytes → 6 rows.
    let loader = uncached_loader(0.01);
    let reader = loader.open_reader(&dsc, "").unwrap();
    assert_eq!(reader.chunk_points(), 600);
    let loader = uncached_loader(0.0001); // 104 bytes: less than a row → 6 points
    assert_eq!(loader.open_reader(&dsc, "").unwrap().chunk_points(), 6);
}

#[test]
fn next_into_fills_caller_buffers_with_whole_points() {
    let dir = temp_dir("loader-next-into");
    let dsc = write_sample(&dir, "a", [10, 3, 1], &[true, false]);
    let loader = uncached_loader(10.0);
    let full = loader.load(&dsc, "").unwrap().file_order_values();
    let mut reader = loader.open_reader(&dsc, "").unwrap();
    let mut buf = vec![0.0; 7]; // 3 values a point → 2 points fit
    let mut joined = Vec::new();
    while let Some((first, len)) = reader.next_into(&mut buf).unwrap() {
        assert_eq!(first * 3, joined.len());
        assert_eq!(len, 6.min(full.len() - joined.len()));
        joined.extend_from_slice(&buf[..len]);
    }
    assert_eq!(joined, full);
    reader.rewind();
    let e = reader.next_into(&mut [0.0; 2]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BufferTooSmall);
}

#[test]
fn read_rows_equals_slices_of_the_full_load() {
    let dir = temp_dir("loader-read-rows");
    let dsc = write_sample(&dir, "a", [16, 5, 3], &[true]);
    let loader = uncached_loader(10.0);
    let full = loader.load(&dsc, "").unwrap().file_order_values();
    let reader = loader.open_reader(&dsc, "").unwrap();
    let row = 16 * 2;
    for (start, count) in [(0, 1), (4, 2), (3, 12), (14, 1)] {
        let mut out = vec![0.0; count * row];
        reader.read_rows(start, count, &mut out).unwrap();
        assert_eq!(out, full[start * row..(start + count) * row]);
    }
    let mut long = vec![-1.0; row + 2];
    reader.read_rows(2, 1, &mut long).unwrap();
    assert_eq!(long[..row], full[2 * row..3 * row]);
    assert_eq!(long[row..], [-1.0, -1.0], "only the rows are written");
    let mut out = vec![0.0; row];
    assert_eq!(
        reader.read_rows(15, 1, &mut out).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        reader.read_rows(0, 1, &mut out[..3]).unwrap_err().kind(),
        ErrorKind::BufferTooSmall
    );
}

/// A 1000 x 10 sample in `dir` and a reader of rows (1000 points a chunk) that has read the
/// first chunk.
fn reader_after_first_chunk(
    dir: &std::path::Path,
    scaling: &str,
) -> (PathBuf, epyr::ChunkedReader) {
    let dsc = write_sample(dir, "a", [1000, 10, 1], &[false]);
    let mut reader = uncached_loader(10.0).open_reader(&dsc, scaling).unwrap();
    reader.set_chunk_points(1000).unwrap();
    assert!(reader.next_chunk().unwrap().is_some());
    (dsc, reader)
}

#[test]
fn a_file_truncated_while_read_gives_an_error() {
    let dir = temp_dir("loader-truncated");
    let (dsc, mut reader) = reader_after_first_chunk(&dir, "");
    let dta = dsc.with_extension("DTA");
    std::fs::File::options()
        .write(true)
        .open(&dta)
        .unwrap()
        .set_len(100)
        .unwrap();
    let e = reader.next_chunk().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FileChanged);
    assert!(e.to_string().contains("a.DTA"), "{e}");
}

#[test]
fn a_same_size_rewrite_in_place_between_chunks_gives_an_error() {
    let dir = temp_dir("loader-rewrite");
    let (dsc, mut reader) = reader_after_first_chunk(&dir, "");
    let dta = dsc.with_extension("DTA");
    let mut bytes = std::fs::read(&dta).unwrap();
    bytes[8 * 5000] ^= 0x40;
    // Written through an open file (no truncation): the size never changes.
    let mut f = std::fs::File::options().write(true).open(&dta).unwrap();
    std::io::Write::write_all(&mut f, &bytes).unwrap();
    assert_eq!(std::fs::metadata(&dta).unwrap().len(), 80_000);
    assert_eq!(
        reader.next_chunk().unwrap_err().kind(),
        ErrorKind::FileChanged
    );
}

#[test]
fn a_descriptor_changed_while_streaming_gives_an_error() {
    let dir = temp_dir("loader-dsc-changed");
    let (dsc, mut reader) = reader_after_first_chunk(&dir, "n");
    let text = std::fs::read_to_string(&dsc).unwrap();
    assert!(text.contains("AVGS\t4"));
    std::fs::write(&dsc, text.replace("AVGS\t4", "AVGS\t16")).unwrap();
    let e = reader.next_chunk().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FileChanged);
    assert!(e.to_string().contains("a.DSC"), "{e}");
}

#[test]
#[cfg_attr(
    epyr_under_wine,
    ignore = "under Wine, renaming a file over one that is open fails with Access denied (Windows 10 allows it)"
)]
fn a_file_replaced_while_read_gives_an_error() {
    let dir = temp_dir("loader-replaced");
    let (dsc, mut reader) = reader_after_first_chunk(&dir, "");
    let other = write_sample(&dir, "b", [1000, 10, 1], &[false]);
    std::fs::rename(other.with_extension("DTA"), dsc.with_extension("DTA")).unwrap();
    assert_eq!(
        reader.next_chunk().unwrap_err().kind(),
        ErrorKind::FileChanged
    );
}

#[test]
fn load_into_equals_load_and_checks_the_buffer_size() {
    let dir = temp_dir("loader-into");
    let dsc = write_sample(&dir, "a", [20, 4, 1], &[true, false]);
    let loader = uncached_loader(10.0);
    let plan = loader.describe(&dsc, "T").unwrap();
    let n = plan.layout.points() * plan.layout.per_point();
    let mut buf = vec![f64::NAN; n];
    loader.load_into(&dsc, "T", &mut buf).unwrap();
    assert_eq!(buf, loader.load(&dsc, "T").unwrap().file_order_values());
    let mut short = vec![0.0; n - 1];
    assert_eq!(
        loader.load_into(&dsc, "", &mut short).unwrap_err().kind(),
        ErrorKind::BufferTooSmall
    );
    assert!(short.iter().all(|&v| v == 0.0), "nothing written");
    let mut long = vec![-1.0; n + 3];
    loader.load_into(&dsc, "T", &mut long).unwrap();
    assert_eq!(long[..n], buf[..]);
    assert_eq!(long[n..], [-1.0; 3], "only the values are written");
}

#[test]
fn load_many_returns_one_result_per_file_and_reports_progress() {
    let dir = temp_dir("loader-many");
    let mut paths: Vec<PathBuf> = (0..12)
        .map(|i| write_sample(&dir, &format!("s{i}"), [100 + i, 1, 1], &[false]))
        .collect();
    paths.insert(5, dir.join("missing.DSC"));
    let garbage = dir.join("garbage.DSC");
    std::fs::write(&garbage, b"\x00\x01binary").unwrap();
    std::fs::write(dir.join("garbage.DTA"), b"").unwrap();
    paths.push(garbage);
    let loader = uncached_loader(10.0);
    let seen = Mutex::new(Vec::new());
    let report = |p: epyr::Progress| seen.lock().push(p);
    let results = loader.load_many(&paths, "", Some(&report));
    assert_eq!(results.len(), paths.len());
    for (i, (path, r)) in paths.iter().zip(&results).enumerate() {
        match r {
            Ok(ds) => assert_eq!(ds.sources()[0], *path, "result {i} is for its own path"),
            Err(e) => assert!(
                i == 5 || i == paths.len() - 1,
                "unexpected failure {i}: {e}"
            ),
        }
    }
    assert_eq!(results[5].as_ref().unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 12);
    let seen = seen.into_inner();
    assert_eq!(seen.len(), paths.len());
    for (k, p) in seen.iter().enumerate() {
        assert_eq!((p.files_done, p.files_total), (k + 1, paths.len()));
    }
    let total: u64 = (0..12).map(|i| (100 + i as u64) * 8).sum();
    assert_eq!(seen.last().unwrap().bytes_done, total);
}

#[test]
fn parallel_decoding_equals_single_threaded_decoding() {
    let dir = temp_dir("loader-parallel");
    // 2 components, 12 MB of float64 data: above the parallel threshold.
    let dsc = write_sample(&dir, "big", [1000, 500, 1], &[true, false]);
    let plan = Plan::open(&dsc, Scaling::NONE).unwrap();
    assert!(plan.layout.data_bytes() >= epyr::formats::PARALLEL_THRESHOLD_BYTES);
    let one = plan.clone().read_parallel(1).unwrap();
    for threads in [2, 3, 7] {
        assert_eq!(
            plan.clone().read_parallel(threads).unwrap(),
            one,
            "{threads} threads"
        );
    }
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn a_cached_loader_returns_the_same_data_as_an_uncached_one() {
    let dir = corpus_dir();
    isolate_config();
    let cache = Arc::new(epyr::DataCache::new(64 << 20));
    let cached = Loader::new(LoaderOptions {
        cache: Some(Arc::clone(&cache)),
        cache_enabled: Some(true),
        chunk_size_mb: None,
    })
    .unwrap();
    let path = dir.join("easyspin/strong1.dsc");
    let a = cached.load(&path, "").unwrap();
    let b = cached.load(&path, "").unwrap();
    let c = uncached_loader(10.0).load(&path, "").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(*a, *c);
}

/// Set in the child process of the test below: the folder with its datasets.
const REFUSED_THREADS_DIR: &str = "EPYR_TEST_REFUSED_THREADS_DIR";

/// A thread stack larger than any address space: with `RUST_MIN_STACK` at this, the system
/// refuses every thread the process asks for (as under a tight address-space or pids limit).
const UNMAPPABLE_STACK: u64 = 1 << 62;

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "refusing threads through RUST_MIN_STACK works on Linux only (glibc fails pthread_create when the stack cannot be mapped)"
)]
fn loads_succeed_with_fewer_threads_when_the_system_refuses_them() {
    if let Some(dir) = std::env::var_os(REFUSED_THREADS_DIR) {
        return load_without_threads(&PathBuf::from(dir));
    }
    isolate_config();
    let dir = temp_dir("refused-threads");
    // 16 MiB of float64: decoded in parallel (at least 8 MiB), and a batch of small files.
    write_sample(&dir, "big", [1 << 20, 2, 1], &[false]);
    for i in 0..4 {
        write_sample(&dir, &format!("small{i}"), [256, 1, 1], &[true]);
    }
    let name = "loads_succeed_with_fewer_threads_when_the_system_refuses_them";
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(REFUSED_THREADS_DIR, &dir)
        .env("RUST_MIN_STACK", UNMAPPABLE_STACK.to_string())
        .output()
        .expect("run the test binary as a child");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success() && stdout.contains("loaded without threads"),
        "child failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

/// The child's side: with every thread refused, a parallel load and a batch load succeed on
/// the calling thread and give the values of a single-threaded load.
fn load_without_threads(dir: &std::path::Path) {
    assert!(
        std::thread::Builder::new().spawn(|| ()).is_err(),
        "the system still gives threads: this child proves nothing"
    );
    let loader = uncached_loader(1.0);
    for (key, value) in [
        ("performance.threads", "8"),
        ("performance.parallel_processing", "true"),
    ] {
        epyr::config::global().set(key, value).unwrap();
    }
    let big = dir.join("big.DSC");
    let ds = loader.load(&big, "").unwrap();
    let single = epyr::load(&big, "").unwrap();
    common::assert_same_data("parallel load without threads", &ds, &single);
    let small: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("small{i}.DSC"))).collect();
    for (path, result) in small.iter().zip(loader.load_many(&small, "", None)) {
        let ds = result.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(ds.points(), 256);
    }
    println!("loaded without threads");
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "open files are counted in /proc/self/fd, which Linux has"
)]
fn descriptions_a_caller_keeps_hold_no_open_files() {
    let fd_dir = std::path::Path::new("/proc/self/fd");
    let open_files = || std::fs::read_dir(fd_dir).unwrap().count();
    let dir = temp_dir("describe-no-fds");
    let dsc = write_sample(&dir, "d", [16, 1, 1], &[false]);
    let loader = uncached_loader(1.0);
    let before = open_files();
    let kept: Vec<Plan> = (0..64)
        .map(|_| loader.describe(&dsc, "").unwrap())
        .collect();
    let during = open_files();
    assert!(
        during < before + 8,
        "{} descriptions hold {} open files",
        kept.len(),
        during - before
    );
    assert_eq!(kept[0].layout.dims, [16, 1, 1]);
}

#[test]
fn a_data_file_rewritten_in_place_between_plan_and_read_gives_an_error() {
    let dir = temp_dir("loader-plan-rewrite");
    let dsc = write_sample(&dir, "p", [512, 1, 1], &[false]);
    let dta = dsc.with_extension("DTA");
    let plan = Plan::open(&dsc, Scaling::NONE).unwrap();
    let mut bytes = std::fs::read(&dta).unwrap();
    bytes[8 * 100] ^= 0x40;
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&dta)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &bytes))
        .unwrap();
    let e = plan.read().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FileChanged, "{e}");
    assert!(e.to_string().contains("rewritten in place"), "{e}");
}

#[test]
#[cfg_attr(
    epyr_under_wine,
    ignore = "under Wine, renaming a file over one that is open fails with Access denied (Windows 10 allows it)"
)]
fn a_data_file_replaced_between_plan_and_read_is_never_read_as_a_mix() {
    let dir = temp_dir("loader-plan-replace");
    let dsc = write_sample(&dir, "p", [512, 1, 1], &[false]);
    let before = epyr::load(&dsc, "").unwrap();
    let plan = Plan::open(&dsc, Scaling::NONE).unwrap();
    let other_dir = temp_dir("loader-plan-replace-other");
    let other = write_sample(&other_dir, "p", [512, 1, 1], &[true]);
    let mut bytes = std::fs::read(other.with_extension("DTA")).unwrap();
    bytes.truncate(512 * 8);
    std::fs::write(dir.join("new.DTA"), &bytes).unwrap();
    std::fs::rename(dir.join("new.DTA"), dsc.with_extension("DTA")).unwrap();
    // The plan reads the file it opened; the rename took that file's last name, which changes
    // its status (link count), so the read either gives the old values whole or says so.
    match plan.read() {
        Ok(read) => common::assert_same_data("the plan's file", &read, &before),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::FileChanged, "{e}");
            assert!(!e.to_string().contains("rewritten in place"), "{e}");
        }
    }
}

#[test]
fn non_ascii_names_and_paths_longer_than_260_characters_load() {
    let mut dir = temp_dir("paths-µé-Å");
    while dir.as_os_str().len() < 300 {
        dir.push("a-folder-name-of-forty-characters-µ-é-Å");
    }
    std::fs::create_dir_all(&dir).unwrap();
    let dsc = write_sample(&dir, "spectre-µé-Å", [100, 1, 1], &[false]);
    let direct = epyr::load(&dsc, "").unwrap();
    assert_eq!(direct.dims(), [100, 1, 1]);
    // The same path written with `/` only (on Windows a mix of separators; the same elsewhere).
    let slashed = std::path::PathBuf::from(dsc.to_str().unwrap().replace('\\', "/"));
    let again = epyr::load(&slashed, "").unwrap();
    assert_eq!(again.components()[0].values, direct.components()[0].values);
}
