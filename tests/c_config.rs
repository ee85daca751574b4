//! The C ABI reports the configuration value in force: while a key is unusable, the C calls
//! that need it report the same configuration error as the core, and a value set at run time
//! repairs the key for them too (run in a child process with its own configuration folder).

#[path = "../core/tests/common/mod.rs"]
mod common;

use common::{child_config_dir, isolate_config, run_child_test};
use epyr_core::config::{self, Value};
use epyr_core::ErrorKind;

#[test]
fn every_call_reports_the_value_in_force_while_a_key_is_unusable() {
    isolate_config();
    let (xdg, file) = child_config_dir("cfg-in-force");
    std::fs::write(&file, r#"{"performance": {"cache_size_mb": 42}}"#).unwrap();
    run_child_test(
        "child_with_an_invalid_environment_value_reports_only_values_in_force",
        &xdg,
        &[("EPYR_PERFORMANCE_CACHE_ENABLED", "maybe")],
        std::time::Duration::from_secs(60),
    );
    std::fs::remove_dir_all(&xdg).unwrap();
}

/// The status of `epyr_config_get` for `key` (a size query).
fn c_config_get_status(key: &std::ffi::CStr) -> i32 {
    let mut needed = 0u64;
    // SAFETY: `key` is NUL-terminated, no buffer is passed, `needed` is valid for one write.
    unsafe { epyr::general::epyr_config_get(key.as_ptr(), std::ptr::null_mut(), 0, &mut needed) }
}

/// The status of `epyr_cache_stats` on the global cache, and the budget it reports in MB.
fn c_global_cache_budget() -> (i32, f64) {
    use epyr::cache::{epyr_cache_global, epyr_cache_stats};
    let mut max_mb = f64::NAN;
    let none = std::ptr::null_mut();
    // SAFETY: the global cache handle is always live; every out-pointer is NULL or valid.
    let status = unsafe {
        epyr_cache_stats(
            epyr_cache_global(),
            none,
            std::ptr::null_mut(),
            &mut max_mb,
            std::ptr::null_mut(),
            none,
            none,
        )
    };
    (status, max_mb)
}

/// Run by the test above in a child process with `cache_size_mb` 42 in the file and an invalid
/// `EPYR_PERFORMANCE_CACHE_ENABLED`.
#[test]
#[ignore = "run in a child process by every_call_reports_the_value_in_force_while_a_key_is_unusable"]
fn child_with_an_invalid_environment_value_reports_only_values_in_force() {
    let g = config::global();
    let e = g.get("performance.cache_enabled").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.message().contains("EPYR_PERFORMANCE_CACHE_ENABLED") && e.message().contains("maybe"),
        "{e}"
    );
    assert_eq!(
        g.get("performance.cache_size_mb").unwrap(),
        Value::Number(42.0),
        "the file's valid values stay in force"
    );
    assert_eq!(epyr_core::Loader::with_defaults().err(), Some(e.clone()));
    let config_code = ErrorKind::Config.code();
    assert_eq!(
        c_config_get_status(c"performance.cache_enabled"),
        config_code
    );
    assert_eq!(c_config_get_status(c"performance.cache_size_mb"), 0);
    assert_eq!(
        c_global_cache_budget().0,
        config_code,
        "the cache has no budget in force"
    );
    let info = epyr_core::info::performance_info();
    assert!(info["config"]["cache_enabled"].is_null(), "{info}");
    assert_eq!(info["config"]["cache_size_mb"], 42, "{info}");
    assert!(info["cache"]["max_size_mb"].is_null(), "{info}");
    assert!(
        info["config_error"].as_str().unwrap().contains("maybe"),
        "{info}"
    );

    // Run time beats the environment: a valid value set now repairs the key everywhere.
    g.set("performance.cache_enabled", "true").unwrap();
    assert_eq!(
        g.get("performance.cache_enabled").unwrap(),
        Value::Bool(true)
    );
    assert!(g.settings().is_ok());
    assert!(epyr_core::Loader::with_defaults().is_ok());
    assert_eq!(epyr_core::DataCache::global().stats().max_bytes, 42 << 20);
    assert_eq!(c_global_cache_budget(), (0, 42.0));
    assert_eq!(c_config_get_status(c"performance.cache_enabled"), 0);
}
