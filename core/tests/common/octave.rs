//! Running GNU Octave from a test: whether it is there (a test without it prints why and
//! passes, unless `EPYR_REQUIRE_OCTAVE=1`, set by `.ci/run`, makes that a failure), where
//! EasySpin's reference `eprload` is, and running a command with a time limit.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether a missing Octave or reference fails the test (`EPYR_REQUIRE_OCTAVE=1`).
pub fn required() -> bool {
    std::env::var("EPYR_REQUIRE_OCTAVE").is_ok_and(|v| v == "1")
}

/// Skips the test with a reason, or fails it when Octave is required.
pub fn unavailable(reason: &str) {
    assert!(
        !required(),
        "EPYR_REQUIRE_OCTAVE=1 but {reason} (install octave and liboctave-dev)"
    );
    eprintln!("SKIPPED: {reason}; set EPYR_REQUIRE_OCTAVE=1 to fail instead");
}

/// Whether `name --version` runs and succeeds.
pub fn has_tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// EasySpin's reference `eprload` folder: `EPYR_EASYSPIN`, default
/// `../shared/reference/easyspin-eprload` beside the repository.
pub fn easyspin_dir() -> PathBuf {
    std::env::var_os("EPYR_EASYSPIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::repo_root().join("../shared/reference/easyspin-eprload"))
}

/// Runs `cmd` to completion within `timeout`, killing it after; returns (success, output).
pub fn run_bounded(cmd: &mut Command, timeout: Duration) -> (bool, String) {
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
        if let Some(status) = child.try_wait().expect("wait for the child process") {
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
