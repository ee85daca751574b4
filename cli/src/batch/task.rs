//! One task of a batch: a dataset and the outputs to write for it, read once within the
//! memory budget and written output by output.

use std::path::{Path, PathBuf};

use epyr_core::formats::{Plan, Scaling};
use epyr_core::loader::reserve_bytes;
use epyr_core::{config, Error, ErrorKind, Result};

use super::budget::Budget;
use crate::interrupt;
use crate::output::{self, Target, WriteSettings};

/// A dataset and its outputs.
pub struct Task {
    /// The path the dataset is loaded by.
    pub source: PathBuf,
    /// The outputs to write (target and path); empty when all are up to date.
    pub outputs: Vec<(Target, PathBuf)>,
    /// Bytes of the source files.
    pub bytes: u64,
}

/// What became of a task.
pub enum Outcome {
    /// Written: the files.
    Converted(Vec<PathBuf>),
    /// Every output was newer than the sources.
    UpToDate,
    /// Failed, with the reason.
    Failed(Error),
    /// Not started, or stopped before its outputs, because of Ctrl-C.
    Interrupted,
}

/// Bytes an output's writer needs beside the dataset: BES3T builds the data file in memory
/// (the values interleaved, then encoded: twice the values), HDF5 one component at a time,
/// CSV and JSON stream through small buffers.
fn scratch_bytes(target: Target, plan: &Plan) -> u64 {
    let values = plan.layout.value_bytes();
    match target {
        Target::Bes3t => 2 * values,
        Target::Hdf5 => values,
        Target::Csv | Target::Json => 1 << 16,
    }
}

/// Runs one task: plans it (reads the descriptor), waits for its bytes in the budget, reads
/// the values once and writes each output (replacing stale ones).
pub fn run(task: &Task, scaling: Scaling, budget: &Budget, settings: &WriteSettings) -> Outcome {
    if task.outputs.is_empty() {
        return Outcome::UpToDate;
    }
    if interrupt::requested() {
        return Outcome::Interrupted;
    }
    match convert(task, scaling, budget, settings) {
        Ok(Some(files)) => Outcome::Converted(files),
        Ok(None) => Outcome::Interrupted,
        Err(e) => Outcome::Failed(e),
    }
}

fn convert(
    task: &Task,
    scaling: Scaling,
    budget: &Budget,
    settings: &WriteSettings,
) -> Result<Option<Vec<PathBuf>>> {
    let plan = Plan::open(&task.source, scaling)?;
    let dataset_bytes = plan.dataset_heap_bytes() as u64;
    let scratch = task
        .outputs
        .iter()
        .map(|(t, _)| scratch_bytes(*t, &plan))
        .max()
        .unwrap_or(0);
    let _permit = budget.acquire(dataset_bytes + scratch, &task.source)?;
    let config = config::global().settings()?;
    let advice = "raise performance.memory_limit_mb (--set performance.memory_limit_mb=...)";
    let reading = reserve_bytes(
        dataset_bytes as usize,
        &task.source,
        &config,
        None,
        "converting",
        advice,
    )?;
    let dataset = plan.read_parallel(1)?;
    drop(reading);
    let _writing = reserve_bytes(
        scratch as usize,
        &task.source,
        &config,
        None,
        "writing",
        advice,
    )?;
    let mut written = Vec::new();
    for (target, path) in &task.outputs {
        if interrupt::requested() {
            return Ok(None);
        }
        ensure_folder(path)?;
        written.extend(output::write(&dataset, *target, path, settings)?);
    }
    Ok(Some(written))
}

fn ensure_folder(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("{}: cannot create: {e}", dir.display()),
            )
        }),
        _ => Ok(()),
    }
}
