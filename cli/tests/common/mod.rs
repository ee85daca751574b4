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
    with_own_config(Command::new(env!("CARGO_BIN_EXE_epyr")))
}

/// The `epyr` command as [`epyr`], run as user `nobody` (uid 65534, with `setpriv` of
/// util-linux) when `drop_root`: root reads files without read permission, so a test of
/// an unreadable file running as root (as in containers) runs the command without it. The
/// folders the command writes into must be writable for everyone.
pub fn epyr_dropping_root(drop_root: bool) -> Command {
    if !drop_root {
        return epyr();
    }
    let mut setpriv = Command::new("setpriv");
    setpriv
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_epyr"));
    with_own_config(setpriv)
}

/// `cmd` with an empty configuration folder of its own and no `EPYR_PERFORMANCE_*`.
fn with_own_config(mut cmd: Command) -> Command {
    let config = temp_dir("cli-config");
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

/// The Python of a virtual environment with numpy, h5py and jsonschema (made once under the
/// target folder). Tests that call it are ignored where python3 was missing when they were
/// built; here a venv that cannot be made fails the test.
pub fn python() -> PathBuf {
    let venv = target_dir().join("cli-test-venv");
    let python = venv.join("bin/python");
    let ready = venv.join(".epyr-cli-test-deps");
    if ready.is_file() {
        return python;
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
        let out = run(&mut cmd);
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    std::fs::write(&ready, "").unwrap();
    python
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
