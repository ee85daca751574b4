//! Fuzzing the SpecMan, JEOL and ETH/WIS `.d00` readers with proptest: the corpus files of these
//! formats, copied into a temporary folder, with header bytes overwritten (counts, flags and
//! sizes set to extreme values), the data file truncated, and experiment-file lines replaced by
//! hostile ones (huge sizes, NaN and empty ranges, broken sections).
//!
//! The property: every load returns `Ok` or `Err` (a panic fails the test), no load allocates
//! more than the files involved allow, and whatever loads is whole.

mod common;
#[path = "common/proptest_run.rs"]
mod proptest_run;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::alloc_count::{measure, CountingAlloc};
use common::{corpus_dir, temp_dir};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Cases per property (`PROPTEST_CASES` overrides).
const CASES: u32 = 128;

/// The datasets fuzzed: the data file (or JEOL file) and its experiment file, if any.
fn datasets(corpus: &Path) -> Vec<(PathBuf, Option<PathBuf>)> {
    let text = fs::read_to_string(corpus.join("expected-formats.json")).unwrap();
    let expected: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    expected
        .iter()
        .filter(|e| matches!(e["format"].as_str(), Some("specman" | "jeol" | "eth-d00")))
        .map(|e| {
            let open = corpus.join(e["open"].as_str().unwrap());
            let exp = e["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| corpus.join(f.as_str().unwrap()))
                .find(|f| f.extension().is_some_and(|x| x == "exp"));
            (open, exp)
        })
        .collect()
}

/// Values that break counts and sizes: written as little-endian 16- or 32-bit words.
const WORDS: [i64; 10] = [
    0,
    1,
    2,
    3,
    -1,
    -32768,
    32767,
    i32::MAX as i64,
    i32::MIN as i64,
    4096,
];

/// Hostile experiment-file lines.
const LINES: [&str; 16] = [
    "transient = T,100000000,1,a",
    "transient = ,,,",
    "sweep0 = X,-5,1,d",
    "sweep0 = X,200,1,d",
    "sweep1 = Y,8,1,d",
    "d = 1e400 ns step NaN ms;p",
    "d = 1 ns logto 0 s;p",
    "d = 5 V to -5 V;p",
    "d = ,,, ;",
    "d = 1 ns, 2 ns, x, ;",
    "triggers = 1e300",
    "dwelltime =",
    "[params]",
    "[sweep]",
    "==========",
    "[[x]]",
];

/// How close loads came to the bound, in permille (reported at the end).
static WORST: AtomicUsize = AtomicUsize::new(0);

/// Loads `path` and checks the property against the sizes of `files`.
fn check(path: &Path, files: &[PathBuf]) -> Result<bool, TestCaseError> {
    let bytes: u64 = files
        .iter()
        .map(|p| fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let bound = 8 * bytes as usize + (2 << 20);
    let (result, stats) = measure(|| epyr_core::load(path, ""));
    WORST.fetch_max(
        stats.peak_live.max(stats.largest) * 1000 / bound,
        Ordering::Relaxed,
    );
    prop_assert!(
        stats.largest <= bound && stats.peak_live <= bound,
        "{stats:?} exceeds {bound} bytes: {result:?}"
    );
    if let Ok(ds) = &result {
        for c in ds.components() {
            prop_assert_eq!(c.values.len(), ds.points() * (1 + usize::from(c.complex)));
        }
    }
    Ok(result.is_ok())
}

/// Copies the dataset into `dir` and returns the copied data file and every copied file.
fn copy(dir: &Path, data: &Path, exp: &Option<PathBuf>) -> (PathBuf, Vec<PathBuf>) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    let mut files = Vec::new();
    for f in std::iter::once(data).chain(exp.as_deref()) {
        let to = dir.join(f.file_name().unwrap());
        fs::write(&to, fs::read(f).unwrap()).unwrap();
        files.push(to);
    }
    (files[0].clone(), files)
}

/// Runs `test` on `CASES` values of `strategy` ([`proptest_run::run_loads`]; failing inputs
/// kept in `proptest-regressions/fuzz_binary_formats.txt`) and reports the loads.
fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<bool, TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let persistence = "proptest-regressions/fuzz_binary_formats.txt";
    let (loaded, cases) = proptest_run::run_loads(name, persistence, CASES, strategy, test);
    eprintln!(
        "{name}: {loaded} of {cases} loads succeeded; allocations at most {}‰ of their bound",
        WORST.load(Ordering::Relaxed)
    );
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn header_words_set_to_extreme_values_and_truncation_never_panic_or_overallocate() {
    let corpus = corpus_dir();
    let sets = datasets(&corpus);
    assert_eq!(sets.len(), 12);
    let dir = temp_dir("fuzz-binary-headers");
    // Header words: SpecMan's count, flag and stream words (0..56), JEOL's counts, kind and
    // axis (84..136) and anywhere in its header, the d00 dimensions (0..6).
    let at = prop_oneof![0usize..56, 84usize..136, 0usize..10400];
    let edits = prop::collection::vec((at, select(&WORDS[..]), any::<bool>()), 1..4);
    let strategy = (0..sets.len(), edits, prop::option::of(0.0f64..1.0));
    run("header words", strategy, |(i, edits, cut)| {
        let (data, exp) = &sets[i];
        let (path, files) = copy(&dir, data, exp);
        let mut bytes = fs::read(&path).unwrap();
        for (at, word, wide) in edits {
            let word = if wide {
                (word as i32).to_le_bytes().to_vec()
            } else {
                (word as i16).to_le_bytes().to_vec()
            };
            for (k, b) in word.into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + k) {
                    *slot = b;
                }
            }
        }
        if let Some(cut) = cut {
            bytes.truncate((bytes.len() as f64 * cut) as usize);
        }
        fs::write(&path, bytes).unwrap();
        check(&path, &files)
    });
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn hostile_experiment_file_lines_never_panic_or_overallocate() {
    let corpus = corpus_dir();
    let sets: Vec<_> = datasets(&corpus)
        .into_iter()
        .filter(|(_, exp)| exp.is_some())
        .collect();
    assert_eq!(sets.len(), 4, "3 SpecMan and 1 d00 experiment files");
    let dir = temp_dir("fuzz-binary-exp");
    let edits = prop::collection::vec((0usize..200, select(&LINES[..])), 1..8);
    run("experiment lines", (0..sets.len(), edits), |(i, edits)| {
        let (data, exp) = &sets[i];
        let (path, files) = copy(&dir, data, exp);
        let exp = &files[1];
        let text = fs::read_to_string(exp).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (at, line) in edits {
            let at = at % (lines.len() + 1);
            if at < lines.len() && at % 2 == 0 {
                lines[at] = line.to_string();
            } else {
                lines.insert(at.min(lines.len()), line.to_string());
            }
        }
        fs::write(exp, lines.join("\n")).unwrap();
        check(&path, &files)
    });
}
