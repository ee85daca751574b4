//! `epyr formats`: the formats the core reads (from its format list) and the outputs this build
//! writes.

use epyr_core::formats::{Format, FORMATS};
use serde_json::json;

use crate::output::HAS_HDF5;
use crate::report;

/// Arguments of `epyr formats`.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  epyr formats --json")]
pub struct Args {
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

/// Output formats: name, files written, whether this build has it.
fn outputs() -> [(&'static str, &'static str, bool); 4] {
    [
        ("csv", "<stem>.csv", true),
        ("json", "<stem>.json (metadata)", true),
        ("hdf5", "<stem>.h5 (NeXus-style)", HAS_HDF5),
        ("bes3t", "<stem>.DSC + .DTA (+ .XGF/.YGF/.ZGF)", true),
    ]
}

/// The files of a format: each member's extensions with its role, then the companions.
fn files_of(format: &dyn Format) -> Vec<(String, &'static str)> {
    let mut files: Vec<(String, &'static str)> = format
        .members()
        .iter()
        .flat_map(|m| {
            let exts: Vec<&str> = if m.extensions.is_empty() {
                vec!["(no extension: recognised by content)"]
            } else {
                m.extensions.to_vec()
            };
            exts.into_iter().map(move |e| (e.to_string(), m.role))
        })
        .collect();
    files.extend(
        format
            .companions()
            .iter()
            .map(|e| (e.to_string(), "optional companion")),
    );
    files
}

/// Runs `epyr formats`.
pub fn run(args: &Args) -> u8 {
    if args.json {
        let read: Vec<_> = FORMATS
            .iter()
            .map(|f| {
                let files: Vec<_> = files_of(*f)
                    .into_iter()
                    .map(|(ext, role)| json!({"extension": ext, "role": role}))
                    .collect();
                json!({"id": f.id(), "name": f.name(), "vendor": f.vendor(), "files": files})
            })
            .collect();
        let write: Vec<_> = outputs()
            .iter()
            .map(|(name, files, built)| json!({"name": name, "files": files, "in_this_build": built}))
            .collect();
        let doc = json!({"read": read, "write": write});
        say!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return report::OK;
    }
    say!("Reads:");
    for f in FORMATS {
        let files: Vec<String> = files_of(*f)
            .into_iter()
            .map(|(ext, role)| {
                if ext.starts_with('(') {
                    format!("{ext} ({role})")
                } else {
                    format!(".{} ({role})", ext.to_ascii_uppercase())
                }
            })
            .collect();
        say!("  {:<16} {:<26} {}", f.id(), f.name(), files.join(", "));
    }
    say!("Writes (convert --to):");
    for (name, files, built) in outputs() {
        let note = if built { "" } else { "  [not in this build]" };
        say!("  {name:<14} {files}{note}");
    }
    report::OK
}
