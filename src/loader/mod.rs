//! The loader: cache-aware loading with a memory budget, loading into caller buffers, batch
//! loading on worker threads, and the chunked reader for files larger than memory.

mod chunked;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

pub(crate) use chunked::read_plan_axis;
pub use chunked::ChunkedReader;

use crate::accounting::{format_size, library_bytes, HeldBytes};
use crate::cache::DataCache;
use crate::config::{self, Settings, MB};
use crate::dataset::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::fork::{ForkHold, CORE_LOCKS};
use crate::formats::{ensure_unchanged, FileStamp, Plan, Provenance, Scaling, Source};

/// How a [`Loader`] works; `None` fields take the global configuration's value.
#[derive(Clone, Default)]
pub struct LoaderOptions {
    /// The chunk size of readers opened by the loader, in MB (> 0).
    pub chunk_size_mb: Option<f64>,
    /// Whether loads go through a cache.
    pub cache_enabled: Option<bool>,
    /// The cache to use; `None` means the global cache.
    pub cache: Option<Arc<DataCache>>,
}

/// Progress of a batch load, reported after each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Files finished (loaded or failed).
    pub files_done: usize,
    /// Files in the batch.
    pub files_total: usize,
    /// Bytes of decoded values (f64) of the files loaded so far.
    pub bytes_done: u64,
}

/// Loads datasets through a cache, within the memory budget. Cheap to share between threads.
pub struct Loader {
    cache: Option<Arc<DataCache>>,
    chunk_bytes: usize,
}

/// Serialises the memory-budget check and the reservation of a load's bytes, so that
/// concurrent loads cannot all pass the check and then overshoot the limit together. A plain
/// static lock that the fork handlers take ([`crate::fork`]).
static BUDGET: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Before a fork: takes the memory-budget lock.
pub(crate) fn take_budget(hold: &mut ForkHold) {
    hold.keep(crate::fork::lock(&BUDGET));
}

impl Loader {
    /// A loader with the given options.
    pub fn new(options: LoaderOptions) -> Result<Loader> {
        let settings = config::global().settings()?;
        let chunk_mb = options.chunk_size_mb.unwrap_or(settings.chunk_size_mb);
        if !(chunk_mb > 0.0 && chunk_mb <= 1e6) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("chunk size {chunk_mb} MB: expected a number above 0, at most 1e6"),
            ));
        }
        let cache = if options.cache_enabled.unwrap_or(settings.cache_enabled) {
            Some(
                options
                    .cache
                    .unwrap_or_else(|| Arc::clone(DataCache::global())),
            )
        } else {
            None
        };
        Ok(Loader {
            cache,
            chunk_bytes: ((chunk_mb * MB) as usize).max(1),
        })
    }

    /// A loader with the global configuration and the global cache.
    pub fn with_defaults() -> Result<Loader> {
        Loader::new(LoaderOptions::default())
    }

    /// The cache this loader uses, if caching is on.
    pub fn cache(&self) -> Option<&Arc<DataCache>> {
        self.cache.as_ref()
    }

    /// The chunk size of readers, in bytes.
    pub fn chunk_bytes(&self) -> usize {
        self.chunk_bytes
    }

    /// Loads the dataset at `path` with `scaling` (`""` for none): a validated cache hit, or a
    /// read within the memory budget.
    pub fn load(&self, path: &Path, scaling: &str) -> Result<Arc<Dataset>> {
        self.load_with(path, Scaling::parse(scaling)?)
            .map(|(ds, _)| ds)
    }

    /// Like [`Loader::load`]; also says whether the data came from the cache.
    pub fn load_with(&self, path: &Path, scaling: Scaling) -> Result<(Arc<Dataset>, bool)> {
        let settings = config::global().settings()?;
        match &self.cache {
            Some(cache) => cache.get_or_load(path, scaling, || {
                read_stamped(
                    path,
                    scaling,
                    &settings,
                    Some(cache),
                    settings.effective_threads(),
                )
            }),
            None => read_stamped(path, scaling, &settings, None, settings.effective_threads())
                .map(|(ds, _)| (ds, false)),
        }
    }

    /// Reads the descriptor side of a dataset: dims, components, axes, parameters and the
    /// number of values a [`Loader::load_into`] buffer needs (`plan.layout`). The plan is a
    /// description only: it keeps no file open.
    pub fn describe(&self, path: &Path, scaling: &str) -> Result<Plan> {
        Plan::open(path, Scaling::parse(scaling)?).map(Plan::into_description)
    }

    /// Reads every value of the dataset in file order (components interleaved per point,
    /// complex as re, im) into the first `points * per_point` values of `out` (see
    /// [`Loader::describe`]; a larger buffer is fine, a smaller one is
    /// [`ErrorKind::BufferTooSmall`]). The caller's buffer is used as is: no allocation of the
    /// values, no cache. Returns the plan (dims, axes, parameters; the number of values written
    /// is `plan.layout.points() * plan.layout.per_point()`).
    pub fn load_into(&self, path: &Path, scaling: &str, out: &mut [f64]) -> Result<Plan> {
        let settings = config::global().settings()?;
        let plan = Plan::open(path, Scaling::parse(scaling)?)?;
        let needed = plan.layout.points() * plan.layout.per_point();
        let Some(out) = out.get_mut(..needed) else {
            return Err(Error::new(
                ErrorKind::BufferTooSmall,
                format!(
                    "{}: the dataset has {needed} values, the buffer holds {}",
                    path.display(),
                    out.len()
                ),
            ));
        };
        plan.read_file_order_into(out, settings.effective_threads())?;
        Ok(plan)
    }

    /// Loads every path on `threads` workers (the configuration's effective thread count),
    /// one result per path in the same order: a bad file gives its error and does not stop the
    /// batch. `progress` is called after each file, from one thread at a time.
    pub fn load_many(
        &self,
        paths: &[PathBuf],
        scaling: &str,
        progress: Option<&(dyn Fn(Progress) + Sync)>,
    ) -> Vec<Result<Arc<Dataset>>> {
        let scaling = match Scaling::parse(scaling) {
            Ok(s) => s,
            Err(e) => return paths.iter().map(|_| Err(e.clone())).collect(),
        };
        let workers = config::global()
            .settings()
            .map_or(1, |s| s.effective_threads())
            .clamp(1, paths.len().max(1));
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<Arc<Dataset>>>>> =
            paths.iter().map(|_| Mutex::new(None)).collect();
        let done = Mutex::new((0usize, 0u64));
        let work = || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = paths.get(i) else { break };
            let result = self.load_single_threaded(path, scaling);
            let bytes = result.as_ref().map_or(0, |ds| value_bytes(ds));
            *results[i].lock() = Some(result);
            let mut d = done.lock();
            d.0 += 1;
            d.1 += bytes;
            if let Some(report) = progress {
                report(Progress {
                    files_done: d.0,
                    files_total: paths.len(),
                    bytes_done: d.1,
                });
            }
        };
        // The calling thread is one of the workers. A worker the system refuses runs on the
        // calling thread, and finds the queue empty or takes its share; a worker that panicked
        // leaves its file without a result, reported below.
        crate::threads::run_scoped(vec![&work; workers]);
        results
            .into_iter()
            .map(|slot| {
                slot.into_inner().unwrap_or_else(|| {
                    Err(Error::new(ErrorKind::Panic, "a batch worker stopped early"))
                })
            })
            .collect()
    }

    /// One load of a batch: decoding on the calling worker only (the batch is the parallelism).
    fn load_single_threaded(&self, path: &Path, scaling: Scaling) -> Result<Arc<Dataset>> {
        let settings = config::global().settings()?;
        match &self.cache {
            Some(cache) => cache
                .get_or_load(path, scaling, || {
                    read_stamped(path, scaling, &settings, Some(cache), 1)
                })
                .map(|(ds, _)| ds),
            None => read_stamped(path, scaling, &settings, None, 1).map(|(ds, _)| ds),
        }
    }

    /// Opens a chunked reader on the dataset with this loader's chunk size.
    pub fn open_reader(&self, path: &Path, scaling: &str) -> Result<ChunkedReader> {
        ChunkedReader::open(path, Scaling::parse(scaling)?, self.chunk_bytes)
    }
}

fn value_bytes(ds: &Dataset) -> u64 {
    ds.components()
        .iter()
        .map(|c| c.values.len() as u64 * 8)
        .sum()
}

/// Reads a dataset within the memory budget (the format layer checks through the open files
/// that none changed while it was read); returns it with what it was built from (stamps taken
/// before reading and, for a cache, the hashes of files whose stamps cannot prove their
/// content).
fn read_stamped(
    path: &Path,
    scaling: Scaling,
    settings: &Settings,
    cache: Option<&Arc<DataCache>>,
    threads: usize,
) -> Result<(Arc<Dataset>, Provenance)> {
    let plan = Plan::open(path, scaling)?;
    let reservation = reserve(&plan, path, settings, cache)?;
    let mut provenance = plan.provenance();
    if cache.is_some() {
        // Hashes of files whose stamps cannot prove their content, taken before the values
        // are read.
        provenance.content = plan.fingerprint()?;
    }
    let dataset = plan.read_parallel(threads)?;
    drop(reservation);
    Ok((Arc::new(dataset), provenance))
}

/// The memory guard: makes room for a load of `plan` by evicting cache entries; fails with
/// [`ErrorKind::MemoryLimit`] if the library would still go over `memory_limit_mb`. Returns a
/// reservation of the bytes, held until the dataset exists. It counts everything the dataset
/// will hold (values, axes, components, parameters, text: [`Plan::dataset_heap_bytes`]) and
/// runs before anything proportional to the data is allocated.
fn reserve(
    plan: &Plan,
    path: &Path,
    settings: &Settings,
    cache: Option<&Arc<DataCache>>,
) -> Result<HeldBytes> {
    reserve_bytes(
        plan.dataset_heap_bytes(),
        path,
        settings,
        cache,
        "loading",
        "read it with the chunked reader (epyr_reader_open / Loader::open_reader), free datasets, \
         or raise performance.memory_limit_mb",
    )
}

/// The memory guard for `needed` bytes of `what` (of the dataset at `path`): evicts entries of
/// `cache` that no caller holds to make room, else fails with [`ErrorKind::MemoryLimit`]
/// naming needed, held and limit, and `advice`. Returns the reservation.
pub(crate) fn reserve_bytes(
    needed: usize,
    path: &Path,
    settings: &Settings,
    cache: Option<&Arc<DataCache>>,
    what: &str,
    advice: &str,
) -> Result<HeldBytes> {
    let Some(limit) = settings.memory_limit_bytes() else {
        return Ok(HeldBytes::new(needed));
    };
    CORE_LOCKS.arm();
    let _guard = crate::fork::lock(&BUDGET);
    let fits = || (library_bytes() as u64).saturating_add(needed as u64) <= limit;
    if let Some(cache) = cache {
        while !fits() && cache.evict_reclaimable().is_some() {}
    }
    if !fits() {
        return Err(Error::new(
            ErrorKind::MemoryLimit,
            format!(
                "{}: {what} needs {}, epyr already holds {} and memory_limit_mb is {} ({}); \
                 {advice}",
                path.display(),
                format_size(needed as u64),
                format_size(library_bytes() as u64),
                settings.memory_limit_mb,
                format_size(limit)
            ),
        ));
    }
    Ok(HeldBytes::new(needed))
}

/// Fails with [`ErrorKind::FileChanged`] if any source file differs now from the stamp it had
/// before it was read.
pub(crate) fn check_unchanged(sources: &[Source]) -> Result<()> {
    check_stamps(
        sources
            .iter()
            .map(|(path, before)| (path.as_path(), before, FileStamp::of(path))),
    )
}

/// Fails with [`ErrorKind::FileChanged`] at the first file whose stamp now (or the error
/// getting it) differs from the stamp it had before it was read.
pub(crate) fn check_stamps<'a>(
    stamps: impl IntoIterator<Item = (&'a Path, &'a FileStamp, std::io::Result<FileStamp>)>,
) -> Result<()> {
    for (path, before, now) in stamps {
        let now = now.map_err(|e| {
            Error::new(
                ErrorKind::FileChanged,
                format!(
                    "{}: file disappeared while it was read: {e}",
                    path.display()
                ),
            )
        })?;
        ensure_unchanged(path, "file", before, &now, "while it was read")?;
    }
    Ok(())
}
