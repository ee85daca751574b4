//! The platform layer on Windows: `windows-sys` and std's Windows extensions.
//!
//! Every file is opened sharing read, write and delete, so epyr never stops another program
//! from writing, renaming or deleting a file it has open. Paths go through std, which converts
//! them to UTF-16 and adds the `\\?\` prefix to paths longer than the old 260-character limit
//! (drive letters, UNC paths, `\` and `/` alike).

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::os::windows::fs::{FileExt, OpenOptionsExt};
use std::os::windows::io::AsRawHandle;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Storage::FileSystem::{
    FileBasicInfo, FileIdInfo, FileStandardInfo, GetFileInformationByHandle,
    GetFileInformationByHandleEx, GetFileType, BY_HANDLE_FILE_INFORMATION, FILE_BASIC_INFO,
    FILE_FLAG_BACKUP_SEMANTICS, FILE_ID_INFO, FILE_INFO_BY_HANDLE_CLASS, FILE_READ_ATTRIBUTES,
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_STANDARD_INFO, FILE_TYPE_DISK,
};
use windows_sys::Win32::System::LibraryLoader::{
    GetModuleHandleExW, GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, GET_MODULE_HANDLE_EX_FLAG_PIN,
};
use windows_sys::Win32::System::Memory::{GetProcessHeap, HeapCompact};
use windows_sys::Win32::System::ProcessStatus::{K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS};
use windows_sys::Win32::System::SystemInformation::{
    GetLogicalProcessorInformation, GlobalMemoryStatusEx, RelationCache, MEMORYSTATUSEX,
    SYSTEM_LOGICAL_PROCESSOR_INFORMATION,
};
use windows_sys::Win32::System::Threading::GetCurrentProcess;

use super::{FileKind, FileStamp};

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

/// Fills `info` with the information class `class` of the open file (one system call).
///
/// # Safety
/// `T` must be the structure that `class` writes.
unsafe fn query<T>(
    file: &File,
    class: FILE_INFO_BY_HANDLE_CLASS,
    info: &mut T,
) -> std::io::Result<()> {
    // SAFETY: the handle is `file`'s, alive for this call; the buffer is a writable `T` of
    // exactly the size passed, which by the caller's contract is what `class` writes.
    let ok = unsafe {
        GetFileInformationByHandleEx(
            file.as_raw_handle() as HANDLE,
            class,
            (info as *mut T).cast::<std::ffi::c_void>(),
            std::mem::size_of::<T>() as u32,
        )
    };
    if ok == 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The identity of an open file: volume serial number and file index. `FileIdInfo` (128-bit
/// ids, as ReFS needs), else `GetFileInformationByHandle` where the file system lacks it.
/// Both ask the volume for its serial number, which is slow under Wine (0.2-0.5 ms).
fn identity(file: &File) -> std::io::Result<(u128, u64)> {
    // SAFETY: an all-zero FILE_ID_INFO (integers only) is a valid value.
    let mut id: FILE_ID_INFO = unsafe { std::mem::zeroed() };
    // SAFETY: FileIdInfo writes a FILE_ID_INFO.
    if unsafe { query(file, FileIdInfo, &mut id) }.is_ok() {
        return Ok((
            u128::from_le_bytes(id.FileId.Identifier),
            id.VolumeSerialNumber,
        ));
    }
    // SAFETY: an all-zero BY_HANDLE_FILE_INFORMATION (integers only) is a valid value.
    let mut info: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: the handle is `file`'s, alive for this call, and `info` is a writable
    // BY_HANDLE_FILE_INFORMATION, which is what the function fills.
    if unsafe { GetFileInformationByHandle(file.as_raw_handle() as HANDLE, &mut info) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let index = u64::from(info.nFileIndexHigh) << 32 | u64::from(info.nFileIndexLow);
    Ok((u128::from(index), u64::from(info.dwVolumeSerialNumber)))
}

/// Whether the handle is of a file or folder on a disk, not a pipe or character device.
fn is_disk_file(file: &File) -> bool {
    // SAFETY: GetFileType only reads the handle, which is `file`'s and alive for this call.
    unsafe { GetFileType(file.as_raw_handle() as HANDLE) == FILE_TYPE_DISK }
}

/// The stamp of an open file given its identity, and its number of links (names): kind,
/// last-write and change times from `FileBasicInfo`, size and links from `FileStandardInfo`
/// (two calls of about 1 µs each, also under Wine).
fn stamp_with_identity(
    file: &File,
    (file_id, volume): (u128, u64),
) -> std::io::Result<(FileStamp, u32)> {
    if !is_disk_file(file) {
        // A pipe or character device (`NUL`, `COM1`): no file information to ask for.
        let stamp = FileStamp {
            kind: FileKind::Other,
            len: 0,
            modified: (0, 0),
            changed: (0, 0),
            file_id,
            volume,
        };
        return Ok((stamp, 1));
    }
    // SAFETY: all-zero FILE_BASIC_INFO and FILE_STANDARD_INFO (integers only) are valid.
    let mut basic: FILE_BASIC_INFO = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut standard: FILE_STANDARD_INFO = unsafe { std::mem::zeroed() };
    // SAFETY: FileBasicInfo writes a FILE_BASIC_INFO, FileStandardInfo a FILE_STANDARD_INFO.
    unsafe {
        query(file, FileBasicInfo, &mut basic)?;
        query(file, FileStandardInfo, &mut standard)?;
    }
    // FAT and exFAT keep no change time (0): the last write is the last change there.
    let changed = if basic.ChangeTime != 0 {
        basic.ChangeTime
    } else {
        basic.LastWriteTime
    };
    let stamp = FileStamp {
        kind: if standard.Directory {
            FileKind::Dir
        } else {
            FileKind::File
        },
        len: standard.EndOfFile.max(0) as u64,
        modified: unix_time(basic.LastWriteTime),
        changed: unix_time(changed),
        file_id,
        volume,
    };
    let links = if standard.DeletePending {
        0
    } else {
        standard.NumberOfLinks
    };
    Ok((stamp, links))
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

/// One open of the path for its attributes, then the handle's stamp.
pub(super) fn stamp_of_path(path: &Path) -> std::io::Result<FileStamp> {
    stamp_of_file(&open_attributes(path)?)
}

/// Never proved on Windows (see [`FileStamp::of_sole_name`]): relative paths are made
/// absolute from the process's current folder without a system call there.
pub(super) fn stamp_of_sole_name(_path: &Path) -> Option<FileStamp> {
    None
}

/// One open of the path for its attributes, then its file index and volume serial number.
pub(super) fn identity_of_path(path: &Path) -> std::io::Result<(u128, u64)> {
    identity(&open_attributes(path)?)
}

/// The handle's stamp.
pub(super) fn stamp_of_file(file: &File) -> std::io::Result<FileStamp> {
    let id = if is_disk_file(file) {
        identity(file)?
    } else {
        (0, 0)
    };
    stamp_with_identity(file, id).map(|(stamp, _)| stamp)
}

/// A source file kept open for its attributes with its identity, so that a re-check needs
/// neither a path look-up nor a volume query (a handle's file cannot change); `None` where
/// it could not be opened (the re-check then looks the path up and reports why).
pub(super) struct WatchHandle(Option<(File, (u128, u64))>);

impl WatchHandle {
    pub(super) fn open(path: &Path) -> WatchHandle {
        let opened = open_attributes(path).and_then(|file| {
            let id = if is_disk_file(&file) {
                identity(&file)?
            } else {
                (0, 0)
            };
            Ok((file, id))
        });
        WatchHandle(opened.ok())
    }

    pub(super) fn stamp_now(&self, path: &Path) -> std::io::Result<FileStamp> {
        let Some((file, id)) = &self.0 else {
            return stamp_of_path(path);
        };
        match stamp_with_identity(file, *id)? {
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

/// This process's id (Windows has no fork).
pub(super) fn process_id() -> u32 {
    std::process::id()
}

/// The size of the first level-2 cache `GetLogicalProcessorInformation` lists.
pub(super) fn l2_cache_bytes() -> Option<usize> {
    let item = std::mem::size_of::<SYSTEM_LOGICAL_PROCESSOR_INFORMATION>();
    let mut len: u32 = 0;
    // SAFETY: a size query: NULL buffer, `len` writable; the call fails and sets `len`.
    unsafe { GetLogicalProcessorInformation(std::ptr::null_mut(), &mut len) };
    let count = (len as usize).div_ceil(item).min(4096);
    // SAFETY: an all-zero SYSTEM_LOGICAL_PROCESSOR_INFORMATION (integers and a union of
    // integers) is a valid value.
    let mut infos =
        vec![unsafe { std::mem::zeroed::<SYSTEM_LOGICAL_PROCESSOR_INFORMATION>() }; count];
    let mut bytes = (count * item) as u32;
    // SAFETY: `infos` is writable for `bytes` bytes, which `bytes` says.
    if unsafe { GetLogicalProcessorInformation(infos.as_mut_ptr(), &mut bytes) } == 0 {
        return None;
    }
    infos[..(bytes as usize / item).min(count)]
        .iter()
        .find_map(|info| {
            // SAFETY: for RelationCache entries the union holds the CACHE_DESCRIPTOR.
            let cache = unsafe { info.Anonymous.Cache };
            (info.Relationship == RelationCache && cache.Level == 2).then_some(cache.Size as usize)
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
///
/// # Safety
/// As [`super::advise_huge_pages`]; nothing is done with the range.
pub(super) unsafe fn advise_huge_pages(_start: *mut u8, _len: usize) {}

/// A C ABI path is UTF-8; std converts it to UTF-16 for the system.
pub(super) fn keep_loaded() {
    let mut module = std::ptr::null_mut();
    // SAFETY: with FROM_ADDRESS the name argument is an address inside the module looked for
    // (a function of this library); `module` is a writable handle. PIN keeps the module loaded
    // until the process ends whatever FreeLibrary calls follow; the handle needs no release.
    unsafe {
        GetModuleHandleExW(
            GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
            keep_loaded as *const u16,
            &mut module,
        );
    }
}

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

/// Windows has no `fork`: a new process starts afresh and inherits no lock, so there is
/// nothing to register.
pub(super) fn register_fork_handlers() {}

/// The documented default: the write-back of mapped pages is not measured on Windows.
pub(super) fn unseen_write_window_secs() -> f64 {
    super::DEFAULT_UNSEEN_WRITE_WINDOW_SECS
}

/// No memory-only file system is known to epyr on Windows.
pub(super) fn writes_back(_path: &Path) -> bool {
    true
}
