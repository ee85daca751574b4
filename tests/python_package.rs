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

/// The virtual environment `name` (under the target folder) with the test dependencies; made
/// on first use, then reused while the list it was made with (kept in `.epyr-test-deps`) is
/// `TEST_DEPENDENCIES`.
fn venv(name: &str) -> Result<PathBuf, String> {
    // The two tests run at once and both use `python-venv`: one makes it, the other waits.
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _making = MAKING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let venv = target_dir().join(name);
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
    let python = venv("python-venv").unwrap_or_else(|e| {
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
    let path = std::env::var_os("PATH").unwrap_or_default();
    run_pytest(&python, &corpus, path, "python-config");
}

/// Runs the package's pytest suite with `python` (the package installed in its environment),
/// `PATH` set to `path`, in a temporary configuration and home folder; any failure, also
/// pytest's exit code 5 (no tests collected), fails the test.
fn run_pytest(
    python: &std::path::Path,
    corpus: &std::path::Path,
    path: std::ffi::OsString,
    home: &str,
) {
    let config = common::temp_dir(home);
    let mut pytest = Command::new(python);
    pytest
        .args(["-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"])
        .arg(root().join("python/tests"))
        .current_dir(&config)
        .env("PATH", path)
        .env("EPYR_CORPUS", corpus)
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

/// A `PATH` of the system folders only, checked to hold no `cargo` or `rustc`.
fn path_without_rust() -> std::ffi::OsString {
    let path = std::ffi::OsString::from("/usr/local/bin:/usr/bin:/bin");
    for dir in std::env::split_paths(&path) {
        for tool in ["cargo", "rustc"] {
            assert!(
                !dir.join(tool).exists(),
                "{} is on the system PATH: cannot show an install without Rust",
                dir.join(tool).display()
            );
        }
    }
    path
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the Python wheel is built and tested from the Linux side (python3, pip, venv)"
)]
#[cfg_attr(
    all(
        not(windows),
        any(epyr_no_python, epyr_no_corpus, epyr_no_old_glibc_lib)
    ),
    ignore = "python3, the corpus or the old-glibc build (EPYR_GLIBC_2_17_LIB, from .ci/old-glibc) was not there when the tests were built"
)]
fn manylinux_wheel_installs_without_rust_and_passes_the_pytest_suite() {
    let corpus = common::corpus_dir();
    let library = std::env::var("EPYR_GLIBC_2_17_LIB")
        .expect("EPYR_GLIBC_2_17_LIB (the libepyr.so that .ci/old-glibc builds) is not set");
    let builder = venv("python-venv").unwrap_or_else(|e| panic!("no virtual environment: {e}"));
    let out_dir = common::temp_dir("python-wheel");
    let built = Command::new(&builder)
        .arg(root().join("python/build_wheel.py"))
        .args(["--library", &library, "-o"])
        .arg(&out_dir)
        .env("PATH", path_without_rust())
        .output()
        .expect("run build_wheel.py");
    assert!(
        built.status.success(),
        "build_wheel.py failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let wheel = String::from_utf8_lossy(&built.stdout).trim().to_string();
    assert!(
        wheel.ends_with("-py3-none-manylinux2014_x86_64.whl"),
        "wheel {wheel}"
    );
    // A fresh environment (its test dependencies reused between runs), the wheel installed
    // with its own dependencies, no cargo or rustc on PATH.
    let python =
        venv("python-wheel-venv").unwrap_or_else(|e| panic!("no virtual environment: {e}"));
    let install = run(Command::new(&python)
        .args(["-m", "pip", "install", "-q", "--force-reinstall", &wheel])
        .current_dir(&out_dir)
        .env("PATH", path_without_rust()));
    if let Err(e) = install {
        panic!("pip install of the wheel failed: {e}");
    }
    run_pytest(&python, &corpus, path_without_rust(), "python-wheel-config");
    let _ = std::fs::remove_dir_all(&out_dir);
}
