//! The Python package: `pip install ./python` into a virtual environment (made once under the
//! target folder and reused while its dependency list is unchanged), with pytest, numpy,
//! EPyR Tools (`epyr-tools`, for the comparisons) and the optional dependencies the package's
//! tests use (xarray, Dask with distributed, Zarr, matplotlib: a missing one fails the suite),
//! then the pytest suite in `python/tests/`. Any failure fails this test; pytest
//! exit code 5 (no tests collected) too.
//!
//! Where `python3` or the corpus was missing when the tests were built, this test is ignored
//! (the summary counts it, with the reason), unless `EPYR_REQUIRE_PYTHON=1` (as in `.ci/run`).
//! A virtual environment that cannot be made (no `venv` module, no reachable package index)
//! fails it.

use std::path::PathBuf;
use std::process::Command;

#[path = "../core/tests/common/mod.rs"]
mod common;

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cargo target folder (`CARGO_TARGET_DIR` or `target/`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Runs a command; the error names it with its output.
fn run(cmd: &mut Command) -> Result<(), String> {
    match cmd.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "{cmd:?} exited with {}:\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) => Err(format!("{cmd:?} could not start: {e}")),
    }
}

/// What the test virtual environment gets from the package index (pip requirement texts).
const TEST_DEPENDENCIES: &[&str] = &[
    "pip",
    "setuptools",
    "wheel",
    "numpy",
    "threadpoolctl",
    "pytest",
    "epyr-tools",
    "xarray",
    "dask[array,bag,distributed]",
    "zarr",
    "matplotlib",
];

/// The virtual environment with the test dependencies; made on first use, then reused while
/// the list it was made with (kept in `.epyr-test-deps`) is `TEST_DEPENDENCIES`.
fn venv() -> Result<PathBuf, String> {
    let venv = target_dir().join("python-venv");
    let python = venv.join("bin/python");
    let ready = venv.join(".epyr-test-deps");
    let wanted = TEST_DEPENDENCIES.join("\n");
    if std::fs::read_to_string(&ready).ok().as_deref() != Some(wanted.as_str()) {
        run(Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv))?;
        run(Command::new(&python)
            .args(["-m", "pip", "install", "-q", "--upgrade"])
            .args(TEST_DEPENDENCIES))?;
        std::fs::write(&ready, &wanted).map_err(|e| format!("write {}: {e}", ready.display()))?;
    }
    Ok(python)
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the Python package is installed and tested from the Linux side (python3, pip, venv)"
)]
#[cfg_attr(
    all(not(windows), any(epyr_no_python, epyr_no_corpus)),
    ignore = "python3 or the corpus was not found when the tests were built (EPYR_REQUIRE_PYTHON=1 to fail instead)"
)]
fn pip_installed_package_passes_its_pytest_suite() {
    assert!(
        Command::new("python3").arg("--version").output().is_ok(),
        "python3 not found"
    );
    let corpus = common::corpus_dir();
    let python = venv().unwrap_or_else(|e| {
        panic!("no virtual environment with pip (the venv module, a package index): {e}")
    });
    // The package build runs cargo itself (`pip install ./python`); its library goes to this
    // target folder's release profile.
    let install = run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--no-build-isolation",
            "--force-reinstall",
        ])
        .args(["--no-deps", "./python"])
        .current_dir(root())
        .env("CARGO_TARGET_DIR", target_dir()));
    if let Err(e) = install {
        panic!("pip install ./python failed: {e}");
    }
    let config = common::temp_dir("python-config");
    let mut pytest = Command::new(&python);
    pytest
        .args(["-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"])
        .arg(root().join("python/tests"))
        .current_dir(&config)
        .env("EPYR_CORPUS", &corpus)
        .env("XDG_CONFIG_HOME", &config)
        // matplotlib, Dask and distributed keep settings and caches under HOME: a temporary
        // one, and no display.
        .env("HOME", &config)
        .env("XDG_CACHE_HOME", &config)
        .env("MPLCONFIGDIR", &config)
        .env("MPLBACKEND", "Agg")
        .env_remove("EPYR_NATIVE_LIBRARY");
    let out = pytest.output().expect("run pytest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    // Exit code 5 is "no tests collected": a failure like any other nonzero code.
    assert_eq!(out.status.code(), Some(0), "pytest failed");
    assert!(stdout.contains(" passed"), "{stdout}");
    let _ = std::fs::remove_dir_all(&config);
}
