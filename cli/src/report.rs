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

/// Prints one line on standard output (`say!`, as `println!`). Where standard output is a
/// closed pipe (`epyr info data/ | head -3`), the process ends quietly with status 0 instead
/// of panicking: everything written so far is complete (outputs are moved into place whole).
pub fn line(args: std::fmt::Arguments) {
    bytes(format!("{args}\n").as_bytes());
}

/// Writes bytes on standard output, as [`line`] does (a closed pipe ends the process quietly).
pub fn bytes(data: &[u8]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(data).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(i32::from(OK));
        }
        eprintln!("epyr: cannot write to standard output: {e}");
        std::process::exit(i32::from(FAILED));
    }
}

/// `println!` for the command's results, through [`line`].
macro_rules! say {
    () => {
        $crate::report::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::report::line(format_args!($($arg)*))
    };
}

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
