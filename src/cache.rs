//! Data caches: the global one and caches the caller creates.

use std::sync::Arc;

use super::boundary::{status, status_on, Out};
use super::handles::{self, epyr_cache, CacheRef};
use epyr_core::cache::{mb_to_bytes, CacheStats, DataCache};
use epyr_core::config;
use epyr_core::error::Result;

/// The statistics of a cache. For the global cache, while `performance.cache_enabled` or
/// `performance.cache_size_mb` has no value in force, the error of that key: the budget the
/// cache runs with (0, storing nothing) is then not a configured one.
fn checked_stats(cache: *const epyr_cache) -> Result<CacheStats> {
    let cache = handles::get(cache, "cache")?;
    if matches!(cache, CacheRef::Global) {
        config::global().cache_size_mb()?;
    }
    Ok(cache.cache().stats())
}

/// Creates a data cache with a budget of `max_size_mb` MB (MiB; 0 stores nothing) and writes
/// its handle to `*out`. Pass it to `epyr_loader_new` to keep a set of datasets apart from the
/// global cache. Free it with `epyr_cache_free`; datasets loaded through it stay valid after.
///
/// Thread-safe; the cache may be shared by any number of threads and loaders.
/// Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (negative, NaN or above 1e9).
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn epyr_cache_new(max_size_mb: f64, out: *mut *mut epyr_cache) -> i32 {
    status(|| {
        // SAFETY: NULL or valid for one write (this function's contract).
        let out = unsafe { Out::required(out, "out") }?;
        let cache = DataCache::with_size_mb(max_size_mb)?;
        out.write(handles::register::<epyr_cache>(CacheRef::Owned(Arc::new(
            cache,
        ))));
        Ok(())
    })
}

/// The process-wide cache, sized and enabled by the configuration
/// (`performance.cache_size_mb`, `performance.cache_enabled`). Loaders made with a NULL
/// cache use it.
///
/// Never NULL. Not freed by the caller (`epyr_cache_free` ignores it). Thread-safe.
#[no_mangle]
pub extern "C" fn epyr_cache_global() -> *mut epyr_cache {
    super::boundary::guarded(std::ptr::null_mut(), handles::global_cache)
}

/// Frees a cache handle made by `epyr_cache_new`. Datasets loaded through the cache stay
/// valid; loaders using it keep it alive until they are freed. NULL, the global cache and
/// handles freed already are ignored.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn epyr_cache_free(cache: *mut epyr_cache) {
    super::boundary::guarded((), || handles::release(cache))
}

/// Statistics of a cache: entries stored, MB they hold, budget in MB, usage in percent of the
/// budget, hits and misses (every lookup is one of the two). Each out-pointer may be NULL to
/// skip that value.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG` (`cache`), `EPYR_ERR_INVALID_ARG` (not a live
/// cache handle), `EPYR_ERR_CONFIG` (global cache while `performance.cache_enabled` or
/// `performance.cache_size_mb` has no valid value in force).
///
/// # Safety
/// Each out-pointer is NULL or valid for writing one value of its type.
#[no_mangle]
pub unsafe extern "C" fn epyr_cache_stats(
    cache: *const epyr_cache,
    entries: *mut u64,
    total_size_mb: *mut f64,
    max_size_mb: *mut f64,
    usage_percent: *mut f64,
    hits: *mut u64,
    misses: *mut u64,
) -> i32 {
    status_on(cache as usize, || {
        let s = checked_stats(cache)?;
        // SAFETY: each pointer is NULL or valid for one write (this function's contract).
        unsafe {
            Out::optional(entries).write(s.entries as u64);
            Out::optional(total_size_mb).write(s.total_size_mb());
            Out::optional(max_size_mb).write(s.max_size_mb());
            Out::optional(usage_percent).write(s.usage_percent());
            Out::optional(hits).write(s.hits);
            Out::optional(misses).write(s.misses);
        }
        Ok(())
    })
}

/// More statistics of a cache: bytes held and budget in bytes (exact), evictions (entries
/// removed to make room: budget, resize, memory limit) and invalidations (entries dropped
/// because a source file changed or disappeared). Each out-pointer may be NULL.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG` (`cache`), `EPYR_ERR_INVALID_ARG`.
///
/// # Safety
/// Each out-pointer is NULL or valid for writing one `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn epyr_cache_stats_ex(
    cache: *const epyr_cache,
    total_bytes: *mut u64,
    max_bytes: *mut u64,
    evictions: *mut u64,
    invalidations: *mut u64,
) -> i32 {
    status_on(cache as usize, || {
        let s = checked_stats(cache)?;
        // SAFETY: each pointer is NULL or valid for one write (this function's contract).
        unsafe {
            Out::optional(total_bytes).write(s.total_bytes as u64);
            Out::optional(max_bytes).write(s.max_bytes as u64);
            Out::optional(evictions).write(s.evictions);
            Out::optional(invalidations).write(s.invalidations);
        }
        Ok(())
    })
}

/// Removes every entry of a cache (not counted as evictions). Datasets handed out stay valid.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`.
#[no_mangle]
pub extern "C" fn epyr_cache_clear(cache: *mut epyr_cache) -> i32 {
    status_on(cache as usize, || {
        handles::get(cache, "cache")?.cache().clear();
        Ok(())
    })
}

/// Changes the budget of a cache to `max_size_mb` MB, evicting least recently used entries
/// until the rest fits. For the global cache this sets `performance.cache_size_mb` (so the
/// configuration, `epyr_config_get` and `epyr_config_save` agree with the cache).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (bad handle; negative, NaN
/// or above 1e9), `EPYR_ERR_CONFIG` (global cache: value rejected by the configuration).
#[no_mangle]
pub extern "C" fn epyr_cache_resize(cache: *mut epyr_cache, max_size_mb: f64) -> i32 {
    status_on(cache as usize, || {
        let bytes = mb_to_bytes(max_size_mb)?;
        match handles::get(cache, "cache")? {
            CacheRef::Global => {
                config::global().set("performance.cache_size_mb", &max_size_mb.to_string())
            }
            CacheRef::Owned(c) => {
                c.resize(bytes);
                Ok(())
            }
        }
    })
}
