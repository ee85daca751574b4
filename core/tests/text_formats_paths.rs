//! Every read path gives the same data for the formats of one text file (values decoded once
//! when the plan is made) and for Varian (positioned reads): a `Loader` with a cache (the
//! second load a hit, a rewritten file noticed), `load_into`, `describe`, the chunked reader
//! with small chunks, row ranges and axis ranges, and `load_many`, all bit for bit equal to
//! `epyr_core::load`. On the corpus files of these formats and on a written Varian file.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{assert_bits_eq, assert_same_data, corpus_dir, isolate_config, temp_dir};
use epyr_core::{ChunkedReader, DataCache, Loader, LoaderOptions, Scaling};

/// The corpus files of the text-side formats.
const CORPUS_FILES: [&str; 7] = [
    "easyspin/ciqtek/CIQTEK_1D.epr",
    "easyspin/ciqtek/CIQTEK_2D.epr",
    "easyspin/adani/1d.json",
    "easyspin/adani/2d.json",
    "easyspin/adani/pyrelen-2mT5mmAugstaak300sek.dat",
    "easyspin/10uM_TEMPOL_CAP_SQ__140828_122013.ESR",
    "easyspin/strong1.eco",
];

/// The files to check: the corpus files and a written Varian file.
fn files() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = CORPUS_FILES.iter().map(|f| dir.join(f)).collect();
    let varian = temp_dir("paths-varian").join("spectrum 1.spk");
    let bytes: Vec<u8> = (0..1100)
        .flat_map(|i| (i as f32 * 0.5 - 99.0).to_le_bytes())
        .collect();
    std::fs::write(&varian, bytes).unwrap();
    // Older than the racy window, so that its data may be cached.
    std::thread::sleep(std::time::Duration::from_millis(100));
    files.push(varian);
    files
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_read_path_gives_the_data_of_a_full_load() {
    isolate_config();
    let cache = Arc::new(DataCache::new(256 << 20));
    let loader = Loader::new(LoaderOptions {
        cache_enabled: Some(true),
        cache: Some(cache.clone()),
        ..LoaderOptions::default()
    })
    .unwrap();
    let files = files();
    for path in &files {
        let what = path.display().to_string();
        let full = epyr_core::load(path, "").unwrap_or_else(|e| panic!("{e}"));
        let (first, hit) = loader.load_with(path, Scaling::NONE).unwrap();
        let (second, hit_again) = loader.load_with(path, Scaling::NONE).unwrap();
        assert!(!hit && hit_again, "{what}: the second load is a cache hit");
        assert_same_data(&format!("{what}: Loader"), &first, &full);
        assert!(Arc::ptr_eq(&first, &second), "{what}");

        let plan = loader.describe(path, "").unwrap();
        assert_eq!(plan.layout.dims, full.dims(), "{what}: describe");
        let values = full.file_order_values();
        let mut buf = vec![f64::NAN; values.len() + 3];
        loader.load_into(path, "", &mut buf).unwrap();
        assert_bits_eq(&format!("{what}: load_into"), &buf[..values.len()], &values);

        let mut reader = ChunkedReader::open(path, Scaling::NONE, 48).unwrap();
        let mut streamed = Vec::new();
        while let Some((_, chunk)) = reader.next_chunk().unwrap() {
            streamed.extend_from_slice(chunk);
        }
        assert_bits_eq(&format!("{what}: chunks"), &streamed, &values);
        let [nx, ny, _] = full.dims();
        let per_point = reader.values_per_point();
        let mut row = vec![0.0; nx * per_point];
        reader.read_rows(ny - 1, 1, &mut row).unwrap();
        assert_bits_eq(
            &format!("{what}: last row"),
            &row,
            &values[(ny - 1) * nx * per_point..],
        );
        for dim in 0..3 {
            if let Some(axis) = full.axis(dim) {
                let n = axis.values.len();
                let mut part = vec![0.0; n / 2];
                reader.read_axis(dim, n - n / 2, &mut part).unwrap();
                assert_bits_eq(
                    &format!("{what}: axis {dim}"),
                    &part,
                    &axis.values[n - n / 2..],
                );
            }
        }
    }
    let many = loader.load_many(&files, "", None);
    assert_eq!(many.len(), files.len());
    assert!(many.iter().all(|r| r.is_ok()));

    // A rewritten file is noticed: the next load reads it again.
    let varian = files.last().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(60));
    let bytes: Vec<u8> = (0..1100).flat_map(|i| (i as f32).to_le_bytes()).collect();
    std::fs::write(varian, bytes).unwrap();
    let (fresh, hit) = loader.load_with(varian, Scaling::NONE).unwrap();
    assert!(!hit, "a rewritten file is read again");
    assert_eq!(fresh.components()[0].values[0], 100.0);
}
