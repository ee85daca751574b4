//! Loader: load, load_into, describe, load_many with progress, chunked reading of every corpus
//! file at several chunk sizes, read_rows, files changed while read, parallel decoding.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::platform::{skipped_under_wine, RENAME_OVER_OPEN};
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
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
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
fn chunks_of_every_corpus_file_equal_the_full_load() {
    let Some(dir) = corpus_dir() else { return };
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
fn scaled_chunks_equal_the_scaled_full_load_across_row_boundaries() {
    let Some(dir) = corpus_dir() else { return };
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
fn a_file_replaced_while_read_gives_an_error() {
    if skipped_under_wine(RENAME_OVER_OPEN) {
        return;
    }
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
fn a_cached_loader_returns_the_same_data_as_an_uncached_one() {
    let Some(dir) = corpus_dir() else { return };
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
