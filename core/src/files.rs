//! Hardened file access: every file epyr reads is opened once without blocking, checked to be a
//! regular file through the opened descriptor, read in exactly its size (with a cap) and checked
//! afterwards; changes between two stamps are described in words for messages.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::sys::FileStamp;

/// The largest descriptor or parameter file epyr reads (real ones are at most about 1 MB); a
/// larger file is refused before it is read, so garbage cannot make epyr allocate gigabytes.
pub const MAX_TEXT_FILE_BYTES: u64 = 64 << 20;

/// Whether an error of `stat` or `open` means that no file of that name exists (not even
/// the folder it would be in).
pub(crate) fn is_missing(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// The error for a file epyr cannot open or stat: a missing file is [`ErrorKind::NotFound`]
/// ("not found"), anything else (a symbolic link loop, no permission) an [`ErrorKind::Io`]
/// error with the system's reason.
pub(crate) fn access_error(path: &Path, role: &str, action: &str, e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::new(
            ErrorKind::NotFound,
            format!("{}: {role} not found", path.display()),
        ),
        _ => Error::io(path, &format!("{action} the {role}"), e),
    }
}

/// The stamp (size, times, identity) of a regular file, or a clear error for a missing file, a
/// directory or something else that is not a regular file.
pub(crate) fn regular_file(path: &Path, role: &str) -> Result<FileStamp> {
    let stamp = FileStamp::of(path).map_err(|e| access_error(path, role, "stat", &e))?;
    if !stamp.is_file() {
        let is_dir = stamp.is_dir();
        return Err(not_regular(ErrorKind::InvalidArgument, path, role, is_dir));
    }
    Ok(stamp)
}

/// Opens the file at `path` for reading without blocking and checks what was opened (one
/// `fstat` on the descriptor, not a second look-up of the path): a FIFO, device, socket or
/// directory swapped in for a regular file is refused, never read or waited on. Returns the
/// file and its stamp.
pub(crate) fn open_regular(path: &Path, role: &str) -> Result<(File, FileStamp)> {
    let file =
        crate::sys::open_for_reading(path).map_err(|e| access_error(path, role, "open", &e))?;
    let stamp =
        FileStamp::of_file(&file).map_err(|e| Error::io(path, &format!("stat the {role}"), &e))?;
    if !stamp.is_file() {
        let is_dir = stamp.is_dir();
        return Err(not_regular(ErrorKind::InvalidArgument, path, role, is_dir));
    }
    Ok((file, stamp))
}

/// The error for a path that exists but is a directory or another non-regular file (FIFO,
/// socket, device), which epyr never reads: reading a FIFO could block forever.
pub(crate) fn not_regular(kind: ErrorKind, path: &Path, role: &str, is_dir: bool) -> Error {
    let what = if is_dir {
        "a directory, not a regular file"
    } else {
        "not a regular file (a FIFO, socket or device)"
    };
    Error::new(kind, format!("{}: {role} is {what}", path.display()))
}

/// Reads a whole small file: a regular file (opened once, without blocking) of at most
/// `max_bytes`, which must not change while it is read. Returns the bytes and the file's stamp,
/// taken before the bytes were read.
pub(crate) fn read_small_file(
    path: &Path,
    role: &str,
    max_bytes: u64,
) -> Result<(Vec<u8>, FileStamp)> {
    let (file, stamp) = open_regular(path, role)?;
    let len = stamp.len();
    if len > max_bytes {
        return Err(Error::format(
            path,
            format!("{role} is {len} bytes, more than the {max_bytes} bytes a {role} may have"),
        ));
    }
    // Exactly the bytes the stamp says (no extra read to find the end): a file that grows or
    // shrinks meanwhile changes its stamp, which the check below sees.
    let mut bytes = vec![0u8; len as usize];
    let mut filled = 0;
    while filled < bytes.len() {
        match (&file).read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, &format!("read the {role}"), &e)),
        }
    }
    bytes.truncate(filled);
    let after = stamp_of(&file, path)?;
    if bytes.len() as u64 != len && after == stamp {
        // Fewer bytes than the size, from an unchanged file: its size is not its content.
        return Err(Error::format(
            path,
            format!(
                "{role}: {}",
                describe_change(&stamp, &after, bytes.len() as u64)
            ),
        ));
    }
    ensure_unchanged(path, role, &stamp, &after, "while it was read")?;
    Ok((bytes, stamp))
}

/// The stamp of an open file (one `fstat`).
pub(crate) fn stamp_of(file: &File, path: &Path) -> Result<FileStamp> {
    FileStamp::of_file(file).map_err(|e| Error::io(path, "stat", &e))
}

/// [`ErrorKind::FileChanged`] naming the file, its `role`, `when` it changed and what changed,
/// unless `now` equals `before`.
pub(crate) fn ensure_unchanged(
    path: &Path,
    role: &str,
    before: &FileStamp,
    now: &FileStamp,
    when: &str,
) -> Result<()> {
    if now == before {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::FileChanged,
        format!(
            "{}: {role} changed {when} ({}); load again",
            path.display(),
            describe_change(before, now, now.len())
        ),
    ))
}

/// What differs between two stamps of a file, in words, for messages: "replaced by another
/// file", "size 10 -> 12 bytes", "rewritten in place, size unchanged (4096 bytes)", or a
/// change of its status only (links, permissions).
/// `read` is the number of bytes actually read where that differs from the size.
pub(crate) fn describe_change(before: &FileStamp, now: &FileStamp, read: u64) -> String {
    if !before.same_file(now) {
        "replaced by another file".to_string()
    } else if before.len() != now.len() {
        format!("size {} -> {} bytes", before.len(), now.len())
    } else if !before.same_content_stamp(now) {
        format!("rewritten in place, size unchanged ({} bytes)", now.len())
    } else if before != now {
        "its links or permissions changed: renamed over or deleted under its name, or chmod"
            .to_string()
    } else {
        format!(
            "{read} bytes read, but its size is {} bytes (a file whose size is not its content, as in /proc or /sys)",
            now.len()
        )
    }
}

/// Reads a whole descriptor or parameter file, refusing non-regular files, empty files, files
/// larger than [`MAX_TEXT_FILE_BYTES`] and files with a NUL byte (binary data: no real
/// descriptor or parameter file has one, while garbage and blocks zeroed by a crash do).
/// Returns the bytes and the file's stamp, taken before the bytes were read.
pub(crate) fn read_text_file(path: &Path, role: &str) -> Result<(Vec<u8>, FileStamp)> {
    let (bytes, stamp) = read_small_file(path, role, MAX_TEXT_FILE_BYTES)?;
    if bytes.is_empty() {
        return Err(Error::format(path, format!("{role} is empty")));
    }
    if let Some(at) = memchr::memchr(0, &bytes) {
        return Err(Error::format(
            path,
            format!("{role} has a NUL byte at offset {at}: binary data, not text (a damaged file, or not a {role})"),
        ));
    }
    Ok((bytes, stamp))
}
