//! The platform layer on Unix (Linux, macOS): libc and std's Unix extensions.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fs::{File, Metadata, OpenOptions};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

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

/// One `lstat`: the stamp of a regular file with one link that `path` names without a
/// symbolic link as its last component (see [`FileStamp::of_sole_name`]).
pub(super) fn stamp_of_sole_name(path: &Path) -> Option<FileStamp> {
    let m = std::fs::symlink_metadata(path).ok()?;
    (m.is_file() && m.nlink() == 1).then(|| stamp_of_metadata(&m))
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

/// `sysconf(name)` as a positive number, remembered in `cache` (0: not asked yet). Racing
/// first calls each ask; no lock, so a fork can never leave one held.
fn sysconf_cached(cache: &AtomicU64, name: libc::c_int) -> Option<u64> {
    match cache.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf takes no pointers and has no preconditions; -1 (error) is handled.
            let n = u64::try_from(unsafe { libc::sysconf(name) })
                .ok()
                .filter(|&n| n > 0)?;
            cache.store(n, Ordering::Relaxed);
            Some(n)
        }
        n => Some(n),
    }
}

fn page_size() -> u64 {
    static PAGE: AtomicU64 = AtomicU64::new(0);
    sysconf_cached(&PAGE, libc::_SC_PAGESIZE).unwrap_or(4096)
}

pub(super) fn total_memory_bytes() -> u64 {
    static PAGES: AtomicU64 = AtomicU64::new(0);
    sysconf_cached(&PAGES, libc::_SC_PHYS_PAGES).map_or(0, |n| n * page_size())
}

/// `/proc/self/statm` of this process, opened on the first query and kept open so that a
/// query is one positioned read. The descriptor is stored with the process id that opened
/// it: `/proc/self` is resolved when the file is opened, so a forked child, which inherits the
/// descriptor, would read its parent's figures (or nothing once the parent exited); it opens
/// its own. The inherited descriptor is not closed (the child may have closed that number
/// itself and reused it for a file of its own); it closes on `exec` (`O_CLOEXEC`).
#[cfg(target_os = "linux")]
fn statm_of_this_process() -> Option<std::os::fd::BorrowedFd<'static>> {
    use std::os::fd::{BorrowedFd, IntoRawFd};
    /// The process id in the high 32 bits, the descriptor in the low ones; 0: none yet.
    static STATM: AtomicU64 = AtomicU64::new(0);
    let pid = u64::from(process_id());
    let mut known = STATM.load(Ordering::Acquire);
    loop {
        if known != 0 && known >> 32 == pid {
            // SAFETY: a descriptor stored with this process's id was opened by this process
            // and is never closed, so it stays valid for the rest of the process.
            return Some(unsafe { BorrowedFd::borrow_raw(known as u32 as i32) });
        }
        let fd = File::open("/proc/self/statm").ok()?.into_raw_fd();
        let mine = pid << 32 | u64::from(fd as u32);
        match STATM.compare_exchange(known, mine, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => known = mine,
            Err(other) => {
                // Another thread stored its descriptor first: use that one.
                // SAFETY: `fd` was opened above and is not stored or shared anywhere.
                unsafe { libc::close(fd) };
                known = other;
            }
        }
    }
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
/// Resident and virtual size from `/proc/self/statm` of this process (one positioned read).
#[cfg(target_os = "linux")]
pub(super) fn process_memory_bytes() -> Option<(u64, u64)> {
    use std::os::fd::AsRawFd;
    let fd = statm_of_this_process()?;
    let mut buf = [0u8; 128];
    // SAFETY: `buf` is a live, writable buffer of `buf.len()` bytes; `fd` is open.
    let n = unsafe { libc::pread(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    let n = usize::try_from(n).ok()?;
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

/// The window of writes through a map that stamps do not show (see
/// [`super::unseen_write_window_secs`]), read once from `/proc/sys/vm` and kept as the bits
/// of an `f64` (0: not read yet; no lock, so a fork can never leave one held).
#[cfg(target_os = "linux")]
pub(super) fn unseen_write_window_secs() -> f64 {
    static WINDOW: AtomicU64 = AtomicU64::new(0);
    match WINDOW.load(Ordering::Relaxed) {
        0 => {
            let centisecs = |name: &str| -> Option<u32> {
                let text = std::fs::read_to_string(format!("/proc/sys/vm/{name}")).ok()?;
                text.trim().parse::<u32>().ok()
            };
            let window = match (
                centisecs("dirty_expire_centisecs"),
                centisecs("dirty_writeback_centisecs"),
            ) {
                // Periodic writeback switched off: dirty pages may stay dirty for ever.
                (Some(_), Some(0)) => f64::INFINITY,
                (Some(e), Some(w)) => 2.0 * (f64::from(e) + f64::from(w)) / 100.0,
                _ => super::DEFAULT_UNSEEN_WRITE_WINDOW_SECS,
            };
            WINDOW.store(window.to_bits(), Ordering::Relaxed);
            window
        }
        bits => f64::from_bits(bits),
    }
}

/// macOS and other Unix systems: the documented default.
#[cfg(not(target_os = "linux"))]
pub(super) fn unseen_write_window_secs() -> f64 {
    super::DEFAULT_UNSEEN_WRITE_WINDOW_SECS
}

/// Linux: one `statfs` of the path; tmpfs, ramfs and hugetlbfs keep pages in memory only.
#[cfg(target_os = "linux")]
pub(super) fn writes_back(path: &Path) -> bool {
    let Ok(name) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return true;
    };
    // SAFETY: an all-zero statfs (integers only) is a valid value.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is NUL-terminated and `fs` is a live statfs for the call to fill.
    if unsafe { libc::statfs(name.as_ptr(), &mut fs) } != 0 {
        return true;
    }
    // The magic numbers of tmpfs, ramfs (which libc does not name) and hugetlbfs; f_type is
    // signed on some targets, and the numbers are 32-bit.
    const MEMORY_ONLY: [u32; 3] = [0x0102_1994, 0x8584_58f6, 0x9584_58f6];
    !MEMORY_ONLY.contains(&(fs.f_type as u32))
}

/// macOS and other Unix systems: no memory-only file system is known to epyr.
#[cfg(not(target_os = "linux"))]
pub(super) fn writes_back(_path: &Path) -> bool {
    true
}

/// This process's id, 0 until asked (and again in a forked child, whose handler clears it).
static PROCESS_ID: AtomicU32 = AtomicU32::new(0);

/// This process's id: one `getpid` per process. The fork handlers are registered first, so
/// that a forked child's handler clears the id the child inherits.
pub(super) fn process_id() -> u32 {
    match PROCESS_ID.load(Ordering::Acquire) {
        0 => {
            register_fork_handlers();
            let pid = std::process::id();
            PROCESS_ID.store(pid, Ordering::Release);
            pid
        }
        pid => pid,
    }
}

/// Marks that the fork handlers are registered in this process image.
const REGISTERED: u64 = u64::MAX;

/// Whether the fork handlers are registered: 0 not yet, [`REGISTERED`], or the id of the
/// process one of whose threads is registering them.
static FORK_HANDLERS: AtomicU64 = AtomicU64::new(0);

unsafe extern "C" fn prepare_fork() {
    super::fork::before_fork();
}

unsafe extern "C" fn parent_after_fork() {
    super::fork::after_fork();
}

unsafe extern "C" fn child_after_fork() {
    // A fork that came between `pthread_atfork` and the store of REGISTERED in another thread
    // runs these handlers: the child has them.
    FORK_HANDLERS.store(REGISTERED, Ordering::Release);
    PROCESS_ID.store(0, Ordering::Release);
    super::fork::after_fork();
}

/// Registers the fork handlers with `pthread_atfork`, once per process image. Other threads
/// wait while one registers. A registration that a fork cut short in the parent (the state
/// holds the parent's id, and the child handler did not run, so `pthread_atfork` had not)
/// is made again by the child.
pub(super) fn register_fork_handlers() {
    let me = u64::from(std::process::id());
    loop {
        match FORK_HANDLERS.load(Ordering::Acquire) {
            REGISTERED => return,
            state if state == me => std::thread::yield_now(),
            state => {
                if FORK_HANDLERS
                    .compare_exchange(state, me, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    // A failure (no memory) leaves epyr usable, only not fork-safe.
                    // SAFETY: the handlers are plain functions that live as long as the
                    // program; they only take and release epyr's own locks.
                    unsafe {
                        libc::pthread_atfork(
                            Some(prepare_fork),
                            Some(parent_after_fork),
                            Some(child_after_fork),
                        );
                    }
                    FORK_HANDLERS.store(REGISTERED, Ordering::Release);
                    return;
                }
            }
        }
    }
}
