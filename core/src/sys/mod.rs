//! The platform layer: every operating-system call epyr makes, behind one portable API.
//!
//! File identity stamps, opening a file without blocking, positioned reads, process and system
//! memory, page size, heap trimming, huge-page hints and the conversion between paths and the
//! bytes the C ABI passes, and keeping process-wide locks usable across `fork` ([`ForkTaker`]).
//! The layers above use only this API; `cfg(unix)` and `cfg(windows)`
//! appear nowhere else. Besides `ffi/` and `formats/decode.rs`, this is the only place with
//! `unsafe`.

mod fork;
#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as os;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as os;

use std::fs::File;
use std::path::{Path, PathBuf};

pub use fork::{ForkHold, ForkTaker};

/// What identifies the content of a file without reading it: its kind, size, modification and
/// change times with the resolution the file system keeps, and the file's identity (device and
/// inode; on Windows volume serial number and file index). Two stamps are equal exactly when
/// nothing epyr can observe about the file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStamp {
    kind: FileKind,
    len: u64,
    /// Modification time: seconds and nanoseconds since the Unix epoch.
    modified: (i64, i64),
    /// Status change time: seconds and nanoseconds since the Unix epoch.
    changed: (i64, i64),
    /// The file's number within its volume (inode, file index; 128 bits on ReFS).
    file_id: u128,
    /// The volume (device) the file lives on.
    volume: u64,
}

/// What a path names, as far as epyr cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FileKind {
    /// A regular file.
    File,
    /// A directory (folder).
    Dir,
    /// Anything else: FIFO, socket, device, pipe.
    Other,
}

impl FileStamp {
    /// The stamp of the file (or folder) at `path` now, following symbolic links: one `stat`
    /// on Unix; on Windows the path is opened for its attributes only (never blocking a
    /// writer) and queried by handle.
    pub fn of(path: &Path) -> std::io::Result<FileStamp> {
        os::stamp_of_path(path)
    }

    /// The stamp of an open file, through its handle (one `fstat` on Unix): no second look-up
    /// of the path.
    pub fn of_file(file: &File) -> std::io::Result<FileStamp> {
        os::stamp_of_file(file)
    }

    /// The stamp of the regular file at `path` when `path` is, provably, a way to its only
    /// name: the last component is not a symbolic link and the file has one link. Then a path
    /// that reaches a file with this stamp reaches it through the folder that holds that one
    /// name (moving the file to another folder or adding a link changes its change time), so
    /// the file's companions are the names beside it there, whatever the current folder. One
    /// `lstat` on Unix; `None` on Windows, where a relative path is made absolute without a
    /// system call and this proof is not needed (and a rename there need not change the
    /// change time). `None` also when the path cannot be read.
    pub fn of_sole_name(path: &Path) -> Option<FileStamp> {
        os::stamp_of_sole_name(path)
    }

    /// Whether the stamp is of a regular file.
    pub fn is_file(&self) -> bool {
        self.kind == FileKind::File
    }

    /// Whether the stamp is of a directory.
    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
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

/// The source files of an open dataset reader, re-checked after every read it makes.
///
/// On Unix a re-check is a `stat` of each path (about 1 µs), which also sees another file
/// renamed over the path. On Windows a path look-up costs far more (0.6-1 ms each under Wine),
/// so each file is kept open for its attributes only (sharing read, write and delete: the
/// writer can still write, rename or delete it) and re-checked through that handle. A write
/// or truncation changes its size or times, and a rename or deletion changes its change time
/// or drops its last link, so the same changes are detected.
pub struct SourceWatch {
    files: Vec<(PathBuf, FileStamp, os::WatchHandle)>,
}

impl SourceWatch {
    /// Watches `sources`, each with the stamp it had before it was read. A file that changed
    /// already is reported by the first [`SourceWatch::stamps_now`].
    pub fn new(sources: &[(PathBuf, FileStamp)]) -> SourceWatch {
        let files = sources
            .iter()
            .map(|(path, stamp)| (path.clone(), *stamp, os::WatchHandle::open(path)))
            .collect();
        SourceWatch { files }
    }

    /// Every watched file with the stamp it had before it was read and its stamp now (an
    /// error for a file that disappeared).
    pub fn stamps_now(
        &self,
    ) -> impl Iterator<Item = (&Path, &FileStamp, std::io::Result<FileStamp>)> {
        self.files
            .iter()
            .map(|(path, before, handle)| (path.as_path(), before, handle.stamp_now(path)))
    }
}

/// What identifies a file or folder on this machine while it exists: its volume (device) and
/// its number there (inode; on Windows the file index). Every name of a folder (a symbolic
/// link to it, a bind mount, `..` spellings) gives the same identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileIdentity {
    volume: u64,
    file_id: u128,
}

impl FileStamp {
    /// The volume (device) of the stamped file.
    pub fn volume(&self) -> u64 {
        self.volume
    }

    /// The identity of the stamped file.
    pub fn identity(&self) -> FileIdentity {
        FileIdentity {
            volume: self.volume,
            file_id: self.file_id,
        }
    }
}

/// The identity of the folder (or file) at `path`, links followed: one `stat` on Unix; on
/// Windows one open for attributes and one query of its volume and index.
pub fn identity_of(path: &Path) -> std::io::Result<FileIdentity> {
    os::identity_of_path(path).map(|(file_id, volume)| FileIdentity { volume, file_id })
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

/// How long after a file's last change (its change time) a write through a shared memory map
/// may still change its content without changing its stamp, in seconds (infinite where the
/// system never writes dirty pages back on its own). Linux: twice the kernel's
/// `vm.dirty_expire_centisecs` + `vm.dirty_writeback_centisecs` (2 x (30 + 5) = 70 s by
/// default; the factor leaves room for a writeback that runs late under load), read once.
/// macOS and Windows: [`DEFAULT_UNSEEN_WRITE_WINDOW_SECS`] (their write-back of mapped pages
/// is not measured here).
pub fn unseen_write_window_secs() -> f64 {
    os::unseen_write_window_secs()
}

/// The window of [`unseen_write_window_secs`] where the system does not say.
pub const DEFAULT_UNSEEN_WRITE_WINDOW_SECS: f64 = 70.0;

/// Whether the file system of `path` (on volume `volume`, its stamp's device) writes dirty
/// pages back to storage, after which the next write through a map dirties a clean page again
/// and changes the file's times. False for memory-only file systems (Linux tmpfs, ramfs,
/// hugetlbfs), where a mapped page stays dirty and writable; true elsewhere and where the file
/// system cannot be asked. Asked of the system once per volume: every file of a mounted file
/// system has its answer (a device number reused by a later mount of another kind of file
/// system keeps the first answer).
pub fn volume_writes_back(volume: u64, path: &Path) -> bool {
    static KNOWN: std::sync::RwLock<Vec<(u64, bool)>> = std::sync::RwLock::new(Vec::new());
    let known = KNOWN
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(&(_, answer)) = known.iter().find(|(v, _)| *v == volume) {
        return answer;
    }
    drop(known);
    let answer = os::writes_back(path);
    let mut known = KNOWN
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if known.len() < 64 && !known.iter().any(|(v, _)| *v == volume) {
        known.push((volume, answer));
    }
    answer
}

/// This process's id, asked of the system once per process (a forked child asks again: the
/// fork handlers forget it).
pub fn process_id() -> u32 {
    os::process_id()
}

/// The physical memory of the system in bytes (0 if unknown).
pub fn total_memory_bytes() -> u64 {
    os::total_memory_bytes()
}

/// The size in bytes of a level-2 cache of this machine's CPU (the first core's), or `None`
/// where the system does not say. Read once.
pub fn l2_cache_bytes() -> Option<usize> {
    static L2: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    *L2.get_or_init(os::l2_cache_bytes)
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

/// Keeps the shared library (or executable) that holds epyr loaded until the process ends:
/// a host that unloads it afterwards (`dlclose`, `FreeLibrary`, MATLAB's `clear mex`) leaves
/// it in place, and loading it again gives the same library, with its state. Best effort: where
/// the system cannot say which library this is, nothing happens.
pub fn keep_loaded() {
    os::keep_loaded()
}

/// The configuration file of the Python package EPyR Tools: on Windows
/// `%APPDATA%\EPyRTools\config.json`; elsewhere `$XDG_CONFIG_HOME/epyrtools/config.json`, else
/// `~/.config/epyrtools/config.json`. `None` when the variables it needs are not set.
pub fn user_config_file() -> Option<PathBuf> {
    os::user_config_file()
}

/// Why [`user_config_file`] gives `None`, for messages ("neither XDG_CONFIG_HOME nor HOME is
/// set").
pub const NO_USER_CONFIG_REASON: &str = os::NO_USER_CONFIG_REASON;

/// The path named by the bytes of a C string: UTF-8 (on Windows converted to UTF-16; other
/// bytes are an error), or any bytes on Unix.
pub fn path_from_bytes(
    bytes: &[u8],
) -> std::result::Result<std::borrow::Cow<'_, Path>, std::str::Utf8Error> {
    os::path_from_bytes(bytes)
}

/// The bytes of a path as the C ABI returns them.
pub fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    os::path_bytes(path)
}
