//! Tests of the configuration as a whole: precedence, parsing, the file, saving.

use std::path::{Path, PathBuf};

use super::*;
use crate::error::ErrorKind;
use serde_json::Value as Json;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn defaults_are_the_seeds() {
    let s = Config::new().settings().unwrap();
    assert!(s.cache_enabled && s.parallel_processing);
    assert_eq!(
        (
            s.cache_size_mb,
            s.chunk_size_mb,
            s.memory_limit_mb,
            s.threads
        ),
        (100.0, 10.0, 500.0, 0)
    );
    assert!(s.effective_threads() >= 1);
}

#[test]
fn env_var_names_map_every_underscore_after_the_section() {
    // Python 0.2.0 bug: every `_` became `.`, so the documented variables had no effect.
    let mut c = Config::new();
    c.load_env(env(&[("EPYR_PERFORMANCE_CACHE_SIZE_MB", "200")]))
        .unwrap();
    assert_eq!(
        c.get("performance.cache_size_mb").unwrap(),
        Value::Number(200.0)
    );
}

#[test]
fn precedence_is_default_file_env_runtime() {
    let dir = std::env::temp_dir().join(format!("epyr-cfg-prec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.json");
    std::fs::write(
        &file,
        r#"{"performance": {"cache_size_mb": 1, "chunk_size_mb": 2, "memory_limit_mb": 3}}"#,
    )
    .unwrap();
    let mut c = Config::new();
    c.load_file(&file).unwrap();
    c.load_env(env(&[
        ("EPYR_PERFORMANCE_CHUNK_SIZE_MB", "20"),
        ("EPYR_PERFORMANCE_MEMORY_LIMIT_MB", "30"),
    ]))
    .unwrap();
    c.set("performance.memory_limit_mb", "300").unwrap();
    let s = c.settings().unwrap();
    assert_eq!(s.cache_size_mb, 1.0);
    assert_eq!(s.chunk_size_mb, 20.0);
    assert_eq!(s.memory_limit_mb, 300.0);
    assert_eq!(s.threads, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_values_are_errors_not_defaults() {
    let mut c = Config::new();
    for (key, bad) in [
        ("performance.cache_size_mb", "-5"),
        ("performance.cache_size_mb", "abc"),
        ("performance.chunk_size_mb", "0"),
        ("performance.cache_enabled", "maybe"),
        ("performance.threads", "1.5"),
        ("performance.memory_limit_mb", "nan"),
    ] {
        let e = c.set(key, bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(
            e.to_string().contains(key) && e.to_string().contains(bad),
            "{e}"
        );
    }
    assert_eq!(c, Config::new(), "a rejected value changes nothing");
    c.set("performance.cache_enabled", "False").unwrap();
    assert!(
        !c.settings().unwrap().cache_enabled,
        "'False' is false, not a truthy string"
    );
    c.set("performance.cache_size_mb", "0").unwrap();
    assert_eq!(c.settings().unwrap().cache_size_mb, 0.0, "0 stays 0");
    assert!(c.set("performance.nope", "1").is_err());
    assert!(c.set("cache_size_mb", "1").is_err());
}

#[test]
fn bad_env_value_is_rejected_whole() {
    let mut c = Config::new();
    let e = c
        .load_env(env(&[
            ("EPYR_PERFORMANCE_CACHE_SIZE_MB", "7"),
            ("EPYR_PERFORMANCE_CACHE_ENABLED", "yes please"),
        ]))
        .unwrap_err();
    assert!(
        e.to_string().contains("EPYR_PERFORMANCE_CACHE_ENABLED"),
        "{e}"
    );
    assert_eq!(c.settings().unwrap().cache_size_mb, 100.0);
}

#[test]
fn save_keeps_unknown_keys_and_sections() {
    let dir = std::env::temp_dir().join(format!("epyr-cfg-save-{}", std::process::id()));
    let file = dir.join("sub").join("config.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        r#"{"plotting": {"dpi": 300}, "performance": {"cache_size_mb": 50, "future_key": "x"}}"#,
    )
    .unwrap();
    let mut c = Config::new();
    c.load_file(&file).unwrap();
    c.load_env(env(&[("EPYR_PERFORMANCE_CHUNK_SIZE_MB", "99")]))
        .unwrap();
    c.set("performance.threads", "3").unwrap();
    c.save(&file).unwrap();
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["plotting"]["dpi"], 300);
    assert_eq!(doc["performance"]["future_key"], "x");
    assert_eq!(doc["performance"]["cache_size_mb"], 50);
    assert_eq!(doc["performance"]["threads"], 3);
    assert_eq!(doc["performance"]["chunk_size_mb"], 10, "env is not saved");
    let mut back = Config::new();
    back.load_file(&file).unwrap();
    assert_eq!(back.settings().unwrap().threads, 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg_attr(
    windows,
    ignore = "symbolic links need a privilege on Windows; the save code is the same"
)]
fn save_through_a_symbolic_link_replaces_the_file_it_names_and_keeps_the_link() {
    let dir = temp_dir("save-link");
    let real_dir = dir.join("dotfiles");
    std::fs::create_dir_all(&real_dir).unwrap();
    let real = real_dir.join("epyr.json");
    std::fs::write(&real, r#"{"plotting": {"dpi": 300}}"#).unwrap();
    let config_dir = dir.join("epyrtools");
    std::fs::create_dir_all(&config_dir).unwrap();
    let link = config_dir.join("config.json");
    let middle = dir.join("middle.json");
    // config.json -> ../middle.json (relative) -> dotfiles/epyr.json (absolute).
    symlink(&real, &middle);
    symlink(Path::new("../middle.json"), &link);
    let mut c = Config::new();
    c.set("performance.threads", "5").unwrap();
    c.save(&link).unwrap();
    for l in [&link, &middle] {
        let kind = std::fs::symlink_metadata(l).unwrap().file_type();
        assert!(kind.is_symlink(), "{} is no longer a link", l.display());
    }
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    assert_eq!(
        doc["performance"]["threads"], 5,
        "the linked file was not written"
    );
    assert_eq!(doc["plotting"]["dpi"], 300);
    let leftovers: Vec<_> = std::fs::read_dir(&real_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
    // A link to a file that does not exist yet: the file is made where the link points.
    let dangling = config_dir.join("new.json");
    let absent = real_dir.join("absent.json");
    symlink(&absent, &dangling);
    c.save(&dangling).unwrap();
    assert!(std::fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(absent.is_file());
    // A loop is an error, not a hang.
    symlink(Path::new("loop-b"), &dir.join("loop-a"));
    symlink(Path::new("loop-a"), &dir.join("loop-b"));
    let e = c.save(&dir.join("loop-a")).unwrap_err();
    assert!(e.to_string().contains("loop-a"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Makes `link` a symbolic link to `to`.
fn symlink(to: &Path, link: &Path) {
    #[cfg(unix)]
    std::os::unix::fs::symlink(to, link).unwrap();
    #[cfg(windows)]
    std::os::windows::fs::symlink_file(to, link).unwrap();
}

#[test]
fn file_with_wrong_types_is_an_error_naming_file_and_key() {
    let dir = std::env::temp_dir().join(format!("epyr-cfg-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.json");
    std::fs::write(&file, r#"{"performance": {"cache_enabled": 5}}"#).unwrap();
    let e = Config::new().load_file(&file).unwrap_err();
    assert!(e.to_string().contains("cache_enabled") && e.to_string().contains("config.json"));
    std::fs::write(&file, "not json").unwrap();
    assert_eq!(
        Config::new().load_file(&file).unwrap_err().kind(),
        ErrorKind::Config
    );
    std::fs::write(&file, r#"{"performance": {"cache_enabled": "False"}}"#).unwrap();
    let mut c = Config::new();
    c.load_file(&file).unwrap();
    assert!(!c.settings().unwrap().cache_enabled);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn file_value_reads_a_key_of_any_section_and_refuses_a_file_that_is_not_regular() {
    let dir = temp_dir("file-value");
    let file = dir.join("config.json");
    std::fs::write(
        &file,
        r#"{"plotting": {"dpi": 150, "style": {"cmap": "viridis"}}}"#,
    )
    .unwrap();
    let value = |key| file_value(Some(&file), key);
    assert_eq!(value("plotting.dpi").unwrap(), Json::from(150));
    assert_eq!(value("plotting.style.cmap").unwrap(), Json::from("viridis"));
    assert_eq!(value("plotting").unwrap()["dpi"], Json::from(150));
    for missing in ["plotting.size", "plotting.dpi.x", "fitting", "plotting."] {
        assert_eq!(
            value(missing).unwrap_err().kind(),
            ErrorKind::NotFound,
            "{missing}"
        );
    }
    let none = dir.join("none.json");
    assert_eq!(
        file_value(Some(&none), "a").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // A folder where the file should be: refused as not a regular file (Windows does not
    // open a folder as a file at all).
    let e = file_value(Some(&dir), "plotting.dpi").unwrap_err();
    let refused = if cfg!(windows) {
        e.kind() != ErrorKind::NotFound
    } else {
        e.kind() == ErrorKind::Config
    };
    assert!(refused, "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fresh temporary folder for one unit test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("epyr-cfg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn an_invalid_source_value_leaves_its_key_without_a_value_until_set_at_run_time() {
    let dir = temp_dir("in-force");
    let file = dir.join("config.json");
    std::fs::write(
        &file,
        r#"{"performance": {"cache_size_mb": 42, "threads": 3}}"#,
    )
    .unwrap();
    let mut c = Config::from_sources(
        Some(&file),
        env(&[("EPYR_PERFORMANCE_CACHE_ENABLED", "maybe")]),
    );
    let e = c.value(Key::CacheEnabled).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.message().contains("EPYR_PERFORMANCE_CACHE_ENABLED") && e.message().contains("maybe"),
        "{e}"
    );
    assert_eq!(
        c.settings().unwrap_err(),
        e,
        "the whole configuration reports the same error"
    );
    assert_eq!(
        c.value(Key::CacheSizeMb).unwrap(),
        Value::Number(42.0),
        "file value kept"
    );
    assert_eq!(c.value(Key::Threads).unwrap(), Value::Number(3.0));
    assert_eq!(
        c.value(Key::ChunkSizeMb).unwrap(),
        Value::Number(10.0),
        "default kept"
    );
    assert!(c.set("performance.cache_enabled", "perhaps").is_err());
    assert!(c.settings().is_err(), "a refused set repairs nothing");
    c.set("performance.cache_enabled", "false").unwrap();
    let s = c.settings().unwrap();
    assert!(!s.cache_enabled);
    assert_eq!((s.cache_size_mb, s.threads), (42.0, 3));
    c.clear_runtime();
    assert_eq!(
        c.value(Key::CacheEnabled).unwrap_err(),
        e,
        "the environment applies again"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unusable_file_is_the_error_of_every_key_only_it_could_set() {
    let dir = temp_dir("bad-file");
    let file = dir.join("config.json");
    std::fs::write(&file, "{not json").unwrap();
    let c = Config::from_sources(Some(&file), env(&[("EPYR_PERFORMANCE_THREADS", "2")]));
    assert_eq!(
        c.value(Key::Threads).unwrap(),
        Value::Number(2.0),
        "the environment wins"
    );
    let e = c.value(Key::CacheSizeMb).unwrap_err();
    assert!(
        e.message().contains("config.json") && e.message().contains("JSON"),
        "{e}"
    );
    assert!(Config::layered(Some(&file)).is_err());
    let missing = Config::from_sources(Some(&dir.join("none.json")), env(&[]));
    assert_eq!(
        missing.settings().unwrap(),
        Config::new().settings().unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_file_and_the_environment_accept_the_same_values() {
    let dir = temp_dir("same-parser");
    let file = dir.join("config.json");
    // (JSON text in the file, the same value as an environment variable's text)
    let cases = [
        ("cache_enabled", "1", "1"),
        ("cache_enabled", "0", "0"),
        ("cache_enabled", "true", "true"),
        ("cache_enabled", "\"False\"", "False"),
        ("cache_enabled", "5", "5"),
        ("cache_enabled", "1.0", "1.0"),
        ("threads", "2", "2"),
        ("threads", "2.5", "2.5"),
        ("threads", "true", "true"),
        ("cache_size_mb", "\"7\"", "7"),
        ("cache_size_mb", "-1", "-1"),
    ];
    for (key, json, text) in cases {
        std::fs::write(&file, format!(r#"{{"performance": {{"{key}": {json}}}}}"#)).unwrap();
        let name = format!("EPYR_PERFORMANCE_{}", key.to_ascii_uppercase());
        let from_file = Config::from_sources(Some(&file), env(&[])).settings();
        let from_env = Config::from_sources(None, env(&[(name.as_str(), text)])).settings();
        assert_eq!(
            from_file.is_ok(),
            from_env.is_ok(),
            "{key}: file {json} gives {from_file:?}, environment {text} gives {from_env:?}"
        );
        if let (Ok(a), Ok(b)) = (from_file, from_env) {
            assert_eq!(a, b, "{key}: file {json}, environment {text}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_typed_value_of_the_other_type_is_refused_and_changes_nothing() {
    let mut c = Config::new();
    let e = c
        .set_value(Key::CacheEnabled, Value::Number(1.0))
        .unwrap_err();
    assert!(
        e.message().contains("performance.cache_enabled") && e.message().contains("boolean"),
        "{e}"
    );
    let e = c.set_value(Key::Threads, Value::Bool(true)).unwrap_err();
    assert!(
        e.message().contains("performance.threads") && e.message().contains("numeric"),
        "{e}"
    );
    assert_eq!(c, Config::new());
}
