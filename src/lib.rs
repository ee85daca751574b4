//! # epyr
//!
//! A reader of Bruker EPR files (BES3T `.DSC/.DTA` and ESP/WinEPR `.par/.spc`) that decodes
//! every real file exactly, with a BES3T writer, and the foundation of the performance system
//! of EPyR Tools (cache, memory budget, chunked reading) exposed through a C ABI.
//!
//! ```no_run
//! let ds = epyr::load(std::path::Path::new("spectrum.DSC"), "").unwrap();
//! println!("{:?} points, {} components", ds.dims(), ds.components().len());
//! ```
//!
//! Layers, bottom to top: [`error`], [`dataset`], [`formats`].

pub mod dataset;
pub mod error;
pub mod formats;

pub use dataset::{Axis, Component, Dataset, DatasetParts, FileFormat, Param, Params};
pub use error::{Error, ErrorKind, Result};
pub use formats::{load, write_bes3t, ByteOrder, NumberType, Plan, Scaling, WriteOptions};
