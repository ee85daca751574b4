//! The few operating-system queries that have no safe wrapper in std: page size, physical
//! memory and returning free heap to the system. Besides `ffi/` and `formats/decode.rs`, this is
//! the only module with `unsafe`; each call is a plain libc function without pointer arguments.

use std::sync::OnceLock;

/// The size of a memory page in bytes.
pub fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    // SAFETY: sysconf takes no pointers and has no preconditions; -1 (error) is handled.
    *PAGE.get_or_init(|| match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as u64,
        _ => 4096,
    })
}

/// The physical memory of the system in bytes (0 if unknown).
pub fn total_memory_bytes() -> u64 {
    static TOTAL: OnceLock<u64> = OnceLock::new();
    // SAFETY: sysconf takes no pointers and has no preconditions; -1 (error) is handled.
    *TOTAL.get_or_init(|| match unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) } {
        n if n > 0 => n as u64 * page_size(),
        _ => 0,
    })
}

/// Returns free heap pages to the operating system (glibc `malloc_trim`); a no-op elsewhere.
pub fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only walks the allocator's own free lists and
    // is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}
