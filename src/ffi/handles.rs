//! Opaque handles as validated identifiers.
//!
//! A handle given to C is never a pointer to Rust memory: it is a number that is never reused,
//! looked up in a process-wide table of live objects. So a handle freed twice, used after
//! free, of the wrong type, or made up gives a clear error instead of a crash, and a handle
//! freed on one thread while another thread uses it stays alive until that call returns (the
//! table hands out `Arc` clones).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock, RwLock};

use parking_lot::Mutex;

use super::boundary::{invalid, null_arg};
use crate::accounting::HeldBytes;
use crate::cache::DataCache;
use crate::config;
use crate::dataset::{heap_block_bytes, Dataset, Params, AXIS_LETTERS};
use crate::error::{Error, ErrorKind, Result};
use crate::fork::{lock, read, write, ForkHold, ForkTaker, RANK_C_ABI};
use crate::formats::{decode, Plan};
use crate::loader::{read_plan_axis, reserve_bytes, ChunkedReader, Loader};

/// An opaque data cache handle (`epyr_cache_new`, `epyr_cache_global`).
#[allow(non_camel_case_types)]
pub struct epyr_cache {
    _opaque: [u8; 0],
}

/// An opaque loader handle (`epyr_loader_new`).
#[allow(non_camel_case_types)]
pub struct epyr_loader {
    _opaque: [u8; 0],
}

/// An opaque dataset handle (`epyr_loader_load`, `epyr_loader_describe`, `epyr_dataset_new`).
#[allow(non_camel_case_types)]
pub struct epyr_dataset {
    _opaque: [u8; 0],
}

/// An opaque chunked reader handle (`epyr_reader_open`).
#[allow(non_camel_case_types)]
pub struct epyr_reader {
    _opaque: [u8; 0],
}

/// The cache a cache handle stands for.
#[derive(Clone)]
pub(crate) enum CacheRef {
    /// The process-wide cache, looked up on each use so it follows the configuration.
    Global,
    /// A cache made by `epyr_cache_new`.
    Owned(Arc<DataCache>),
}

impl CacheRef {
    /// The cache itself.
    pub(crate) fn cache(&self) -> Arc<DataCache> {
        match self {
            CacheRef::Global => Arc::clone(DataCache::global()),
            CacheRef::Owned(c) => Arc::clone(c),
        }
    }
}

/// What a dataset handle holds: loaded values, or only the description of a file.
#[derive(Clone)]
pub(crate) enum DatasetRef {
    /// A full dataset, shared with the cache and other handles.
    Loaded(Arc<Dataset>),
    /// The result of `epyr_loader_describe`: everything but the values.
    Described(Arc<Described>),
}

/// What a describe handle holds: the plan (no values, axes described, not built), and the
/// values of an axis once `epyr_dataset_axis` asked for them, counted in the library's bytes.
pub(crate) struct Described {
    plan: Plan,
    built_axes: [OnceLock<(Vec<f64>, HeldBytes)>; 3],
}

impl Described {
    /// A describe handle's object for `plan`.
    pub(crate) fn new(plan: Plan) -> Self {
        Described {
            plan,
            built_axes: Default::default(),
        }
    }

    /// The values of axis `dim`, made on the first call within the memory budget (an axis
    /// of 2^28 points takes 2 GiB; the budget refuses it as it refuses a load).
    fn axis_values(&self, dim: usize) -> Result<Option<&[f64]>> {
        let (Some(axis), Some(slot)) = (self.plan.axes[dim].as_ref(), self.built_axes.get(dim))
        else {
            return Ok(None);
        };
        if let Some((values, _)) = slot.get() {
            return Ok(Some(values));
        }
        let path = &self.plan.layout.path;
        let held = reserve_bytes(
            heap_block_bytes(axis.len.saturating_mul(8)),
            path,
            &config::global().settings()?,
            None,
            &format!("the values of axis {}", AXIS_LETTERS[dim]),
            "copy ranges into your own buffer (epyr_dataset_copy_axis, epyr_reader_copy_axis), \
             free datasets, or raise performance.memory_limit_mb",
        )?;
        let mut values = decode::try_zeroed_f64(axis.len).ok_or_else(|| {
            Error::new(
                ErrorKind::MemoryLimit,
                format!(
                    "{}: cannot allocate {} values of axis {}",
                    path.display(),
                    axis.len,
                    AXIS_LETTERS[dim]
                ),
            )
        })?;
        read_plan_axis(&self.plan, dim, 0, &mut values)?;
        // Another thread may have made them meanwhile; then its values are the handle's.
        let (values, _) = slot.get_or_init(|| (values, held));
        Ok(Some(values))
    }
}

impl std::ops::Deref for Described {
    type Target = Plan;

    fn deref(&self) -> &Plan {
        &self.plan
    }
}

impl DatasetRef {
    /// The dataset with its values, or an error for a described-only handle.
    pub(crate) fn loaded(&self) -> Result<&Arc<Dataset>> {
        match self {
            DatasetRef::Loaded(d) => Ok(d),
            DatasetRef::Described(p) => Err(invalid(format!(
                "{}: this handle comes from epyr_loader_describe and holds no values; \
                 load it with epyr_loader_load or epyr_loader_load_into",
                p.layout.path.display()
            ))),
        }
    }

    /// Points along x, y and z.
    pub(crate) fn dims(&self) -> [usize; 3] {
        match self {
            DatasetRef::Loaded(d) => d.dims(),
            DatasetRef::Described(p) => p.layout.dims,
        }
    }

    /// Whether each component is complex.
    pub(crate) fn complex_flags(&self) -> Vec<bool> {
        match self {
            DatasetRef::Loaded(d) => d.components().iter().map(|c| c.complex).collect(),
            DatasetRef::Described(p) => p.layout.complex.clone(),
        }
    }

    /// The name and unit of the axis of dimension `dim`, if the file gives one.
    pub(crate) fn axis_labels(&self, dim: usize) -> Option<(&str, &str)> {
        match self {
            DatasetRef::Loaded(d) => d.axis(dim).map(|a| (a.name.as_str(), a.unit.as_str())),
            DatasetRef::Described(p) => p.axes[dim]
                .as_ref()
                .map(|a| (a.name.as_str(), a.unit.as_str())),
        }
    }

    /// The number of values of the axis of dimension `dim` (0 where the file gives none).
    pub(crate) fn axis_len(&self, dim: usize) -> usize {
        match self {
            DatasetRef::Loaded(d) => d.axis(dim).map_or(0, |a| a.values.len()),
            DatasetRef::Described(p) => p.axes[dim].as_ref().map_or(0, |a| a.len),
        }
    }

    /// The values of the axis of dimension `dim` held by the handle (a describe handle makes
    /// them on the first call, within the memory budget); `None` where the file gives none.
    pub(crate) fn axis_values(&self, dim: usize) -> Result<Option<&[f64]>> {
        match self {
            DatasetRef::Loaded(d) => Ok(d.axis(dim).map(|a| a.values.as_slice())),
            DatasetRef::Described(p) => p.axis_values(dim),
        }
    }

    /// Writes the values of axis `dim` into `out` (exactly [`DatasetRef::axis_len`] long)
    /// without holding them: a describe handle computes or reads them into `out`.
    pub(crate) fn copy_axis(&self, dim: usize, out: &mut [f64]) -> Result<()> {
        match self {
            DatasetRef::Loaded(d) => {
                if let Some(a) = d.axis(dim) {
                    out.copy_from_slice(&a.values);
                }
                Ok(())
            }
            DatasetRef::Described(p) if p.axes[dim].is_some() => read_plan_axis(p, dim, 0, out),
            DatasetRef::Described(_) => Ok(()),
        }
    }

    /// The parameters.
    pub(crate) fn params(&self) -> &Params {
        match self {
            DatasetRef::Loaded(d) => d.params(),
            DatasetRef::Described(p) => &p.params,
        }
    }

    /// Every file the dataset is built from.
    pub(crate) fn sources(&self) -> Vec<&std::path::Path> {
        match self {
            DatasetRef::Loaded(d) => d.sources().iter().map(|p| p.as_path()).collect(),
            DatasetRef::Described(p) => p.sources.iter().map(|(p, _)| p.as_path()).collect(),
        }
    }

    /// The reader's warnings.
    pub(crate) fn warnings(&self) -> &[String] {
        match self {
            DatasetRef::Loaded(d) => d.warnings(),
            DatasetRef::Described(p) => &p.warnings,
        }
    }
}

/// A live object behind a handle.
#[derive(Clone)]
pub(crate) enum Object {
    /// Behind an `epyr_cache` handle.
    Cache(CacheRef),
    /// Behind an `epyr_loader` handle.
    Loader(Arc<Loader>),
    /// Behind an `epyr_dataset` handle.
    Dataset(DatasetRef),
    /// Behind an `epyr_reader` handle; the mutex serialises calls from several threads.
    Reader(Arc<Mutex<ChunkedReader>>),
}

impl Object {
    fn type_name(&self) -> &'static str {
        match self {
            Object::Cache(_) => "epyr_cache",
            Object::Loader(_) => "epyr_loader",
            Object::Dataset(_) => "epyr_dataset",
            Object::Reader(_) => "epyr_reader",
        }
    }
}

/// A C handle type and the object it stands for.
pub(crate) trait Handle: Sized {
    /// The C type name, for messages.
    const NAME: &'static str;
    /// What the handle gives access to.
    type Target: Clone;
    /// Wraps a target as a table object.
    fn wrap(target: Self::Target) -> Object;
    /// The target of a table object of this type.
    fn unwrap(object: &Object) -> Option<&Self::Target>;
}

macro_rules! handle_type {
    ($c:ident, $variant:ident, $target:ty) => {
        impl Handle for $c {
            const NAME: &'static str = stringify!($c);
            type Target = $target;
            fn wrap(target: $target) -> Object {
                Object::$variant(target)
            }
            fn unwrap(object: &Object) -> Option<&$target> {
                match object {
                    Object::$variant(t) => Some(t),
                    _ => None,
                }
            }
        }
    };
}

handle_type!(epyr_cache, Cache, CacheRef);
handle_type!(epyr_loader, Loader, Arc<Loader>);
handle_type!(epyr_dataset, Dataset, DatasetRef);
handle_type!(epyr_reader, Reader, Arc<Mutex<ChunkedReader>>);

/// Handles are multiples of this, so they look like aligned pointers and never collide with
/// small integers a host might pass by mistake.
const STEP: usize = 16;

/// The handle of the global cache; it is always live and cannot be freed.
const GLOBAL_CACHE: usize = STEP;

/// The next handle number; counts from after the global cache and never repeats.
static NEXT: AtomicUsize = AtomicUsize::new(2);

/// The live objects by handle.
static TABLE: LazyLock<RwLock<HashMap<usize, Object>>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    table.insert(GLOBAL_CACHE, Object::Cache(CacheRef::Global));
    RwLock::new(table)
});

/// The message of the last failed call made with each live handle, by handle.
static HANDLE_ERRORS: LazyLock<std::sync::Mutex<HashMap<usize, String>>> =
    LazyLock::new(|| std::sync::Mutex::new(HashMap::new()));

/// The C ABI's process-wide locks, taken around a fork ([`crate::fork`]): the handle table,
/// then the handles' last errors, then the process's last error (the order of every code path
/// that holds two of them).
pub(crate) static C_ABI_LOCKS: ForkTaker = ForkTaker::new(RANK_C_ABI, take_c_abi_locks);

fn take_c_abi_locks(hold: &mut ForkHold) {
    // Dereferencing builds the tables if needed, or waits for a thread that is building them,
    // so that no building is cut short by the fork.
    hold.keep(write(&TABLE));
    hold.keep(lock(&HANDLE_ERRORS));
    super::boundary::take_last_error(hold);
}

/// The table of live objects (the fork handlers armed).
fn table() -> &'static RwLock<HashMap<usize, Object>> {
    C_ABI_LOCKS.arm();
    &TABLE
}

/// Records `message` as the last error of the handle `id`, if it is live.
pub(crate) fn record_error(id: usize, message: &str) {
    let table = read(table());
    if table.contains_key(&id) {
        lock(&HANDLE_ERRORS).insert(id, message.to_string());
    }
}

/// Runs `read` on the last error message of the handle `id` (`""` if none of its calls
/// failed); `None` if `id` is not a live handle.
pub(crate) fn with_handle_error<T>(id: usize, read: impl FnOnce(&str) -> T) -> Option<T> {
    let table = crate::fork::read(table());
    if !table.contains_key(&id) {
        return None;
    }
    let errors = lock(&HANDLE_ERRORS);
    Some(read(errors.get(&id).map_or("", String::as_str)))
}

/// Registers a new object and returns its handle. Numbers are not reused while the counter
/// lasts (2^60 handles on 64-bit targets); where it wraps (after 2^28 handles on a 32-bit
/// target), numbers that are 0 or still live are skipped, so a handle never aliases another.
pub(crate) fn register<H: Handle>(target: H::Target) -> *mut H {
    let mut table = write(table());
    let id = loop {
        let id = NEXT.fetch_add(1, Ordering::Relaxed).wrapping_mul(STEP);
        if id != 0 && !table.contains_key(&id) {
            break id;
        }
    };
    table.insert(id, H::wrap(target));
    id as *mut H
}

/// The handle of the global cache.
pub(crate) fn global_cache() -> *mut epyr_cache {
    table();
    GLOBAL_CACHE as *mut epyr_cache
}

/// The object behind a handle argument; NULL, stale, foreign or wrong-typed handles are errors.
pub(crate) fn get<H: Handle>(handle: *const H, name: &str) -> Result<H::Target> {
    if handle.is_null() {
        return Err(null_arg(name));
    }
    let id = handle as usize;
    let table = read(table());
    match table.get(&id) {
        Some(object) => H::unwrap(object).cloned().ok_or_else(|| {
            invalid(format!(
                "argument `{name}` ({id:#x}) is an {} handle, expected an {}",
                object.type_name(),
                H::NAME
            ))
        }),
        None => Err(invalid(format!(
            "argument `{name}` ({id:#x}) is not a live {} handle (freed already, or never made by epyr)",
            H::NAME
        ))),
    }
}

/// Frees a handle: NULL, the global cache and unknown handles are ignored; a live handle of
/// the wrong type is left alone. The object is dropped outside the table lock.
pub(crate) fn release<H: Handle>(handle: *mut H) {
    let id = handle as usize;
    if id == GLOBAL_CACHE || handle.is_null() {
        return;
    }
    let removed = {
        let mut table = write(table());
        match table.get(&id) {
            Some(object) if H::unwrap(object).is_some() => table.remove(&id),
            _ => None,
        }
    };
    if removed.is_some() {
        lock(&HANDLE_ERRORS).remove(&id);
    }
    drop(removed);
}
