//! Configuration shared with the Python package EPyR Tools.
//!
//! Keys (section `performance` of the Python package's `config.json`): `cache_enabled` (true),
//! `cache_size_mb` (100), `chunk_size_mb` (10), `memory_limit_mb` (500, `0` = no limit),
//! `parallel_processing` (true), and epyr's own `threads` (0 = auto: half the cores, at least 1).
//!
//! Precedence: built-in defaults < JSON file < `EPYR_PERFORMANCE_*` environment < values set at
//! run time. Every value is validated; an invalid one is an error naming the key, the source and
//! the value, never a silent default. Nothing happens at library load time: the global
//! configuration reads its file and environment on first use.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use parking_lot::RwLock;
use serde_json::{Map, Value as Json};

use crate::error::{Error, ErrorKind, Result};

/// A configuration key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// `performance.cache_enabled`: whether the global cache stores datasets.
    CacheEnabled,
    /// `performance.cache_size_mb`: the byte budget of the global cache, in MB (0 stores nothing).
    CacheSizeMb,
    /// `performance.chunk_size_mb`: the chunk size of the chunked reader, in MB (> 0).
    ChunkSizeMb,
    /// `performance.memory_limit_mb`: the bound on the bytes epyr holds, in MB (0 = no limit).
    MemoryLimitMb,
    /// `performance.parallel_processing`: whether large files are decoded by several threads.
    ParallelProcessing,
    /// `performance.threads`: worker threads for decoding and batch loads (0 = auto).
    Threads,
}

/// The section of the JSON file that holds the keys.
pub const SECTION: &str = "performance";

impl Key {
    /// Every key, in the order of the Python package's defaults (then `threads`).
    pub const ALL: [Key; 6] = [
        Key::CacheEnabled,
        Key::CacheSizeMb,
        Key::ChunkSizeMb,
        Key::MemoryLimitMb,
        Key::ParallelProcessing,
        Key::Threads,
    ];

    /// The key's name within the `performance` section (`cache_size_mb`).
    pub const fn short_name(self) -> &'static str {
        match self {
            Key::CacheEnabled => "cache_enabled",
            Key::CacheSizeMb => "cache_size_mb",
            Key::ChunkSizeMb => "chunk_size_mb",
            Key::MemoryLimitMb => "memory_limit_mb",
            Key::ParallelProcessing => "parallel_processing",
            Key::Threads => "threads",
        }
    }

    /// The dotted name (`performance.cache_size_mb`).
    pub fn dotted_name(self) -> String {
        format!("{SECTION}.{}", self.short_name())
    }

    /// The environment variable that sets the key (`EPYR_PERFORMANCE_CACHE_SIZE_MB`).
    pub fn env_var(self) -> String {
        format!(
            "EPYR_{}_{}",
            SECTION.to_ascii_uppercase(),
            self.short_name().to_ascii_uppercase()
        )
    }

    /// The key of a dotted name.
    pub fn from_dotted(name: &str) -> Result<Key> {
        Key::ALL
            .into_iter()
            .find(|k| name.strip_prefix("performance.") == Some(k.short_name()))
            .ok_or_else(|| {
                let known: Vec<String> = Key::ALL.iter().map(|k| k.dotted_name()).collect();
                Error::new(
                    ErrorKind::Config,
                    format!("unknown key {name:?}; known keys: {}", known.join(", ")),
                )
            })
    }

    const fn index(self) -> usize {
        self as usize
    }

    const fn is_bool(self) -> bool {
        matches!(self, Key::CacheEnabled | Key::ParallelProcessing)
    }

    /// The built-in default.
    pub const fn default_value(self) -> Value {
        match self {
            Key::CacheEnabled | Key::ParallelProcessing => Value::Bool(true),
            Key::CacheSizeMb => Value::Number(100.0),
            Key::ChunkSizeMb => Value::Number(10.0),
            Key::MemoryLimitMb => Value::Number(500.0),
            Key::Threads => Value::Number(0.0),
        }
    }

    /// Parses and validates a value given as text (`set`, environment, strings in the file).
    /// Booleans accept `true`/`false` in any case and `1`/`0`; numbers must be finite and in
    /// the key's range.
    pub fn parse(self, text: &str, source: &str) -> Result<Value> {
        let t = text.trim();
        if self.is_bool() {
            return match t.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(self.invalid(source, text, "true or false")),
            };
        }
        let n: f64 = t
            .parse()
            .map_err(|_| self.invalid(source, text, self.range_text()))?;
        self.check_number(n, source, text)
    }

    fn check_number(self, n: f64, source: &str, shown: &str) -> Result<Value> {
        let ok = n.is_finite()
            && match self {
                Key::CacheSizeMb | Key::MemoryLimitMb => (0.0..=1e9).contains(&n),
                Key::ChunkSizeMb => n > 0.0 && n <= 1e6,
                Key::Threads => (0.0..=4096.0).contains(&n) && n.fract() == 0.0,
                Key::CacheEnabled | Key::ParallelProcessing => false,
            };
        if ok {
            Ok(Value::Number(n))
        } else {
            Err(self.invalid(source, shown, self.range_text()))
        }
    }

    fn range_text(self) -> &'static str {
        match self {
            Key::CacheSizeMb => "a number of MB from 0 (store nothing) to 1e9",
            Key::MemoryLimitMb => "a number of MB from 0 (no limit) to 1e9",
            Key::ChunkSizeMb => "a number of MB above 0, at most 1e6",
            Key::Threads => "a whole number from 0 (auto) to 4096",
            Key::CacheEnabled | Key::ParallelProcessing => "true or false",
        }
    }

    fn invalid(self, source: &str, found: &str, expected: &str) -> Error {
        Error::new(
            ErrorKind::Config,
            format!(
                "{} from {source}: expected {expected}, found {found:?}",
                self.dotted_name()
            ),
        )
    }

    /// Parses a value from the JSON file: a JSON bool/number of the right type, or a string
    /// parsed as by [`Key::parse`]. `null` means "not set" (as in the Python package).
    fn parse_json(self, json: &Json, source: &str) -> Result<Option<Value>> {
        match (json, self.is_bool()) {
            (Json::Null, _) => Ok(None),
            (Json::Bool(b), true) => Ok(Some(Value::Bool(*b))),
            (Json::Number(n), false) => {
                let v = n.as_f64().unwrap_or(f64::NAN);
                self.check_number(v, source, &n.to_string()).map(Some)
            }
            (Json::String(s), _) => self.parse(s, source).map(Some),
            (other, _) => Err(self.invalid(source, &other.to_string(), self.range_text())),
        }
    }
}

/// A configuration value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A boolean key's value.
    Bool(bool),
    /// A numeric key's value.
    Number(f64),
}

impl Value {
    /// The value as JSON.
    pub fn to_json(self) -> Json {
        match self {
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => Json::from(n as i64),
            Value::Number(n) => Json::from(n),
        }
    }

    fn as_bool(self) -> bool {
        matches!(self, Value::Bool(true))
    }

    fn as_number(self) -> f64 {
        match self {
            Value::Number(n) => n,
            Value::Bool(b) => f64::from(u8::from(b)),
        }
    }
}

impl std::fmt::Display for Value {
    /// `true`/`false`, or the number as JSON writes it (`100`, `2.5`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

/// The effective values, typed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Whether the global cache stores datasets.
    pub cache_enabled: bool,
    /// The global cache budget in MB.
    pub cache_size_mb: f64,
    /// The chunk size of the chunked reader in MB.
    pub chunk_size_mb: f64,
    /// The bound on the bytes epyr holds, in MB; 0 = no limit.
    pub memory_limit_mb: f64,
    /// Whether large files are decoded by several threads.
    pub parallel_processing: bool,
    /// Worker threads as configured (0 = auto).
    pub threads: usize,
}

/// Bytes in one MB as the configuration counts them (MiB, as the Python package's
/// `nbytes / 1024 / 1024`).
pub const MB: f64 = 1024.0 * 1024.0;

impl Settings {
    /// The number of worker threads to use: 1 when `parallel_processing` is off, the
    /// configured count, or (0 = auto) half the cores, at least 1.
    pub fn effective_threads(&self) -> usize {
        if !self.parallel_processing {
            1
        } else if self.threads > 0 {
            self.threads
        } else {
            (cpu_count() / 2).max(1)
        }
    }

    /// `memory_limit_mb` in bytes, `None` for no limit.
    pub fn memory_limit_bytes(&self) -> Option<u64> {
        (self.memory_limit_mb > 0.0).then_some((self.memory_limit_mb * MB) as u64)
    }
}

/// The number of logical CPUs available to the process, asked once (the query reads several
/// cgroup files, far too slow for every load).
pub fn cpu_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The three layers above the defaults; each holds a value per key or nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    file: [Option<Value>; 6],
    env: [Option<Value>; 6],
    runtime: [Option<Value>; 6],
}

impl Config {
    /// Defaults only.
    pub fn new() -> Self {
        Config::default()
    }

    /// Defaults, then the file at `path` if it exists, then the environment.
    pub fn layered(path: Option<&Path>) -> Result<Self> {
        let mut c = Config::new();
        if let Some(p) = path {
            if p.exists() {
                c.load_file(p)?;
            }
        }
        c.load_env(std::env::vars())?;
        Ok(c)
    }

    /// Replaces the file layer with the `performance` section of the JSON file at `path`.
    /// Every value is validated first; on error nothing changes. Keys epyr does not know are
    /// ignored here (and kept by [`Config::save`]).
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let doc = read_json_object(path)?;
        let mut layer = [None; 6];
        if let Some(section) = doc.get(SECTION) {
            let Json::Object(section) = section else {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "{}: \"{SECTION}\" must be a JSON object, found {section}",
                        path.display()
                    ),
                ));
            };
            let source = path.display().to_string();
            for key in Key::ALL {
                if let Some(json) = section.get(key.short_name()) {
                    layer[key.index()] = key.parse_json(json, &source)?;
                }
            }
        }
        self.file = layer;
        Ok(())
    }

    /// Replaces the environment layer from `EPYR_PERFORMANCE_<KEY>` variables among `vars`.
    /// Every value is validated first; on error nothing changes.
    pub fn load_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) -> Result<()> {
        let mut layer = [None; 6];
        for (name, value) in vars {
            if let Some(key) = Key::ALL.into_iter().find(|k| k.env_var() == name) {
                layer[key.index()] = Some(key.parse(&value, &format!("environment {name}"))?);
            }
        }
        self.env = layer;
        Ok(())
    }

    /// Sets a value at run time by dotted key (`performance.cache_size_mb`, `"200"`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let key = Key::from_dotted(key)?;
        self.runtime[key.index()] = Some(key.parse(value, "set")?);
        Ok(())
    }

    /// Sets a typed value at run time.
    pub fn set_value(&mut self, key: Key, value: Value) -> Result<()> {
        let checked = match value {
            Value::Bool(b) if key.is_bool() => Value::Bool(b),
            Value::Number(n) if !key.is_bool() => key.check_number(n, "set", &n.to_string())?,
            other => return Err(key.invalid("set", &other.to_string(), key.range_text())),
        };
        self.runtime[key.index()] = Some(checked);
        Ok(())
    }

    /// Forgets the values set at run time.
    pub fn clear_runtime(&mut self) {
        self.runtime = [None; 6];
    }

    /// The effective value of a key.
    pub fn value(&self, key: Key) -> Value {
        let i = key.index();
        self.runtime[i]
            .or(self.env[i])
            .or(self.file[i])
            .unwrap_or(key.default_value())
    }

    /// The effective value of a dotted key.
    pub fn get(&self, key: &str) -> Result<Value> {
        Ok(self.value(Key::from_dotted(key)?))
    }

    /// The effective values, typed.
    pub fn settings(&self) -> Settings {
        Settings {
            cache_enabled: self.value(Key::CacheEnabled).as_bool(),
            cache_size_mb: self.value(Key::CacheSizeMb).as_number(),
            chunk_size_mb: self.value(Key::ChunkSizeMb).as_number(),
            memory_limit_mb: self.value(Key::MemoryLimitMb).as_number(),
            parallel_processing: self.value(Key::ParallelProcessing).as_bool(),
            threads: self.value(Key::Threads).as_number() as usize,
        }
    }

    /// Saves to the JSON file at `path`, re-reading it first: its other sections and unknown
    /// keys are kept; a key set at run time is written with that value; a key the file has now
    /// keeps the file's value (the Python package may have changed it since it was loaded);
    /// a missing key is written with the loaded file value or the default. Environment
    /// overrides are not written (they belong to the session, not the file). The file is
    /// written to a temporary name and renamed; its folder is created if missing.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut doc = if path.exists() {
            read_json_object(path)?
        } else {
            Map::new()
        };
        let section = doc
            .entry(SECTION)
            .or_insert_with(|| Json::Object(Map::new()));
        let Json::Object(section) = section else {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "{}: \"{SECTION}\" is not a JSON object; not overwriting it",
                    path.display()
                ),
            ));
        };
        for key in Key::ALL {
            let i = key.index();
            let name = key.short_name();
            let v = match self.runtime[i] {
                Some(v) => v,
                None if section.contains_key(name) => continue,
                None => self.file[i].unwrap_or(key.default_value()),
            };
            section.insert(name.to_string(), v.to_json());
        }
        let text = serde_json::to_string_pretty(&Json::Object(doc))
            .map_err(|e| Error::new(ErrorKind::Config, format!("cannot encode config: {e}")))?;
        let io = |e: std::io::Error| Error::io(path, "write config", &e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        static SAVES: AtomicU64 = AtomicU64::new(0);
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(
            ".tmp-{}-{}",
            std::process::id(),
            SAVES.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&tmp, text + "\n").map_err(io)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }
}

/// Reads a JSON file whose top level is an object.
fn read_json_object(path: &Path) -> Result<Map<String, Json>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, "read config", &e))?;
    match serde_json::from_str::<Json>(&text) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(other) => Err(Error::new(
            ErrorKind::Config,
            format!(
                "{}: expected a JSON object at the top level, found {}",
                path.display(),
                other
            ),
        )),
        Err(e) => Err(Error::new(
            ErrorKind::Config,
            format!("{}: not valid JSON: {e}", path.display()),
        )),
    }
}

/// The Python package's configuration file: `$XDG_CONFIG_HOME/epyrtools/config.json`, else
/// `~/.config/epyrtools/config.json`; on Windows `%APPDATA%\EPyRTools\config.json`.
pub fn default_path() -> Option<PathBuf> {
    crate::sys::user_config_file()
}

/// The process-wide configuration, built on first use from the default file and the
/// environment. If that fails (an invalid value), the error is kept and reported by
/// [`GlobalConfig::settings`] until a later [`GlobalConfig::reload`] succeeds.
pub struct GlobalConfig {
    state: RwLock<(Config, Option<Error>)>,
    generation: AtomicU64,
}

static GLOBAL: OnceLock<GlobalConfig> = OnceLock::new();

/// The process-wide configuration.
pub fn global() -> &'static GlobalConfig {
    GLOBAL.get_or_init(|| {
        let path = default_path();
        let state = match Config::layered(path.as_deref()) {
            Ok(c) => (c, None),
            Err(e) => (Config::new(), Some(e)),
        };
        GlobalConfig {
            state: RwLock::new(state),
            generation: AtomicU64::new(0),
        }
    })
}

impl GlobalConfig {
    /// The effective settings, or the error that made the configuration unusable.
    pub fn settings(&self) -> Result<Settings> {
        let state = self.state.read();
        match &state.1 {
            Some(e) => Err(e.clone()),
            None => Ok(state.0.settings()),
        }
    }

    /// The effective value of a dotted key.
    pub fn get(&self, key: &str) -> Result<Value> {
        self.state.read().0.get(key)
    }

    /// Sets a value at run time; readers of [`GlobalConfig::generation`] see the change.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        self.state.write().0.set(key, value)?;
        self.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Re-reads the file (`path`, or the default file) and the environment. On success the
    /// values set at run time are kept and any earlier load error is cleared; on error nothing
    /// changes.
    pub fn reload(&self, path: Option<&Path>) -> Result<()> {
        let default = default_path();
        let path = path.or(default.as_deref());
        let mut fresh = Config::layered(None)?;
        if let Some(p) = path {
            if p.exists() || path != default.as_deref() {
                fresh.load_file(p)?;
            }
        }
        let mut state = self.state.write();
        fresh.runtime = state.0.runtime;
        *state = (fresh, None);
        self.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Forgets every value set at run time (the file and environment values apply again).
    pub fn clear_runtime(&self) {
        self.state.write().0.clear_runtime();
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Saves to `path` or the default file (see [`Config::save`]).
    pub fn save(&self, path: Option<&Path>) -> Result<()> {
        let default = default_path();
        let path = path.or(default.as_deref()).ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "no config path given and {}",
                    crate::sys::NO_USER_CONFIG_REASON
                ),
            )
        })?;
        // The write lock makes saves of this process one at a time.
        self.state.write().0.save(path)
    }

    /// A snapshot of the layers.
    pub fn snapshot(&self) -> Config {
        self.state.read().0.clone()
    }

    /// A counter that changes whenever a value may have changed.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_seeds() {
        let s = Config::new().settings();
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
        let s = c.settings();
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
            !c.settings().cache_enabled,
            "'False' is false, not a truthy string"
        );
        c.set("performance.cache_size_mb", "0").unwrap();
        assert_eq!(c.settings().cache_size_mb, 0.0, "0 stays 0");
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
        assert_eq!(c.settings().cache_size_mb, 100.0);
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
        assert_eq!(back.settings().threads, 3);
        std::fs::remove_dir_all(&dir).unwrap();
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
        assert!(!c.settings().cache_enabled);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
