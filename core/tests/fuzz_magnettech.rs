//! Fuzzing the Magnettech readers with proptest: mutations of real MS5000 XML files (byte
//! changes, cuts, deleted and repeated ranges, inserted markup and base64 characters) and
//! random `.spe` files of every size eprload accepts.
//!
//! The property: every load returns `Ok` or `Err` (a panic fails the test), whatever loads is
//! whole, and the bytes live during a load stay within a bound proportional to the file
//! ([`peak_bound`]), measured by a counting global allocator.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::alloc_count::{measure, CountingAlloc};
use common::{corpus_dir, temp_dir};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The bound on the bytes live during the load of a file of `len` bytes: the text (1x), every
/// curve decoded (8 bytes per 12 characters), the times and the field of two curves, the
/// values and axis of the plan and of the dataset (each at most the decoded curves again), and
/// 2 MiB for the parser, the parameters and bookkeeping.
fn peak_bound(len: u64) -> usize {
    8 * len as usize + (2 << 20)
}

/// Loads `path` and checks the property; returns whether the load succeeded.
fn check(path: &Path) -> Result<bool, TestCaseError> {
    let len = std::fs::metadata(path).map_or(0, |m| m.len());
    let (result, stats) = measure(|| epyr_core::load(path, ""));
    let outcome = match &result {
        Ok(ds) => format!("Ok({:?})", ds.dims()),
        Err(e) => format!("Err({e})"),
    };
    prop_assert!(
        stats.peak_live <= peak_bound(len),
        "peak live {} B for a file of {len} B: {outcome}",
        stats.peak_live
    );
    if let Ok(ds) = &result {
        let points = ds.points();
        prop_assert_eq!(ds.components()[0].values.len(), points);
        prop_assert_eq!(ds.axis(0).map(|a| a.values.len()), Some(points));
    }
    Ok(result.is_ok())
}

/// Runs `cases` values (`PROPTEST_CASES` overrides) of `strategy` through `test`, keeping
/// failing inputs in `proptest-regressions/fuzz_magnettech.txt` (tried first on later runs).
fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/fuzz_magnettech.txt",
        ))),
        ..Config::default()
    };
    if let Err(e) = TestRunner::new(config).run(&strategy, test) {
        panic!("{e}");
    }
}

/// One change of a file's bytes; positions are taken modulo the length.
#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Cut(usize),
    Delete(usize, usize),
    Repeat(usize, usize),
    Insert(usize, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let inserts = prop::sample::select(vec![
        "<",
        ">",
        "&",
        "&#0;",
        "&#xD;",
        "\"",
        "=",
        "==",
        "A",
        "\r\n",
        "<Curve/>",
        "</Curve>",
        "<Recipe>",
        "<Data>",
        "<![CDATA[x]]>",
        "<!--",
        "\u{e9}",
        "\u{feff}",
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Set(p, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (any::<usize>(), 1usize..512).prop_map(|(p, n)| Mutation::Repeat(p, n)),
        (any::<usize>(), inserts).prop_map(|(p, s)| Mutation::Insert(p, s)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match *m {
        Mutation::Set(p, b) => {
            if let Some(x) = bytes.get_mut(p % len) {
                *x = b;
            }
        }
        Mutation::Cut(p) => bytes.truncate(p % len),
        Mutation::Delete(p, n) => {
            let at = p % len;
            bytes.drain(at..(at + n).min(bytes.len()));
        }
        Mutation::Repeat(p, n) => {
            let at = p % len;
            let piece: Vec<u8> = bytes[at.min(bytes.len())..(at + n).min(bytes.len())].to_vec();
            bytes.splice(at.min(bytes.len())..at.min(bytes.len()), piece);
        }
        Mutation::Insert(p, s) => {
            let at = (p % len).min(bytes.len());
            bytes.splice(at..at, s.bytes());
        }
    }
}

/// Mutates the corpus file `name` (under `easyspin/magnettech/`) `cases` times, one to four
/// mutations each, and loads every result.
fn fuzz_xml(name: &str, cases: u32) {
    let corpus = corpus_dir();
    let original = std::fs::read(corpus.join("easyspin/magnettech").join(name)).unwrap();
    let path: PathBuf = temp_dir(&format!("fuzz_mt_{name}")).join(name);
    let loaded = AtomicUsize::new(0);
    run(
        cases,
        prop::collection::vec(mutation(), 1..5),
        |mutations| {
            let mut bytes = original.clone();
            for m in &mutations {
                apply(&mut bytes, m);
            }
            std::fs::write(&path, &bytes).unwrap();
            if check(&path)? {
                loaded.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        },
    );
    eprintln!(
        "{name}: {} mutated files loaded",
        loaded.load(Ordering::Relaxed)
    );
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn mutated_dip_sweep_xml() {
    fuzz_xml("DipSweep.xml", 256);
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn mutated_transient_xml() {
    fuzz_xml("LOGSTest_006_transient.xml", 48);
}

#[test]
fn random_spe_files_of_every_accepted_size_load_whole() {
    let dir = temp_dir("fuzz_mt_spe");
    let sizes = prop::sample::select(vec![512usize, 1024, 2048, 4096]);
    let strategy = sizes.prop_flat_map(|n| prop::collection::vec(any::<u8>(), 2 * n + 64));
    run(64, strategy, |bytes| {
        let path = dir.join("random.spe");
        std::fs::write(&path, &bytes).unwrap();
        let ds = epyr_core::load(&path, "").map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(ds.points(), (bytes.len() - 64) / 2);
        prop_assert!(check(&path)?);
        Ok(())
    });
}

#[test]
fn mutations_change_the_file() {
    let mut bytes = b"<a>0123456789</a>".to_vec();
    apply(&mut bytes, &Mutation::Insert(3, "&"));
    assert_eq!(bytes, b"<a>&0123456789</a>");
    apply(&mut bytes, &Mutation::Delete(3, 1));
    apply(&mut bytes, &Mutation::Repeat(3, 2));
    assert_eq!(bytes, b"<a>010123456789</a>");
    apply(&mut bytes, &Mutation::Cut(5));
    apply(&mut bytes, &Mutation::Set(0, b'x'));
    assert_eq!(bytes, b"xa>01");
}
