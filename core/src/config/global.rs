//! The process-wide configuration: built on first use from the default file and the
//! environment, behind a plain static lock that the fork handlers take.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use super::file::{default_path, file_layer, path_or_default};
use super::keys::{Key, Settings, Value};
use super::layers::{empty_layer, Config};
use crate::error::Result;
use crate::fork::{read, write, ForkHold, CORE_LOCKS};

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
