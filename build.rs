//! 1. Gives the Linux shared library its soname, `libepyr.so.<ABI version>`, so that programs
//!    linked against it record that name and keep working across compatible updates. The ABI
//!    version is read from `EPYR_ABI_VERSION` in `src/lib.rs`, its one definition.
//! 2. Decides which tests cannot run here, so that the test summary counts them as ignored
//!    (with the reason) instead of passing them: it sets a `cfg` per missing piece from
//!    environment variables and a look at `PATH` (it runs nothing and reads no file beyond
//!    two `is_file` checks). The library itself does not use these `cfg`s. With the
//!    `EPYR_REQUIRE_*` variable of a piece set to 1 its tests are never ignored, and fail
//!    where the piece is missing.

use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=src/lib.rs");
    soname();
    host_test_gates();
    shared_test_gates();
}

fn soname() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "linux" {
        return;
    }
    let source = fs::read_to_string("src/lib.rs").expect("read src/lib.rs");
    let abi = source
        .lines()
        .find_map(|line| line.strip_prefix("pub const EPYR_ABI_VERSION: u32 = "))
        .and_then(|rest| rest.strip_suffix(';'))
        .expect("src/lib.rs defines `pub const EPYR_ABI_VERSION: u32 = N;`");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libepyr.so.{abi}");
}

include!("build_gates.rs");
