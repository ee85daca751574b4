//! The MATLAB/Octave gateway (`matlab/`) under GNU Octave: the MEX files build with
//! `make -C matlab` against the release library, and `matlab/test_epyr.m` passes: for every
//! corpus file `epyr.eprload` gives EasySpin's `eprload` outputs (all four, every scaling
//! eprload accepts), `epyr.load` matches `expected.json`, and every other function, error
//! identifier and bad argument behaves as documented.
//!
//! Needs `octave` and `mkoctfile` (Debian: `octave liboctave-dev`), the corpus and EasySpin's
//! eprload (`EPYR_EASYSPIN`, default `../shared/reference/easyspin-eprload`). Where one of them
//! was missing when the tests were built, the test is ignored (the summary counts it, with the
//! reason), unless `EPYR_REQUIRE_OCTAVE=1` (set by `.ci/run`): then a missing piece fails it.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest the Octave run may take before it is killed and the test fails.
const OCTAVE_TIMEOUT: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn has_tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
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

/// Runs `cmd` to completion within `timeout`, killing it after; returns (success, output).
fn run_bounded(cmd: &mut Command, timeout: Duration) -> (bool, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for octave") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {timeout:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        out_reader.join().unwrap_or_default(),
        err_reader.join().unwrap_or_default()
    );
    (status.success(), text)
}

fn easyspin_dir() -> PathBuf {
    std::env::var_os("EPYR_EASYSPIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/reference/easyspin-eprload"))
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
            .arg(format!("LIBDIR={}", lib.display())),
        Duration::from_secs(300),
    );
    assert!(built, "make -C matlab failed:\n{log}");

    // Configuration and home under a temporary folder: the test never sees the user's files.
    let home = common::temp_dir("octave-home");
    let (passed, log) = run_bounded(
        Command::new("octave")
            .args([
                "--no-gui",
                "--no-window-system",
                "--norc",
                "-q",
                "--eval",
                "test_epyr",
            ])
            .current_dir(root().join("matlab"))
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("EPYR_CORPUS", &corpus)
            .env("EPYR_EASYSPIN", &easyspin)
            .env("EPYR_TEST_EXIT", "1"),
        OCTAVE_TIMEOUT,
    );
    let summary = log.lines().find(|l| l.starts_with("test_epyr: "));
    assert!(
        passed && summary.is_some_and(|l| l.ends_with(" 0 failures")),
        "the Octave tests failed:\n{log}"
    );
    eprintln!("{}", summary.unwrap_or_default());
    let _ = std::fs::remove_dir_all(Path::new(&home));
}
