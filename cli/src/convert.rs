//! `epyr convert`: each dataset named (or found in a folder named) to each output format, in
//! `-o DIR` (default: the current folder) as `<stem>.<ext>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use epyr_core::discover::{find_datasets, DiscoverOptions, Discovery};
use epyr_core::{Dataset, Loader, LoaderOptions, Result};

use crate::output::{self, OutputArgs, Target, WriteSettings};
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
    /// Output folder (created if missing).
    #[arg(long, short = 'o', default_value = ".")]
    output: PathBuf,
    #[command(flatten)]
    out: OutputArgs,
}

/// Runs `epyr convert`.
pub fn run(args: &Args) -> u8 {
    interrupt::install();
    let Some((found, loader)) = discover_with_loader(&args.paths, false) else {
        return report::USAGE;
    };
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        report::message(&format!("cannot create {}: {e}", args.output.display()));
        return report::FAILED;
    }
    let settings = WriteSettings {
        force: args.out.force,
        layout: args.out.layout,
    };
    let mut failed = !found.errors.is_empty();
    for entry in &found.datasets {
        if interrupt::requested() {
            return report::INTERRUPTED;
        }
        match loader.load(&entry.path, &args.out.scaling) {
            Ok(ds) => {
                failed |= !convert_dataset(&ds, &entry.path, &args.out.to, &args.output, &settings)
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
                    say!("{}", f.display());
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

/// The datasets among `paths` and a loader without the cache; `None` (after printing why)
/// where the configuration is unusable.
pub fn discover_with_loader(paths: &[PathBuf], recursive: bool) -> Option<(Discovery, Loader)> {
    let found = discover(paths, recursive);
    match plain_loader() {
        Ok(loader) => Some((found, loader)),
        Err(e) => {
            report::error(&e);
            None
        }
    }
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
