//! `epyr info`: per dataset its format, files, dimensions, axes, common metadata and warnings;
//! every parameter with `--params`; JSON with `--json`.

use std::path::PathBuf;

use epyr_core::export::labels::{axis_name, axis_unit, swept_dims, with_unit};
use epyr_core::export::{axes_json, parameters_json};
use epyr_core::metadata::{common_metadata, Field};
use epyr_core::Dataset;
use serde_json::{json, Value as Json};

use crate::convert::discover_with_loader;
use crate::report;

/// Arguments of `epyr info`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  epyr info spectrum.DSC\n  epyr info data/ --recursive\n  \
    epyr info spectrum.DSC --params --json"
)]
pub struct Args {
    /// Dataset files or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Also list every parameter of the file.
    #[arg(long)]
    params: bool,
    /// Print JSON (an array, one object per dataset) for scripts.
    #[arg(long)]
    json: bool,
    /// Search sub-folders of the folders given.
    #[arg(long, short = 'r')]
    recursive: bool,
}

/// Runs `epyr info`.
pub fn run(args: &Args) -> u8 {
    let Some((found, loader)) = discover_with_loader(&args.paths, args.recursive) else {
        return report::USAGE;
    };
    let mut failed = !found.errors.is_empty();
    let mut docs = Vec::new();
    for entry in &found.datasets {
        match loader.load(&entry.path, "") {
            Ok(ds) if args.json => docs.push(info_json(&ds, &entry.path, args.params)),
            Ok(ds) => print_text(&ds, &entry.path, args.params),
            Err(e) => {
                failed = true;
                if args.json {
                    docs.push(json!({"path": entry.path.display().to_string(),
                                     "error": e.to_string()}));
                } else {
                    report::error(&e);
                }
            }
        }
    }
    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&Json::Array(docs)).unwrap_or_default()
        );
    }
    if found.datasets.is_empty() {
        report::message("no dataset found in the paths given");
        failed = true;
    }
    if failed {
        report::FAILED
    } else {
        report::OK
    }
}

fn print_text(ds: &Dataset, path: &std::path::Path, params: bool) {
    let id = ds.format().as_str();
    say!("{}", path.display());
    say!(
        "  format      {} ({id})",
        epyr_core::formats::display_name(id)
    );
    for source in ds.sources() {
        say!("  file        {}", source.display());
    }
    let [nx, ny, nz] = ds.dims();
    say!("  dimensions  {nx} x {ny} x {nz}");
    let kinds: Vec<&str> = ds
        .components()
        .iter()
        .map(|c| if c.complex { "complex" } else { "real" })
        .collect();
    say!("  components  {}", kinds.join(", "));
    for d in swept_dims(ds) {
        let label = with_unit(&axis_name(ds, d), axis_unit(ds, d));
        let letter = ["x", "y", "z"][d];
        match ds.axis(d) {
            Some(a) => say!(
                "  {letter} axis      {label}: {} .. {}, {} points",
                a.values[0],
                a.values[a.values.len() - 1],
                a.values.len()
            ),
            None => say!(
                "  {letter} axis      none in the file ({} points)",
                ds.dims()[d]
            ),
        }
    }
    let md = common_metadata(ds);
    for (name, field) in md.present() {
        let source = match field {
            Field::Quantity(q) => &q.source,
            Field::Text(t) => &t.source,
        };
        say!("  {name:<21} {}   [{source}]", field.display());
    }
    for w in ds.warnings() {
        say!("  warning     {w}");
    }
    if params {
        say!("  parameters ({})", ds.params().len());
        for p in ds.params().entries() {
            match &p.device {
                Some(d) => say!("    {d}.{} = {}", p.key, p.value),
                None => say!("    {} = {}", p.key, p.value),
            }
        }
    }
    say!();
}

fn info_json(ds: &Dataset, path: &std::path::Path, params: bool) -> Json {
    let id = ds.format().as_str();
    let mut doc = json!({
        "path": path.display().to_string(),
        "format": {"id": id, "name": epyr_core::formats::display_name(id)},
        "sources": ds.sources().iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "dims": ds.dims(),
        "components": ds.components().iter().map(|c| json!({"complex": c.complex})).collect::<Vec<_>>(),
        "axes": axes_json(ds),
        "common": common_metadata(ds).to_json(),
        "warnings": ds.warnings(),
    });
    if params {
        doc["parameters"] = parameters_json(ds);
    }
    doc
}
