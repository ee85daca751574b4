//! The `epyr` command: read, inspect and convert EPR spectroscopy files, over the core crate.

use clap::Parser;

/// Read, inspect and convert EPR spectroscopy files.
#[derive(Parser)]
#[command(name = "epyr", version, about)]
struct Cli {}

fn main() {
    Cli::parse();
}
