//! The sources of the configuration stacked: built-in defaults < JSON file < environment <
//! run time; per key, the value in force is the highest source's (see the module
//! documentation of [`crate::config`]).

use std::path::Path;

use serde_json::{Map, Value as Json};

use super::file::{file_layer, link_target, read_json_object, replace_file};
use super::keys::{Key, Settings, Value, SECTION};
use crate::error::{Error, ErrorKind, Result};

/// What one source says about a key: nothing, a valid value, or why its value is unusable.
pub(super) type Slot = Option<Result<Value>>;

/// A layer that sets nothing.
pub(super) fn empty_layer() -> [Slot; 6] {
    Default::default()
}

/// The first error among the values of a layer.
pub(super) fn layer_error(layer: &[Slot; 6]) -> Option<Error> {
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
    pub(super) file: [Slot; 6],
    pub(super) env: [Slot; 6],
    pub(super) runtime: [Option<Value>; 6],
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
    pub(super) fn source_error(&self) -> Option<Error> {
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
    /// [`crate::config::sources`]).
    pub fn layer_of(&self, key: Key) -> crate::config::sources::Layer {
        use crate::config::sources::Layer;
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
/// The environment layer from the `EPYR_PERFORMANCE_<KEY>` variables among `vars`: per key its
/// value, nothing, or the error of an invalid value.
pub(super) fn env_layer(vars: impl IntoIterator<Item = (String, String)>) -> [Slot; 6] {
    let mut layer = empty_layer();
    for (name, value) in vars {
        if let Some(key) = Key::ALL.into_iter().find(|k| k.env_var() == name) {
            layer[key.index()] = Some(key.parse(&value, &format!("environment {name}")));
        }
    }
    layer
}
