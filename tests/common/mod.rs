//! Helpers shared by the integration tests: where the corpus is, and reading its expectations.

#![allow(dead_code)]

use std::path::PathBuf;

/// The corpus folder: `EPYR_CORPUS`, else `../shared/corpus` beside the repository. Where it is
/// missing, `EPYR_REQUIRE_CORPUS=1` makes that a failure; otherwise the caller skips, and this
/// says so on stderr.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("EPYR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.join("expected.json").is_file() {
        return Some(dir);
    }
    if std::env::var("EPYR_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!(
            "corpus not found at {} and EPYR_REQUIRE_CORPUS=1 (set EPYR_CORPUS)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: corpus not found at {} (set EPYR_CORPUS, or EPYR_REQUIRE_CORPUS=1 to fail)",
        dir.display()
    );
    None
}

/// The corpus expectations (`expected.json`), one JSON object per dataset.
pub fn expected(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("read expected.json");
    serde_json::from_str::<Vec<serde_json::Value>>(&text).expect("parse expected.json")
}

/// A fresh empty temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("epyr-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The sha256 (hex) of values as float64 little-endian.
pub fn values_sha256(values: &[f64]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for v in values {
        h.update(v.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Relative closeness for sums and axis values.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// Asserts that two slices of `f64` are identical bit for bit (NaN payloads and the sign of
/// zero included), naming the first difference.
pub fn assert_bits_eq(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(i) = (0..got.len()).find(|&i| got[i].to_bits() != want[i].to_bits()) {
        panic!(
            "{what}: value {i} is {:?} ({:#018x}), expected {:?} ({:#018x})",
            got[i],
            got[i].to_bits(),
            want[i],
            want[i].to_bits()
        );
    }
}

/// Asserts that `got` (a dataset read back from written files) holds the same data as
/// `want`: dims, components (complex flags, values bit for bit) and the axes of every
/// dimension with more than one point (values bit for bit, name, unit). Axes of 1-point
/// dimensions are not compared: BES3T readers never give one.
pub fn assert_same_data(what: &str, got: &epyr::Dataset, want: &epyr::Dataset) {
    assert_eq!(got.dims(), want.dims(), "{what}: dims");
    let flags = |d: &epyr::Dataset| d.components().iter().map(|c| c.complex).collect::<Vec<_>>();
    assert_eq!(flags(got), flags(want), "{what}: component kinds");
    for (i, (g, w)) in got.components().iter().zip(want.components()).enumerate() {
        assert_bits_eq(&format!("{what}: component {i}"), &g.values, &w.values);
    }
    for dim in 0..3 {
        let expected = want.axis(dim).filter(|_| want.dims()[dim] > 1);
        match (got.axis(dim), expected) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                assert_bits_eq(&format!("{what}: axis {dim}"), &g.values, &w.values);
                assert_eq!(g.name, w.name, "{what}: axis {dim} name");
                assert_eq!(g.unit, w.unit, "{what}: axis {dim} unit");
            }
            (g, w) => panic!("{what}: axis {dim} is {g:?}, expected {w:?}"),
        }
    }
}

/// The files in `dir` whose names contain `pattern`.
pub fn files_containing(dir: &std::path::Path, pattern: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.contains(pattern))
        .collect();
    names.sort();
    names
}
