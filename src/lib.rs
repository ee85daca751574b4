//! The C ABI of epyr (`libepyr`): the only crate with `extern "C"` functions, a thin layer
//! over the core crate `epyr-core`.
//!
//! Conventions (see docs/c-abi.md): every exported name starts with `epyr_`/`EPYR_`;
//! handles are opaque and validated (module `handles`); fallible functions return an `int32_t`
//! status, `EPYR_OK` or a positive `EPYR_ERR_*` code equal to [`ErrorKind::code`]; outputs are
//! written only on success; the message of the last failed call is kept per thread
//! (`epyr_last_error_message`); every pointer is checked for NULL; every entry point runs
//! inside `catch_unwind` (module `boundary`). The header `include/epyr.h` is generated from this
//! crate by cbindgen (`cbindgen.toml`) and a test keeps it in step.

#![cfg_attr(not(test), warn(clippy::too_many_lines))]
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod boundary;
pub mod cache;
pub mod dataset;
pub mod export;
pub mod format;
pub mod general;
mod handles;
pub mod loader;
pub mod reader;
/// cbindgen:ignore
#[cfg(feature = "test-hooks")]
pub mod test_hooks;

pub use handles::{epyr_cache, epyr_dataset, epyr_loader, epyr_reader};

use std::ffi::CStr;

use epyr_core::error::ErrorKind;

/// Major version of the library (`Cargo.toml`).
pub const EPYR_VERSION_MAJOR: u32 = 0;
/// Minor version of the library (`Cargo.toml`).
pub const EPYR_VERSION_MINOR: u32 = 1;
/// Patch version of the library (`Cargo.toml`).
pub const EPYR_VERSION_PATCH: u32 = 0;
/// Version of the C ABI: raised when a function's signature or meaning changes incompatibly
/// (adding functions or error codes does not raise it). Compare with `epyr_abi_version()` at run
/// time to detect a header/library mismatch.
pub const EPYR_ABI_VERSION: u32 = 1;

/// Success.
pub const EPYR_OK: i32 = 0;
/// A required pointer argument was NULL.
pub const EPYR_ERR_NULL_ARG: i32 = 1;
/// An argument has a value the function does not accept (unknown scaling letter, index out of
/// range, a freed or foreign handle, text that is not UTF-8).
pub const EPYR_ERR_INVALID_ARG: i32 = 2;
/// A file could not be opened or read for a reason other than its absence.
pub const EPYR_ERR_IO: i32 = 3;
/// A file (descriptor, data, parameter file) or a parameter key does not exist.
pub const EPYR_ERR_NOT_FOUND: i32 = 4;
/// A file's content does not follow its format.
pub const EPYR_ERR_FORMAT: i32 = 5;
/// A valid file uses a feature epyr does not read.
pub const EPYR_ERR_UNSUPPORTED: i32 = 6;
/// A scaling option cannot be applied to this dataset.
pub const EPYR_ERR_SCALING: i32 = 7;
/// A full load would take the library's memory over `performance.memory_limit_mb`.
pub const EPYR_ERR_MEMORY_LIMIT: i32 = 8;
/// A configuration key or value is invalid, or the configuration file cannot be used.
pub const EPYR_ERR_CONFIG: i32 = 9;
/// A caller-provided buffer is too small (ask the size with a NULL buffer first).
pub const EPYR_ERR_BUFFER_TOO_SMALL: i32 = 10;
/// A panic inside the library was caught at the C boundary (a bug in epyr).
pub const EPYR_ERR_PANIC: i32 = 11;
/// A file changed (size, modification time or identity) while it was being read.
pub const EPYR_ERR_FILE_CHANGED: i32 = 12;
/// An output file exists already and the call did not ask to replace it.
pub const EPYR_ERR_EXISTS: i32 = 13;

/// Every status code with its macro name and its error kind (none for `EPYR_OK`).
pub(crate) const ERROR_CODES: [(i32, &CStr, Option<ErrorKind>); 14] = [
    (EPYR_OK, c"EPYR_OK", None),
    (
        EPYR_ERR_NULL_ARG,
        c"EPYR_ERR_NULL_ARG",
        Some(ErrorKind::NullArgument),
    ),
    (
        EPYR_ERR_INVALID_ARG,
        c"EPYR_ERR_INVALID_ARG",
        Some(ErrorKind::InvalidArgument),
    ),
    (EPYR_ERR_IO, c"EPYR_ERR_IO", Some(ErrorKind::Io)),
    (
        EPYR_ERR_NOT_FOUND,
        c"EPYR_ERR_NOT_FOUND",
        Some(ErrorKind::NotFound),
    ),
    (EPYR_ERR_FORMAT, c"EPYR_ERR_FORMAT", Some(ErrorKind::Format)),
    (
        EPYR_ERR_UNSUPPORTED,
        c"EPYR_ERR_UNSUPPORTED",
        Some(ErrorKind::Unsupported),
    ),
    (
        EPYR_ERR_SCALING,
        c"EPYR_ERR_SCALING",
        Some(ErrorKind::Scaling),
    ),
    (
        EPYR_ERR_MEMORY_LIMIT,
        c"EPYR_ERR_MEMORY_LIMIT",
        Some(ErrorKind::MemoryLimit),
    ),
    (EPYR_ERR_CONFIG, c"EPYR_ERR_CONFIG", Some(ErrorKind::Config)),
    (
        EPYR_ERR_BUFFER_TOO_SMALL,
        c"EPYR_ERR_BUFFER_TOO_SMALL",
        Some(ErrorKind::BufferTooSmall),
    ),
    (EPYR_ERR_PANIC, c"EPYR_ERR_PANIC", Some(ErrorKind::Panic)),
    (
        EPYR_ERR_FILE_CHANGED,
        c"EPYR_ERR_FILE_CHANGED",
        Some(ErrorKind::FileChanged),
    ),
    (
        EPYR_ERR_EXISTS,
        c"EPYR_ERR_EXISTS",
        Some(ErrorKind::AlreadyExists),
    ),
];

/// A decimal number from a `Cargo.toml` version component, at compile time.
const fn parse_decimal(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// Whether every code in [`ERROR_CODES`] equals its kind's [`ErrorKind::code`].
const fn codes_match_kinds() -> bool {
    let mut i = 0;
    while i < ERROR_CODES.len() {
        let (code, _, kind) = ERROR_CODES[i];
        match kind {
            Some(k) if k.code() != code => return false,
            None if code != EPYR_OK => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

// The literals above are what cbindgen writes into the header; these checks tie them to
// Cargo.toml and to ErrorKind at compile time.
const _: () = assert!(EPYR_VERSION_MAJOR == parse_decimal(env!("CARGO_PKG_VERSION_MAJOR")));
const _: () = assert!(EPYR_VERSION_MINOR == parse_decimal(env!("CARGO_PKG_VERSION_MINOR")));
const _: () = assert!(EPYR_VERSION_PATCH == parse_decimal(env!("CARGO_PKG_VERSION_PATCH")));
const _: () = assert!(codes_match_kinds());
