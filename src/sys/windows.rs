//! The platform layer on Windows: `windows-sys` and std's Windows extensions.
//!
//! Every file is opened sharing read, write and delete, so epyr never stops another program
//! from writing, renaming or deleting a file it has open. Paths go through std, which converts
//! them to UTF-16 and adds the `\\?\` prefix to paths longer than the old 260-character limit
//! (drive letters, UNC paths, `\` and `/` alike).

use std::borrow::Cow;
use std::fs::{File, Metadata, OpenOptions};
use std::os::windows::fs::{FileExt, OpenOptionsExt};
use std::os::windows::io::AsRawHandle;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Storage::FileSystem::{
    FileBasicInfo, GetFileInformationByHandle, GetFileInformationByHandleEx,
    BY_HANDLE_FILE_INFORMATION, FILE_BASIC_INFO, FILE_FLAG_BACKUP_SEMANTICS, FILE_READ_ATTRIBUTES,
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE,
};
use windows_sys::Win32::System::Memory::{GetProcessHeap, HeapCompact};
use windows_sys::Win32::System::ProcessStatus::{K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS};
use windows_sys::Win32::System::SystemInformation::{GlobalMemoryStatusEx, MEMORYSTATUSEX};
use windows_sys::Win32::System::Threading::GetCurrentProcess;

use super::FileStamp;

/// Other programs may read, write, rename and delete a file while epyr has it open.
const SHARE_ALL: u32 = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

/// 100-ns ticks from 1601-01-01 (the Windows epoch) to 1970-01-01 (the Unix epoch).
const UNIX_EPOCH_TICKS: i64 = 116_444_736_000_000_000;

/// A Windows time (100-ns ticks since 1601) as seconds and nanoseconds since the Unix epoch.
fn unix_time(ticks: i64) -> (i64, i64) {
    let since_unix = ticks - UNIX_EPOCH_TICKS;
    (
        since_unix.div_euclid(10_000_000),
        since_unix.rem_euclid(10_000_000) * 100,
    )
}

/// The stamp of an open file and its number of links (names), through its handle: volume
/// serial number, file index, size and link count from `GetFileInformationByHandle`, the
/// last-write and change times from `GetFileInformationByHandleEx(FileBasicInfo)`.
fn query_handle(file: &File) -> std::io::Result<(FileStamp, u32)> {
    let handle = file.as_raw_handle() as HANDLE;
    // SAFETY: an all-zero BY_HANDLE_FILE_INFORMATION (integers only) is a valid value.
    let mut info: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: `handle` is the live handle of `file` (borrowed for this call) and `info` is a
    // writable BY_HANDLE_FILE_INFORMATION, which is what the function fills.
    if unsafe { GetFileInformationByHandle(handle, &mut info) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: an all-zero FILE_BASIC_INFO (integers only) is a valid value.
    let mut basic: FILE_BASIC_INFO = unsafe { std::mem::zeroed() };
    // SAFETY: as above; the buffer is a writable FILE_BASIC_INFO of exactly the size passed,
    // which is what the FileBasicInfo class writes.
    let ok = unsafe {
        GetFileInformationByHandleEx(
            handle,
            FileBasicInfo,
            (&mut basic as *mut FILE_BASIC_INFO).cast::<std::ffi::c_void>(),
            std::mem::size_of::<FILE_BASIC_INFO>() as u32,
        )
    };
    if ok == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // FAT and exFAT keep no change time (0): the last write is the last change there.
    let changed = if basic.ChangeTime != 0 {
        basic.ChangeTime
    } else {
        basic.LastWriteTime
    };
    let stamp = FileStamp {
        len: u64::from(info.nFileSizeHigh) << 32 | u64::from(info.nFileSizeLow),
        modified: unix_time(basic.LastWriteTime),
        changed: unix_time(changed),
        file_id: u64::from(info.nFileIndexHigh) << 32 | u64::from(info.nFileIndexLow),
        volume: u64::from(info.dwVolumeSerialNumber),
    };
    Ok((stamp, info.nNumberOfLinks))
}

/// Opens a file or folder for its attributes only: no read or write access, so it conflicts
/// with no other program's open, whatever that one shares.
fn open_attributes(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .access_mode(FILE_READ_ATTRIBUTES)
        .share_mode(SHARE_ALL)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)
}

/// One open of the path for its attributes, then the handle's metadata and stamp.
pub(super) fn stamp_of_path(path: &Path) -> std::io::Result<(Metadata, FileStamp)> {
    stamp_of_file(&open_attributes(path)?)
}

/// The handle's metadata and stamp.
pub(super) fn stamp_of_file(file: &File) -> std::io::Result<(Metadata, FileStamp)> {
    let metadata = file.metadata()?;
    let (stamp, _) = query_handle(file)?;
    Ok((metadata, stamp))
}

/// A source file kept open for its attributes, so that a re-check needs no path look-up;
/// `None` where it could not be opened (the re-check then looks the path up and reports why).
pub(super) struct WatchHandle(Option<File>);

impl WatchHandle {
    pub(super) fn open(path: &Path) -> WatchHandle {
        WatchHandle(open_attributes(path).ok())
    }

    pub(super) fn stamp_now(&self, path: &Path) -> std::io::Result<FileStamp> {
        let Some(file) = &self.0 else {
            return stamp_of_path(path).map(|(_, stamp)| stamp);
        };
        match query_handle(file)? {
            (_, 0) => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "deleted, or replaced by another file renamed over it",
            )),
            (stamp, _) => Ok(stamp),
        }
    }
}

/// Opens for reading, sharing read, write and delete. Opening never waits on Windows (named
/// pipes live under `\\.\pipe\`, not among files); folders open too (backup semantics) so
/// that the caller's check names them as folders.
pub(super) fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .share_mode(SHARE_ALL)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)
}

/// Positioned reads (`ReadFile` with an offset) until `buf` is full. They also move the file
/// pointer, which epyr never uses on a file it reads this way.
pub(super) fn read_exact_at(
    file: &File,
    mut buf: &mut [u8],
    mut offset: u64,
) -> std::io::Result<()> {
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "failed to fill whole buffer",
                ))
            }
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub(super) fn total_memory_bytes() -> u64 {
    static TOTAL: OnceLock<u64> = OnceLock::new();
    *TOTAL.get_or_init(|| {
        // SAFETY: an all-zero MEMORYSTATUSEX (integers only) is a valid value.
        let mut status: MEMORYSTATUSEX = unsafe { std::mem::zeroed() };
        status.dwLength = std::mem::size_of::<MEMORYSTATUSEX>() as u32;
        // SAFETY: `status` is a writable MEMORYSTATUSEX whose dwLength is set, as required.
        match unsafe { GlobalMemoryStatusEx(&mut status) } {
            0 => 0,
            _ => status.ullTotalPhys,
        }
    })
}

/// The working set (resident size) and the pagefile-backed commit (private bytes, what
/// psutil reports as `vms` on Windows) from `GetProcessMemoryInfo`.
pub(super) fn process_memory_bytes() -> Option<(u64, u64)> {
    // SAFETY: an all-zero PROCESS_MEMORY_COUNTERS (integers only) is a valid value.
    let mut counters: PROCESS_MEMORY_COUNTERS = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
    counters.cb = size;
    // SAFETY: GetCurrentProcess returns a pseudo handle that needs no closing; `counters` is a
    // writable PROCESS_MEMORY_COUNTERS of `size` bytes.
    let ok = unsafe { K32GetProcessMemoryInfo(GetCurrentProcess(), &mut counters, size) };
    (ok != 0).then_some((
        counters.WorkingSetSize as u64,
        counters.PagefileUsage as u64,
    ))
}

/// Coalesces the free blocks of the process heap (where Rust's allocator lives) and lets the
/// system decommit large free ranges; blocks of 512 KiB and more were given back at `free`.
pub(super) fn release_free_heap() {
    // SAFETY: GetProcessHeap returns the process's default heap, which lives as long as the
    // process; HeapCompact only reorganises that heap's free blocks and is thread-safe (the
    // heap is serialised).
    unsafe {
        HeapCompact(GetProcessHeap(), 0);
    }
}

/// Large pages on Windows need a privilege and an allocation of their own: no hint exists.
pub(super) fn advise_huge_pages(_start: *mut u8, _len: usize) {}

/// A C ABI path is UTF-8; std converts it to UTF-16 for the system.
pub(super) fn path_from_bytes(bytes: &[u8]) -> Result<Cow<'_, Path>, std::str::Utf8Error> {
    std::str::from_utf8(bytes).map(|text| Cow::Borrowed(Path::new(text)))
}

/// UTF-8 of the path; a name with an unpaired UTF-16 surrogate (which no UTF-8 path given to
/// epyr can produce) has it replaced by U+FFFD.
pub(super) fn path_bytes(path: &Path) -> Cow<'_, [u8]> {
    match path.to_string_lossy() {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    }
}

pub(super) const NO_USER_CONFIG_REASON: &str = "APPDATA is not set";

pub(super) fn user_config_file() -> Option<PathBuf> {
    std::env::var_os("APPDATA")
        .filter(|v| !v.is_empty())
        .map(|dir| PathBuf::from(dir).join("EPyRTools").join("config.json"))
}
