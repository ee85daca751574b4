//! Chunked readers: stream a dataset of any size with one chunk in memory, or read row ranges.

use std::ffi::c_char;
use std::sync::Arc;

use parking_lot::Mutex;

use super::boundary::{
    caller_buffer, out_slice, path_and_scaling, size_output, status_on, to_usize, Out,
};
use super::handles::{self, epyr_dataset, epyr_loader, epyr_reader, DatasetRef, Described};

/// Opens a chunked reader on the dataset at `path`, without scaling, with the loader's chunk
/// size; writes its handle to `*out`: `epyr_reader_open_scaled` with `scaling` NULL, which
/// describes the reader.
///
/// The caller frees the reader with `epyr_reader_free`. Thread-safe (the loader may be shared);
/// the reader is for one thread at a time. Errors: as `epyr_reader_open_scaled`.
///
/// # Safety
/// `path` NULL or NUL-terminated; `out` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_reader_open(
    loader: *mut epyr_loader,
    path: *const c_char,
    out: *mut *mut epyr_reader,
) -> i32 {
    // SAFETY: forwarded contract (NULL scaling is no scaling).
    unsafe { epyr_reader_open_scaled(loader, path, std::ptr::null(), out) }
}

/// Opens a chunked reader on the dataset at `path` with `scaling` (NULL or `""` for none; as
/// `epyr_loader_load`) and writes its handle to `*out`. The reader streams the values in file
/// order (x fastest, then y, z; at each point the components, complex as re, im) in chunks of
/// whole points (whole rows when a row fits in the loader's chunk size) and reads row ranges.
/// Memory: one chunk, whatever the file size; no cache, no memory budget check. Files are read
/// with positioned reads, never mapped: a file truncated or replaced while it is read gives
/// `EPYR_ERR_FILE_CHANGED`, never a crash.
///
/// The caller frees the reader with `epyr_reader_free`. A reader is for one thread at a time
/// (calls from several threads are serialised, but they share one position).
/// Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`, `EPYR_ERR_NOT_FOUND`, `EPYR_ERR_IO`,
/// `EPYR_ERR_FORMAT`, `EPYR_ERR_UNSUPPORTED`, `EPYR_ERR_SCALING`, `EPYR_ERR_FILE_CHANGED`.
///
/// # Safety
/// `path`/`scaling` NULL or NUL-terminated; `out` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_reader_open_scaled(
    loader: *mut epyr_loader,
    path: *const c_char,
    scaling: *const c_char,
    out: *mut *mut epyr_reader,
) -> i32 {
    status_on(loader as usize, || {
        // SAFETY: as this function's contract says.
        let ((path, scaling), out) =
            unsafe { (path_and_scaling(path, scaling)?, Out::required(out, "out")?) };
        let reader = handles::get(loader, "loader")?.open_reader(&path, scaling)?;
        out.write(handles::register::<epyr_reader>(Arc::new(Mutex::new(
            reader,
        ))));
        Ok(())
    })
}

/// Frees a reader. NULL and handles freed already are ignored. Thread-safe.
#[no_mangle]
pub extern "C" fn epyr_reader_free(reader: *mut epyr_reader) {
    super::boundary::guarded((), || handles::release(reader))
}

/// The shape of a reader's dataset and its state: points along x, y, z, doubles per point
/// (1 per real component, 2 per complex one), points per chunk, and the index of the next
/// point to be read. Each out-pointer may be NULL. A buffer for `epyr_reader_next` holds
/// `chunk_points * values_per_point` doubles.
///
/// Thread-safe (it waits while another thread reads a chunk of the same reader).
/// Errors: `EPYR_ERR_NULL_ARG` (`reader`), `EPYR_ERR_INVALID_ARG` (not a live reader).
///
/// # Safety
/// Each out-pointer is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_reader_info(
    reader: *const epyr_reader,
    nx: *mut u64,
    ny: *mut u64,
    nz: *mut u64,
    values_per_point: *mut u64,
    chunk_points: *mut u64,
    position: *mut u64,
) -> i32 {
    status_on(reader as usize, || {
        let reader = handles::get(reader, "reader")?;
        let r = reader.lock();
        let [x, y, z] = r.plan().layout.dims;
        let values = [
            x,
            y,
            z,
            r.values_per_point(),
            r.chunk_points(),
            r.position(),
        ];
        // SAFETY: each pointer is NULL or valid for one write (this function's contract).
        let outs = unsafe {
            [
                Out::optional(nx),
                Out::optional(ny),
                Out::optional(nz),
                Out::optional(values_per_point),
                Out::optional(chunk_points),
                Out::optional(position),
            ]
        };
        for (out, value) in outs.into_iter().zip(values) {
            out.write(value as u64);
        }
        Ok(())
    })
}

/// Describes the reader's dataset from the reader's own snapshot: the plan read when the
/// reader was opened, which every chunk and row is read against (a file replaced since then
/// gives `EPYR_ERR_FILE_CHANGED` on the next read, never values of another version). Writes a
/// dataset handle without values to `*out`, as `epyr_loader_describe` gives one: dims,
/// components and their complex flags, axes, parameters, sources, warnings. Describing the
/// path again instead would read the files anew and could see another version of them.
///
/// The caller frees the handle with `epyr_dataset_free`; it does not depend on the reader,
/// which may be freed first. Thread-safe (it waits while another thread reads a chunk of the
/// same reader). Errors: `EPYR_ERR_NULL_ARG` (`reader`, `out`), `EPYR_ERR_INVALID_ARG` (not a
/// live reader).
///
/// # Safety
/// `out` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_reader_describe(
    reader: *const epyr_reader,
    out: *mut *mut epyr_dataset,
) -> i32 {
    status_on(reader as usize, || {
        // SAFETY: NULL or valid for one write (this function's contract).
        let out = unsafe { Out::required(out, "out") }?;
        let plan = handles::get(reader, "reader")?.lock().plan().clone();
        let described = Described::new(plan.into_description());
        out.write(handles::register::<epyr_dataset>(DatasetRef::Described(
            Arc::new(described),
        )));
        Ok(())
    })
}

/// Reads the next chunk into the caller's buffer `buf` of `cap` doubles: as many whole points
/// as fit, at most one chunk. Writes the number of doubles to `*len` and the index of the
/// chunk's first point to `*first_point` (may be NULL). At the end `*len` is 0.
///
/// One thread at a time. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL` (`cap` below one point), `EPYR_ERR_IO`,
/// `EPYR_ERR_FILE_CHANGED` (the file was truncated, replaced or modified).
///
/// # Safety
/// `buf` NULL or valid for writing `cap` doubles; `len`, `first_point` NULL or valid for one
/// write.
#[no_mangle]
pub unsafe extern "C" fn epyr_reader_next(
    reader: *mut epyr_reader,
    buf: *mut f64,
    cap: u64,
    len: *mut u64,
    first_point: *mut u64,
) -> i32 {
    status_on(reader as usize, || {
        // SAFETY: as this function's contract says.
        let (len, first_out) = unsafe { (Out::required(len, "len")?, Out::optional(first_point)) };
        let reader = handles::get(reader, "reader")?;
        let mut r = reader.lock();
        if buf.is_null() {
            return Err(super::boundary::null_arg("buf"));
        }
        // At most one chunk is written: only that much of the caller's buffer is touched, so a
        // `cap` larger than the real buffer does no harm beyond it.
        let chunk = (r.chunk_points() * r.values_per_point()) as u64;
        // SAFETY: not NULL and valid for `cap >= min(cap, chunk)` doubles (this function's
        // contract).
        let buf = unsafe { out_slice(buf, cap.min(chunk), "buf") }?;
        let (first, n) = r.next_into(buf)?.unwrap_or((r.position(), 0));
        len.write(n as u64);
        first_out.write(first as u64);
        Ok(())
    })
}

/// Reads the next chunk into the reader's own buffer and points `*values` at it: `*len`
/// doubles starting at point `*first_point` (may be NULL). At the end `*len` is 0 and
/// `*values` NULL. The buffer belongs to the reader and is valid until the next call on the
/// reader or `epyr_reader_free`; no copy is made.
///
/// The caller must not free `reader` while another thread uses it: a free racing this call can
/// leave `*values` pointing at freed memory even though the call returns `EPYR_OK`.
///
/// One thread at a time. Errors: as `epyr_reader_next`.
///
/// # Safety
/// `values`, `len` NULL or valid for one write; `first_point` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_reader_next_chunk(
    reader: *mut epyr_reader,
    values: *mut *const f64,
    len: *mut u64,
    first_point: *mut u64,
) -> i32 {
    status_on(reader as usize, || {
        // SAFETY: as this function's contract says.
        let (values_out, len_out, first_out) = unsafe {
            (
                Out::required(values, "values")?,
                Out::required(len, "len")?,
                Out::optional(first_point),
            )
        };
        let reader = handles::get(reader, "reader")?;
        let mut r = reader.lock();
        let position = r.position();
        let (ptr, n, first) = match r.next_chunk()? {
            Some((first, chunk)) => (chunk.as_ptr(), chunk.len(), first),
            None => (std::ptr::null(), 0, position),
        };
        values_out.write(ptr);
        len_out.write(n as u64);
        first_out.write(first as u64);
        Ok(())
    })
}

/// Sets the number of points per chunk (at least 1); the reader's buffer is resized. More
/// points than the dataset has (`UINT64_MAX` included) are clamped to the dataset's points, one
/// chunk for the whole dataset; `epyr_reader_info` reports the number in force.
///
/// One thread at a time. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (0; not a live
/// reader), `EPYR_ERR_MEMORY_LIMIT` (the buffer cannot be allocated).
#[no_mangle]
pub extern "C" fn epyr_reader_set_chunk_points(reader: *mut epyr_reader, points: u64) -> i32 {
    status_on(reader as usize, || {
        // Clamped by the reader; a count beyond `usize` is more than any dataset has.
        let points = usize::try_from(points).unwrap_or(usize::MAX);
        handles::get(reader, "reader")?
            .lock()
            .set_chunk_points(points)
    })
}

/// Starts streaming again at the first point.
///
/// One thread at a time. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`.
#[no_mangle]
pub extern "C" fn epyr_reader_rewind(reader: *mut epyr_reader) -> i32 {
    status_on(reader as usize, || {
        handles::get(reader, "reader")?.lock().rewind();
        Ok(())
    })
}

/// Reads `count` rows starting at row `start` into `buf` (`cap` doubles) with positioned
/// reads, without moving the streaming position. Rows are the `ny * nz` lines of `nx` points
/// (y fastest, then z); a row holds `nx * values_per_point` doubles. Writes the number of
/// doubles to `*len`; with `buf` NULL only `*len` is written (size query).
///
/// One thread at a time. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (rows out of
/// range), `EPYR_ERR_BUFFER_TOO_SMALL`, `EPYR_ERR_IO`, `EPYR_ERR_FILE_CHANGED`.
///
/// # Safety
/// `buf` NULL or valid for writing `cap` doubles; `len` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_reader_read_rows(
    reader: *mut epyr_reader,
    start: u64,
    count: u64,
    buf: *mut f64,
    cap: u64,
    len: *mut u64,
) -> i32 {
    status_on(reader as usize, || {
        // SAFETY: as this function's contract says.
        let len = unsafe { size_output(len, "len", buf.is_null()) }?;
        let reader = handles::get(reader, "reader")?;
        let r = reader.lock();
        let (start, count) = (to_usize(start, "start")?, to_usize(count, "count")?);
        let needed = r.rows_len(start, count)?;
        let what = format!("{count} rows (doubles)");
        // SAFETY: NULL or valid for writing `cap` doubles (this function's contract).
        if let Some(out) = unsafe { caller_buffer(buf, cap, needed, &what) }? {
            r.read_rows(start, count, out)?;
        }
        len.write(needed as u64);
        Ok(())
    })
}

/// Copies the values `start .. start + count` of the abscissa of dimension `axis` (0 x, 1 y,
/// 2 z) of the reader's dataset into `buf` (`cap` doubles) and writes their number to `*len`:
/// `count`, or 0 where the file gives no abscissa for the dimension. With `buf` NULL only
/// `*len` is written (size query). The values are computed, or read from the axis file, into
/// `buf`: the reader holds no axis values, whatever the size, so a chunk's axis is had by
/// asking for its range (for x, points `first .. first + n` of a chunk are x indices
/// `first % nx ..`).
///
/// One thread at a time. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (axis above 2,
/// range beyond the axis), `EPYR_ERR_BUFFER_TOO_SMALL`, `EPYR_ERR_IO`, `EPYR_ERR_FILE_CHANGED`
/// (a source file changed since the reader was opened).
///
/// # Safety
/// `buf` NULL or valid for writing `cap` doubles; `len` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_reader_copy_axis(
    reader: *mut epyr_reader,
    axis: u32,
    start: u64,
    count: u64,
    buf: *mut f64,
    cap: u64,
    len: *mut u64,
) -> i32 {
    status_on(reader as usize, || {
        // SAFETY: NULL or valid for one write (this function's contract).
        let len = unsafe { size_output(len, "len", buf.is_null()) }?;
        let dim = super::dataset::dim(axis)?;
        let reader = handles::get(reader, "reader")?;
        let r = reader.lock();
        if r.plan().axes[dim].is_none() {
            len.write(0);
            return Ok(());
        }
        let (start, count) = (to_usize(start, "start")?, to_usize(count, "count")?);
        let what = format!("{count} values of axis {axis} (doubles)");
        // SAFETY: NULL or valid for writing `cap` doubles (this function's contract).
        match unsafe { caller_buffer(buf, cap, count, &what) }? {
            Some(out) => r.read_axis(dim, start, out)?,
            // A size query still refuses a range beyond the axis.
            None => r.read_axis(dim, start.saturating_add(count), &mut [])?,
        }
        len.write(count as u64);
        Ok(())
    })
}
