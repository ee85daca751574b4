//! Versions, error reporting, memory monitoring, configuration and performance information.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr};

use super::boundary::{
    c_path_opt, c_str, copy_message, copy_text, guarded, status, with_last_error,
    with_process_last_error, Out,
};
use super::handles;
use super::{EPYR_ABI_VERSION, ERROR_CODES};
use crate::config::{self, Value};
use crate::error::{Error, ErrorKind, Result};
use crate::memory::{self, OptimizeReport};

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the package version contains a NUL"),
    };

/// The library version as a static NUL-terminated string, e.g. `"0.1.0"`.
///
/// Never NULL; never freed by the caller. Thread-safe.
#[no_mangle]
pub extern "C" fn epyr_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The ABI version of the loaded library. Compare it with `EPYR_ABI_VERSION` from the header
/// the program was compiled with to detect a mismatch.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn epyr_abi_version() -> u32 {
    EPYR_ABI_VERSION
}

/// The name of a status code as a static string (`"EPYR_OK"`, `"EPYR_ERR_NOT_FOUND"`, ...),
/// `"EPYR_ERR_UNKNOWN"` for a code this library does not know.
///
/// Never NULL; never freed by the caller. Thread-safe.
#[no_mangle]
pub extern "C" fn epyr_error_name(code: i32) -> *const c_char {
    ERROR_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(c"EPYR_ERR_UNKNOWN", |(_, name, _)| name)
        .as_ptr()
}

/// Copies the message of this thread's last failed call into `buf` (at most `cap` bytes,
/// always NUL-terminated when `cap > 0`, cut at a character boundary if too long) and returns
/// the number of bytes the whole message needs including the NUL. With `buf` NULL it only
/// returns that size. The message says what failed and with which value (path, key, expected
/// versus found size); it is `""` (size 1) if no call on this thread has failed yet. Successful
/// calls do not clear it.
///
/// Never fails. Thread-safe: each thread has its own message.
///
/// # Safety
/// `buf` is NULL or valid for writing `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn epyr_last_error_message(buf: *mut c_char, cap: u64) -> u64 {
    guarded(0, || {
        // SAFETY: forwarded contract.
        with_last_error(|message| unsafe { copy_message(message, buf, cap) }).unwrap_or(1)
    })
}

/// Copies the message of the last failed call made with `handle` as its first argument
/// (`epyr_loader_load(loader, ...)`, `epyr_reader_next(reader, ...)`,
/// `epyr_dataset_param(ds, ...)`, ...), on whichever thread it ran, as
/// `epyr_last_error_message` copies this thread's. Returns the bytes the message needs
/// including the NUL (1 for `""`: no call with this handle has failed), or 0 when `handle`
/// is not a live handle (NULL, freed, never made by epyr). Calls that fail before a handle
/// exists (`epyr_loader_new`, `epyr_cache_new`) record their message for
/// `epyr_process_last_error_message`.
///
/// For hosts whose calls do not all run on one thread (LabVIEW nodes set to "Run in any
/// thread"): read the message from the handle of the call that failed. Two threads failing
/// on one handle at once leave one of the two messages; give each parallel task its own
/// loader or reader.
///
/// Never fails. Thread-safe.
///
/// # Safety
/// `buf` is NULL or valid for writing `cap` bytes; `handle` is any value.
#[no_mangle]
pub unsafe extern "C" fn epyr_handle_last_error_message(
    handle: *const c_void,
    buf: *mut c_char,
    cap: u64,
) -> u64 {
    guarded(0, || {
        // SAFETY: forwarded contract.
        handles::with_handle_error(handle as usize, |message| unsafe {
            copy_message(message, buf, cap)
        })
        .unwrap_or(0)
    })
}

/// Copies the message of the most recent failed call in the whole process, on any thread (as
/// `epyr_last_error_message`). Meant for a host that makes one call at a time from threads it
/// does not choose, for the calls that create handles; where calls run concurrently, another
/// thread's failure may have replaced the message: use `epyr_handle_last_error_message`.
///
/// Never fails. Thread-safe.
///
/// # Safety
/// `buf` is NULL or valid for writing `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn epyr_process_last_error_message(buf: *mut c_char, cap: u64) -> u64 {
    guarded(0, || {
        // SAFETY: forwarded contract.
        with_process_last_error(|message| unsafe { copy_message(message, buf, cap) })
    })
}

/// Memory use, in MB (MiB): the process's resident size `rss_mb` and virtual size `vms_mb`,
/// the resident size as a percentage of physical memory `percent`, and `library_mb`, the bytes
/// epyr itself holds (live datasets, cache bookkeeping, reader buffers; exact).
///
/// Each out-pointer may be NULL to skip that value. Thread-safe.
/// Returns `EPYR_OK` (or `EPYR_ERR_PANIC`).
///
/// # Safety
/// Each pointer is NULL or valid for writing one double.
#[no_mangle]
pub unsafe extern "C" fn epyr_memory_info(
    rss_mb: *mut f64,
    vms_mb: *mut f64,
    percent: *mut f64,
    library_mb: *mut f64,
) -> i32 {
    status(|| {
        // SAFETY: each pointer is NULL or valid for one write (this function's contract).
        let outs = unsafe {
            [
                Out::optional(rss_mb),
                Out::optional(vms_mb),
                Out::optional(percent),
                Out::optional(library_mb),
            ]
        };
        let m = memory::memory_info();
        for (out, value) in outs
            .into_iter()
            .zip([m.rss_mb, m.vms_mb, m.percent, m.library_mb])
        {
            out.write(value);
        }
        Ok(())
    })
}

/// Sets `*within_limit` to 1 while the bytes epyr holds are within
/// `performance.memory_limit_mb` (always 1 when the limit is 0, "no limit"), else 0.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`; `EPYR_ERR_CONFIG` if the configuration (file or
/// environment) is invalid.
///
/// # Safety
/// `within_limit` is NULL or valid for writing one `int32_t`.
#[no_mangle]
pub unsafe extern "C" fn epyr_check_memory_limit(within_limit: *mut i32) -> i32 {
    status(|| {
        // SAFETY: NULL or valid for one write (this function's contract).
        let out = unsafe { Out::required(within_limit, "within_limit") }?;
        out.write(i32::from(memory::check_memory_limit()?));
        Ok(())
    })
}

/// Evicts global cache entries (least recently used first) until the bytes epyr holds are
/// within `performance.memory_limit_mb`, then returns unused heap to the operating system.
/// `*bytes_released` is the decrease of the bytes epyr holds (`library_mb`).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_CONFIG`.
///
/// # Safety
/// `bytes_released` is NULL or valid for writing one `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn epyr_optimize_memory(bytes_released: *mut u64) -> i32 {
    status(|| {
        // SAFETY: NULL or valid for one write (this function's contract).
        let out = unsafe { Out::required(bytes_released, "bytes_released") }?;
        out.write(memory::optimize_memory()?.library_bytes_released);
        Ok(())
    })
}

/// `epyr_optimize_memory` with the whole report: cache entries evicted, decrease of the bytes
/// epyr holds, decrease of the process's resident size. Each out-pointer may be NULL.
///
/// Thread-safe. Errors: `EPYR_ERR_CONFIG`.
///
/// # Safety
/// Each pointer is NULL or valid for writing one `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn epyr_optimize_memory_ex(
    evicted_entries: *mut u64,
    library_bytes_released: *mut u64,
    rss_bytes_released: *mut u64,
) -> i32 {
    status(|| {
        // SAFETY: each pointer is NULL or valid for one write (this function's contract).
        let outs = unsafe {
            [
                Out::optional(evicted_entries),
                Out::optional(library_bytes_released),
                Out::optional(rss_bytes_released),
            ]
        };
        let OptimizeReport {
            evicted_entries,
            library_bytes_released,
            rss_bytes_released,
        } = memory::optimize_memory()?;
        let values = [
            evicted_entries as u64,
            library_bytes_released,
            rss_bytes_released,
        ];
        for (out, value) in outs.into_iter().zip(values) {
            out.write(value);
        }
        Ok(())
    })
}

/// Sets a configuration value for this process (it takes precedence over the file and the
/// environment): `key` is a dotted key such as `"performance.cache_size_mb"`, `value` its text
/// (`"200"`, `"true"`, `"False"`, `"0"`). Keys: `performance.cache_enabled`,
/// `performance.cache_size_mb`, `performance.chunk_size_mb`, `performance.memory_limit_mb`,
/// `performance.parallel_processing`, `performance.threads`. The global cache follows
/// changes of `cache_enabled` and `cache_size_mb` at its next use. A valid value set here
/// also repairs a key whose environment or file value is unusable (run time beats both).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (not UTF-8),
/// `EPYR_ERR_CONFIG` (unknown key, invalid value: nothing changes).
///
/// # Safety
/// `key` and `value` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn epyr_config_set(key: *const c_char, value: *const c_char) -> i32 {
    status(|| {
        // SAFETY: NULL or NUL-terminated (this function's contract).
        let (key, value) = unsafe { (c_str(key, "key")?, c_str(value, "value")?) };
        config::global().set(key, value)
    })
}

/// `epyr_config_set` for a numeric key (`performance.cache_size_mb`, ...).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (key not UTF-8),
/// `EPYR_ERR_CONFIG` (unknown key, boolean key, value out of range or not finite: nothing
/// changes).
///
/// # Safety
/// `key` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn epyr_config_set_double(key: *const c_char, value: f64) -> i32 {
    status(|| {
        // SAFETY: NULL or NUL-terminated (this function's contract).
        let key = unsafe { c_str(key, "key") }?;
        config::global().set_value(key, Value::Number(value))
    })
}

/// `epyr_config_set` for a boolean key (`performance.cache_enabled`,
/// `performance.parallel_processing`): 0 is false, any other value true.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (key not UTF-8),
/// `EPYR_ERR_CONFIG` (unknown or numeric key: nothing changes).
///
/// # Safety
/// `key` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn epyr_config_set_bool(key: *const c_char, value: i32) -> i32 {
    status(|| {
        // SAFETY: NULL or NUL-terminated (this function's contract).
        let key = unsafe { c_str(key, "key") }?;
        config::global().set_value(key, Value::Bool(value != 0))
    })
}

/// The value in force of a configuration key (run time > environment > file > default) as
/// text: `"true"`/`"false"` or a number as JSON writes it (`"100"`, `"2.5"`). Copies it with a
/// NUL into `buf` (`cap` bytes) and writes the bytes including the NUL to `*needed`; with `buf`
/// NULL only `*needed` is written (size query).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG` (`key`, `needed`), `EPYR_ERR_INVALID_ARG` (key
/// not UTF-8), `EPYR_ERR_CONFIG` (unknown key; a key without a value in force because the
/// source that sets it, environment or file, is unusable: the message names source, key and
/// value, as loaders report it), `EPYR_ERR_BUFFER_TOO_SMALL` (nothing written).
///
/// # Safety
/// `key` is NULL or NUL-terminated; `buf` is NULL or valid for `cap` bytes; `needed` is NULL or
/// valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_config_get(
    key: *const c_char,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    status(|| {
        // SAFETY: NULL or NUL-terminated (this function's contract).
        let key = unsafe { c_str(key, "key") }?;
        let text = config::global().get(key)?.to_string();
        // SAFETY: buffer and `needed` as this function's contract says.
        unsafe { copy_text(text.as_bytes(), buf, cap, needed, key) }
    })
}

/// The value of a configuration key, checked to be of the wanted type.
///
/// # Safety
/// `key` is NULL or NUL-terminated.
unsafe fn typed_value(key: *const c_char, want_bool: bool) -> Result<Value> {
    // SAFETY: forwarded contract.
    let key = unsafe { c_str(key, "key") }?;
    let value = config::global().get(key)?;
    if matches!(value, Value::Bool(_)) != want_bool {
        let (is, call) = if want_bool {
            ("numeric", "epyr_config_get_double")
        } else {
            ("boolean", "epyr_config_get_bool")
        };
        return Err(Error::new(
            ErrorKind::Config,
            format!("{key} is a {is} key; read it with {call} or epyr_config_get"),
        ));
    }
    Ok(value)
}

/// The value in force of a numeric configuration key.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (key not UTF-8),
/// `EPYR_ERR_CONFIG` (unknown or boolean key; no value in force, as `epyr_config_get`).
///
/// # Safety
/// `key` is NULL or NUL-terminated; `value` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_config_get_double(key: *const c_char, value: *mut f64) -> i32 {
    status(|| {
        // SAFETY: as this function's contract says.
        let (out, v) = unsafe { (Out::required(value, "value")?, typed_value(key, false)?) };
        if let Value::Number(n) = v {
            out.write(n);
        }
        Ok(())
    })
}

/// The value in force of a boolean configuration key: 1 true, 0 false.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (key not UTF-8),
/// `EPYR_ERR_CONFIG` (unknown or numeric key; no value in force, as `epyr_config_get`).
///
/// # Safety
/// `key` is NULL or NUL-terminated; `value` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_config_get_bool(key: *const c_char, value: *mut i32) -> i32 {
    status(|| {
        // SAFETY: as this function's contract says.
        let (out, v) = unsafe { (Out::required(value, "value")?, typed_value(key, true)?) };
        out.write(i32::from(v == Value::Bool(true)));
        Ok(())
    })
}

/// Saves the configuration as JSON to `path`, or with `path` NULL to the file shared with the
/// Python package EPyR Tools (`$XDG_CONFIG_HOME/epyrtools/config.json`, else
/// `~/.config/epyrtools/config.json`). Other sections and unknown keys of an existing file are
/// kept; values from the environment are not written. The folder is created if missing. The
/// file is replaced atomically (temporary file in its folder, renamed over it); a path that is
/// a symbolic link is written through to the file it names, and the link stays.
///
/// Thread-safe. Errors: `EPYR_ERR_INVALID_ARG` (empty or non-UTF-8 path), `EPYR_ERR_IO`,
/// `EPYR_ERR_CONFIG` (existing file is not a JSON object,
/// no default path).
///
/// # Safety
/// `path` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn epyr_config_save(path: *const c_char) -> i32 {
    status(|| {
        // SAFETY: NULL or NUL-terminated (this function's contract).
        let path = unsafe { c_path_opt(path, "path") }?;
        config::global().save(path.as_deref())
    })
}

/// Re-reads the configuration file (`path`, or with NULL the default file) and the
/// `EPYR_PERFORMANCE_*` environment variables; values set at run time are kept. On error
/// nothing changes.
///
/// Thread-safe. Errors: `EPYR_ERR_INVALID_ARG` (empty or non-UTF-8 path), `EPYR_ERR_NOT_FOUND`
/// (an explicit `path` that does not exist),
/// `EPYR_ERR_IO`, `EPYR_ERR_CONFIG` (invalid JSON or value, not a regular file, larger than
/// 1 MiB; the message names the file and the key).
///
/// # Safety
/// `path` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn epyr_config_load(path: *const c_char) -> i32 {
    status(|| {
        // SAFETY: NULL or NUL-terminated (this function's contract).
        let path = unsafe { c_path_opt(path, "path") }?;
        config::global().reload(path.as_deref())
    })
}

thread_local! {
    /// The performance information measured by a size query, for the next call on this thread.
    static INFO_SNAPSHOT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Performance information as indented JSON: version, memory (`rss_mb`, `vms_mb`, `percent`,
/// `library_mb`, `limit_mb`), `cpu_count`, the configuration in force, `config_error`, the
/// global cache's statistics and the worker threads; a key without a value in force (see
/// `epyr_config_get`), and what depends on it, is `null`. Copies it with a NUL into `buf` (`cap`
/// bytes) and writes the bytes including the NUL to `*needed`.
///
/// The figures change from call to call, so a size query (`buf` NULL) takes a snapshot and the
/// next call with a large enough buffer on the same thread copies exactly that snapshot; a
/// call with a buffer and no query before it measures afresh.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG` (`needed`), `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_performance_info_json(
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    status(|| {
        let pending = INFO_SNAPSHOT.with(|s| s.borrow_mut().take());
        let text = pending.unwrap_or_else(crate::info::performance_info_json);
        // SAFETY: buffer and `needed` as this function's contract says.
        let result = unsafe { copy_text(text.as_bytes(), buf, cap, needed, "performance info") };
        // A size query keeps its snapshot; so does a call whose buffer was too small.
        if buf.is_null() || result.is_err() {
            INFO_SNAPSHOT.with(|s| *s.borrow_mut() = Some(text));
        }
        result
    })
}
