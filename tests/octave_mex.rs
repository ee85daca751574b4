//! The MATLAB/Octave gateway (`matlab/`) under GNU Octave: the MEX files build with
//! `make -C matlab` against the release library, and `matlab/test_epyr.m` passes: for every
//! corpus file `epyr.eprload` gives EasySpin's `eprload` outputs (all four, every scaling
//! eprload accepts), `epyr.load` matches `expected.json`, and every other function, error
//! identifier and bad argument behaves as documented; and, each in a fresh Octave process
//! (`matlab/test_reader_ids.m`), that a reader id never comes back after the reader was closed
//! or the MEX files were cleared.
//!
//! Needs `octave` and `mkoctfile` (Debian: `octave liboctave-dev`), the corpus and EasySpin's
//! eprload (`EPYR_EASYSPIN`, default `../shared/reference/easyspin-eprload`). Where one of them
//! was missing when the tests were built, the test is ignored (the summary counts it, with the
//! reason), unless `EPYR_REQUIRE_OCTAVE=1` (set by `.ci/run`): then a missing piece fails it.

#[path = "../core/tests/common/mod.rs"]
mod common;

use common::octave::{easyspin_dir, has_tool, run_bounded};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The longest the Octave run may take before it is killed and the test fails.
const OCTAVE_TIMEOUT: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target folder, as `tests/c_abi.rs` finds it.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => root().join(d),
        _ => root().join("target"),
    }
}

/// Builds the release library (what users link) with the examples' Makefile, which also links
/// its soname `libepyr.so.ABI` next to it, and returns its folder.
fn release_lib() -> PathBuf {
    let status = Command::new("make")
        .arg("-C")
        .arg(root().join("examples-c"))
        .arg("lib")
        .env("CARGO", env!("CARGO"))
        .status()
        .expect("run make -C examples-c lib");
    assert!(status.success(), "make -C examples-c lib failed");
    let dir = target_dir().join("release");
    assert!(
        dir.join("libepyr.so").is_file(),
        "no libepyr.so in {}",
        dir.display()
    );
    dir
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the Octave gateway is built and tested from the Linux side (mkoctfile, octave)"
)]
#[cfg_attr(
    all(not(windows), any(epyr_no_octave, epyr_no_corpus)),
    ignore = "octave, mkoctfile, EasySpin's eprload (EPYR_EASYSPIN) or the corpus was not found when the tests were built (EPYR_REQUIRE_OCTAVE=1 to fail instead)"
)]
fn epyr_eprload_gives_easyspins_outputs_and_every_matlab_function_works_under_octave() {
    assert!(
        has_tool("octave") && has_tool("mkoctfile"),
        "octave or mkoctfile not found (install octave and liboctave-dev)"
    );
    let corpus = common::corpus_dir();
    let easyspin = easyspin_dir();
    assert!(
        easyspin.join("eprload.m").is_file(),
        "EasySpin's eprload.m not found in {} (set EPYR_EASYSPIN)",
        easyspin.display()
    );
    let lib = release_lib();
    let (built, log) = run_bounded(
        Command::new("make")
            .arg("-C")
            .arg(root().join("matlab"))
            .arg(format!("LIBDIR={}", lib.display()))
            .args(["all", "hooks"]),
        Duration::from_secs(300),
    );
    assert!(built, "make -C matlab failed:\n{log}");

    // Configuration and home under a temporary folder: the test never sees the user's files.
    let home = common::temp_dir("octave-home");
    let octave = |code: &str| {
        run_bounded(
            Command::new("octave")
                .args([
                    "--no-gui",
                    "--no-window-system",
                    "--norc",
                    "-q",
                    "--eval",
                    code,
                ])
                .current_dir(root().join("matlab"))
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join("config"))
                .env("EPYR_CORPUS", &corpus)
                .env("EPYR_EASYSPIN", &easyspin)
                .env("EPYR_TEST_EXIT", "1"),
            OCTAVE_TIMEOUT,
        )
    };
    let (passed, log) = octave("test_epyr");
    let summary = log.lines().find(|l| l.starts_with("test_epyr: "));
    assert!(
        passed && summary.is_some_and(|l| l.ends_with(" 0 failures")),
        "the Octave tests failed:\n{log}"
    );
    eprintln!("{}", summary.unwrap_or_default());
    // Each in a process of its own, where nothing used epyr before (see test_reader_ids.m).
    for how in ["close", "clear epyr_mex", "clear all"] {
        let (passed, log) = octave(&format!("test_reader_ids('{how}')"));
        let ok = format!("test_reader_ids({how}): ok");
        assert!(
            passed && log.lines().any(|l| l == ok),
            "a reader id came back after {how}:\n{log}"
        );
        eprintln!("{ok}");
    }
    let _ = std::fs::remove_dir_all(Path::new(&home));
}
