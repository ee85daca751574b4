//! The memory budget of a batch: each task takes, before it reads anything large, a permit for
//! the bytes its dataset and its outputs' buffers will hold, and gives it back when done. A
//! task that does not fit waits until running tasks give enough back; one that alone needs
//! more than the budget fails at once with a message naming both. The sum of the permits, and
//! so the memory the batch holds, never exceeds the budget, however many files there are.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use epyr_core::{Error, ErrorKind, Result};
use parking_lot::{Condvar, Mutex};

use crate::report::megabytes;

/// Bytes handed out under a limit.
pub struct Budget {
    limit: Option<u64>,
    used: Mutex<u64>,
    freed: Condvar,
    peak: AtomicU64,
}

/// Bytes taken from a [`Budget`], given back on drop.
pub struct Permit<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    /// A budget of `limit` bytes (`None`: no limit).
    pub fn new(limit: Option<u64>) -> Budget {
        Budget {
            limit,
            used: Mutex::new(0),
            freed: Condvar::new(),
            peak: AtomicU64::new(0),
        }
    }

    /// The limit in bytes, if any.
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// The most bytes handed out at once so far.
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Takes `bytes` for the task of `path`, waiting while other tasks hold too much;
    /// [`ErrorKind::MemoryLimit`] if `bytes` alone exceed the limit.
    pub fn acquire(&self, bytes: u64, path: &Path) -> Result<Permit<'_>> {
        let mut used = self.used.lock();
        if let Some(limit) = self.limit {
            if bytes > limit {
                return Err(Error::new(
                    ErrorKind::MemoryLimit,
                    format!(
                        "{}: converting it needs {}, more than the memory budget \
                         (performance.memory_limit_mb) of {}; raise the budget for this run \
                         with --set performance.memory_limit_mb=...",
                        path.display(),
                        megabytes(bytes),
                        megabytes(limit)
                    ),
                ));
            }
            while *used + bytes > limit {
                self.freed.wait(&mut used);
            }
        }
        *used += bytes;
        self.peak.fetch_max(*used, Ordering::Relaxed);
        Ok(Permit {
            budget: self,
            bytes,
        })
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.budget.used.lock() -= self.bytes;
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_never_sum_above_the_limit_and_a_task_too_large_fails() {
        let budget = Budget::new(Some(100));
        let e = budget.acquire(101, Path::new("big.DSC")).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::MemoryLimit);
        assert!(e.message().contains("big.DSC"), "{e}");
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        let _p = budget.acquire(40, Path::new("x")).unwrap();
                        std::thread::yield_now();
                    }
                });
            }
        });
        assert!(budget.peak() <= 100, "peak {}", budget.peak());
        assert!(budget.peak() >= 40);
        assert_eq!(*budget.used.lock(), 0, "every permit was given back");
    }
}
