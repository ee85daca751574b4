//! Output formats of `convert` and `batch-convert`: names, file names, writing one dataset, and
//! whether existing outputs are newer than their sources.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use clap::ValueEnum;
use epyr_core::export::{self, CsvLayout, ExportFormat, ExportOptions};
use epyr_core::{Dataset, Result};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum Target {
    /// CSV with `#` header lines and named columns.
    Csv,
    /// The metadata as JSON (valid against the schema in core/schema).
    Json,
    /// HDF5 in a NeXus-style layout.
    Hdf5,
    /// Bruker BES3T (.DSC + .DTA), readable by Xepr and EasySpin.
    Bes3t,
}

/// The CSV layout option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Layout {
    /// One row per point, a column per axis.
    #[default]
    Long,
    /// For 2-D/3-D data: x along the columns, y along the rows.
    Matrix,
}

impl Target {
    /// The extension of the (main) output file.
    pub fn extension(self) -> &'static str {
        match self {
            Target::Csv => "csv",
            Target::Json => "json",
            Target::Hdf5 => "h5",
            Target::Bes3t => "DSC",
        }
    }
}

/// The options `convert` and `batch-convert` share.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Output formats, comma-separated.
    #[arg(long, short = 't', value_delimiter = ',', default_value = "csv,json")]
    pub to: Vec<Target>,
    /// Replace existing output files (batch-convert: convert every dataset again).
    #[arg(long)]
    pub force: bool,
    /// CSV layout of 2-D and 3-D data.
    #[arg(long, value_enum, default_value_t = Layout::Long)]
    pub layout: Layout,
    /// Scaling applied on loading, as EasySpin's eprload: any of n (scans), P (power),
    /// G (gain), T (temperature), c (conversion time).
    #[arg(long, default_value = "")]
    pub scaling: String,
}

/// How to write.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteSettings {
    /// Replace existing files.
    pub force: bool,
    /// The CSV layout.
    pub layout: Layout,
}

/// The output file of the dataset loaded from `source` in `dir`: `<dir>/<stem>.<ext>`.
pub fn output_path(dir: &Path, source: &Path, target: Target) -> PathBuf {
    let stem = source.file_stem().unwrap_or(source.as_os_str());
    let mut name = stem.to_os_string();
    name.push(".");
    name.push(target.extension());
    dir.join(name)
}

/// The files an output at `path` consists of before the dataset is read: the file itself, and
/// for BES3T its data file too (axis companions depend on the data).
pub fn main_files(path: &Path, target: Target) -> Vec<PathBuf> {
    match target {
        Target::Bes3t => vec![path.to_path_buf(), path.with_extension("DTA")],
        _ => vec![path.to_path_buf()],
    }
}

/// Fails if an output file of `target` at `path` is one of the dataset's own source files:
/// `--force` replaces outputs, never the data they come from.
fn refuse_own_sources(dataset: &Dataset, target: Target, path: &Path) -> Result<()> {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let sources: Vec<PathBuf> = dataset
        .sources()
        .iter()
        .filter_map(|p| canonical(p))
        .collect();
    let outputs = match target {
        Target::Bes3t => export::output_paths(dataset, path, ExportFormat::Bes3t),
        _ => vec![path.to_path_buf()],
    };
    match outputs
        .iter()
        .find(|o| canonical(o).is_some_and(|c| sources.contains(&c)))
    {
        Some(own) => Err(epyr_core::Error::new(
            epyr_core::ErrorKind::AlreadyExists,
            format!(
                "{}: is a file of the dataset being converted; not replaced, even with --force \
                 (choose another folder with -o)",
                own.display()
            ),
        )),
        None => Ok(()),
    }
}

/// Writes `dataset` as `target` to `path`; returns the files written. A file of the dataset
/// itself is never replaced.
pub fn write(
    dataset: &Dataset,
    target: Target,
    path: &Path,
    settings: &WriteSettings,
) -> Result<Vec<PathBuf>> {
    refuse_own_sources(dataset, target, path)?;
    let options = ExportOptions {
        overwrite: settings.force,
        csv_layout: match settings.layout {
            Layout::Long => CsvLayout::Long,
            Layout::Matrix => CsvLayout::Matrix,
        },
        // A disk flush per file would dominate converting many small files; an output a power
        // failure leaves empty is converted again (see `up_to_date`).
        durable: false,
    };
    let format = match target {
        Target::Csv => ExportFormat::Csv,
        Target::Json => ExportFormat::Json,
        Target::Bes3t => ExportFormat::Bes3t,
        Target::Hdf5 => return write_hdf5(dataset, path, settings.force),
    };
    export::export(dataset, path, format, &options)
}

#[cfg(feature = "hdf5")]
fn write_hdf5(dataset: &Dataset, path: &Path, force: bool) -> Result<Vec<PathBuf>> {
    crate::hdf5_out::write(dataset, path, force).map(|p| vec![p])
}

#[cfg(not(feature = "hdf5"))]
fn write_hdf5(_: &Dataset, path: &Path, _: bool) -> Result<Vec<PathBuf>> {
    Err(epyr_core::Error::new(
        epyr_core::ErrorKind::Unsupported,
        format!("{}: {}", path.display(), HDF5_MISSING),
    ))
}

/// Why this build writes no HDF5.
#[cfg(not(feature = "hdf5"))]
pub const HDF5_MISSING: &str =
    "HDF5 is not in this build of epyr (built without the `hdf5` feature; see the README)";

/// Whether this build writes HDF5.
pub const HAS_HDF5: bool = cfg!(feature = "hdf5");

/// Whether every file of `outputs` exists, is not empty and is not older than any of
/// `sources`: then the outputs were made from the sources as they are. (An empty output is
/// what a power failure can leave of a file written without a disk flush.)
pub fn up_to_date(outputs: &[PathBuf], sources: &[PathBuf]) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if outputs
        .iter()
        .any(|p| std::fs::metadata(p).map_or(true, |m| m.len() == 0))
    {
        return false;
    }
    let oldest_output = outputs
        .iter()
        .map(|p| modified(p))
        .collect::<Option<Vec<SystemTime>>>()
        .and_then(|times| times.into_iter().min());
    let newest_source = sources
        .iter()
        .map(|p| modified(p))
        .collect::<Option<Vec<SystemTime>>>()
        .and_then(|times| times.into_iter().max());
    match (oldest_output, newest_source) {
        (Some(out), Some(src)) => out >= src,
        _ => false,
    }
}
