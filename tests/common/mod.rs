//! Helpers shared by the integration tests: where the corpus is, and reading its expectations.

#![allow(dead_code)]

pub mod alloc_count;

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
