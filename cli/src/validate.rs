//! `epyr validate`: loads every dataset and reports problems — unreadable files, sizes that do
//! not match, reader warnings, values that are not finite — with an exit status for pipelines
//! (1 if any dataset failed, or had warnings with `--strict`).

use std::path::PathBuf;

use epyr_core::Dataset;
use serde_json::json;

use crate::convert::discover_with_loader;
use crate::report;

/// Arguments of `epyr validate`.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  epyr validate data/ --recursive\n  \
    epyr validate spectrum.DSC --strict --json")]
pub struct Args {
    /// Dataset files or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Search sub-folders of the folders given.
    #[arg(long, short = 'r')]
    recursive: bool,
    /// Count warnings as failures.
    #[arg(long)]
    strict: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

/// The verdict on one dataset.
struct Verdict {
    path: PathBuf,
    status: &'static str,
    problems: Vec<String>,
}

/// The warnings of a loaded dataset: the reader's, and values that are not finite.
fn warnings_of(ds: &Dataset) -> Vec<String> {
    let mut problems: Vec<String> = ds.warnings().to_vec();
    let bad: usize = ds
        .components()
        .iter()
        .map(|c| c.values.iter().filter(|v| !v.is_finite()).count())
        .sum();
    if bad > 0 {
        problems.push(format!("{bad} values are NaN or infinite"));
    }
    problems
}

/// Runs `epyr validate`.
pub fn run(args: &Args) -> u8 {
    let Some((found, loader)) = discover_with_loader(&args.paths, args.recursive) else {
        return report::USAGE;
    };
    let mut verdicts: Vec<Verdict> = found
        .errors
        .iter()
        .map(|e| Verdict {
            path: PathBuf::new(),
            status: "error",
            problems: vec![e.to_string()],
        })
        .collect();
    for entry in &found.datasets {
        let verdict = match loader.load(&entry.path, "") {
            Ok(ds) => {
                let problems = warnings_of(&ds);
                let status = if problems.is_empty() { "ok" } else { "warning" };
                Verdict {
                    path: entry.path.clone(),
                    status,
                    problems,
                }
            }
            Err(e) => Verdict {
                path: entry.path.clone(),
                status: "error",
                problems: vec![e.to_string()],
            },
        };
        verdicts.push(verdict);
    }
    let count = |s: &str| verdicts.iter().filter(|v| v.status == s).count();
    let (ok, warned, failed) = (count("ok"), count("warning"), count("error"));
    if args.json {
        let list: Vec<_> = verdicts
            .iter()
            .map(|v| json!({"path": v.path.display().to_string(), "status": v.status, "problems": v.problems}))
            .collect();
        let doc =
            json!({"datasets": list, "summary": {"ok": ok, "warning": warned, "error": failed}});
        say!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        for v in &verdicts {
            let tag = match v.status {
                "ok" => "OK  ",
                "warning" => "WARN",
                _ => "FAIL",
            };
            say!("{tag}  {}", v.path.display());
            for p in &v.problems {
                say!("      {p}");
            }
        }
        say!(
            "{} datasets: {ok} ok, {warned} with warnings, {failed} failed",
            ok + warned + failed
        );
    }
    if found.datasets.is_empty() && found.errors.is_empty() {
        report::message("no dataset found in the paths given");
        return report::FAILED;
    }
    if failed > 0 || (args.strict && warned > 0) {
        report::FAILED
    } else {
        report::OK
    }
}
