//! Exports of a dataset to CSV, JSON (the metadata document) and BES3T, for every host: each
//! output appears whole or not at all (written under a temporary name, then moved into place)
//! and an existing file is never replaced unless asked for.

pub mod atomic;
mod csv;
mod json;
pub mod labels;

use std::path::{Path, PathBuf};

pub use atomic::{is_temporary_name, PendingFile, TEMP_MARKER};
pub use csv::{write_csv, CsvLayout};
pub use json::{axes_json, hash_file, metadata_document, parameters_json, SCHEMA, SCHEMA_ID};

use crate::dataset::{Dataset, AXIS_LETTERS};
use crate::error::{Error, ErrorKind, Result};
use crate::formats::writer::linear_axis;
use crate::formats::{write_bes3t, WriteOptions};
use crate::metadata::common_metadata;

/// An output format of the core's exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// CSV with `#` header lines.
    Csv,
    /// The metadata document (no values).
    Json,
    /// Bruker BES3T `.DSC` + `.DTA` (+ `.XGF/.YGF/.ZGF`), through epyr's writer.
    Bes3t,
}

impl ExportFormat {
    /// Every format, in the order of their names.
    pub const ALL: [ExportFormat; 3] = [ExportFormat::Csv, ExportFormat::Json, ExportFormat::Bes3t];

    /// The format's name (`csv`, `json`, `bes3t`).
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Bes3t => "bes3t",
        }
    }

    /// The extension of the (main) output file.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Bes3t => "DSC",
        }
    }

    /// The format of a name (`csv`, `json`, `bes3t`; any case).
    pub fn parse(name: &str) -> Result<ExportFormat> {
        let lower = name.trim().to_ascii_lowercase();
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.name() == lower)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("unknown export format {name:?}; known: csv, json, bes3t"),
                )
            })
    }

    /// The format of an output path by its extension (`.csv`, `.json`, `.DSC`/`.DTA` in any
    /// case).
    pub fn from_path(path: &Path) -> Result<ExportFormat> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            "dsc" | "dta" => Ok(ExportFormat::Bes3t),
            _ => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{}: cannot tell the export format from the extension; use .csv, .json or .DSC",
                    path.display()
                ),
            )),
        }
    }
}

/// How to export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Whether existing files may be replaced.
    pub overwrite: bool,
    /// The CSV layout.
    pub csv_layout: CsvLayout,
    /// Whether each CSV and JSON file is flushed to the disk (`fsync`) before it is moved into
    /// place, so that it survives a power failure right after (see [`atomic::write_file`]).
    /// BES3T files are always flushed by the writer.
    pub durable: bool,
}

/// The files an export of `dataset` in `format` to `path` writes: the path itself for CSV
/// and JSON; for BES3T the descriptor and data file (extension case as the writer picks it)
/// and a companion file per axis that is not linear.
pub fn output_paths(dataset: &Dataset, path: &Path, format: ExportFormat) -> Vec<PathBuf> {
    if format != ExportFormat::Bes3t {
        return vec![path.to_path_buf()];
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let is_pair = matches!(ext.to_ascii_lowercase().as_str(), "dsc" | "dta");
    let base = if is_pair {
        path.with_extension("")
    } else {
        path.to_path_buf()
    };
    let lower = is_pair && ext == ext.to_ascii_lowercase();
    let with = |e: &str| {
        let mut s = base.as_os_str().to_owned();
        s.push(".");
        s.push(e);
        PathBuf::from(s)
    };
    let (dsc, dta) = if lower {
        ("dsc", "dta")
    } else {
        ("DSC", "DTA")
    };
    let mut paths = vec![with(dsc), with(dta)];
    for (dim, letter) in AXIS_LETTERS.into_iter().enumerate() {
        let n = dataset.dims()[dim];
        if let Some(axis) = dataset.axis(dim).filter(|_| n > 1) {
            let v = &axis.values;
            let linear = linear_axis(v[0], v[n - 1] - v[0], n);
            let same = linear
                .iter()
                .zip(v)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            if !same {
                paths.push(with(&format!("{letter}GF")));
            }
        }
    }
    paths
}

/// Exports `dataset` to `path` in `format`; returns the files written. Without
/// `options.overwrite`, an existing output file is [`ErrorKind::AlreadyExists`] and nothing is
/// written.
pub fn export(
    dataset: &Dataset,
    path: &Path,
    format: ExportFormat,
    options: &ExportOptions,
) -> Result<Vec<PathBuf>> {
    match format {
        ExportFormat::Csv => {
            let md = common_metadata(dataset);
            let id = dataset.format().as_str();
            let name = crate::formats::display_name(id);
            let label = format!("{id} ({name})");
            let written = atomic::write_file(path, options.overwrite, options.durable, |out| {
                write_csv(dataset, &md, &label, options.csv_layout, out)
            })?;
            Ok(vec![written])
        }
        ExportFormat::Json => {
            let doc = metadata_document(dataset, crate::sys::now_secs())?;
            let text = serde_json::to_string_pretty(&doc).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("cannot encode JSON: {e}"),
                )
            })?;
            let written = atomic::write_file(path, options.overwrite, options.durable, |out| {
                std::io::Write::write_all(out, text.as_bytes())?;
                std::io::Write::write_all(out, b"\n")
            })?;
            Ok(vec![written])
        }
        ExportFormat::Bes3t => {
            for target in output_paths(dataset, path, format) {
                atomic::check_target(&target, options.overwrite)?;
            }
            write_bes3t(dataset, path, &WriteOptions::default())
        }
    }
}
