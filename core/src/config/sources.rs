//! Where each configuration value comes from: for every key, its value in force (or the error
//! that leaves it without one) and the source that gives it — the built-in default, the JSON
//! file, an environment variable, or a value set at run time — for `epyr config show` and
//! anything else that explains the configuration.

use std::path::Path;

use super::{Config, Key, Value};
use crate::error::Result;

/// The sources of configuration values, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// The built-in default.
    Default,
    /// The JSON configuration file.
    File,
    /// An `EPYR_PERFORMANCE_*` environment variable.
    Environment,
    /// A value set at run time.
    Set,
}

impl Layer {
    /// The layer's name (`default`, `file`, `environment`, `set`).
    pub fn name(self) -> &'static str {
        match self {
            Layer::Default => "default",
            Layer::File => "file",
            Layer::Environment => "environment",
            Layer::Set => "set",
        }
    }
}

/// One key: its value in force (or why it has none) and where that comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySource {
    /// The key.
    pub key: Key,
    /// The value in force, or the error of the source that sets it.
    pub value: Result<Value>,
    /// The source of the value.
    pub layer: Layer,
    /// The source in words: the file's path, the variable's name, `built-in`, `run time`.
    pub origin: String,
}

/// Every key of `config` with its value and source; `file` is the configuration file the
/// file layer was read from (named in `origin`).
pub fn key_sources(config: &Config, file: Option<&Path>) -> Vec<KeySource> {
    Key::ALL
        .into_iter()
        .map(|key| {
            let layer = config.layer_of(key);
            let origin = match layer {
                Layer::Default => "built-in".to_string(),
                Layer::File => file.map_or_else(
                    || "configuration file".to_string(),
                    |p| p.display().to_string(),
                ),
                Layer::Environment => key.env_var(),
                Layer::Set => "run time".to_string(),
            };
            KeySource {
                key,
                value: config.value(key),
                layer,
                origin,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_names_the_highest_source_that_sets_it() {
        let dir = std::env::temp_dir().join(format!("epyr-cfg-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.json");
        std::fs::write(
            &file,
            r#"{"performance": {"cache_size_mb": 5, "chunk_size_mb": 6}}"#,
        )
        .unwrap();
        let vars = [
            (
                "EPYR_PERFORMANCE_CHUNK_SIZE_MB".to_string(),
                "7".to_string(),
            ),
            ("EPYR_PERFORMANCE_THREADS".to_string(), "x".to_string()),
        ];
        let mut config = Config::from_sources(Some(&file), vars);
        config.set("performance.memory_limit_mb", "9").unwrap();
        let sources = key_sources(&config, Some(&file));
        let find = |k: Key| sources.iter().find(|s| s.key == k).unwrap();
        assert_eq!(find(Key::CacheSizeMb).layer, Layer::File);
        assert_eq!(find(Key::CacheSizeMb).origin, file.display().to_string());
        assert_eq!(find(Key::ChunkSizeMb).layer, Layer::Environment);
        assert_eq!(find(Key::ChunkSizeMb).value, Ok(Value::Number(7.0)));
        assert_eq!(
            find(Key::ChunkSizeMb).origin,
            "EPYR_PERFORMANCE_CHUNK_SIZE_MB"
        );
        assert_eq!(find(Key::MemoryLimitMb).layer, Layer::Set);
        assert_eq!(find(Key::CacheEnabled).layer, Layer::Default);
        let threads = find(Key::Threads);
        assert_eq!(threads.layer, Layer::Environment);
        assert!(threads.value.is_err(), "an unusable value is its error");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
