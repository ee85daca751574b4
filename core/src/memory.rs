//! Memory monitoring: the process's resident and virtual size, its share of system memory, and
//! the bytes epyr itself holds, checked against `performance.memory_limit_mb`.
//!
//! The limit bounds the library's own bytes ([`crate::accounting::library_bytes`]: live
//! datasets, cache bookkeeping, reader buffers), not the whole host process: a LabVIEW or
//! MATLAB process is large on its own.

use crate::accounting::library_bytes;
use crate::cache::DataCache;
use crate::config::{self, MB};
use crate::error::Result;
use crate::sys::{process_memory_bytes, release_free_heap, total_memory_bytes};

/// A snapshot of memory use, in MB (MiB).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MemoryInfo {
    /// Resident set size of the process.
    pub rss_mb: f64,
    /// Virtual memory size of the process.
    pub vms_mb: f64,
    /// Resident size as a percentage of the system's physical memory.
    pub percent: f64,
    /// Bytes held by epyr (datasets, cache bookkeeping, reader buffers).
    pub library_mb: f64,
    /// `performance.memory_limit_mb` (0 = no limit; NaN while the key has no value in force).
    pub limit_mb: f64,
}

/// What [`optimize_memory`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptimizeReport {
    /// Cache entries evicted.
    pub evicted_entries: usize,
    /// Decrease of the library's held bytes.
    pub library_bytes_released: u64,
    /// Decrease of the process's resident size (heap returned to the system and evictions).
    pub rss_bytes_released: u64,
}

/// The current memory use. `limit_mb` is NaN while `memory_limit_mb` has no value in force
/// (an unusable source sets it; the configuration getters report why).
pub fn memory_info() -> MemoryInfo {
    let (rss, vms) = process_memory_bytes().unwrap_or((0, 0));
    let total = total_memory_bytes();
    let limit_mb = match config::global().value(config::Key::MemoryLimitMb) {
        Ok(config::Value::Number(mb)) => mb,
        _ => f64::NAN,
    };
    MemoryInfo {
        rss_mb: rss as f64 / MB,
        vms_mb: vms as f64 / MB,
        percent: if total == 0 {
            0.0
        } else {
            100.0 * rss as f64 / total as f64
        },
        library_mb: library_bytes() as f64 / MB,
        limit_mb,
    }
}

/// Whether the library's held bytes are within `performance.memory_limit_mb` (always true for
/// no limit). An unusable configuration is an error.
pub fn check_memory_limit() -> Result<bool> {
    let settings = config::global().settings()?;
    Ok(settings
        .memory_limit_bytes()
        .is_none_or(|limit| library_bytes() as u64 <= limit))
}

/// Evicts entries of `cache` (least recently used first) until the library's held bytes are
/// within the limit (or the cache is empty), then returns unused heap to the system.
pub fn optimize_memory_of(cache: &DataCache) -> Result<OptimizeReport> {
    let settings = config::global().settings()?;
    let (rss_before, _) = process_memory_bytes().unwrap_or((0, 0));
    let held_before = library_bytes() as u64;
    let mut evicted = 0;
    if let Some(limit) = settings.memory_limit_bytes() {
        while library_bytes() as u64 > limit && cache.evict_reclaimable().is_some() {
            evicted += 1;
        }
    }
    release_free_heap();
    let (rss_after, _) = process_memory_bytes().unwrap_or((0, 0));
    Ok(OptimizeReport {
        evicted_entries: evicted,
        library_bytes_released: held_before.saturating_sub(library_bytes() as u64),
        rss_bytes_released: rss_before.saturating_sub(rss_after),
    })
}

/// [`optimize_memory_of`] the global cache.
pub fn optimize_memory() -> Result<OptimizeReport> {
    optimize_memory_of(DataCache::global())
}
