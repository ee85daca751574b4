//! 1. Gives the Linux shared library its soname, `libepyr.so.<ABI version>`, so that programs
//!    linked against it record that name and keep working across compatible updates. The ABI
//!    version is read from `EPYR_ABI_VERSION` in `src/ffi/mod.rs`, its one definition.
//! 2. Decides which tests cannot run here, so that the test summary counts them as ignored
//!    (with the reason) instead of passing them: it sets a `cfg` per missing piece from
//!    environment variables and a look at `PATH` (it runs nothing and reads no file beyond
//!    two `is_file` checks). The library itself does not use these `cfg`s. With the
//!    `EPYR_REQUIRE_*` variable of a piece set to 1 its tests are never ignored, and fail
//!    where the piece is missing.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src/ffi/mod.rs");
    soname();
    test_gates();
}

fn soname() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "linux" {
        return;
    }
    let source = fs::read_to_string("src/ffi/mod.rs").expect("read src/ffi/mod.rs");
    let abi = source
        .lines()
        .find_map(|line| line.strip_prefix("pub const EPYR_ABI_VERSION: u32 = "))
        .and_then(|rest| rest.strip_suffix(';'))
        .expect("src/ffi/mod.rs defines `pub const EPYR_ABI_VERSION: u32 = N;`");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libepyr.so.{abi}");
}

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

/// `EPYR_<name>` as a folder, else `default` beside the repository.
fn folder(name: &str, default: &str) -> PathBuf {
    var(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(default))
}

/// Declares the `cfg` `name` and sets it when `skip`.
fn gate(name: &str, skip: bool) {
    println!("cargo:rustc-check-cfg=cfg({name})");
    if skip {
        println!("cargo:rustc-cfg={name}");
    }
}

fn test_gates() {
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
