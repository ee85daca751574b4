//! Configuration shared with the Python package EPyR Tools.
//!
//! Keys (section `performance` of the Python package's `config.json`): `cache_enabled` (true),
//! `cache_size_mb` (100), `chunk_size_mb` (10), `memory_limit_mb` (500, `0` = no limit),
//! `parallel_processing` (true), and epyr's own `threads` (0 = auto: half the cores, at least 1).
//!
//! Precedence: built-in defaults < JSON file < `EPYR_PERFORMANCE_*` environment < values set at
//! run time. Every value of every source goes through one parser ([`Key::parse`]) and is
//! validated; an invalid one is an error naming the key, the source and the value, never a
//! silent default. Nothing happens at library load time: the global configuration reads its file
//! and environment on first use.
//!
//! The value in force of a key is the one of the highest source that sets it. Where that source
//! is unusable (an invalid value, or a file that cannot be read or parsed) the key has no value
//! in force: asking for it, and every use of the whole configuration (loaders), gives that
//! error, while the other keys keep theirs. Setting the key at run time to a valid value repairs
//! it, as run time beats the environment and the file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::RwLock;

use serde_json::{Map, Value as Json};

use crate::error::{Error, ErrorKind, Result};
use crate::fork::{read, write, ForkHold, CORE_LOCKS};

/// The largest configuration file epyr reads. The Python package writes a few hundred bytes;
/// anything near this size is not a configuration file, and refusing it before reading bounds
/// what a wrong path (a log, a disk image) can make epyr allocate.
pub const MAX_CONFIG_FILE_BYTES: u64 = 1 << 20;

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

    /// Parses a value from the JSON file with [`Key::parse`], the parser of every source: a
    /// JSON bool, number or string is read as the text it stands for (`true`, `1`, `"1"` and
    /// the environment's `1` are the same value). `null` means "not set" (as in the Python
    /// package); arrays and objects are errors.
    fn parse_json(self, json: &Json, source: &str) -> Result<Option<Value>> {
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

/// What one source says about a key: nothing, a valid value, or why its value is unusable.
type Slot = Option<Result<Value>>;

/// A layer that sets nothing.
fn empty_layer() -> [Slot; 6] {
    Default::default()
}

/// The first error among the values of a layer.
fn layer_error(layer: &[Slot; 6]) -> Option<Error> {
    layer
        .iter()
        .flatten()
        .find_map(|r| r.as_ref().err().cloned())
}

/// The three layers above the defaults. The file and the environment hold, per key, nothing, a
/// valid value or the error of an unusable one; run time holds only valid values (an invalid
/// `set` is refused and changes nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    file: [Slot; 6],
    env: [Slot; 6],
    runtime: [Option<Value>; 6],
}

impl Config {
    /// Defaults only.
    pub fn new() -> Self {
        Config::default()
    }

    /// Defaults, then the file at `path` (a missing file sets nothing), then the
    /// `EPYR_PERFORMANCE_<KEY>` variables among `vars`. Nothing is refused: an unusable value,
    /// or a file that cannot be read or parsed, becomes the error of the keys it would set (see
    /// the module documentation).
    pub fn from_sources(
        path: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        Config {
            file: path.map_or_else(empty_layer, |p| file_layer(p, true)),
            env: env_layer(vars),
            runtime: [None; 6],
        }
    }

    /// Defaults, then the file at `path` if it exists, then the environment; the first
    /// unusable value or file is an error.
    pub fn layered(path: Option<&Path>) -> Result<Self> {
        let config = Config::from_sources(path, std::env::vars());
        config.source_error().map_or(Ok(config), Err)
    }

    /// The first error of the file or environment layer, whether or not a value set at run
    /// time hides it.
    fn source_error(&self) -> Option<Error> {
        layer_error(&self.env).or_else(|| layer_error(&self.file))
    }

    /// Replaces the file layer with the `performance` section of the JSON file at `path`.
    /// Every value is validated first; on error nothing changes. Keys epyr does not know are
    /// ignored here (and kept by [`Config::save`]).
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let layer = file_layer(path, false);
        layer_error(&layer).map_or(Ok(()), Err)?;
        self.file = layer;
        Ok(())
    }

    /// Replaces the environment layer from `EPYR_PERFORMANCE_<KEY>` variables among `vars`.
    /// Every value is validated first; on error nothing changes.
    pub fn load_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) -> Result<()> {
        let layer = env_layer(vars);
        layer_error(&layer).map_or(Ok(()), Err)?;
        self.env = layer;
        Ok(())
    }

    /// Sets a value at run time by dotted key (`performance.cache_size_mb`, `"200"`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let key = Key::from_dotted(key)?;
        self.runtime[key.index()] = Some(key.parse(value, "set")?);
        Ok(())
    }

    /// Sets a typed value at run time: a boolean for a boolean key, a number in range for a
    /// numeric one; anything else is an error and changes nothing.
    pub fn set_value(&mut self, key: Key, value: Value) -> Result<()> {
        let checked = match value {
            Value::Bool(_) if key.is_bool() => value,
            Value::Number(n) if !key.is_bool() => key.check_number(n, "set", &n.to_string())?,
            Value::Number(n) => {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "{} is a boolean key: it takes true or false, not the number {n}",
                        key.dotted_name()
                    ),
                ))
            }
            Value::Bool(b) => {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "{} is a numeric key: it takes {}, not the boolean {b}",
                        key.dotted_name(),
                        key.range_text()
                    ),
                ))
            }
        };
        self.runtime[key.index()] = Some(checked);
        Ok(())
    }

    /// Forgets the values set at run time.
    pub fn clear_runtime(&mut self) {
        self.runtime = [None; 6];
    }

    /// The value in force of a key: the one of the highest source that sets it (run time,
    /// environment, file, default), or that source's error where its value is unusable.
    pub fn value(&self, key: Key) -> Result<Value> {
        let i = key.index();
        match self.runtime[i] {
            Some(v) => Ok(v),
            None => self.env[i]
                .clone()
                .or_else(|| self.file[i].clone())
                .unwrap_or(Ok(key.default_value())),
        }
    }

    /// The source of the value in force of a key (the highest one that sets it; see
    /// [`crate::config_sources`]).
    pub fn layer_of(&self, key: Key) -> crate::config_sources::Layer {
        use crate::config_sources::Layer;
        let i = key.index();
        if self.runtime[i].is_some() {
            Layer::Set
        } else if self.env[i].is_some() {
            Layer::Environment
        } else if self.file[i].is_some() {
            Layer::File
        } else {
            Layer::Default
        }
    }

    /// The value in force of a dotted key.
    pub fn get(&self, key: &str) -> Result<Value> {
        self.value(Key::from_dotted(key)?)
    }

    /// The values in force, typed, or the error of the first key that has none.
    pub fn settings(&self) -> Result<Settings> {
        Ok(Settings {
            cache_enabled: self.value(Key::CacheEnabled)?.as_bool(),
            cache_size_mb: self.value(Key::CacheSizeMb)?.as_number(),
            chunk_size_mb: self.value(Key::ChunkSizeMb)?.as_number(),
            memory_limit_mb: self.value(Key::MemoryLimitMb)?.as_number(),
            parallel_processing: self.value(Key::ParallelProcessing)?.as_bool(),
            threads: self.value(Key::Threads)?.as_number() as usize,
        })
    }

    /// Saves to the JSON file at `path`, re-reading it first: its other sections and unknown
    /// keys are kept; a key set at run time is written with that value; a key the file has now
    /// keeps the file's value (the Python package may have changed it since it was loaded);
    /// a missing key is written with the loaded file value or the default. Environment
    /// overrides are not written (they belong to the session, not the file). A `path` that is
    /// a symbolic link (a dotfile setup) is written through: the file it names, after every
    /// link, is replaced and the link stays. That file is written to a temporary name in its
    /// own folder, given its permissions, and renamed over it; its folder is created if
    /// missing.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut doc = match read_json_object(path) {
            Ok(doc) => doc,
            Err(e) if e.kind() == ErrorKind::NotFound => Map::new(),
            Err(e) => return Err(e),
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
                None => self.file[i]
                    .clone()
                    .and_then(Result::ok)
                    .unwrap_or(key.default_value()),
            };
            section.insert(name.to_string(), v.to_json());
        }
        let text = serde_json::to_string_pretty(&Json::Object(doc))
            .map_err(|e| Error::new(ErrorKind::Config, format!("cannot encode config: {e}")))?;
        replace_file(&link_target(path)?, (text + "\n").as_bytes())
    }
}

/// The most symbolic links [`link_target`] follows, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// The file `path` names after following every symbolic link (relative links from their own
/// folder); `path` itself when it is not a link or does not exist. The target need not exist.
fn link_target(path: &Path) -> Result<PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&target)
                    .map_err(|e| Error::io(&target, "read the link", &e))?;
                // An absolute link replaces the folder; a relative one is taken from it.
                target = target.parent().map_or(link.clone(), |dir| dir.join(&link));
            }
            _ => return Ok(target),
        }
    }
    Err(Error::new(
        ErrorKind::Config,
        format!(
            "{}: more than {MAX_LINKS} symbolic links in a row (a loop?); not saving",
            path.display()
        ),
    ))
}

/// Replaces the file at `path` with `bytes` atomically: written to a temporary file in the
/// same folder (created if missing), given the permissions of the file it replaces, and
/// renamed over it. A failure leaves the file as it was and no temporary file behind.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
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
    let tmp = PathBuf::from(tmp);
    let written = std::fs::write(&tmp, bytes).and_then(|()| match std::fs::metadata(path) {
        Ok(old) => std::fs::set_permissions(&tmp, old.permissions()),
        Err(_) => Ok(()),
    });
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
}

/// Reads the JSON file at `path`, whose top level must be an object, with the checks of every
/// file epyr reads ([`crate::files::read_small_file`]: opened once without blocking, a
/// regular file, at most [`MAX_CONFIG_FILE_BYTES`], unchanged while read). A missing file is
/// [`ErrorKind::NotFound`], a failed read [`ErrorKind::Io`], anything else that makes the file
/// unusable [`ErrorKind::Config`]; every message names the file.
fn read_json_object(path: &Path) -> Result<Map<String, Json>> {
    let (bytes, _) = crate::files::read_small_file(path, "config file", MAX_CONFIG_FILE_BYTES)
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound | ErrorKind::Io => e,
            _ => Error::new(ErrorKind::Config, e.message()),
        })?;
    match serde_json::from_slice::<Json>(&bytes) {
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

/// The file layer from the `performance` section of the JSON file at `path`: per key its
/// value, nothing, or the error of an invalid value. Where the file cannot be read or parsed,
/// every key gets the file's error (the file could have set any of them). A missing file sets
/// nothing where `missing_is_empty`, else it is the error of every key.
fn file_layer(path: &Path, missing_is_empty: bool) -> [Slot; 6] {
    let whole_file_error = |e: Error| std::array::from_fn(|_| Some(Err(e.clone())));
    let doc = match read_json_object(path) {
        Ok(doc) => doc,
        Err(e) if missing_is_empty && e.kind() == ErrorKind::NotFound => return empty_layer(),
        Err(e) => return whole_file_error(e),
    };
    let section = match doc.get(SECTION) {
        None => return empty_layer(),
        Some(Json::Object(section)) => section,
        Some(other) => {
            return whole_file_error(Error::new(
                ErrorKind::Config,
                format!(
                    "{}: \"{SECTION}\" must be a JSON object, found {other}",
                    path.display()
                ),
            ))
        }
    };
    let source = path.display().to_string();
    Key::ALL.map(|key| {
        section
            .get(key.short_name())
            .and_then(|json| key.parse_json(json, &source).transpose())
    })
}

/// The environment layer from the `EPYR_PERFORMANCE_<KEY>` variables among `vars`: per key its
/// value, nothing, or the error of an invalid value.
fn env_layer(vars: impl IntoIterator<Item = (String, String)>) -> [Slot; 6] {
    let mut layer = empty_layer();
    for (name, value) in vars {
        if let Some(key) = Key::ALL.into_iter().find(|k| k.env_var() == name) {
            layer[key.index()] = Some(key.parse(&value, &format!("environment {name}")));
        }
    }
    layer
}

/// The Python package's configuration file: `$XDG_CONFIG_HOME/epyrtools/config.json`, else
/// `~/.config/epyrtools/config.json`; on Windows `%APPDATA%\EPyRTools\config.json`.
pub fn default_path() -> Option<PathBuf> {
    crate::sys::user_config_file()
}

/// `path`, or the default file; an error where there is none.
fn path_or_default(path: Option<&Path>) -> Result<PathBuf> {
    path.map(Path::to_path_buf)
        .or_else(default_path)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "no config path given and {}",
                    crate::sys::NO_USER_CONFIG_REASON
                ),
            )
        })
}

/// The value at the dotted `key` of the configuration file at `path` (or the default file),
/// whatever its section (EPyR Tools' `plotting.dpi` as well as `performance.cache_size_mb`):
/// each part of the key is one level of nested objects. This is what the file holds, not the
/// value in force. The file is read with the checks of every file epyr reads (opened without
/// blocking, a regular file, at most [`MAX_CONFIG_FILE_BYTES`]); a missing file or key is
/// [`ErrorKind::NotFound`], a file that cannot be used [`ErrorKind::Config`] or
/// [`ErrorKind::Io`], each naming the file.
pub fn file_value(path: Option<&Path>, key: &str) -> Result<Json> {
    let path = path_or_default(path)?;
    let doc = read_json_object(&path)?;
    let mut parts = key.split('.');
    let first = parts.next().and_then(|part| doc.get(part));
    parts
        .fold(first, |value, part| value.and_then(|v| v.get(part)))
        .cloned()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("{}: no key {key:?}", path.display()),
            )
        })
}

/// The process-wide configuration, built on first use from the default file and the
/// environment ([`Config::from_sources`]). An unusable value found then is kept as the error
/// of its key (see the module documentation) until the key is set at run time or a later
/// [`GlobalConfig::reload`] succeeds.
pub struct GlobalConfig {
    /// `None` until first use. A plain static lock (no lazily built static, whose building a
    /// fork could cut short) that the fork handlers take ([`crate::fork`]).
    state: RwLock<Option<Config>>,
    generation: AtomicU64,
}

static GLOBAL: GlobalConfig = GlobalConfig {
    state: RwLock::new(None),
    generation: AtomicU64::new(0),
};

/// The process-wide configuration.
pub fn global() -> &'static GlobalConfig {
    CORE_LOCKS.arm();
    &GLOBAL
}

/// Before a fork: takes the global configuration's lock.
pub(crate) fn take_config(hold: &mut ForkHold) {
    hold.keep(write(&GLOBAL.state));
}

impl GlobalConfig {
    /// Runs `f` on the configuration, read from its sources on first use.
    fn with<T>(&self, f: impl FnOnce(&Config) -> T) -> T {
        if let Some(config) = read(&self.state).as_ref() {
            return f(config);
        }
        self.with_mut(|config| f(config))
    }

    /// Runs `f` on the configuration, locked for writing, read from its sources on first use.
    fn with_mut<T>(&self, f: impl FnOnce(&mut Config) -> T) -> T {
        let mut state = write(&self.state);
        f(state.get_or_insert_with(|| {
            Config::from_sources(default_path().as_deref(), std::env::vars())
        }))
    }

    /// The values in force, or the error of the first key that has none.
    pub fn settings(&self) -> Result<Settings> {
        self.with(Config::settings)
    }

    /// The value in force of a dotted key, or the error that leaves it without one.
    pub fn get(&self, key: &str) -> Result<Value> {
        self.with(|config| config.get(key))
    }

    /// The value in force of a key, or the error that leaves it without one.
    pub fn value(&self, key: Key) -> Result<Value> {
        self.with(|config| config.value(key))
    }

    /// The global cache's budget in MB as the configuration puts it in force: `Some` while
    /// `cache_enabled` is true, `None` while it is false, or the error of either key.
    pub fn cache_size_mb(&self) -> Result<Option<f64>> {
        self.with(|state| {
            let enabled = state.value(Key::CacheEnabled)?.as_bool();
            let size = state.value(Key::CacheSizeMb)?.as_number();
            Ok(enabled.then_some(size))
        })
    }

    /// Sets a value at run time; readers of [`GlobalConfig::generation`] see the change.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        self.with_mut(|config| config.set(key, value))?;
        self.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Sets a typed value at run time ([`Config::set_value`]) by dotted key.
    pub fn set_value(&self, key: &str, value: Value) -> Result<()> {
        let key = Key::from_dotted(key)?;
        self.with_mut(|config| config.set_value(key, value))?;
        self.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Re-reads the file (`path`, which must exist, or the default file if there is one) and
    /// the environment. On success the values set at run time are kept and every earlier error
    /// is gone; on error (an unusable value or file, even one a run-time value hides) nothing
    /// changes.
    pub fn reload(&self, path: Option<&Path>) -> Result<()> {
        let mut fresh = Config::from_sources(None, std::env::vars());
        match path {
            Some(p) => fresh.file = file_layer(p, false),
            None => fresh.file = default_path().map_or_else(empty_layer, |p| file_layer(&p, true)),
        }
        if let Some(e) = fresh.source_error() {
            return Err(e);
        }
        self.with_mut(|state| {
            fresh.runtime = state.runtime;
            *state = fresh;
        });
        self.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Forgets every value set at run time (the file and environment values apply again).
    pub fn clear_runtime(&self) {
        self.with_mut(Config::clear_runtime);
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Saves to `path` or the default file (see [`Config::save`]).
    pub fn save(&self, path: Option<&Path>) -> Result<()> {
        let path = path_or_default(path)?;
        // The write lock makes saves of this process one at a time.
        self.with_mut(|config| config.save(&path))
    }

    /// A snapshot of the layers.
    pub fn snapshot(&self) -> Config {
        self.with(Config::clone)
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
}
