//! HDF5 built by MinGW calls `StrStrIA` from the Windows shell API (`H5system.c`), which
//! hdf5-metno-sys does not link: the command links `shlwapi` itself on Windows.

fn main() {
    let windows = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows");
    if windows && std::env::var_os("CARGO_FEATURE_HDF5").is_some() {
        // An argument, not a library: it goes after the HDF5 archive on the command line,
        // where the MinGW linker resolves what the archive needs.
        println!("cargo:rustc-link-arg=-lshlwapi");
    }
}
