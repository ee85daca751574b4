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
//!
//! One job per module: [`keys`] (the keys, their values and parsing, the typed settings),
//! [`layers`] (the sources stacked: defaults, file, environment, run time), [`file`](mod@file) (the JSON
//! file: read with the checks of every file epyr reads, saved atomically), [`global`](mod@global) (the
//! process-wide configuration) and [`sources`] (where each value in force comes from).

pub mod file;
pub mod global;
pub mod keys;
pub mod layers;
pub mod sources;

pub use file::{default_path, file_value, MAX_CONFIG_FILE_BYTES};
pub(crate) use global::take_config;
pub use global::{global, GlobalConfig};
pub use keys::{cpu_count, Key, Settings, Value, MB, SECTION};
pub use layers::Config;

#[cfg(test)]
mod tests;
