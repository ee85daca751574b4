//! The global configuration: lazy start (nothing at library load time), file < environment <
//! run time, reload, save to the Python package's file, and strict errors at first use.

mod common;

use common::isolate_config;
use epyr::config::{self, Value};
use epyr::ErrorKind;
use parking_lot::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn config_file() -> std::path::PathBuf {
    config::default_path().unwrap()
}

#[test]
fn default_path_is_the_python_package_file() {
    let _s = SERIAL.lock();
    isolate_config();
    config::global().clear_runtime();
    // The Python package's folder: its name and the variable naming its parent differ on
    // Windows.
    let (variable, folder) = if cfg!(windows) {
        ("APPDATA", "EPyRTools")
    } else {
        ("XDG_CONFIG_HOME", "epyrtools")
    };
    let base = std::env::var_os(variable).unwrap();
    assert_eq!(
        config_file(),
        std::path::Path::new(&base).join(folder).join("config.json")
    );
}

#[test]
fn first_use_creates_no_folder_and_writes_nothing() {
    let _s = SERIAL.lock();
    isolate_config();
    config::global().clear_runtime();
    let dir = config_file().parent().unwrap().to_path_buf();
    let _ = config::global().settings();
    let _ = epyr::DataCache::global().stats();
    let _ = epyr::info::performance_info_json();
    assert!(
        !dir.exists(),
        "the Python original created its folder at import; epyr does not"
    );
}

#[test]
fn file_environment_and_runtime_layers_through_reload() {
    let _s = SERIAL.lock();
    isolate_config();
    config::global().clear_runtime();
    let file = config_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        r#"{"general": {"x": 1}, "performance": {"cache_size_mb": 42, "chunk_size_mb": 3, "threads": 2}}"#,
    )
    .unwrap();
    std::env::set_var("EPYR_PERFORMANCE_CHUNK_SIZE_MB", "7");
    let g = config::global();
    g.reload(None).unwrap();
    std::env::remove_var("EPYR_PERFORMANCE_CHUNK_SIZE_MB");
    let s = g.settings().unwrap();
    assert_eq!(
        (s.cache_size_mb, s.chunk_size_mb, s.threads),
        (42.0, 7.0, 2)
    );
    assert_eq!(s.effective_threads(), 2);
    let generation = g.generation();
    g.set("performance.threads", "5").unwrap();
    assert!(g.generation() > generation);
    assert_eq!(g.get("performance.threads").unwrap(), Value::Number(5.0));
    // The global cache follows the configured size.
    assert_eq!(epyr::DataCache::global().stats().max_bytes, 42 << 20);
    // Saving keeps other sections; environment values are not written.
    g.save(None).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["general"]["x"], 1);
    assert_eq!(doc["performance"]["threads"], 5);
    assert_eq!(doc["performance"]["chunk_size_mb"], 3);
    // A bad file is refused on reload and nothing changes.
    std::fs::write(&file, r#"{"performance": {"memory_limit_mb": -5}}"#).unwrap();
    let e = g.reload(None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("memory_limit_mb") && e.to_string().contains("-5"));
    assert_eq!(g.settings().unwrap().cache_size_mb, 42.0);
    std::fs::remove_file(&file).unwrap();
    g.reload(None).unwrap();
    assert_eq!(
        g.settings().unwrap().threads,
        5,
        "run-time values survive a reload"
    );
    g.set("performance.threads", "0").unwrap();
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

#[test]
fn an_invalid_environment_value_at_first_use_is_an_error_not_a_default() {
    let _s = SERIAL.lock();
    isolate_config();
    config::global().clear_runtime();
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "child_reports_the_bad_environment_value",
        ])
        .env("EPYR_PERFORMANCE_CACHE_ENABLED", "maybe")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

/// Run by the test above in a child process with a bad environment variable.
#[test]
#[ignore = "run in a child process by an_invalid_environment_value_at_first_use_is_an_error_not_a_default"]
fn child_reports_the_bad_environment_value() {
    let e = config::global().settings().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.to_string().contains("EPYR_PERFORMANCE_CACHE_ENABLED"),
        "{e}"
    );
    assert!(e.to_string().contains("maybe"), "{e}");
    let loader = epyr::Loader::with_defaults();
    assert!(
        loader.is_err(),
        "a loader refuses to start on an unusable configuration"
    );
    // Fixing the environment and reloading makes the library usable again.
    std::env::remove_var("EPYR_PERFORMANCE_CACHE_ENABLED");
    config::global().reload(None).unwrap();
    assert!(config::global().settings().unwrap().cache_enabled);
}

#[test]
fn a_loader_that_exists_sees_cache_configuration_changes() {
    let _s = SERIAL.lock();
    isolate_config();
    config::global().clear_runtime();
    let dir = common::temp_dir("cfg-live-loader");
    let a = common::write_sample(&dir, "a", [64, 1, 1], &[false]);
    let b = common::write_sample(&dir, "b", [64, 1, 1], &[false]);
    let g = config::global();
    g.set("performance.cache_enabled", "true").unwrap();
    let loader = epyr::Loader::with_defaults().unwrap();
    let global = epyr::DataCache::global();
    global.clear();
    loader.load(&a, "").unwrap();
    assert!(
        loader.load_with(&a, epyr::Scaling::NONE).unwrap().1,
        "cached"
    );
    g.set("performance.cache_enabled", "false").unwrap();
    assert!(
        !loader.load_with(&a, epyr::Scaling::NONE).unwrap().1,
        "disabled: no hit"
    );
    loader.load(&b, "").unwrap();
    assert_eq!(global.stats().entries, 0, "disabled: nothing stored");
    g.set("performance.cache_enabled", "true").unwrap();
    g.set("performance.cache_size_mb", "0.001").unwrap();
    loader.load(&a, "").unwrap();
    assert_eq!(
        global.stats().entries,
        0,
        "1 kB budget: a 64-point dataset does not fit"
    );
    g.set("performance.cache_size_mb", "100").unwrap();
    loader.load(&a, "").unwrap();
    assert_eq!(global.stats().entries, 1);
    assert_eq!(global.stats().max_bytes, 100 << 20);
    global.clear();
}

#[test]
fn performance_info_has_every_section() {
    let _s = SERIAL.lock();
    isolate_config();
    config::global().clear_runtime();
    let info: serde_json::Value =
        serde_json::from_str(&epyr::info::performance_info_json()).unwrap();
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    for key in ["rss_mb", "vms_mb", "percent", "library_mb", "limit_mb"] {
        assert!(info["memory"][key].is_number(), "memory.{key}: {info}");
    }
    assert_eq!(info["cpu_count"], config::cpu_count());
    for key in config::Key::ALL {
        assert!(
            !info["config"][key.short_name()].is_null(),
            "config.{}",
            key.short_name()
        );
    }
    for key in [
        "entries",
        "total_size_mb",
        "max_size_mb",
        "usage_percent",
        "hits",
        "misses",
        "evictions",
        "invalidations",
    ] {
        assert!(info["cache"][key].is_number(), "cache.{key}: {info}");
    }
    assert_eq!(
        info["threads"],
        config::global().settings().unwrap().effective_threads()
    );
    assert!(info["config_error"].is_null());
}

/// A configuration folder with `epyrtools/` in it for a child process; returns the folder and
/// the path of its config file.
fn child_config_dir(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let xdg = common::temp_dir(name);
    // The configuration folder and file names of this system (`epyrtools` under
    // `XDG_CONFIG_HOME`, `EPyRTools` under `APPDATA`), as the library names them.
    isolate_config();
    let default = config_file();
    let folder = default.parent().and_then(|p| p.file_name()).unwrap();
    let file = xdg.join(folder).join(default.file_name().unwrap());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    (xdg, file)
}

#[test]
#[cfg_attr(windows, ignore = "Windows has no FIFOs among files")]
fn a_fifo_as_the_config_file_is_refused_without_blocking() {
    let _s = SERIAL.lock();
    isolate_config();
    let (xdg, file) = child_config_dir("cfg-fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&file)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {} failed", file.display());
    common::run_child_test(
        "child_starts_a_loader_with_a_fifo_as_the_config_file",
        &xdg,
        &[],
        std::time::Duration::from_secs(60),
    );
    std::fs::remove_dir_all(&xdg).unwrap();
}

/// Run by the test above in a child process whose config file is a FIFO.
#[test]
#[ignore = "run in a child process by a_fifo_as_the_config_file_is_refused_without_blocking"]
fn child_starts_a_loader_with_a_fifo_as_the_config_file() {
    let e = epyr::Loader::with_defaults()
        .err()
        .expect("a FIFO is no configuration");
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    let shown = config_file().display().to_string();
    assert!(
        e.message().contains(&shown) && e.message().contains("not a regular file"),
        "{e}"
    );
    assert_eq!(config::global().get("performance.threads").unwrap_err(), e);
}

/// Points the default config file at `make`'s result, reloads, and expects the reload to be
/// refused with a configuration error naming the file and saying `what`; the values in force
/// stay as they were.
fn reload_of_a_bad_config_file_is_refused(make: impl FnOnce(&std::path::Path), what: &str) {
    let g = config::global();
    g.set("performance.threads", "3").unwrap();
    let file = config_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    make(&file);
    let result = g.reload(None);
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    let shown = file.display().to_string();
    assert!(
        e.message().contains(&shown) && e.message().contains(what),
        "{e}"
    );
    assert_eq!(g.settings().unwrap().threads, 3, "nothing changed");
    g.clear_runtime();
}

#[test]
#[cfg_attr(windows, ignore = "a link to a device (/dev/zero) is a Unix thing")]
fn a_config_file_linked_to_a_device_is_refused_without_reading_it() {
    let _s = SERIAL.lock();
    isolate_config();
    config::global().clear_runtime();
    reload_of_a_bad_config_file_is_refused(link_to_dev_zero, "not a regular file");
}

/// Makes `file` a symbolic link to the device `/dev/zero`.
fn link_to_dev_zero(file: &std::path::Path) {
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/zero", file).unwrap();
    #[cfg(not(unix))]
    panic!("{}: no /dev/zero here", file.display());
}

#[test]
fn a_config_file_above_the_size_cap_is_refused_before_it_is_read() {
    let _s = SERIAL.lock();
    isolate_config();
    config::global().clear_runtime();
    reload_of_a_bad_config_file_is_refused(
        |file| {
            let f = std::fs::File::create(file).unwrap();
            f.set_len(config::MAX_CONFIG_FILE_BYTES + 1).unwrap();
        },
        &format!("more than the {} bytes", config::MAX_CONFIG_FILE_BYTES),
    );
}

#[test]
fn every_call_reports_the_value_in_force_while_a_key_is_unusable() {
    let _s = SERIAL.lock();
    isolate_config();
    let (xdg, file) = child_config_dir("cfg-in-force");
    std::fs::write(&file, r#"{"performance": {"cache_size_mb": 42}}"#).unwrap();
    common::run_child_test(
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
    unsafe {
        epyr::ffi::general::epyr_config_get(key.as_ptr(), std::ptr::null_mut(), 0, &mut needed)
    }
}

/// The status of `epyr_cache_stats` on the global cache, and the budget it reports in MB.
fn c_global_cache_budget() -> (i32, f64) {
    use epyr::ffi::cache::{epyr_cache_global, epyr_cache_stats};
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
    assert_eq!(epyr::Loader::with_defaults().err(), Some(e.clone()));
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
    let info = epyr::info::performance_info();
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
    assert!(epyr::Loader::with_defaults().is_ok());
    assert_eq!(epyr::DataCache::global().stats().max_bytes, 42 << 20);
    assert_eq!(c_global_cache_budget(), (0, 42.0));
    assert_eq!(c_config_get_status(c"performance.cache_enabled"), 0);
}
