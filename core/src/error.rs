//! Errors: one [`Error`] type with an [`ErrorKind`] whose numeric code is stable across releases
//! (the C ABI returns it as `EPYR_ERR_*`), and a message that names what failed and with which
//! value (path, key, expected versus found).

use std::fmt;
use std::path::Path;

/// The category of an [`Error`]. Each kind has a stable numeric code ([`ErrorKind::code`]) that
/// the C ABI returns; codes are never renumbered, only added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A required pointer argument was NULL (C ABI only).
    NullArgument,
    /// An argument has a value the function does not accept (unknown scaling letter, zero chunk
    /// size, index out of range, text that is not UTF-8).
    InvalidArgument,
    /// A file could not be opened or read for a reason other than its absence.
    Io,
    /// A file (descriptor, data or parameter file) does not exist.
    NotFound,
    /// A file's content does not follow its format: a missing or malformed key, an unknown
    /// value, a data file shorter than the descriptor claims.
    Format,
    /// A valid file uses a feature epyr does not read (ASCII data, `NTUP` axes, an unknown
    /// extension).
    Unsupported,
    /// A scaling option cannot be applied to this dataset (missing key, wrong experiment type).
    Scaling,
    /// A full load would take the library's memory over `memory_limit_mb`.
    MemoryLimit,
    /// A configuration key or value is invalid, or the configuration file cannot be used.
    Config,
    /// A caller-provided buffer is too small for the result.
    BufferTooSmall,
    /// A panic inside the library was caught at the C boundary.
    Panic,
    /// A file changed (size, modification time or identity) while it was being read.
    FileChanged,
    /// An output file exists already and replacing it was not asked for.
    AlreadyExists,
}

impl ErrorKind {
    /// The stable numeric code of this kind (the C ABI's `EPYR_ERR_*` value). `0` is success and
    /// never an error code.
    pub const fn code(self) -> i32 {
        match self {
            ErrorKind::NullArgument => 1,
            ErrorKind::InvalidArgument => 2,
            ErrorKind::Io => 3,
            ErrorKind::NotFound => 4,
            ErrorKind::Format => 5,
            ErrorKind::Unsupported => 6,
            ErrorKind::Scaling => 7,
            ErrorKind::MemoryLimit => 8,
            ErrorKind::Config => 9,
            ErrorKind::BufferTooSmall => 10,
            ErrorKind::Panic => 11,
            ErrorKind::FileChanged => 12,
            ErrorKind::AlreadyExists => 13,
        }
    }

    /// A short lower-case name of the kind, used as the prefix of messages.
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::NullArgument => "null argument",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Io => "i/o error",
            ErrorKind::NotFound => "not found",
            ErrorKind::Format => "format error",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Scaling => "scaling error",
            ErrorKind::MemoryLimit => "memory limit",
            ErrorKind::Config => "config error",
            ErrorKind::BufferTooSmall => "buffer too small",
            ErrorKind::Panic => "panic",
            ErrorKind::FileChanged => "file changed",
            ErrorKind::AlreadyExists => "already exists",
        }
    }
}

/// An error of epyr: a kind with a stable code and a message written for the person reading the
/// log of an acquisition program (which file, which key, expected versus found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// The result type of every fallible epyr function.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error of `kind` with the given message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// A [`ErrorKind::Format`] error about `path`.
    pub fn format(path: &Path, message: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Format,
            format!("{}: {}", path.display(), message),
        )
    }

    /// A [`ErrorKind::Unsupported`] error about `path`.
    pub fn unsupported(path: &Path, message: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Unsupported,
            format!("{}: {}", path.display(), message),
        )
    }

    /// A [`ErrorKind::Scaling`] error about `path`.
    pub fn scaling(path: &Path, message: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Scaling,
            format!("{}: {}", path.display(), message),
        )
    }

    /// An error for a failed I/O operation `what` ("open", "read", ...) on `path`; a missing
    /// file becomes [`ErrorKind::NotFound`].
    pub fn io(path: &Path, what: &str, err: &std::io::Error) -> Self {
        let kind = if err.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Io
        };
        Error::new(kind, format!("{}: cannot {what}: {err}", path.display()))
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable numeric code of this error's kind.
    pub fn code(&self) -> i32 {
        self.kind.code()
    }

    /// The message, without the kind prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_positive() {
        let kinds = [
            ErrorKind::NullArgument,
            ErrorKind::InvalidArgument,
            ErrorKind::Io,
            ErrorKind::NotFound,
            ErrorKind::Format,
            ErrorKind::Unsupported,
            ErrorKind::Scaling,
            ErrorKind::MemoryLimit,
            ErrorKind::Config,
            ErrorKind::BufferTooSmall,
            ErrorKind::Panic,
            ErrorKind::FileChanged,
            ErrorKind::AlreadyExists,
        ];
        let mut codes: Vec<i32> = kinds.iter().map(|k| k.code()).collect();
        assert!(codes.iter().all(|&c| c > 0));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), kinds.len());
    }

    #[test]
    fn missing_file_is_not_found_and_names_the_path() {
        let err = std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = Error::io(Path::new("/x/y.DTA"), "open", &err);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("/x/y.DTA"), "{e}");
    }
}
