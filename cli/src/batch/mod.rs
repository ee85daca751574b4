//! `epyr batch-convert`: every dataset in folders (one task per dataset), converted on worker
//! threads within the memory budget, with progress and a summary; re-running converts only
//! what changed; Ctrl-C stops after the datasets in progress and leaves no partial file.

mod budget;
mod progress;
mod task;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use epyr_core::discover::{find_datasets, DiscoverOptions, Skipped};
use epyr_core::formats::Scaling;
use epyr_core::{config, memory, Error, ErrorKind};
use parking_lot::Mutex;
use serde_json::json;

use crate::output::{self, OutputArgs, Target, WriteSettings};
use crate::{interrupt, report};
use budget::Budget;
use progress::{Mode, Progress};
use task::{Outcome, Task};

/// Arguments of `epyr batch-convert`.
#[derive(clap::Args)]
#[command(
    after_help = "Outputs go to DIR/converted (or -o OUT; with --recursive the sub-folders \
    are mirrored), named <stem>.<ext>. An output newer than its dataset's files is kept; an \
    older one is replaced (its dataset changed); --force replaces all.\n\nExamples:\n  \
    epyr batch-convert data/ --to csv,hdf5 -j 2\n  \
    epyr batch-convert run1/ run2/ --to bes3t -o converted --recursive"
)]
pub struct Args {
    /// Folders (datasets directly in them; sub-folders with --recursive), or dataset files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output folder (default: `converted` inside each folder given).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Worker threads (default: performance.threads of the configuration; 0 there means half
    /// the cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Search sub-folders too.
    #[arg(long, short = 'r')]
    recursive: bool,
    #[command(flatten)]
    out: OutputArgs,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = Mode::Auto)]
    progress: Mode,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// List the files that are not datasets, with the reason.
    #[arg(long, short = 'v')]
    verbose: bool,
}

/// What the batch found and did.
struct Plan {
    tasks: Vec<Task>,
    /// Tasks that cannot run (an output name taken by another dataset), with the reason.
    rejected: Vec<(PathBuf, Error)>,
    skipped: Vec<Skipped>,
    errors: Vec<Error>,
}

/// The output folder of datasets found under `root`.
fn output_root(args: &Args, root: &Path) -> PathBuf {
    match &args.output {
        Some(out) => out.clone(),
        None if root.is_dir() => root.join("converted"),
        None => root
            .parent()
            .map_or_else(|| PathBuf::from("converted"), |p| p.join("converted")),
    }
}

/// Finds the datasets under each path and makes their tasks.
fn plan(args: &Args) -> Plan {
    let mut plan = Plan {
        tasks: Vec::new(),
        rejected: Vec::new(),
        skipped: Vec::new(),
        errors: Vec::new(),
    };
    let mut claimed: HashMap<PathBuf, PathBuf> = HashMap::new();
    for root in &args.paths {
        let out_root = output_root(args, root);
        let found = find_datasets(
            std::slice::from_ref(root),
            &DiscoverOptions {
                recursive: args.recursive,
                exclude: vec![out_root.clone()],
            },
        );
        plan.errors.extend(found.errors);
        plan.skipped.extend(found.skipped);
        for dataset in found.datasets {
            let parent = dataset.path.parent().unwrap_or(Path::new(""));
            let relative = parent.strip_prefix(root).unwrap_or(Path::new(""));
            let dir = out_root.join(relative);
            let outputs: Vec<(Target, PathBuf)> = args
                .out
                .to
                .iter()
                .map(|&t| (t, output::output_path(&dir, &dataset.path, t)))
                .collect();
            if let Some((_, taken)) = outputs
                .iter()
                .find_map(|(_, p)| claimed.get(p).map(|owner| (p, owner.clone())))
            {
                let e = Error::new(
                    ErrorKind::AlreadyExists,
                    format!(
                        "{}: its output name is taken by {} (same base name); convert it \
                         separately with -o",
                        dataset.path.display(),
                        taken.display()
                    ),
                );
                plan.rejected.push((dataset.path, e));
                continue;
            }
            for (_, p) in &outputs {
                claimed.insert(p.clone(), dataset.path.clone());
            }
            let outputs = outputs
                .into_iter()
                .filter(|(t, p)| {
                    args.out.force
                        || !output::up_to_date(&output::main_files(p, *t), &dataset.members)
                })
                .collect();
            let bytes = dataset
                .members
                .iter()
                .filter_map(|m| std::fs::metadata(m).ok())
                .map(|m| m.len())
                .sum();
            plan.tasks.push(Task {
                source: dataset.path,
                outputs,
                bytes,
            });
        }
    }
    plan
}

/// Runs `epyr batch-convert`.
pub fn run(args: &Args) -> u8 {
    interrupt::install();
    let scaling = match Scaling::parse(&args.out.scaling) {
        Ok(s) => s,
        Err(e) => return usage(&e),
    };
    let settings = match config::global().settings() {
        Ok(s) => s,
        Err(e) => return usage(&e),
    };
    let workers = args
        .jobs
        .unwrap_or_else(|| settings.effective_threads())
        .max(1);
    let limit = settings
        .memory_limit_bytes()
        .map(|l| l.saturating_sub(epyr_core::accounting::library_bytes() as u64));
    let plan = plan(args);
    let budget = Budget::new(limit);
    let total_bytes = plan.tasks.iter().map(|t| t.bytes).sum();
    let progress = Progress::new(args.progress, plan.tasks.len(), total_bytes);
    let write = WriteSettings {
        // Only outputs that are missing or older than their dataset are written.
        force: true,
        layout: args.out.layout,
    };
    let start = Instant::now();
    let outcomes = run_tasks(&plan.tasks, workers, scaling, &budget, &write, &progress);
    progress.finish();
    let summary = Summary::new(&plan, outcomes, &budget, start.elapsed().as_secs_f64());
    summary.print(args, &plan);
    summary.status()
}

fn usage(e: &Error) -> u8 {
    report::error(e);
    report::USAGE
}

/// Runs the tasks on `workers` threads; one outcome per task, in order.
fn run_tasks(
    tasks: &[Task],
    workers: usize,
    scaling: Scaling,
    budget: &Budget,
    settings: &WriteSettings,
    progress: &Progress,
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let outcomes: Vec<Mutex<Option<Outcome>>> = tasks.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        let mut since_check = 0;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(task) = tasks.get(i) else { break };
            let outcome = task::run(task, scaling, budget, settings);
            *outcomes[i].lock() = Some(outcome);
            progress.advance(task.bytes);
            // The seed's batch loop: every few files, check the memory and optimise when over.
            since_check += 1;
            if since_check >= 10 {
                since_check = 0;
                if matches!(memory::check_memory_limit(), Ok(false)) {
                    let _ = memory::optimize_memory();
                }
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..workers.min(tasks.len().max(1)) {
            s.spawn(work);
        }
        work();
    });
    outcomes
        .into_iter()
        .map(|o| o.into_inner().unwrap_or(Outcome::Interrupted))
        .collect()
}

/// The counts and failures of a finished batch.
struct Summary {
    converted: Vec<(PathBuf, Vec<PathBuf>)>,
    up_to_date: Vec<PathBuf>,
    failed: Vec<(PathBuf, String)>,
    interrupted: Vec<PathBuf>,
    peak: u64,
    limit: Option<u64>,
    seconds: f64,
}

impl Summary {
    fn new(plan: &Plan, outcomes: Vec<Outcome>, budget: &Budget, seconds: f64) -> Summary {
        let mut s = Summary {
            converted: Vec::new(),
            up_to_date: Vec::new(),
            failed: plan
                .rejected
                .iter()
                .map(|(p, e)| (p.clone(), e.to_string()))
                .collect(),
            interrupted: Vec::new(),
            peak: budget.peak(),
            limit: budget.limit(),
            seconds,
        };
        s.failed
            .extend(plan.errors.iter().map(|e| (PathBuf::new(), e.to_string())));
        for (task, outcome) in plan.tasks.iter().zip(outcomes) {
            let path = task.source.clone();
            match outcome {
                Outcome::Converted(files) => s.converted.push((path, files)),
                Outcome::UpToDate => s.up_to_date.push(path),
                Outcome::Failed(e) => s.failed.push((path, e.to_string())),
                Outcome::Interrupted => s.interrupted.push(path),
            }
        }
        s
    }

    fn status(&self) -> u8 {
        if !self.interrupted.is_empty() || interrupt::requested() {
            report::INTERRUPTED
        } else if !self.failed.is_empty() {
            report::FAILED
        } else {
            report::OK
        }
    }

    fn print(&self, args: &Args, plan: &Plan) {
        if args.json {
            let failed: Vec<_> = self
                .failed
                .iter()
                .map(|(p, r)| json!({"path": p.display().to_string(), "reason": r}))
                .collect();
            let doc = json!({
                "converted": self.converted.len(),
                "files_written": self.converted.iter().map(|(_, f)| f.len()).sum::<usize>(),
                "up_to_date": self.up_to_date.len(),
                "failed": failed,
                "interrupted": self.interrupted.len(),
                "not_datasets": plan.skipped.len(),
                "peak_held_bytes": self.peak,
                "budget_bytes": self.limit,
                "seconds": self.seconds,
            });
            say!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            return;
        }
        let files: usize = self.converted.iter().map(|(_, f)| f.len()).sum();
        say!(
            "converted {} datasets ({files} files) in {:.2} s",
            self.converted.len(),
            self.seconds
        );
        if !self.up_to_date.is_empty() {
            say!(
                "skipped {} datasets: their outputs are newer than their files",
                self.up_to_date.len()
            );
        }
        if !self.interrupted.is_empty() {
            say!(
                "interrupted: {} datasets not converted",
                self.interrupted.len()
            );
        }
        if !self.failed.is_empty() {
            say!("failed {} datasets:", self.failed.len());
            for (path, reason) in &self.failed {
                say!("  {}: {reason}", path.display());
            }
        }
        if !plan.skipped.is_empty() {
            say!("{} files are not datasets", plan.skipped.len());
            if args.verbose {
                for s in &plan.skipped {
                    say!("  {}: {}", s.path.display(), s.reason);
                }
            }
        }
        match self.limit {
            Some(limit) => say!(
                "memory held at most {} of the {} budget",
                report::megabytes(self.peak),
                report::megabytes(limit)
            ),
            None => say!(
                "memory held at most {} (no budget)",
                report::megabytes(self.peak)
            ),
        }
    }
}
