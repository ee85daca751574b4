//! The platform layer: every operating-system call epyr makes, behind one portable API.
//!
//! File identity stamps, opening a file without blocking, positioned reads, process and system
//! memory, page size, heap trimming, huge-page hints and the conversion between paths and the
//! bytes the C ABI passes. The layers above use only this API; `cfg(unix)` and `cfg(windows)`
//! appear nowhere else. Besides `ffi/` and `formats/decode.rs`, this is the only place with
//! `unsafe`.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as os;

use std::fs::File;
use std::path::Path;

/// What identifies the content of a file without reading it: size, modification and change
/// times with the resolution the file system keeps, and the file's identity (device and inode).
/// Two stamps are equal exactly when nothing epyr can observe about the file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStamp {
    len: u64,
    /// Modification time: seconds and nanoseconds since the Unix epoch.
    modified: (i64, i64),
    /// Status change time: seconds and nanoseconds since the Unix epoch.
    changed: (i64, i64),
    /// The file's number within its volume (inode).
    file_id: u64,
    /// The volume (device) the file lives on.
    volume: u64,
}

impl FileStamp {
    /// The stamp of the file at `path` now (following symbolic links).
    pub fn of(path: &Path) -> std::io::Result<FileStamp> {
        std::fs::metadata(path).map(|m| FileStamp::from_metadata(&m))
    }

    /// The stamp of already fetched metadata.
    pub fn from_metadata(m: &std::fs::Metadata) -> FileStamp {
        os::stamp_of_metadata(m)
    }

    /// The file size recorded in the stamp.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the recorded size is zero.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether both stamps are of the same file (volume and file number), whatever its content.
    pub fn same_file(&self, other: &FileStamp) -> bool {
        self.file_id == other.file_id && self.volume == other.volume
    }

    /// Whether the content-related parts agree: same file, size and modification time (the
    /// stamps may still differ in the status change time: links, permissions, owner).
    pub fn same_content_stamp(&self, other: &FileStamp) -> bool {
        self.same_file(other) && self.len == other.len && self.modified == other.modified
    }

    /// The change time as seconds (with fraction) since the Unix epoch.
    fn changed_secs(&self) -> f64 {
        self.changed.0 as f64 + self.changed.1 as f64 * 1e-9
    }

    /// Whether the file changed so shortly before `moment` (seconds since the Unix epoch) that
    /// a write may still have been under way when it was read: within `window_secs`, or within
    /// two seconds where the file system keeps whole seconds only (its time stamps have no
    /// fraction), or after `moment` (a clock ahead of ours).
    pub fn changed_too_recently(&self, moment: f64, window_secs: f64) -> bool {
        let resolution = if self.changed.1 == 0 { 2.0 } else { 0.0 };
        moment - self.changed_secs() < window_secs.max(resolution)
    }
}

/// The current time as seconds since the Unix epoch (0 for a clock set before it).
pub fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Opens `path` for reading without ever blocking: a FIFO or device swapped in for a regular
/// file opens at once instead of waiting for a writer. The caller checks what it opened with
/// `File::metadata` (one `fstat` on the descriptor) before reading.
pub fn open_for_reading(path: &Path) -> std::io::Result<File> {
    os::open_nonblocking(path)
}

/// Fills `buf` from byte `offset` of `file` without moving a file position (several threads
/// may read one file at once); a file that ends first is an `UnexpectedEof` error.
pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    os::read_exact_at(file, buf, offset)
}

/// The physical memory of the system in bytes (0 if unknown).
pub fn total_memory_bytes() -> u64 {
    os::total_memory_bytes()
}

/// Resident and virtual size of this process in bytes, or `None` where the system does not
/// say.
pub fn process_memory_bytes() -> Option<(u64, u64)> {
    os::process_memory_bytes()
}

/// Returns free heap pages to the operating system where the allocator can (glibc
/// `malloc_trim`); a no-op elsewhere.
pub fn release_free_heap() {
    os::release_free_heap()
}

/// Asks the system to back the `len` bytes at `start` with huge pages (a hint; ignored where
/// unsupported).
///
/// # Safety
/// `[start, start + len)` lies inside one live allocation of the caller's.
pub unsafe fn advise_huge_pages(start: *mut u8, len: usize) {
    // SAFETY: forwarded contract.
    unsafe { os::advise_huge_pages(start, len) }
}

/// The path named by the bytes of a C string (UTF-8, or any bytes on Unix).
pub fn path_from_bytes(
    bytes: &[u8],
) -> std::result::Result<std::borrow::Cow<'_, Path>, std::str::Utf8Error> {
    os::path_from_bytes(bytes)
}

/// The bytes of a path as the C ABI returns them.
pub fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    os::path_bytes(path)
}
