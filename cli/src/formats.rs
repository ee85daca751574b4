//! `epyr formats`: the formats the core reads (from its format list) and the outputs this build
//! writes.

use epyr_core::format_list::{Role, FORMATS};
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

/// Runs `epyr formats`.
pub fn run(args: &Args) -> u8 {
    if args.json {
        let read: Vec<_> = FORMATS
            .iter()
            .map(|f| {
                let files: Vec<_> = f
                    .files
                    .iter()
                    .map(|(ext, role)| json!({"extension": ext, "role": role_name(*role)}))
                    .collect();
                json!({"id": f.id, "name": f.name, "files": files})
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
        let files: Vec<String> = f
            .files
            .iter()
            .map(|(ext, role)| format!(".{} ({})", ext.to_ascii_uppercase(), role_name(*role)))
            .collect();
        say!("  {:<14} {:<20} {}", f.id, f.name, files.join(", "));
    }
    say!("Writes (convert --to):");
    for (name, files, built) in outputs() {
        let note = if built { "" } else { "  [not in this build]" };
        say!("  {name:<14} {files}{note}");
    }
    report::OK
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Descriptor => "descriptor",
        Role::Data => "data",
        Role::Companion => "axis companion",
    }
}
