//! Exit statuses and messages on standard error.

use epyr_core::Error;

/// Everything worked.
pub const OK: u8 = 0;
/// Some dataset failed (conversion, validation) or an operation failed.
pub const FAILED: u8 = 1;
/// The command line or the configuration is wrong.
pub const USAGE: u8 = 2;
/// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

/// Prints `epyr: <error>` on standard error.
pub fn error(e: &Error) {
    eprintln!("epyr: {e}");
}

/// Prints `epyr: <text>` on standard error.
pub fn message(text: &str) {
    eprintln!("epyr: {text}");
}

/// Bytes as a human reads them (`1.5 MB`), in MiB as the configuration counts them.
pub fn megabytes(bytes: u64) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 100.0 {
        format!("{mb:.0} MB")
    } else if mb >= 1.0 {
        format!("{mb:.1} MB")
    } else {
        format!("{:.0} kB", bytes as f64 / 1024.0)
    }
}
