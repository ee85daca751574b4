//! Keeping process-wide locks usable across `fork`.
//!
//! A forked child has one thread: the one that called `fork`. A lock that another thread
//! held at that moment stays held in the child for ever, and the child's first call that needs
//! it waits for ever (Python's `multiprocessing` forks by default on Linux, while its threads
//! may be inside epyr). So each layer names its process-wide locks in a [`ForkTaker`]: just
//! before a fork, the forking thread takes every taker's locks (takers in the order of their
//! rank, each in its own fixed order), and just after it releases them, in the parent and in
//! the child, in the reverse order. The locks are then free in the child, and what they guard
//! is in a consistent state (no thread was in the middle of changing it).
//!
//! The handlers are registered with `pthread_atfork` by the first [`ForkTaker::arm`] (nothing
//! happens at library load time). Windows has no `fork`: there arming registers nothing that
//! ever runs.
//!
//! Locks that a taker holds across a fork must be `std::sync` locks: releasing one in the
//! child is a plain atomic store and, if other threads of the parent waited, a `futex` wake on
//! Linux (a no-op in the child), while a `parking_lot` lock with waiters goes through that
//! crate's global table of parked threads, whose bucket locks another thread of the parent may
//! have held at the fork.

// Windows has no fork: the handlers are never registered there, so nothing runs them.
#![cfg_attr(windows, allow(dead_code))]

use std::any::Any;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What the forking thread holds from just before a fork until just after it: lock guards,
/// released in the reverse order of keeping.
pub struct ForkHold {
    kept: Vec<Box<dyn Any>>,
}

impl ForkHold {
    /// Keeps `guard` (a lock guard of a `static` lock) until just after the fork.
    pub fn keep<G: 'static>(&mut self, guard: G) {
        self.kept.push(Box::new(guard));
    }

    /// Locks the mutex that `field` finds in `owner` and keeps the guard, with `owner`, until
    /// just after the fork (for locks inside shared objects rather than statics).
    pub fn keep_locked<O: 'static, T: 'static>(
        &mut self,
        owner: Arc<O>,
        field: fn(&O) -> &Mutex<T>,
    ) {
        let guard = field(&owner).lock().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: the guard borrows a mutex inside `owner`'s allocation. `OwnedGuard` keeps
        // that `Arc` next to the guard and drops the guard first (field order), so the mutex
        // outlives the guard whatever lifetime it is given here.
        let guard =
            unsafe { std::mem::transmute::<MutexGuard<'_, T>, MutexGuard<'static, T>>(guard) };
        self.keep(OwnedGuard {
            _guard: guard,
            _owner: owner,
        });
    }

    /// Releases everything kept, last kept first.
    fn release(mut self) {
        while let Some(kept) = self.kept.pop() {
            drop(kept);
        }
    }
}

/// A guard of a mutex inside `owner`, which it keeps alive.
struct OwnedGuard<O: 'static, T: 'static> {
    /// Declared first: dropped (the mutex unlocked) before `_owner`.
    _guard: MutexGuard<'static, T>,
    _owner: Arc<O>,
}

/// One layer's process-wide locks: `take` locks them in the layer's fixed order and keeps the
/// guards in the [`ForkHold`]. Takers run in the order of their rank, lowest first, so that a
/// lock that code takes while holding another is always taken after it.
pub struct ForkTaker {
    armed: AtomicBool,
    rank: u8,
    take: fn(&mut ForkHold),
}

/// The armed takers, sorted by rank. The forking thread holds this lock across the fork too,
/// so no taker is armed half-way meanwhile.
static TAKERS: Mutex<Vec<&'static ForkTaker>> = Mutex::new(Vec::new());

thread_local! {
    /// What the forking thread holds between the two halves of a fork.
    static HELD: RefCell<Option<ForkHold>> = const { RefCell::new(None) };
}

impl ForkTaker {
    /// A taker of rank `rank` whose locks `take` takes.
    pub const fn new(rank: u8, take: fn(&mut ForkHold)) -> ForkTaker {
        ForkTaker {
            armed: AtomicBool::new(false),
            rank,
            take,
        }
    }

    /// Makes `take` run around every fork from now on. Call it before taking any of the
    /// taker's locks: a lock is only ever held once its taker is armed. After the first call
    /// it is one atomic load.
    #[inline]
    pub fn arm(&'static self) {
        if !self.armed.load(Ordering::Acquire) {
            self.arm_slow();
        }
    }

    #[cold]
    fn arm_slow(&'static self) {
        super::os::register_fork_handlers();
        let mut takers = TAKERS.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.armed.load(Ordering::Relaxed) {
            let at = takers.partition_point(|t| t.rank <= self.rank);
            takers.insert(at, self);
            self.armed.store(true, Ordering::Release);
        }
    }
}

/// Just before a fork, in the forking thread: takes the list of takers, then every taker's
/// locks in rank order.
pub(super) fn before_fork() {
    let takers = TAKERS.lock().unwrap_or_else(PoisonError::into_inner);
    let order: Vec<&'static ForkTaker> = takers.clone();
    let mut hold = ForkHold { kept: Vec::new() };
    hold.keep(takers);
    for taker in order {
        (taker.take)(&mut hold);
    }
    // During thread teardown the slot may be gone: the locks are then released at once.
    if let Err(hold) = stash(hold) {
        hold.release();
    }
}

/// Keeps `hold` in this thread's slot until [`after_fork`]; gives it back if the slot is gone.
fn stash(hold: ForkHold) -> Result<(), ForkHold> {
    let mut hold = Some(hold);
    let stored = HELD.try_with(|slot| *slot.borrow_mut() = hold.take());
    match (stored, hold) {
        (Err(_), Some(hold)) => Err(hold),
        _ => Ok(()),
    }
}

/// Just after a fork, in the parent and in the child: releases what [`before_fork`] took.
pub(super) fn after_fork() {
    if let Ok(Some(hold)) = HELD.try_with(|slot| slot.borrow_mut().take()) {
        hold.release();
    }
}
