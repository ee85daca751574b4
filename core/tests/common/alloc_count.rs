//! A counting global allocator for the tests that check how much a load allocates.
//!
//! A test binary installs it with
//! `#[global_allocator] static ALLOC: CountingAlloc = CountingAlloc;` and wraps a load in
//! [`measure`], which reports the largest single allocation request and the peak of the bytes
//! allocated and not yet freed, both counted on the calling thread only (the test harness runs
//! other tests on other threads at the same time, and epyr does not start threads).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, with per-thread counting while [`measure`] runs.
pub struct CountingAlloc;

thread_local! {
    // `const` initialisers with no destructor: touching them never allocates, so they are safe
    // to use inside the allocator.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn on_alloc(size: usize) {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            LARGEST.with(|l| l.set(l.get().max(size)));
            let live = LIVE.with(|l| {
                let v = l.get().saturating_add(size as isize);
                l.set(v);
                v
            });
            PEAK.with(|p| p.set(p.get().max(live)));
        }
    });
}

fn on_free(size: usize) {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            LIVE.with(|l| l.set(l.get().saturating_sub(size as isize)));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; the counting only touches
// thread-local `Cell`s and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_free(layout.size());
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        on_free(layout.size());
        on_alloc(new_size);
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What [`measure`] saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocStats {
    /// The largest single allocation (or reallocation) request, in bytes.
    pub largest: usize,
    /// The peak of bytes allocated during the call and not yet freed.
    pub peak_live: usize,
    /// Bytes allocated during the call and still not freed at its end (what its result keeps).
    pub live: usize,
}

/// Runs `f` with counting on for this thread and returns its result and the counts. Panics if
/// [`CountingAlloc`] is not the global allocator of the test binary (counts would be zero and
/// every bound would hold trivially).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, AllocStats) {
    LARGEST.with(|c| c.set(0));
    LIVE.with(|c| c.set(0));
    PEAK.with(|c| c.set(0));
    ACTIVE.with(|a| a.set(true));
    let probe = std::hint::black_box(Box::new(std::hint::black_box([0u8; 24])));
    drop(probe);
    let installed = LARGEST.with(Cell::get) >= 24;
    LARGEST.with(|c| c.set(0));
    LIVE.with(|c| c.set(0));
    PEAK.with(|c| c.set(0));
    let out = f();
    ACTIVE.with(|a| a.set(false));
    assert!(
        installed,
        "CountingAlloc is not the global allocator of this test binary"
    );
    let stats = AllocStats {
        largest: LARGEST.with(Cell::get),
        peak_live: PEAK.with(Cell::get).max(0) as usize,
        live: LIVE.with(Cell::get).max(0) as usize,
    };
    (out, stats)
}
