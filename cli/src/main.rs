//! The `epyr` command: read, inspect and convert EPR spectroscopy files, over the core crate.

// First: the `say!` macro of `report` is used by the modules after it.
#[macro_use]
mod report;

mod batch;
mod completions;
mod config_cmd;
mod convert;
mod formats;
#[cfg(feature = "hdf5")]
mod hdf5_out;
mod info;
mod interrupt;
mod output;
mod plot;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Read, inspect and convert EPR spectroscopy files (Bruker BES3T and ESP/WinEPR).
#[derive(Parser)]
#[command(
    name = "epyr",
    bin_name = "epyr",
    version,
    about,
    propagate_version = true
)]
pub struct Cli {
    /// Set a configuration value for this run only (KEY=VALUE, e.g.
    /// performance.memory_limit_mb=200); repeatable. `epyr config show` lists the keys.
    #[arg(long = "set", value_name = "KEY=VALUE", global = true)]
    set: Vec<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Describe datasets: format, dimensions, axes, common metadata, warnings.
    Info(info::Args),
    /// Convert datasets to CSV, JSON, HDF5 or BES3T.
    Convert(convert::Args),
    /// Convert every dataset in folders, on worker threads, with progress and a summary.
    BatchConvert(batch::Args),
    /// Draw a dataset to a PNG or SVG picture.
    Plot(plot::Args),
    /// Load every dataset and report problems; the exit status says whether there were any.
    Validate(validate::Args),
    /// Show, get, set and save the configuration shared with EPyR Tools.
    Config(config_cmd::Args),
    /// List the formats epyr reads and writes.
    Formats(formats::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = apply_settings(&cli.set) {
        report::error(&e);
        return ExitCode::from(2);
    }
    let status = match cli.command {
        Command::Info(args) => info::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::BatchConvert(args) => batch::run(&args),
        Command::Plot(args) => plot::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Config(args) => config_cmd::run(&args),
        Command::Formats(args) => formats::run(&args),
        Command::Completions(args) => completions::run(&args),
    };
    ExitCode::from(status)
}

/// Applies `--set KEY=VALUE` options to the global configuration at run time.
fn apply_settings(settings: &[String]) -> epyr_core::Result<()> {
    for setting in settings {
        let Some((key, value)) = setting.split_once('=') else {
            return Err(epyr_core::Error::new(
                epyr_core::ErrorKind::InvalidArgument,
                format!("--set {setting:?}: expected KEY=VALUE"),
            ));
        };
        epyr_core::config::global().set(key.trim(), value.trim())?;
    }
    Ok(())
}
