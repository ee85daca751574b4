//! The configuration keys (section `performance` of the Python package's `config.json`), the
//! one parser every source's values go through ([`Key::parse`]), and the typed settings.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value as Json;

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

    pub(super) const fn index(self) -> usize {
        self as usize
    }

    pub(super) const fn is_bool(self) -> bool {
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

    pub(super) fn check_number(self, n: f64, source: &str, shown: &str) -> Result<Value> {
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

    pub(super) fn range_text(self) -> &'static str {
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

    /// Parses a value from the JSON file with [`Key::parse`], the parser of every source: a
    /// JSON bool, number or string is read as the text it stands for (`true`, `1`, `"1"` and
    /// the environment's `1` are the same value). `null` means "not set" (as in the Python
    /// package); arrays and objects are errors.
    pub(super) fn parse_json(self, json: &Json, source: &str) -> Result<Option<Value>> {
        match json {
            Json::Null => Ok(None),
            Json::Bool(b) => self.parse(&b.to_string(), source).map(Some),
            Json::Number(n) => self.parse(&n.to_string(), source).map(Some),
            Json::String(s) => self.parse(s, source).map(Some),
            other => Err(self.invalid(source, &other.to_string(), self.range_text())),
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

    pub(super) fn as_bool(self) -> bool {
        matches!(self, Value::Bool(true))
    }

    pub(super) fn as_number(self) -> f64 {
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
/// cgroup files, far too slow for every load). Racing first calls each ask: no lock, so a
/// fork can never leave one held.
pub fn cpu_count() -> usize {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    match COUNT.load(Ordering::Relaxed) {
        0 => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            COUNT.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}
