//! Helpers of the command-line tests: the `epyr` binary with a configuration of its own, the
//! corpus (through the core's test helpers), and the tools that read outputs back (a Python
//! virtual environment with numpy, h5py and jsonschema; GNU Octave with EasySpin's eprload).

#![allow(dead_code, unused_imports)]

#[path = "../../../core/tests/common/mod.rs"]
pub mod shared;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use shared::{corpus_dir, expected, temp_dir, values_sha256};

/// The repository root.
pub fn repo_root() -> PathBuf {
    shared::repo_root()
}

/// The cargo target folder.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The `epyr` command with an empty configuration folder of its own (never the user's) and
/// no `EPYR_PERFORMANCE_*` variables.
pub fn epyr() -> Command {
    let config = temp_dir("cli-config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_epyr"));
    cmd.env("XDG_CONFIG_HOME", &config).env("APPDATA", &config);
    for (name, _) in std::env::vars() {
        if name.starts_with("EPYR_PERFORMANCE_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Runs a command and returns its output, whatever its status.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("{cmd:?} could not start: {e}"))
}

/// Runs a command that must succeed; returns its standard output.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} exited with {}:\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Prints why a check does not run; fails instead when `require` names a variable set to 1.
pub fn gate(require: &str, reason: &str) {
    if std::env::var(require).as_deref() == Ok("1") {
        panic!("{reason} and {require}=1");
    }
    eprintln!("SKIPPED: {reason} (set {require}=1 to fail instead)");
}

/// The Python of a virtual environment with numpy, h5py and jsonschema (made once under the
/// target folder), or `None` after printing why (failing with `EPYR_REQUIRE_PYTHON=1`).
pub fn python() -> Option<PathBuf> {
    if cfg!(windows) {
        eprintln!("SKIPPED on Windows: the output readers run on the Linux side");
        return None;
    }
    let venv = target_dir().join("cli-test-venv");
    let python = venv.join("bin/python");
    let ready = venv.join(".epyr-cli-test-deps");
    if ready.is_file() {
        return Some(python);
    }
    let steps: [&[&str]; 2] = [
        &["-m", "venv", "--clear"],
        &["-m", "pip", "install", "-q", "numpy", "h5py", "jsonschema"],
    ];
    for (i, args) in steps.iter().enumerate() {
        let mut cmd = if i == 0 {
            let mut c = Command::new("python3");
            c.args(*args).arg(&venv);
            c
        } else {
            let mut c = Command::new(&python);
            c.args(*args);
            c
        };
        match cmd.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                gate(
                    "EPYR_REQUIRE_PYTHON",
                    &format!(
                        "{cmd:?} failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ),
                );
                return None;
            }
            Err(e) => {
                gate(
                    "EPYR_REQUIRE_PYTHON",
                    &format!("{cmd:?} could not start: {e}"),
                );
                return None;
            }
        }
    }
    std::fs::write(&ready, "").unwrap();
    Some(python)
}

/// Whether GNU Octave runs here (else prints why; fails with `EPYR_REQUIRE_OCTAVE=1`).
pub fn octave_available() -> bool {
    if cfg!(windows) {
        eprintln!("SKIPPED on Windows: Octave runs on the Linux side");
        return false;
    }
    match Command::new("octave").arg("--version").output() {
        Ok(out) if out.status.success() => true,
        _ => {
            gate("EPYR_REQUIRE_OCTAVE", "octave is not installed");
            false
        }
    }
}

/// EasySpin's eprload (the reference reader) beside the corpus, if present.
pub fn eprload_dir(corpus: &Path) -> Option<PathBuf> {
    let dir = corpus.join("../reference/easyspin-eprload");
    dir.join("eprload.m").is_file().then_some(dir)
}

/// The format ids this build reads and whether it writes HDF5 (`epyr formats --json`).
pub fn build_formats() -> (Vec<String>, bool) {
    let text = run_ok(epyr().args(["formats", "--json"]));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let read = doc["read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    let hdf5 = doc["write"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["name"] == "hdf5" && w["in_this_build"] == true);
    (read, hdf5)
}

/// Copies the Bruker part of the corpus (the datasets of `expected.json`) into `dir`, keeping
/// the sub-folders; returns the expectations.
pub fn copy_bruker_corpus(corpus: &Path, dir: &Path) -> Vec<serde_json::Value> {
    let entries = expected(corpus);
    for e in &entries {
        for f in e["files"].as_array().unwrap() {
            let rel = f.as_str().unwrap();
            let to = dir.join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(corpus.join(rel), &to).unwrap();
            // The corpus may be read-only (as in CI); the copies are the test's to change and
            // delete (Windows refuses to delete a read-only file).
            let mut permissions = std::fs::metadata(&to).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            std::fs::set_permissions(&to, permissions).unwrap();
        }
    }
    entries
}

/// File names in a folder tree (relative paths with `/` on every system), sorted.
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.push(rel.replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}
