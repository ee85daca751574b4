//! Sets the `cfg`s that gate the command's tests on what this machine has (the corpus, Octave,
//! Python, h5dump, script: see `build_gates.rs` at the repository root), and links the Windows
//! shell API where HDF5 needs it: HDF5 built by MinGW calls `StrStrIA` (`H5system.c`), which
//! hdf5-metno-sys does not link.

fn main() {
    shared_test_gates();
    host_test_gates();
    let windows = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows");
    if windows && std::env::var_os("CARGO_FEATURE_HDF5").is_some() {
        // An argument, not a library: it goes after the HDF5 archive on the command line,
        // where the MinGW linker resolves what the archive needs.
        println!("cargo:rustc-link-arg=-lshlwapi");
    }
}

include!("../build_gates.rs");
