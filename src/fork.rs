//! Fork safety: a child forked while other threads of its parent were inside epyr (Python's
//! `multiprocessing` forks by default on Linux) can use epyr at once.
//!
//! Every process-wide lock is a `std::sync` lock taken by the forking thread just before the
//! fork and released just after it, in the parent and in the child (see
//! [`ForkTaker`]): the child finds each lock free and what it guards consistent. The handlers
//! are registered with `pthread_atfork` on the first use of a lock, never at library load
//! time. Windows has no `fork`.
//!
//! The lock order, which every code path follows (a lock is only taken while holding locks
//! that come before it) and which the handlers follow too:
//!
//! 1. rank [`RANK_C_ABI`], the C ABI's locks (taken by `ffi`): the handle table, the last error
//!    message of each handle, the process's last error message;
//! 2. rank [`RANK_CORE`], the core's: the list of caches, the memory budget, each cache's
//!    configuration lock, the global configuration, each cache's loads in progress, each
//!    cache's entries.
//!
//! No lock of one rank is taken while one of the other is held.
//!
//! A load that another thread of the parent had in progress has no thread in the child: a
//! cache's marker of that load belongs to the parent's process id, and a load of the same file
//! in the child ignores it and loads. Bytes that such a load had reserved stay counted in the
//! child's `library_mb` (its memory is the child's too, unreachable there). A reader or an
//! object of the caller's that another thread was in the middle of a call on is not made
//! usable in the child: the child opens its own readers.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use crate::sys::{ForkHold, ForkTaker};

/// The rank of the C ABI's locks: taken first before a fork.
pub const RANK_C_ABI: u8 = 10;

/// The rank of the core's locks.
pub const RANK_CORE: u8 = 20;

/// The core's process-wide locks.
pub(crate) static CORE_LOCKS: ForkTaker = ForkTaker::new(RANK_CORE, take_core_locks);

/// Takes the core's locks in the order of the module documentation.
fn take_core_locks(hold: &mut ForkHold) {
    let caches = crate::cache::take_cache_list(hold);
    crate::loader::take_budget(hold);
    for cache in &caches {
        cache.take_config_lock(hold);
    }
    crate::config::take_config(hold);
    for cache in &caches {
        cache.take_pending(hold);
    }
    for cache in &caches {
        cache.take_entries(hold);
    }
}

/// Locks `mutex`; a lock a panicking thread held is taken as it is (the data behind epyr's
/// locks stay consistent at every point a panic can happen, as with `parking_lot`, which
/// knows no poisoning).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Locks `lock` for reading (see [`lock`] on poisoning).
pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Locks `lock` for writing (see [`lock`] on poisoning).
pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
