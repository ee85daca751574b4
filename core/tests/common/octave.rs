//! Running GNU Octave from a test: whether a tool runs, where EasySpin's eprload is, and a
//! child process run to completion within a time limit. (Tests that need Octave are ignored
//! where it was missing when they were built: the `epyr_no_octave` gate of `build_gates.rs`.)

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `name --version` runs and succeeds.
pub fn has_tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// EasySpin's eprload folder: `EPYR_EASYSPIN`, else `../shared/reference/easyspin-eprload`
/// beside the repository.
pub fn easyspin_dir() -> PathBuf {
    std::env::var_os("EPYR_EASYSPIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::repo_root().join("../shared/reference/easyspin-eprload"))
}

/// Runs `cmd` to completion within `timeout`, killing it after (and failing the test); returns
/// whether it succeeded and its stdout and stderr.
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
        if let Some(status) = child.try_wait().expect("wait for the child") {
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
