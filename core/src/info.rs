//! Performance information as JSON: version, memory, CPUs, configuration, global cache and
//! threads. It reports the layers below it, so it sits beside the loader at the top of the
//! Rust layers.

use serde_json::{json, Value};

use crate::cache::DataCache;
use crate::config::{self, Key};
use crate::memory::memory_info;

/// The performance information as a JSON value:
/// `{"version", "memory": {rss_mb, vms_mb, percent, library_mb, limit_mb}, "cpu_count",
/// "config": {cache_enabled, cache_size_mb, chunk_size_mb, memory_limit_mb,
/// parallel_processing, threads}, "config_error", "cache": {entries, total_size_mb,
/// max_size_mb, usage_percent, hits, misses, evictions, invalidations}, "threads"}`.
/// `config_error` is null unless the configuration is unusable; then each key without a value
/// in force, the cache's budget (if a cache key has none) and `threads` are null.
pub fn performance_info() -> Value {
    let m = memory_info();
    let global = config::global();
    let snapshot = global.snapshot();
    let settings = global.settings();
    let mut config = serde_json::Map::new();
    for key in Key::ALL {
        let in_force = snapshot.value(key).map_or(Value::Null, |v| v.to_json());
        config.insert(key.short_name().into(), in_force);
    }
    let stats = DataCache::global().stats();
    // While a cache key has no value in force the global cache has no budget to report.
    let budget_known = global.cache_size_mb().is_ok();
    json!({
        "version": crate::VERSION,
        "memory": {
            "rss_mb": m.rss_mb,
            "vms_mb": m.vms_mb,
            "percent": m.percent,
            "library_mb": m.library_mb,
            "limit_mb": m.limit_mb,
        },
        "cpu_count": config::cpu_count(),
        "config": config,
        "config_error": settings.as_ref().err().map(|e| e.to_string()),
        "cache": {
            "entries": stats.entries,
            "total_size_mb": stats.total_size_mb(),
            "max_size_mb": budget_known.then(|| stats.max_size_mb()),
            "usage_percent": budget_known.then(|| stats.usage_percent()),
            "hits": stats.hits,
            "misses": stats.misses,
            "evictions": stats.evictions,
            "invalidations": stats.invalidations,
        },
        "threads": settings.ok().map(|s| s.effective_threads()),
    })
}

/// [`performance_info`] as indented JSON text.
pub fn performance_info_json() -> String {
    serde_json::to_string_pretty(&performance_info())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
