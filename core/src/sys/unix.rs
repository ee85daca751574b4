//! The platform layer on Unix (Linux, macOS): libc and std's Unix extensions.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fs::{File, Metadata, OpenOptions};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{FileKind, FileStamp};

fn stamp_of_metadata(m: &Metadata) -> FileStamp {
    let kind = if m.is_file() {
        FileKind::File
    } else if m.is_dir() {
        FileKind::Dir
    } else {
        FileKind::Other
    };
    FileStamp {
        kind,
        len: m.len(),
        modified: (m.mtime(), m.mtime_nsec()),
        changed: (m.ctime(), m.ctime_nsec()),
        file_id: u128::from(m.ino()),
        volume: m.dev(),
    }
}

/// One `stat` of the path.
pub(super) fn stamp_of_path(path: &Path) -> std::io::Result<FileStamp> {
    std::fs::metadata(path).map(|m| stamp_of_metadata(&m))
}

/// One `stat`: the inode and device of the path, links followed.
pub(super) fn identity_of_path(path: &Path) -> std::io::Result<(u128, u64)> {
    std::fs::metadata(path).map(|m| (u128::from(m.ino()), m.dev()))
}

/// One `fstat` of the descriptor.
pub(super) fn stamp_of_file(file: &File) -> std::io::Result<FileStamp> {
    file.metadata().map(|m| stamp_of_metadata(&m))
}

/// Nothing is kept open on Unix: a re-check is a `stat` of the path.
pub(super) struct WatchHandle;

impl WatchHandle {
    pub(super) fn open(_path: &Path) -> WatchHandle {
        WatchHandle
    }

    pub(super) fn stamp_now(&self, path: &Path) -> std::io::Result<FileStamp> {
        stamp_of_path(path)
    }
}

pub(super) fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

pub(super) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    file.read_exact_at(buf, offset)
}

fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    // SAFETY: sysconf takes no pointers and has no preconditions; -1 (error) is handled.
    *PAGE.get_or_init(|| match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as u64,
        _ => 4096,
    })
}

pub(super) fn total_memory_bytes() -> u64 {
    static TOTAL: OnceLock<u64> = OnceLock::new();
    // SAFETY: sysconf takes no pointers and has no preconditions; -1 (error) is handled.
    *TOTAL.get_or_init(|| match unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) } {
        n if n > 0 => n as u64 * page_size(),
        _ => 0,
    })
}

/// The size of the first CPU's level-2 cache from sysfs (`cache/index*/level` 2 and its
/// `size`, as `512K`).
#[cfg(target_os = "linux")]
pub(super) fn l2_cache_bytes() -> Option<usize> {
    let dir = Path::new("/sys/devices/system/cpu/cpu0/cache");
    (0..8).find_map(|i| {
        let index = dir.join(format!("index{i}"));
        let level = std::fs::read_to_string(index.join("level")).ok()?;
        if level.trim() != "2" {
            return None;
        }
        let size = std::fs::read_to_string(index.join("size")).ok()?;
        let size = size.trim();
        let (digits, unit) = size.split_at(size.find(|c: char| !c.is_ascii_digit())?);
        let scale = match unit {
            "K" => 1 << 10,
            "M" => 1 << 20,
            _ => return None,
        };
        digits.parse::<usize>().ok()?.checked_mul(scale)
    })
}

/// The level-2 cache size from `sysctlbyname("hw.l2cachesize")`.
#[cfg(target_os = "macos")]
pub(super) fn l2_cache_bytes() -> Option<usize> {
    let mut value: u64 = 0;
    let mut len = std::mem::size_of::<u64>();
    // SAFETY: the name is NUL-terminated; `value` is writable for `len` bytes, the size of the
    // integer the key holds; no new value is set (NULL, 0).
    let status = unsafe {
        libc::sysctlbyname(
            c"hw.l2cachesize".as_ptr(),
            (&mut value as *mut u64).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (status == 0 && value > 0).then_some(value as usize)
}

/// Unknown on other Unix systems.
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
pub(super) fn l2_cache_bytes() -> Option<usize> {
    None
}

/// Resident and virtual size from `/proc/self/statm`, kept open so that a query is one
/// positioned read.
#[cfg(target_os = "linux")]
pub(super) fn process_memory_bytes() -> Option<(u64, u64)> {
    static STATM: OnceLock<Option<File>> = OnceLock::new();
    let file = STATM
        .get_or_init(|| File::open("/proc/self/statm").ok())
        .as_ref()?;
    let mut buf = [0u8; 128];
    let n = file.read_at(&mut buf, 0).ok()?;
    let text = std::str::from_utf8(&buf[..n]).ok()?;
    let mut fields = text.split_ascii_whitespace().map(|f| f.parse::<u64>().ok());
    let vms_pages = fields.next()??;
    let rss_pages = fields.next()??;
    Some((rss_pages * page_size(), vms_pages * page_size()))
}

/// Resident and virtual size from `proc_pidinfo(PROC_PIDTASKINFO)` of this process (one
/// system call).
#[cfg(target_os = "macos")]
pub(super) fn process_memory_bytes() -> Option<(u64, u64)> {
    // SAFETY: an all-zero proc_taskinfo (plain integers) is a valid value.
    let mut info: libc::proc_taskinfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::proc_taskinfo>() as libc::c_int;
    // SAFETY: the buffer is a live proc_taskinfo of exactly `size` bytes, which is what the
    // PROC_PIDTASKINFO flavour writes; getpid has no preconditions.
    let written = unsafe {
        libc::proc_pidinfo(
            libc::getpid(),
            libc::PROC_PIDTASKINFO,
            0,
            (&mut info as *mut libc::proc_taskinfo).cast::<libc::c_void>(),
            size,
        )
    };
    (written == size).then_some((info.pti_resident_size, info.pti_virtual_size))
}

/// Other Unix systems: not known (the README says so).
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
pub(super) fn process_memory_bytes() -> Option<(u64, u64)> {
    None
}

pub(super) fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only walks the allocator's own free lists and
    // is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// # Safety
/// As [`super::advise_huge_pages`].
pub(super) unsafe fn advise_huge_pages(start: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    // SAFETY: madvise only gives the kernel a hint about the pages of [start, start + len),
    // which the caller guarantees lie inside one of its allocations; it does not change their
    // contents. A failure (no transparent huge pages) is harmless and ignored.
    unsafe {
        libc::madvise(start.cast::<libc::c_void>(), len, libc::MADV_HUGEPAGE);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, len);
}

pub(super) fn keep_loaded() {
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::zeroed();
    // SAFETY: dladdr only looks the address up in the loader's tables and fills `info`, a
    // writable Dl_info; the address is that of a function of this library.
    let found = unsafe { libc::dladdr(keep_loaded as *const libc::c_void, info.as_mut_ptr()) };
    if found == 0 {
        return;
    }
    // SAFETY: dladdr succeeded, so it filled `info` (all-zero before: a valid Dl_info).
    let name = unsafe { info.assume_init() }.dli_fname;
    if name.is_null() {
        return;
    }
    // SAFETY: `name` is the NUL-terminated path of a loaded object, owned by the loader and
    // valid while it is loaded (it is: this code runs from it). RTLD_NOLOAD loads nothing new:
    // it marks the object RTLD_NODELETE and takes one more reference, never released.
    unsafe {
        libc::dlopen(
            name,
            libc::RTLD_LAZY | libc::RTLD_NOLOAD | libc::RTLD_NODELETE,
        );
    }
}

pub(super) fn path_from_bytes(bytes: &[u8]) -> Result<Cow<'_, Path>, std::str::Utf8Error> {
    Ok(Cow::Borrowed(Path::new(OsStr::from_bytes(bytes))))
}

pub(super) fn path_bytes(path: &Path) -> Cow<'_, [u8]> {
    Cow::Borrowed(path.as_os_str().as_bytes())
}

pub(super) const NO_USER_CONFIG_REASON: &str = "neither XDG_CONFIG_HOME nor HOME is set";

pub(super) fn user_config_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("epyrtools").join("config.json"))
}
