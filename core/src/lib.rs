//! # epyr-core
//!
//! A reader of Bruker EPR files (BES3T `.DSC/.DTA` and ESP/WinEPR `.par/.spc`) that decodes
//! every real file exactly, with a BES3T writer, and the performance system of EPyR Tools: a
//! validated LRU data cache, memory monitoring with a budget, chunked reading of files larger
//! than memory, batch loading on worker threads, configuration shared with the Python package
//! and performance information. The same features are exposed through the C ABI of the
//! `epyr` crate.
//!
//! ```no_run
//! use epyr_core::{Loader, LoaderOptions};
//! let loader = Loader::new(LoaderOptions::default()).unwrap();
//! let ds = loader.load(std::path::Path::new("spectrum.DSC"), "").unwrap();
//! println!("{:?} points, {} components", ds.dims(), ds.components().len());
//! ```
//!
//! Layers, bottom to top: [`error`]; [`dataset`] and [`accounting`]; [`formats`]; [`config`];
//! [`cache`] and [`memory`]; [`loader`] and [`info`]. The C ABI is a crate of its own (`epyr`,
//! at the workspace root) over this one.

#![cfg_attr(not(test), warn(clippy::too_many_lines))]
#![warn(missing_docs)]
// `unsafe` only where the design allows it (`formats/decode.rs`, `sys/`, each of which
// allows it for itself), and every block explains why it is sound.
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod accounting;
pub mod cache;
pub mod config;
pub mod dataset;
pub mod discover;
pub mod error;
pub mod export;
mod files;
pub mod fork;
pub mod formats;
pub mod info;
pub mod loader;
pub mod memory;
pub mod metadata;
#[allow(unsafe_code)]
mod sys;
mod threads;

pub use cache::{CacheStats, DataCache};
pub use dataset::{
    Axis, AxisRule, Component, Dataset, DatasetParts, FormatId, JsonKind, Param, Params, ValueKind,
};
pub use error::{Error, ErrorKind, Result};
pub use formats::{load, write_bes3t, ByteOrder, NumberType, Plan, Scaling, WriteOptions};
pub use loader::{ChunkedReader, Loader, LoaderOptions, Progress};
pub use memory::{check_memory_limit, memory_info, optimize_memory, MemoryInfo};
pub use sys::{keep_loaded, path_bytes, path_from_bytes};

/// The version of the library (from `Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
