//! `epyr config`: the configuration shared with EPyR Tools as the library sees it — each key's
//! value in force and its source (default, file, environment, set) — and changes to its file.

use std::path::PathBuf;

use clap::Subcommand;
use epyr_core::config::sources::key_sources;
use epyr_core::config::{self, default_path, Key};
use serde_json::json;

use crate::report;

/// Arguments of `epyr config`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  epyr config show\n  epyr config get performance.cache_size_mb\n  \
    epyr config set performance.threads 2\n  \
    epyr --set performance.memory_limit_mb=1000 config save\n  epyr config path"
)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Every key with its value in force and where it comes from.
    Show {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// One key's value in force.
    Get {
        /// The key (performance.cache_size_mb, ...).
        key: String,
        /// Also print where the value comes from.
        #[arg(long)]
        source: bool,
    },
    /// Validate a value and write it to the configuration file (other keys and sections of the
    /// file are kept).
    Set {
        /// The key (performance.cache_size_mb, ...).
        key: String,
        /// The value (a number, or true/false).
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Write the values in force that were set (with --set) and the file's own to the
    /// configuration file (environment values are not written).
    Save {
        /// Where to save (default: the configuration file).
        path: Option<PathBuf>,
    },
    /// The path of the configuration file.
    Path,
}

/// Runs `epyr config`.
pub fn run(args: &Args) -> u8 {
    let global = config::global();
    let file = default_path();
    match &args.action {
        Action::Show { json } => show(file.as_deref(), *json),
        Action::Get { key, source } => {
            let key = match Key::from_dotted(key) {
                Ok(k) => k,
                Err(e) => return fail(&e, report::USAGE),
            };
            let sources = key_sources(&global.snapshot(), file.as_deref());
            let Some(entry) = sources.into_iter().find(|s| s.key == key) else {
                return report::FAILED;
            };
            match entry.value {
                Ok(v) if *source => say!("{v}\t{} ({})", entry.layer.name(), entry.origin),
                Ok(v) => say!("{v}"),
                Err(e) => return fail(&e, report::FAILED),
            }
            report::OK
        }
        Action::Set { key, value } => {
            if let Err(e) = global.set(key, value).and_then(|()| global.save(None)) {
                return fail(&e, report::FAILED);
            }
            let shown = file
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string());
            say!("{key} = {} (saved to {shown})", value.trim());
            if let Ok(k) = Key::from_dotted(key) {
                if std::env::var_os(k.env_var()).is_some() {
                    report::message(&format!(
                        "note: {} is set in the environment, which overrides the file",
                        k.env_var()
                    ));
                }
            }
            report::OK
        }
        Action::Save { path } => match global.save(path.as_deref()) {
            Ok(()) => {
                let target = path.clone().or(file);
                say!(
                    "saved to {}",
                    target.map_or(String::new(), |p| p.display().to_string())
                );
                report::OK
            }
            Err(e) => fail(&e, report::FAILED),
        },
        Action::Path => match file {
            Some(p) => {
                let state = if p.is_file() {
                    "exists"
                } else {
                    "does not exist yet"
                };
                say!("{}", p.display());
                report::message(&format!("the file {state}"));
                report::OK
            }
            None => {
                report::message("no configuration folder on this system (no HOME or APPDATA)");
                report::FAILED
            }
        },
    }
}

fn fail(e: &epyr_core::Error, status: u8) -> u8 {
    report::error(e);
    status
}

/// Prints every key with its value and source; a key without a usable value shows its error
/// and makes the status FAILED.
fn show(file: Option<&std::path::Path>, as_json: bool) -> u8 {
    let sources = key_sources(&config::global().snapshot(), file);
    let mut status = report::OK;
    if as_json {
        let keys: Vec<_> = sources
            .iter()
            .map(|s| match &s.value {
                Ok(v) => json!({"key": s.key.dotted_name(), "value": v.to_json(),
                                "source": s.layer.name(), "origin": s.origin}),
                Err(e) => json!({"key": s.key.dotted_name(), "value": null, "error": e.to_string(),
                                 "source": s.layer.name(), "origin": s.origin}),
            })
            .collect();
        let doc = json!({"file": file.map(|p| p.display().to_string()), "keys": keys});
        say!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return if sources.iter().any(|s| s.value.is_err()) {
            report::FAILED
        } else {
            report::OK
        };
    }
    say!(
        "configuration file: {}",
        file.map_or("none".to_string(), |p| p.display().to_string())
    );
    for s in &sources {
        let value = match &s.value {
            Ok(v) => v.to_string(),
            Err(e) => {
                status = report::FAILED;
                format!("<unusable: {e}>")
            }
        };
        say!(
            "{:<32} {:<10} {:<12} {}",
            s.key.dotted_name(),
            value,
            s.layer.name(),
            s.origin
        );
    }
    status
}
