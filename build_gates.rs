// The test gates of build.rs (root) and core/build.rs, included by both (`include!`): each
// sets a `cfg` per piece a test needs and this machine lacks, so that the test summary counts
// such tests as ignored with the reason, instead of passing them; with `EPYR_REQUIRE_<piece>=1`
// they are never ignored, and fail where the piece is missing. They run nothing and read no
// file beyond a few `is_file` checks.

use std::path::{Path, PathBuf};

/// The value of an environment variable the decisions depend on (cargo re-runs this script
/// when it changes; `PATH` is not watched, so that a changed `PATH` does not rebuild the
/// library: a tool installed later needs `touch build.rs`).
fn var(name: &str) -> Option<String> {
    println!("cargo:rerun-if-env-changed={name}");
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether `EPYR_REQUIRE_<what>=1`: then the tests of that piece run (and fail without it).
fn required(what: &str) -> bool {
    var(&format!("EPYR_REQUIRE_{what}")).as_deref() == Some("1")
}

/// Whether an executable named `name` is in a folder of `PATH`.
fn on_path(name: &str) -> bool {
    let exe = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(&exe).is_file()))
}

/// The repository root: the package's folder, or its parent for the crates in folders of
/// their own (`core/`), which is where `include/epyr.h` is.
fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    if manifest.join("include/epyr.h").is_file() {
        manifest
    } else {
        manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
    }
}

/// `EPYR_<name>` as a folder, else `default` relative to the repository root.
fn folder(name: &str, default: &str) -> PathBuf {
    var(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(default))
}

/// Declares the `cfg` `name` and sets it when `skip`.
fn gate(name: &str, skip: bool) {
    println!("cargo:rustc-check-cfg=cfg({name})");
    if skip {
        println!("cargo:rustc-cfg={name}");
    }
}

/// The gates of the tests of the C library and the hosts: tools, other builds, Python.
#[allow(dead_code)] // The core's build script has no host gates.
fn host_test_gates() {
    let tools = required("TOOLS");
    gate("epyr_no_cmake", !tools && !on_path("cmake"));
    gate(
        "epyr_no_macos_libs",
        !tools && var("EPYR_MACOS_LIBS").is_none(),
    );
    gate(
        "epyr_no_old_glibc_lib",
        !tools && var("EPYR_GLIBC_2_17_LIB").is_none(),
    );
    let windows = matches!(
        var("EPYR_C_TARGET").as_deref(),
        Some("x86_64-pc-windows-gnu" | "i686-pc-windows-gnu")
    );
    gate("epyr_no_windows_target", !windows);
    gate("epyr_no_python", !required("PYTHON") && !on_path("python3"));
    gate("epyr_no_h5dump", !tools && !on_path("h5dump"));
    gate("epyr_no_script", !tools && !on_path("script"));
}

/// The gates every crate's tests share: the corpus, GNU Octave with EasySpin's eprload (the
/// reference reader), and Wine for Windows tests built here.
fn shared_test_gates() {
    let octave = on_path("octave")
        && on_path("mkoctfile")
        && folder("EPYR_EASYSPIN", "../shared/reference/easyspin-eprload")
            .join("eprload.m")
            .is_file();
    gate("epyr_no_octave", !required("OCTAVE") && !octave);
    let corpus = folder("EPYR_CORPUS", "../shared/corpus")
        .join("expected.json")
        .is_file();
    gate("epyr_no_corpus", !required("CORPUS") && !corpus);
    // Windows tests built on another system run under Wine (`.ci/wine-run`).
    let target_windows = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "windows");
    gate("epyr_under_wine", target_windows && !cfg!(windows));
}
