//! `epyr convert`: each dataset named (or found in a folder named) to each output format, in
//! `-o DIR` (default: the current folder) as `<stem>.<ext>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use epyr_core::discover::{find_datasets, DiscoverOptions, Discovery};
use epyr_core::{Dataset, Loader, LoaderOptions, Result};

use crate::output::{self, Layout, Target, WriteSettings};
use crate::{interrupt, report};

/// Arguments of `epyr convert`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  epyr convert spectrum.DSC --to csv,json\n  \
    epyr convert data/*.DSC --to hdf5 -o converted --force\n  \
    epyr convert map.DSC --to csv --layout matrix"
)]
pub struct Args {
    /// Dataset files (either file of a pair) or folders (their datasets, not sub-folders).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output formats, comma-separated.
    #[arg(long, short = 't', value_delimiter = ',', default_value = "csv,json")]
    to: Vec<Target>,
    /// Output folder (created if missing).
    #[arg(long, short = 'o', default_value = ".")]
    output: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
    /// CSV layout of 2-D and 3-D data.
    #[arg(long, value_enum, default_value_t = Layout::Long)]
    layout: Layout,
    /// Scaling applied on loading, as EasySpin's eprload: any of n (scans), P (power),
    /// G (gain), T (temperature), c (conversion time).
    #[arg(long, default_value = "")]
    scaling: String,
}

/// Runs `epyr convert`.
pub fn run(args: &Args) -> u8 {
    interrupt::install();
    let found = discover(&args.paths, false);
    let loader = match plain_loader() {
        Ok(l) => l,
        Err(e) => {
            report::error(&e);
            return report::USAGE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        report::message(&format!("cannot create {}: {e}", args.output.display()));
        return report::FAILED;
    }
    let settings = WriteSettings {
        force: args.force,
        layout: args.layout,
    };
    let mut failed = !found.errors.is_empty();
    for entry in &found.datasets {
        if interrupt::requested() {
            return report::INTERRUPTED;
        }
        match loader.load(&entry.path, &args.scaling) {
            Ok(ds) => {
                failed |= !convert_dataset(&ds, &entry.path, &args.to, &args.output, &settings)
            }
            Err(e) => {
                report::error(&e);
                failed = true;
            }
        }
    }
    if found.datasets.is_empty() && found.errors.is_empty() {
        report::message("no dataset found in the paths given");
        return report::FAILED;
    }
    if failed {
        report::FAILED
    } else {
        report::OK
    }
}

/// Writes every target of one dataset, printing each file written or each error; true when
/// all were written.
fn convert_dataset(
    ds: &Arc<Dataset>,
    source: &Path,
    targets: &[Target],
    dir: &Path,
    settings: &WriteSettings,
) -> bool {
    let mut ok = true;
    for &target in targets {
        let path = output::output_path(dir, source, target);
        match output::write(ds, target, &path, settings) {
            Ok(files) => {
                for f in files {
                    println!("{}", f.display());
                }
            }
            Err(e) => {
                report::error(&e);
                ok = false;
            }
        }
    }
    ok
}

/// A loader without the cache: each dataset is read once.
pub fn plain_loader() -> Result<Loader> {
    Loader::new(LoaderOptions {
        cache_enabled: Some(false),
        ..LoaderOptions::default()
    })
}

/// The datasets among `paths`; prints each path that cannot be read, and each file given by
/// name that is not a dataset.
pub fn discover(paths: &[PathBuf], recursive: bool) -> Discovery {
    let found = find_datasets(
        paths,
        &DiscoverOptions {
            recursive,
            exclude: Vec::new(),
        },
    );
    for e in &found.errors {
        report::error(e);
    }
    for s in found.skipped.iter().filter(|s| paths.contains(&s.path)) {
        report::message(&format!("{}: skipped: {}", s.path.display(), s.reason));
    }
    found
}
