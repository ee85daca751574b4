//! The loader's paths for the Magnettech formats (a text format decoded in the plan, `.xml`,
//! and a binary one read by positioned reads, `.spe`): a cached load, a validated hit,
//! `describe`, `load_into` and the chunked reader (small chunks) give the same data as a plain
//! load, and a file rewritten after it was cached is read again.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{assert_bits_eq, corpus_dir, loader_with, settle_files, temp_dir};
use epyr_core::{ChunkedReader, DataCache, Scaling};

/// Checks every loader path on a copy of the corpus file `name`, then copies `other` over it.
fn check_paths(corpus: &Path, name: &str, other: &str) {
    let magnettech = corpus.join("easyspin/magnettech");
    let ext = Path::new(name).extension().unwrap().to_str().unwrap();
    let path = temp_dir(&format!("mt_loader_{ext}")).join(format!("copy.{ext}"));
    std::fs::copy(magnettech.join(name), &path).unwrap();
    settle_files();
    let cache = Arc::new(DataCache::new(1 << 30));
    let loader = loader_with(&cache);
    let plain = epyr_core::load(&path, "").unwrap();
    let values = plain.file_order_values();
    let first = loader.load(&path, "").unwrap();
    let (second, hit) = loader.load_with(&path, Scaling::NONE).unwrap();
    assert!(hit, "{name}: the second load is a cache hit");
    assert_eq!(*first, plain, "{name}: cached load");
    assert!(
        Arc::ptr_eq(&first, &second),
        "{name}: the hit is the stored dataset"
    );
    let described = loader.describe(&path, "").unwrap();
    assert_eq!(described.layout.dims, plain.dims(), "{name}: describe");
    assert_eq!(&described.params, plain.params(), "{name}: describe");
    let mut buffer = vec![f64::NAN; values.len() + 3];
    loader.load_into(&path, "", &mut buffer).unwrap();
    assert_bits_eq(
        &format!("{name}: load_into"),
        &buffer[..values.len()],
        &values,
    );
    let mut reader = ChunkedReader::open(&path, Scaling::NONE, 8 * 1000).unwrap();
    let mut streamed = Vec::new();
    while let Some((first_point, chunk)) = reader.next_chunk().unwrap() {
        assert_eq!(first_point, streamed.len(), "{name}: chunks in order");
        streamed.extend_from_slice(chunk);
    }
    assert_bits_eq(&format!("{name}: chunks"), &streamed, &values);
    let mut axis = vec![0.0; 100];
    reader.read_axis(0, 7, &mut axis).unwrap();
    assert_bits_eq(
        &format!("{name}: axis range"),
        &axis,
        &plain.axis(0).unwrap().values[7..107],
    );
    std::fs::copy(magnettech.join(other), &path).unwrap();
    settle_files();
    let reread = loader.load(&path, "").unwrap();
    let fresh = epyr_core::load(&magnettech.join(other), "").unwrap();
    assert_bits_eq(
        &format!("{name} rewritten as {other}"),
        &reread.file_order_values(),
        &fresh.file_order_values(),
    );
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn cache_describe_load_into_and_chunks_agree_and_a_rewrite_is_read_again() {
    let corpus = corpus_dir();
    check_paths(&corpus, "LOGSTest_006_transient.xml", "DipSweep.xml");
    check_paths(&corpus, "newformat.spe", "magnettech_mt500l_1024points.spe");
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_xml_curve_with_data_is_kept_as_an_array_and_described_datasets_have_them_too() {
    let dir = corpus_dir().join("easyspin/magnettech");
    let cache = Arc::new(DataCache::new(64 << 20));
    let loader = loader_with(&cache);
    let transient = dir.join("LOGSTest_006_transient.xml");
    let ds = loader.load(&transient, "").unwrap();
    let names: Vec<&str> = ds
        .params()
        .arrays()
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    // The time scan returns MW_Absorption; the other curves are kept beside it.
    assert!(names.contains(&"Curves.MW_Absorption"), "{names:?}");
    assert!(names.contains(&"Curves.BField"), "{names:?}");
    assert!(names.len() > 2, "{names:?}");
    let (_, absorption) = ds
        .params()
        .arrays()
        .iter()
        .rev()
        .find(|(n, _)| n == "Curves.MW_Absorption")
        .unwrap();
    assert_bits_eq("MW_Absorption", absorption, &ds.components()[0].values);
    // Every array is a curve with data, named after a curve whose attributes are parameters.
    for (name, values) in ds.params().arrays() {
        assert!(!values.is_empty(), "{name}");
        assert!(ds.params().contains(&format!("{name}.XSlope")), "{name}");
    }
    let described = loader.describe(&transient, "").unwrap();
    assert_eq!(described.params.arrays(), ds.params().arrays());
    // Other formats hold none.
    let spe = loader.load(&dir.join("newformat.spe"), "").unwrap();
    assert!(spe.params().arrays().is_empty());
}
