//! The machinery every entry point shares: the panic boundary, the per-thread last error, and
//! the checked conversions of C arguments (NULL checks, strings, paths, caller buffers).
//!
//! Entry points are written as `status(|| { ... })`: the closure returns a
//! [`crate::Result`], the boundary turns it into `EPYR_OK` or the error's stable code and
//! records the message; a panic becomes `EPYR_ERR_PANIC`. Functions that return something
//! other than a status use [`guarded`] with the value to return on a panic.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use super::{EPYR_ERR_PANIC, EPYR_OK};
use crate::error::{Error, ErrorKind, Result};
use crate::fork::{lock, ForkHold};

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The message of the most recent failed call in the process, whatever its thread.
static PROCESS_LAST_ERROR: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Before a fork: takes the lock of the process's last error (see `handles::C_ABI_LOCKS`).
pub(crate) fn take_last_error(hold: &mut ForkHold) {
    hold.keep(lock(&PROCESS_LAST_ERROR));
}

/// Records `message` as this thread's last error and as the process's.
pub(crate) fn set_last_error(message: String) {
    super::handles::C_ABI_LOCKS.arm();
    lock(&PROCESS_LAST_ERROR).clone_from(&message);
    // During thread teardown the slot may be gone; there is nobody left to read it then.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = message);
}

/// Runs `read` on the message of the process's most recent failed call.
pub(crate) fn with_process_last_error<T>(read: impl FnOnce(&str) -> T) -> T {
    super::handles::C_ABI_LOCKS.arm();
    read(&lock(&PROCESS_LAST_ERROR))
}

/// Runs `read` on this thread's last error message.
pub(crate) fn with_last_error<T>(read: impl FnOnce(&str) -> T) -> Option<T> {
    LAST_ERROR.try_with(|slot| read(&slot.borrow())).ok()
}

/// Runs `f`, catching a panic: the panic's message becomes the last error and `on_panic` is
/// returned.
pub(crate) fn guarded<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            set_last_error(format!(
                "panic: {text} (caught at the C boundary; this is a bug in epyr, please report it)"
            ));
            // The payload is dropped here, inside the boundary; a panicking drop is caught too.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            on_panic
        }
    }
}

/// Runs a fallible entry point body: `EPYR_OK` on success, else the error's code with its
/// message recorded as the last error; a panic is `EPYR_ERR_PANIC`.
pub(crate) fn status(f: impl FnOnce() -> Result<()>) -> i32 {
    guarded(EPYR_ERR_PANIC, || match f() {
        Ok(()) => EPYR_OK,
        Err(e) => {
            set_last_error(e.to_string());
            e.code()
        }
    })
}

/// [`status`] for an entry point whose first argument is the handle `handle` (its address): a
/// failure's message is also recorded for that handle, for any thread to read
/// (`epyr_handle_last_error_message`).
pub(crate) fn status_on(handle: usize, f: impl FnOnce() -> Result<()>) -> i32 {
    let code = status(f);
    if code != EPYR_OK {
        with_last_error(|message| super::handles::record_error(handle, message));
    }
    code
}

/// Copies `message` into `buf` (at most `cap` bytes, always NUL-terminated when `cap > 0`, cut
/// at a character boundary if too long) and returns the bytes the whole message needs
/// including the NUL.
///
/// # Safety
/// `buf` is NULL or valid for writing `cap` bytes.
pub(crate) unsafe fn copy_message(message: &str, buf: *mut c_char, cap: u64) -> u64 {
    let bytes = message.as_bytes();
    if !buf.is_null() && cap > 0 {
        let room = usize::try_from(cap - 1).unwrap_or(usize::MAX);
        let mut n = bytes.len().min(room);
        while !message.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: `n + 1 <= cap` bytes are written to a buffer the caller declares valid for
        // `cap` bytes; the message is library memory, so no overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
            buf.add(n).write(0);
        }
    }
    bytes.len() as u64 + 1
}

/// An [`ErrorKind::NullArgument`] error naming the argument.
pub(crate) fn null_arg(name: &str) -> Error {
    Error::new(
        ErrorKind::NullArgument,
        format!("argument `{name}` is NULL"),
    )
}

/// An [`ErrorKind::InvalidArgument`] error.
pub(crate) fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// A NUL-terminated argument as bytes; NULL is an error naming the argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that lives for `'a`.
unsafe fn c_bytes<'a>(p: *const c_char, name: &str) -> Result<&'a [u8]> {
    if p.is_null() {
        return Err(null_arg(name));
    }
    // SAFETY: `p` is not NULL and, by this function's contract, NUL-terminated and alive.
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A required UTF-8 text argument.
///
/// # Safety
/// As [`c_bytes`].
pub(crate) unsafe fn c_str<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { c_bytes(p, name) }?;
    std::str::from_utf8(bytes)
        .map_err(|e| invalid(format!("argument `{name}` is not valid UTF-8: {e}")))
}

/// An optional UTF-8 text argument: NULL is `""`.
///
/// # Safety
/// As [`c_bytes`].
pub(crate) unsafe fn c_str_or_empty<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    if p.is_null() {
        return Ok("");
    }
    // SAFETY: forwarded contract.
    unsafe { c_str(p, name) }
}

/// A required path argument: any bytes but NUL (paths need not be UTF-8); empty is an error.
///
/// # Safety
/// As [`c_bytes`].
pub(crate) unsafe fn c_path<'a>(p: *const c_char, name: &str) -> Result<Cow<'a, Path>> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { c_bytes(p, name) }?;
    if bytes.is_empty() {
        return Err(invalid(format!("argument `{name}` is an empty path")));
    }
    crate::sys::path_from_bytes(bytes)
        .map_err(|e| invalid(format!("argument `{name}` is not UTF-8: {e}")))
}

/// An optional path argument: NULL is `None`.
///
/// # Safety
/// As [`c_bytes`].
pub(crate) unsafe fn c_path_opt<'a>(p: *const c_char, name: &str) -> Result<Option<Cow<'a, Path>>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { c_path(p, name) }.map(Some)
}

/// The `path` and `scaling` arguments of the loading functions: a required path and an
/// optional scaling text (NULL is none).
///
/// # Safety
/// As [`c_bytes`], for both.
pub(crate) unsafe fn path_and_scaling<'a>(
    path: *const c_char,
    scaling: *const c_char,
) -> Result<(Cow<'a, Path>, &'a str)> {
    // SAFETY: forwarded contract.
    unsafe { Ok((c_path(path, "path")?, c_str_or_empty(scaling, "scaling")?)) }
}

/// A caller array given as pointer and length; NULL is allowed only with length 0.
///
/// # Safety
/// `p` is NULL or valid for reading `len` values of `T` for `'a`.
pub(crate) unsafe fn in_slice<'a, T>(p: *const T, len: u64, name: &str) -> Result<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(null_arg(name));
    }
    let len = slice_len::<T>(p.cast(), len, name)?;
    // SAFETY: `p` is not NULL, aligned, and valid for `len` reads by this function's contract;
    // `len` values fit in `isize::MAX` bytes (checked).
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A caller buffer of `cap` values to be written; NULL is an error unless `cap` is 0.
///
/// The buffer's previous content does not matter: it is only written. Memory that foreign code
/// allocated is treated as initialized, as any memory handed across the C boundary.
///
/// # Safety
/// `p` is NULL or valid for reading and writing `cap` values of `T`, not aliased elsewhere
/// during the call.
pub(crate) unsafe fn out_slice<'a, T>(p: *mut T, cap: u64, name: &str) -> Result<&'a mut [T]> {
    if cap == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(null_arg(name));
    }
    let cap = slice_len::<T>(p.cast_const().cast(), cap, name)?;
    // SAFETY: `p` is not NULL, aligned, and valid for `cap` values by this function's contract;
    // `cap` values fit in `isize::MAX` bytes (checked).
    Ok(unsafe { std::slice::from_raw_parts_mut(p, cap) })
}

/// Checks what a slice of `len` values of `T` at `p` needs beyond the caller's promise: a
/// length whose bytes fit in `isize::MAX` (a larger one cannot describe real memory) and an
/// address aligned for `T` (a misaligned `double *` from a packed struct).
fn slice_len<T>(p: *const u8, len: u64, name: &str) -> Result<usize> {
    let max = isize::MAX as usize / std::mem::size_of::<T>().max(1);
    let len = to_usize(len, name)?;
    if len > max {
        return Err(invalid(format!(
            "argument `{name}`: {len} values cannot be a real buffer (at most {max})"
        )));
    }
    if p.align_offset(std::mem::align_of::<T>()) != 0 {
        return Err(invalid(format!(
            "argument `{name}` ({p:p}) is not aligned to {} bytes",
            std::mem::align_of::<T>()
        )));
    }
    Ok(len)
}

/// The first `needed` values of a caller buffer of `cap` values, or `None` for a NULL buffer
/// (a size query); a buffer too small is [`ErrorKind::BufferTooSmall`] naming `what`.
///
/// # Safety
/// As [`out_slice`].
pub(crate) unsafe fn caller_buffer<'a, T>(
    buf: *mut T,
    cap: u64,
    needed: usize,
    what: &str,
) -> Result<Option<&'a mut [T]>> {
    if buf.is_null() {
        return Ok(None);
    }
    // A `cap` no real buffer can have, or a misaligned buffer, is refused before anything is
    // written.
    slice_len::<T>(buf.cast_const().cast(), cap, "buf")?;
    if cap < needed as u64 {
        return Err(Error::new(
            ErrorKind::BufferTooSmall,
            format!("{what} needs {needed}, the buffer holds {cap} (pass NULL to ask the size)"),
        ));
    }
    // SAFETY: not NULL and valid for `cap >= needed` values (forwarded contract).
    unsafe { out_slice(buf, needed as u64, "buf") }.map(Some)
}

/// A count from C as `usize`.
pub(crate) fn to_usize(n: u64, name: &str) -> Result<usize> {
    usize::try_from(n).map_err(|_| invalid(format!("argument `{name}` = {n} is too large")))
}

/// An out-pointer for one value, written only at the end of a successful call.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// An out-pointer the caller must give.
    ///
    /// # Safety
    /// `p` is NULL or valid for writing one `T` until the call returns.
    pub(crate) unsafe fn required(p: *mut T, name: &str) -> Result<Out<T>> {
        if p.is_null() {
            Err(null_arg(name))
        } else {
            Ok(Out(p))
        }
    }

    /// An out-pointer the caller may leave NULL to skip the value.
    ///
    /// # Safety
    /// As [`Out::required`].
    pub(crate) unsafe fn optional(p: *mut T) -> Out<T> {
        Out(p)
    }

    /// Writes the value (nothing for a skipped optional output).
    pub(crate) fn write(self, value: T) {
        if !self.0.is_null() {
            // SAFETY: the constructor's contract: not NULL here, valid for one write; the
            // address may be unaligned (a field of a packed struct), hence write_unaligned.
            unsafe { self.0.write_unaligned(value) }
        }
    }
}

/// The out-pointer for the size of a caller buffer's content: required for a size query
/// (`size_query`, the buffer is NULL), else optional.
///
/// # Safety
/// `len` is NULL or valid for one write until the call returns.
pub(crate) unsafe fn size_output(len: *mut u64, name: &str, size_query: bool) -> Result<Out<u64>> {
    if size_query {
        // SAFETY: forwarded contract.
        unsafe { Out::required(len, name) }
    } else {
        // SAFETY: forwarded contract.
        Ok(unsafe { Out::optional(len) })
    }
}

/// Copies `parts`, one after the other, into a caller buffer of `cap` values and writes the
/// number of values to the out-pointer `len` (argument name `len_name`), which may be NULL
/// when `buf` is given; with `buf` NULL only the number is written (a size query, for which
/// `len` is required). A buffer too small is [`ErrorKind::BufferTooSmall`] and nothing is
/// written.
///
/// # Safety
/// `buf` is NULL or valid for writing `cap` values of `T`; `len` is NULL or valid for one write.
pub(crate) unsafe fn copy_out<T: Copy>(
    parts: &[&[T]],
    buf: *mut T,
    cap: u64,
    (len, len_name): (*mut u64, &str),
    what: &str,
) -> Result<()> {
    // SAFETY: forwarded contract for `len`.
    let len = unsafe { size_output(len, len_name, buf.is_null()) }?;
    let total: usize = parts.iter().map(|p| p.len()).sum();
    // SAFETY: forwarded contract for `buf`.
    if let Some(out) = unsafe { caller_buffer(buf, cap, total, what) }? {
        let mut at = 0;
        for part in parts {
            out[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
    }
    len.write(total as u64);
    Ok(())
}

/// Copies text (bytes, then a NUL) into a caller buffer: [`copy_out`] for strings; `needed`
/// (may be NULL when `buf` is given) gets the number of bytes including the NUL.
///
/// # Safety
/// As [`copy_out`] with `T = c_char`.
pub(crate) unsafe fn copy_text(
    text: &[u8],
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
    what: &str,
) -> Result<()> {
    let what = format!("{what} (bytes including the NUL)");
    // SAFETY: forwarded contract; c_char and u8 have the same size and alignment.
    unsafe {
        copy_out(
            &[text, &[0]],
            buf.cast::<u8>(),
            cap,
            (needed, "needed"),
            &what,
        )
    }
}

/// An element of a list by a C index, or an error naming the index and the length.
pub(crate) fn pick<'a, T>(items: &'a [T], index: u64, what: &str) -> Result<&'a T> {
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .ok_or_else(|| {
            invalid(format!(
                "{what} index {index} is out of range: there are {}",
                items.len()
            ))
        })
}
