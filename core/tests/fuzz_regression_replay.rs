//! Replays the saved fuzz inputs on stable, in an ordinary `cargo test`: every file in
//! `tests/fuzz_regressions/<target>/` goes through the check of that fuzz target (the same
//! functions, `tests/common/fuzz_case.rs`): `load`, `formats`, `text` and `entry_limit`. The folders hold the minimised corpus of the fuzz
//! runs and every input that ever failed; see "Fuzzing" in the README.

mod common;

use std::path::{Path, PathBuf};

use common::fuzz_case::{
    check_entry_limit_input, check_format_input, check_load_input, check_text_input, run_check,
};
use common::{isolate_config, temp_dir};

/// The saved inputs of one fuzz target, sorted by name; fails if there are none.
fn saved_inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no saved inputs", dir.display());
    files
}

/// Runs `check` on every saved input of `target`; returns the failures (file name and
/// message), how many inputs the check says reached its deepest comparison, and how many
/// inputs there are.
fn replay(target: &str, check: fn(&[u8], &Path) -> bool) -> (Vec<String>, usize, usize) {
    let dir = temp_dir(&format!("fuzz-replay-{target}"));
    let mut failures = Vec::new();
    let mut deep = 0;
    let inputs = saved_inputs(target);
    for file in &inputs {
        let input = std::fs::read(file).expect("read saved input");
        match run_check(check, &input, &dir.join("case")) {
            Ok(reached) => deep += usize::from(reached),
            Err(message) => failures.push(format!("{}: {message}", file.display())),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    (failures, deep, inputs.len())
}

#[test]
fn every_saved_fuzz_input_loads_or_fails_cleanly() {
    isolate_config();
    let mut failures = Vec::new();
    // Each target's saved inputs must reach its deepest comparison, not only the error paths.
    for (target, check, deepest) in [
        ("load", check_load_input as fn(&[u8], &Path) -> bool, "load"),
        ("formats", check_format_input, "load"),
        ("text", check_text_input, "have entries"),
        (
            "entry_limit",
            check_entry_limit_input,
            "reach the limit check",
        ),
    ] {
        let (target_failures, reached, total) = replay(target, check);
        eprintln!("{target}: {reached} of {total} saved inputs {deepest}");
        if reached == 0 {
            failures.push(format!("{target}: no saved input {deepest}"));
        }
        failures.extend(target_failures);
    }
    assert!(
        failures.is_empty(),
        "{} saved fuzz inputs fail their check:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
