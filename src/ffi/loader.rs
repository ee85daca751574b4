//! Loaders: cache-aware loading within the memory budget, loading into caller buffers, batch
//! loads and the chunk callback.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::boundary::{
    c_path_entry, c_str_or_empty, copy_text, in_slice, invalid, out_slice, path_and_scaling,
    set_last_error, size_output, status, status_on, Out,
};
use super::handles::{
    self, epyr_cache, epyr_dataset, epyr_loader, CacheRef, DatasetRef, Described,
};
use super::EPYR_OK;
use crate::dataset::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::formats::Scaling;
use crate::loader::{Loader, LoaderOptions};

/// Creates a loader and writes its handle to `*out`.
///
/// * `cache`: the cache to load through; NULL or `epyr_cache_global()` for the global cache.
///   The loader keeps the cache alive.
/// * `chunk_size_mb`: the chunk size of readers it opens, in MB (MiB); 0 takes
///   `performance.chunk_size_mb` from the configuration.
/// * `cache_enabled`: 1 loads through the cache, 0 bypasses it, a negative value takes
///   `performance.cache_enabled`.
///
/// Free it with `epyr_loader_free`. Thread-safe: one loader may serve any number of threads.
/// Errors: `EPYR_ERR_NULL_ARG` (`out`), `EPYR_ERR_INVALID_ARG` (bad cache handle; chunk size
/// negative, NaN or above 1e6), `EPYR_ERR_CONFIG` (the configuration is invalid).
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn epyr_loader_new(
    cache: *mut epyr_cache,
    chunk_size_mb: f64,
    cache_enabled: i32,
    out: *mut *mut epyr_loader,
) -> i32 {
    status(|| {
        // SAFETY: NULL or valid for one write (this function's contract).
        let out = unsafe { Out::required(out, "out") }?;
        let cache = if cache.is_null() {
            None
        } else {
            match handles::get(cache, "cache")? {
                CacheRef::Global => None,
                CacheRef::Owned(c) => Some(c),
            }
        };
        let loader = Loader::new(LoaderOptions {
            chunk_size_mb: (chunk_size_mb != 0.0).then_some(chunk_size_mb),
            cache_enabled: (cache_enabled >= 0).then_some(cache_enabled != 0),
            cache,
        })?;
        out.write(handles::register::<epyr_loader>(Arc::new(loader)));
        Ok(())
    })
}

/// Frees a loader. Datasets and readers made with it stay valid. NULL and handles freed
/// already are ignored.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn epyr_loader_free(loader: *mut epyr_loader) {
    super::boundary::guarded((), || handles::release(loader))
}

/// Loads the dataset at `path` (either file of a BES3T `.DSC/.DTA` or ESP `.par/.spc` pair, any
/// extension case, or the base name) and writes a new dataset handle to `*out`.
///
/// `scaling` (NULL or `""` for none) is any of eprload's letters: `n` scans, `G` receiver
/// gain, `P` microwave power, `T` temperature, `c` conversion time. Through a cache, a valid
/// cache hit (no source file changed) returns a new handle on the same shared data without
/// reading or copying. Before a full read the memory budget is checked
/// (`performance.memory_limit_mb`): cache entries are evicted to make room, else the load fails.
///
/// The caller frees the handle with `epyr_dataset_free`; it stays valid after the loader, the
/// cache or the cache entry is gone. Thread-safe.
/// Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (bad loader, unknown scaling letter,
/// directory), `EPYR_ERR_NOT_FOUND`, `EPYR_ERR_IO`, `EPYR_ERR_FORMAT`, `EPYR_ERR_UNSUPPORTED`,
/// `EPYR_ERR_SCALING`, `EPYR_ERR_MEMORY_LIMIT`, `EPYR_ERR_FILE_CHANGED`, `EPYR_ERR_CONFIG`.
///
/// # Safety
/// `path` and `scaling` are NULL or NUL-terminated; `out` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_loader_load(
    loader: *mut epyr_loader,
    path: *const c_char,
    scaling: *const c_char,
    out: *mut *mut epyr_dataset,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        dataset_from_file(loader, path, scaling, out, |l, path, scaling| {
            l.load(path, scaling).map(DatasetRef::Loaded)
        })
    }
}

/// Makes a dataset handle from a file with `make`, for the loading functions that return one.
///
/// # Safety
/// `path`/`scaling` NULL or NUL-terminated; `out` NULL or valid for one write.
unsafe fn dataset_from_file(
    loader: *mut epyr_loader,
    path: *const c_char,
    scaling: *const c_char,
    out: *mut *mut epyr_dataset,
    make: impl FnOnce(&Loader, &Path, &str) -> Result<DatasetRef>,
) -> i32 {
    status_on(loader as usize, || {
        // SAFETY: forwarded contract.
        let ((path, scaling), out) =
            unsafe { (path_and_scaling(path, scaling)?, Out::required(out, "out")?) };
        let loader = handles::get(loader, "loader")?;
        let dataset = make(&loader, &path, scaling)?;
        out.write(handles::register::<epyr_dataset>(dataset));
        Ok(())
    })
}

/// Reads only the descriptor side of the dataset at `path` (dims, components, axes,
/// parameters, sources, warnings; nothing large is allocated) and writes a dataset handle
/// without values to `*out`. Every `epyr_dataset_*` accessor works on it except those that
/// return values (`EPYR_ERR_INVALID_ARG`). Use it to size the buffer of
/// `epyr_loader_load_into` or to look at a file too large to load.
///
/// The caller frees the handle with `epyr_dataset_free`. Thread-safe.
/// Errors: as `epyr_loader_load`, without `EPYR_ERR_MEMORY_LIMIT`.
///
/// # Safety
/// `path` and `scaling` are NULL or NUL-terminated; `out` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_loader_describe(
    loader: *mut epyr_loader,
    path: *const c_char,
    scaling: *const c_char,
    out: *mut *mut epyr_dataset,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        dataset_from_file(loader, path, scaling, out, |l, path, scaling| {
            Ok(DatasetRef::Described(Arc::new(Described::new(
                l.describe(path, scaling)?,
            ))))
        })
    }
}

/// Loads every value of the dataset at `path` into the caller's buffer `buf` of `cap`
/// doubles, in file order: x fastest, then y, then z; at each point the components in order,
/// a complex one as re, im. Writes the number of values to `*len`. With `buf` NULL only `*len`
/// is written (size query: `nx * ny * nz * values per point`). No cache and no copy: the
/// values are decoded straight into `buf`, which is the way for LabVIEW and MATLAB.
///
/// Thread-safe. Errors: as `epyr_loader_load`, and `EPYR_ERR_BUFFER_TOO_SMALL` (`cap` less
/// than needed; nothing written).
///
/// # Safety
/// `path`/`scaling` NULL or NUL-terminated; `buf` NULL or valid for writing `cap` doubles;
/// `len` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_loader_load_into(
    loader: *mut epyr_loader,
    path: *const c_char,
    scaling: *const c_char,
    buf: *mut f64,
    cap: u64,
    len: *mut u64,
) -> i32 {
    status_on(loader as usize, || {
        // SAFETY: as this function's contract says.
        let ((path, scaling), len) = unsafe {
            (
                path_and_scaling(path, scaling)?,
                size_output(len, "len", buf.is_null())?,
            )
        };
        let loader = handles::get(loader, "loader")?;
        // One read of the descriptor: a size query describes, a load reads into the buffer.
        let plan = if buf.is_null() {
            loader.describe(&path, scaling)?
        } else {
            // SAFETY: not NULL and valid for writing `cap` doubles (this function's contract).
            let out = unsafe { out_slice(buf, cap, "buf") }?;
            loader.load_into(&path, scaling, out)?
        };
        len.write((plan.layout.points() * plan.layout.per_point()) as u64);
        Ok(())
    })
}

/// Loads the values of the dataset that `described` (a handle from `epyr_loader_describe`)
/// describes into the caller's buffer `buf` of `cap` doubles, in file order as
/// `epyr_loader_load_into` does, from the very files it was described from, without reading
/// the descriptor again. If any of them (descriptor, data file, axis files) changed since the
/// description was made, the call fails with `EPYR_ERR_FILE_CHANGED`: so the description's
/// dims, axes and parameters and the values belong to one version of the files, which
/// `epyr_loader_describe` followed by `epyr_loader_load_into` of the path cannot promise (a
/// file replaced in between gives the description of one and the values of the other). After
/// `EPYR_ERR_FILE_CHANGED` describe the file again, or load it whole with `epyr_loader_load`.
/// Writes the number of values to `*len`; with `buf` NULL only `*len` is written (a size
/// query: `nx * ny * nz * values per point` of the description). No cache and no memory budget
/// (the buffer is the caller's); `described` stays valid and unchanged.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (bad loader; `described`
/// not a live dataset handle, or one from a full load, whose values `epyr_dataset_copy_values`
/// copies), `EPYR_ERR_FILE_CHANGED`, `EPYR_ERR_NOT_FOUND`, `EPYR_ERR_IO`, `EPYR_ERR_FORMAT`,
/// `EPYR_ERR_CONFIG`, `EPYR_ERR_BUFFER_TOO_SMALL` (`cap` less than needed; nothing written).
///
/// # Safety
/// `buf` NULL or valid for writing `cap` doubles; `len` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_loader_load_described_into(
    loader: *mut epyr_loader,
    described: *const epyr_dataset,
    buf: *mut f64,
    cap: u64,
    len: *mut u64,
) -> i32 {
    status_on(loader as usize, || {
        // SAFETY: as this function's contract says.
        let len = unsafe { size_output(len, "len", buf.is_null()) }?;
        let loader = handles::get(loader, "loader")?;
        let DatasetRef::Described(description) = handles::get(described, "described")? else {
            return Err(invalid(
                "argument `described` holds values already (a full load): copy them with \
                 epyr_dataset_copy_values",
            ));
        };
        if !buf.is_null() {
            // SAFETY: not NULL and valid for writing `cap` doubles (this function's contract).
            let out = unsafe { out_slice(buf, cap, "buf") }?;
            loader.load_described_into(&description, out)?;
        }
        len.write((description.layout.points() * description.layout.per_point()) as u64);
        Ok(())
    })
}

/// Loads `count` datasets on worker threads (`performance.threads`) through the loader's
/// cache. `paths` is an array of `count` paths; `datasets` and `statuses` are caller arrays of
/// `count` entries: `datasets[i]` gets a new handle (or NULL) and `statuses[i]` the status of
/// file `i`. A bad file does not stop the batch; neither does a path that names no file (an
/// empty path: `EPYR_ERR_INVALID_ARG` for that file). `*failed` (may be NULL) gets the number
/// of files that failed. The message of each file, its own and whole whatever its text, is
/// read with `epyr_last_batch_message(i, ...)`. When any failed, this thread's last error
/// message also lists each failed file with its error, `paths[i]: message` one per line, even
/// though the call returns `EPYR_OK` (a summary to show, not to take apart: use
/// `epyr_last_batch_message`).
///
/// The caller frees every non-NULL handle with `epyr_dataset_free`. Thread-safe.
/// Errors (then nothing is written): `EPYR_ERR_NULL_ARG` (an array, or an entry of `paths`),
/// `EPYR_ERR_INVALID_ARG` (bad loader, unknown scaling letter).
///
/// # Safety
/// `paths` is NULL or an array of `count` NULL or NUL-terminated strings; `datasets` and
/// `statuses` are NULL or valid for writing `count` entries; `failed` NULL or valid for one
/// write; `scaling` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn epyr_loader_load_many(
    loader: *mut epyr_loader,
    paths: *const *const c_char,
    count: u64,
    scaling: *const c_char,
    datasets: *mut *mut epyr_dataset,
    statuses: *mut i32,
    failed: *mut u64,
) -> i32 {
    let loader_id = loader as usize;
    status_on(loader_id, || {
        record_batch(0, Vec::new());
        // SAFETY: as this function's contract says.
        let (path_ptrs, scaling, failed) = unsafe {
            (
                in_slice(paths, count, "paths")?,
                c_str_or_empty(scaling, "scaling")?,
                Out::optional(failed),
            )
        };
        // SAFETY: as this function's contract says; the arrays are only written.
        let (datasets, statuses) = unsafe {
            (
                out_slice(
                    datasets.cast::<MaybeUninit<*mut epyr_dataset>>(),
                    count,
                    "datasets",
                )?,
                out_slice(statuses.cast::<MaybeUninit<i32>>(), count, "statuses")?,
            )
        };
        // SAFETY: each entry is NULL or NUL-terminated (this function's contract).
        let entries = unsafe { batch_paths(path_ptrs) }?;
        Scaling::parse(scaling)?;
        let loader = handles::get(loader, "loader")?;
        let results = load_entries(&loader, entries, scaling);
        let mut errors = Vec::new();
        for (i, result) in results.into_iter().enumerate() {
            let (handle, code) = match result {
                Ok(ds) => (
                    handles::register::<epyr_dataset>(DatasetRef::Loaded(ds)),
                    EPYR_OK,
                ),
                Err(e) => {
                    errors.push((i, e.to_string()));
                    (std::ptr::null_mut(), e.code())
                }
            };
            datasets[i].write(handle);
            statuses[i].write(code);
        }
        failed.write(errors.len() as u64);
        if !errors.is_empty() {
            let lines: Vec<String> = errors
                .iter()
                .map(|(i, message)| format!("paths[{i}]: {message}"))
                .collect();
            let message = format!(
                "{} of {} files failed:\n{}",
                errors.len(),
                path_ptrs.len(),
                lines.join("\n")
            );
            // The call returns EPYR_OK, so the boundary records nothing: record it here, for
            // this thread and for the loader handle.
            handles::record_error(loader_id, &message);
            set_last_error(message);
        }
        record_batch(path_ptrs.len(), errors);
        Ok(())
    })
}

/// The paths of a batch, each a path or that entry's own error; a NULL entry is an error of the
/// whole batch.
///
/// # Safety
/// Each entry of `ptrs` is NULL or NUL-terminated.
unsafe fn batch_paths(ptrs: &[*const c_char]) -> Result<Vec<Result<PathBuf>>> {
    ptrs.iter()
        .enumerate()
        .map(|(i, &p)| {
            // SAFETY: forwarded contract.
            let entry = unsafe { c_path_entry(p, &format!("paths[{i}]")) }?;
            Ok(entry.map(Cow::into_owned))
        })
        .collect()
}

/// Loads the paths among `entries` with `loader.load_many`; an entry that is already an error
/// stays that error. One result per entry, in order.
fn load_entries(
    loader: &Loader,
    entries: Vec<Result<PathBuf>>,
    scaling: &str,
) -> Vec<Result<Arc<Dataset>>> {
    let mut refused = Vec::with_capacity(entries.len());
    let mut paths = Vec::with_capacity(entries.len());
    for entry in entries {
        match entry {
            Ok(path) => {
                paths.push(path);
                refused.push(None);
            }
            Err(e) => refused.push(Some(e)),
        }
    }
    let mut loaded = loader.load_many(&paths, scaling, None).into_iter();
    refused
        .into_iter()
        .map(|refusal| match refusal {
            Some(e) => Err(e),
            None => loaded.next().unwrap_or_else(|| {
                Err(Error::new(
                    ErrorKind::Panic,
                    "the batch gave too few results",
                ))
            }),
        })
        .collect()
}

/// The files of this thread's last `epyr_loader_load_many` call: how many, and the message of
/// each one that failed, by index (in increasing order).
#[derive(Default)]
struct BatchRecord {
    files: usize,
    failed: Vec<(usize, String)>,
}

thread_local! {
    static LAST_BATCH: RefCell<BatchRecord> = RefCell::default();
}

/// Records the outcome of this thread's batch call: `files` files, the messages of the failed.
fn record_batch(files: usize, failed: Vec<(usize, String)>) {
    // During thread teardown the slot may be gone; nobody is left to read it then.
    let _ = LAST_BATCH.try_with(|slot| *slot.borrow_mut() = BatchRecord { files, failed });
}

/// Copies the message of file `index` of this thread's last `epyr_loader_load_many` call into
/// `buf` (at most `cap` bytes) and writes the bytes it needs including the NUL to `*needed`;
/// with `buf` NULL only `*needed` is written (a size query). The message is that file's error,
/// naming the file (`""`, size 1, for a file that loaded); its status is `statuses[index]` of
/// that call. Each message is kept whole and apart from the others, whatever text a file name
/// holds: never split the joined summary of `epyr_last_error_message` instead.
///
/// Thread-safe: each thread has its own record, which its next `epyr_loader_load_many` call
/// replaces (a call that fails as a whole leaves a record of no files); other calls leave it.
/// Errors: `EPYR_ERR_NULL_ARG` (`needed` NULL in a size query), `EPYR_ERR_INVALID_ARG`
/// (`index` not below the number of paths of that call, or no such call on this thread),
/// `EPYR_ERR_BUFFER_TOO_SMALL` (nothing written).
///
/// # Safety
/// `buf` is NULL or valid for writing `cap` bytes; `needed` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_last_batch_message(
    index: u64,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    status(|| {
        let copy = |record: &BatchRecord| {
            let i = usize::try_from(index).ok().filter(|&i| i < record.files);
            let i = i.ok_or_else(|| {
                invalid(format!(
                    "file index {index} is out of range: this thread's last \
                     epyr_loader_load_many had {} files",
                    record.files
                ))
            })?;
            let message = record
                .failed
                .binary_search_by_key(&i, |(at, _)| *at)
                .map_or("", |k| record.failed[k].1.as_str());
            // SAFETY: as this function's contract says.
            unsafe { copy_text(message.as_bytes(), buf, cap, needed, "the message") }
        };
        LAST_BATCH
            .try_with(|slot| copy(&slot.borrow()))
            .unwrap_or_else(|_| copy(&BatchRecord::default()))
    })
}

/// The callback of `epyr_loader_for_each_chunk`: `values` holds `len` doubles (whole points in
/// file order) starting at point `first_point`, valid only during the call. Return 0 to go on,
/// anything else to stop. It must not unwind (C++ exceptions, longjmp) through epyr.
#[allow(non_camel_case_types)]
pub type epyr_chunk_callback = Option<
    unsafe extern "C" fn(user: *mut c_void, values: *const f64, len: u64, first_point: u64) -> i32,
>;

/// Streams the dataset at `path` through `callback`, one chunk (the loader's chunk size, whole
/// rows where a row fits) at a time, with one chunk in memory whatever the file size. A C
/// convenience over `epyr_reader_open`/`epyr_reader_next`, which do the same without a callback.
/// `user` is passed to every call. Returns `EPYR_OK` at the end or when the callback stops.
///
/// Thread-safe (the callback runs on the calling thread). Errors: as `epyr_reader_open`, and
/// `EPYR_ERR_FILE_CHANGED` if the file changes while streaming.
///
/// # Safety
/// `path`/`scaling` NULL or NUL-terminated; `callback` NULL or a function of the declared type.
#[no_mangle]
pub unsafe extern "C" fn epyr_loader_for_each_chunk(
    loader: *mut epyr_loader,
    path: *const c_char,
    scaling: *const c_char,
    callback: epyr_chunk_callback,
    user: *mut c_void,
) -> i32 {
    status_on(loader as usize, || {
        // SAFETY: as this function's contract says.
        let (path, scaling) = unsafe { path_and_scaling(path, scaling) }?;
        let callback = callback.ok_or_else(|| super::boundary::null_arg("callback"))?;
        let mut reader = handles::get(loader, "loader")?.open_reader(&path, scaling)?;
        while let Some((first, values)) = reader.next_chunk()? {
            // SAFETY: the callback has the declared type (this function's contract); `values`
            // lives in the reader until the next chunk, after the call returns.
            let go_on =
                unsafe { callback(user, values.as_ptr(), values.len() as u64, first as u64) };
            if go_on != 0 {
                break;
            }
        }
        Ok(())
    })
}
