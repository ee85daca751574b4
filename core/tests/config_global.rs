//! The global configuration: lazy start (nothing at library load time), file < environment <
//! run time, reload, save to the Python package's file, and strict errors at first use.

mod common;

use common::{child_config_dir, isolate_config};
use epyr_core::config::{self, Value};
use epyr_core::ErrorKind;
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
    let _ = epyr_core::DataCache::global().stats();
    let _ = epyr_core::info::performance_info_json();
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
    assert_eq!(epyr_core::DataCache::global().stats().max_bytes, 42 << 20);
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
    let loader = epyr_core::Loader::with_defaults();
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
    let loader = epyr_core::Loader::with_defaults().unwrap();
    let global = epyr_core::DataCache::global();
    global.clear();
    loader.load(&a, "").unwrap();
    assert!(
        loader.load_with(&a, epyr_core::Scaling::NONE).unwrap().1,
        "cached"
    );
    g.set("performance.cache_enabled", "false").unwrap();
    assert!(
        !loader.load_with(&a, epyr_core::Scaling::NONE).unwrap().1,
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
        serde_json::from_str(&epyr_core::info::performance_info_json()).unwrap();
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
    let e = epyr_core::Loader::with_defaults()
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
