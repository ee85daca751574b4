//! Datasets: dims, components, values (library-owned or copied), axes, parameters, warnings,
//! sources; creating a dataset from caller values and writing BES3T files.

use std::borrow::Cow;
use std::ffi::c_char;
use std::sync::Arc;

use super::boundary::{
    c_path, c_str, c_str_or_empty, caller_buffer, copy_out, copy_text, in_slice, invalid, pick,
    size_output, status, status_on, Out,
};
use super::handles::{self, epyr_dataset, DatasetRef};
use epyr_core::dataset::{
    Component, Dataset, DatasetParts, FormatId, JsonKind, Param, Params, ValueKind,
};
use epyr_core::error::{Error, ErrorKind, Result};
use epyr_core::formats::{write_bes3t, ByteOrder, WriteOptions};

/// Frees a dataset handle. The data stay alive while other handles or a cache share them.
/// NULL and handles freed already are ignored. Pointers from `epyr_dataset_values` and
/// `epyr_dataset_axis` on this handle become invalid.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn epyr_dataset_free(ds: *mut epyr_dataset) {
    super::boundary::guarded((), || handles::release(ds))
}

/// Points along x, y and z (each at least 1). Each out-pointer may be NULL.
///
/// Thread-safe (datasets are immutable). Errors: `EPYR_ERR_NULL_ARG` (`ds`),
/// `EPYR_ERR_INVALID_ARG` (not a live dataset handle).
///
/// # Safety
/// Each out-pointer is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_dims(
    ds: *const epyr_dataset,
    nx: *mut u64,
    ny: *mut u64,
    nz: *mut u64,
) -> i32 {
    status_on(ds as usize, || {
        let dims = handles::get(ds, "ds")?.dims();
        // SAFETY: each pointer is NULL or valid for one write (this function's contract).
        let outs = unsafe { [Out::optional(nx), Out::optional(ny), Out::optional(nz)] };
        for (out, n) in outs.into_iter().zip(dims) {
            out.write(n as u64);
        }
        Ok(())
    })
}

/// The number of data components (BES3T `IKKF` entries; usually 1).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`.
///
/// # Safety
/// `count` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_components(ds: *const epyr_dataset, count: *mut u32) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: NULL or valid for one write (this function's contract).
        let out = unsafe { Out::required(count, "count") }?;
        let n = handles::get(ds, "ds")?.complex_flags().len();
        out.write(u32::try_from(n).unwrap_or(u32::MAX));
        Ok(())
    })
}

/// Whether component `component` is complex (1) or real (0). A complex component's values
/// are interleaved re, im.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (component out of range).
///
/// # Safety
/// `is_complex` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_is_complex(
    ds: *const epyr_dataset,
    component: u32,
    is_complex: *mut i32,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: NULL or valid for one write (this function's contract).
        let out = unsafe { Out::required(is_complex, "is_complex") }?;
        let flags = handles::get(ds, "ds")?.complex_flags();
        out.write(i32::from(*pick(&flags, component.into(), "component")?));
        Ok(())
    })
}

/// The values of one component of a loaded dataset.
fn component(ds: *const epyr_dataset, index: u32) -> Result<(Arc<Dataset>, usize)> {
    let data = Arc::clone(handles::get(ds, "ds")?.loaded()?);
    let index = index as usize;
    pick(data.components(), index as u64, "component")?;
    Ok((data, index))
}

/// Points `*values` at the values of component `component`, owned by the library: `*len`
/// doubles (`nx * ny * nz`, twice that for a complex component, interleaved re, im), x
/// fastest. No copy. Valid until this handle is freed (and never changed: datasets are
/// immutable).
///
/// The caller must not free `ds` while another thread uses it: a free racing this call can
/// leave `*values` pointing at freed memory even though the call returns `EPYR_OK`.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (component out of range,
/// a described-only handle).
///
/// # Safety
/// `values` and `len` are NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_values(
    ds: *const epyr_dataset,
    component: u32,
    values: *mut *const f64,
    len: *mut u64,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: NULL or valid for one write each (this function's contract).
        let outs = unsafe { (Out::required(values, "values")?, Out::required(len, "len")?) };
        let (data, index) = self::component(ds, component)?;
        let v = &data.components()[index].values;
        // The values live as long as the handle's Arc, which the table keeps.
        outs.0.write(v.as_ptr());
        outs.1.write(v.len() as u64);
        Ok(())
    })
}

/// Copies the values of component `component` (as `epyr_dataset_values`) into the caller's
/// buffer `buf` of `cap` doubles and writes their number to `*len`; with `buf` NULL only
/// `*len` is written (size query).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL` (nothing written).
///
/// # Safety
/// `buf` NULL or valid for writing `cap` doubles; `len` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_copy_values(
    ds: *const epyr_dataset,
    component: u32,
    buf: *mut f64,
    cap: u64,
    len: *mut u64,
) -> i32 {
    status_on(ds as usize, || {
        let (data, index) = self::component(ds, component)?;
        let v = &data.components()[index].values;
        // SAFETY: buffer and `len` as this function's contract says.
        unsafe { copy_out(&[v], buf, cap, (len, "len"), "component values (doubles)") }
    })
}

/// The dimension index of a C axis argument.
pub(crate) fn dim(axis: u32) -> Result<usize> {
    match axis {
        0..=2 => Ok(axis as usize),
        _ => Err(invalid(format!(
            "axis {axis} is out of range: 0 is x, 1 y, 2 z"
        ))),
    }
}

/// Points `*values` at the abscissa values of dimension `axis` (0 x, 1 y, 2 z), owned by the
/// library: `*len` doubles, one per point of that dimension, valid until this handle is freed.
/// Where the file gives no abscissa for the dimension, `*values` is NULL and `*len` 0. On a
/// handle of `epyr_loader_describe` the values are made on the first call and kept with the
/// handle, within the memory budget like a load (`EPYR_ERR_MEMORY_LIMIT`); copying them into
/// a caller buffer (`epyr_dataset_copy_axis`) holds nothing.
///
/// The caller must not free `ds` while another thread uses it: a free racing this call can
/// leave `*values` pointing at freed memory even though the call returns `EPYR_OK`.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (axis above 2),
/// `EPYR_ERR_MEMORY_LIMIT`, `EPYR_ERR_IO` and `EPYR_ERR_FILE_CHANGED` (a describe handle's
/// axis file).
///
/// # Safety
/// `values` and `len` are NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_axis(
    ds: *const epyr_dataset,
    axis: u32,
    values: *mut *const f64,
    len: *mut u64,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: NULL or valid for one write each (this function's contract).
        let outs = unsafe { (Out::required(values, "values")?, Out::required(len, "len")?) };
        let d = dim(axis)?;
        let data = handles::get(ds, "ds")?;
        // The axis lives as long as the handle's Arc (dataset or plan), which the table keeps.
        let (ptr, n) = data
            .axis_values(d)?
            .map_or((std::ptr::null(), 0), |v| (v.as_ptr(), v.len()));
        outs.0.write(ptr);
        outs.1.write(n as u64);
        Ok(())
    })
}

/// Copies the abscissa values of dimension `axis` into the caller's buffer (as
/// `epyr_dataset_copy_values`); `*len` is 0 where the file gives no abscissa. On a describe
/// handle the values are computed (or read from the axis file) straight into `buf`.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL`, `EPYR_ERR_IO` and `EPYR_ERR_FILE_CHANGED` (a describe handle's
/// axis file).
///
/// # Safety
/// `buf` NULL or valid for writing `cap` doubles; `len` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_copy_axis(
    ds: *const epyr_dataset,
    axis: u32,
    buf: *mut f64,
    cap: u64,
    len: *mut u64,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: NULL or valid for one write (this function's contract).
        let len = unsafe { size_output(len, "len", buf.is_null()) }?;
        let d = dim(axis)?;
        let data = handles::get(ds, "ds")?;
        let n = data.axis_len(d);
        // SAFETY: NULL or valid for writing `cap` doubles (this function's contract).
        if let Some(out) = unsafe { caller_buffer(buf, cap, n, "axis values (doubles)") }? {
            data.copy_axis(d, out)?;
        }
        len.write(n as u64);
        Ok(())
    })
}

/// Copies a text of the dataset chosen by `select` into a caller buffer.
///
/// # Safety
/// As [`copy_text`].
pub(crate) unsafe fn dataset_text(
    ds: *const epyr_dataset,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
    select: impl FnOnce(&DatasetRef) -> Result<(Vec<u8>, String)>,
) -> i32 {
    status_on(ds as usize, || {
        let (text, what) = select(&handles::get(ds, "ds")?)?;
        // SAFETY: forwarded contract.
        unsafe { copy_text(&text, buf, cap, needed, &what) }
    })
}

/// Copies a text field of axis `axis` (`""` where the file gives no axis).
///
/// # Safety
/// As [`copy_text`].
unsafe fn axis_text(
    ds: *const epyr_dataset,
    axis: u32,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
    field: for<'a> fn((&'a str, &'a str)) -> &'a str,
    what: &str,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        dataset_text(ds, buf, cap, needed, |d| {
            let text = d.axis_labels(dim(axis)?).map_or("", field);
            Ok((text.into(), format!("{what} of axis {axis}")))
        })
    }
}

/// Copies the name (`XNAM`, ...) of axis `axis` with a NUL into `buf` (`cap` bytes) and
/// writes the bytes needed including the NUL to `*needed`; with `buf` NULL only `*needed`
/// (size query). `""` where the file names none.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_axis_name(
    ds: *const epyr_dataset,
    axis: u32,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { axis_text(ds, axis, buf, cap, needed, |(name, _)| name, "name") }
}

/// Copies the unit (`XUNI`, ...) of axis `axis` (as `epyr_dataset_axis_name`).
///
/// Thread-safe. Errors: as `epyr_dataset_axis_name`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_axis_unit(
    ds: *const epyr_dataset,
    axis: u32,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { axis_text(ds, axis, buf, cap, needed, |(_, unit)| unit, "unit") }
}

/// The raw text of a parameter by key, or a not-found error naming it.
fn param_by_key<'a>(params: &'a Params, key: &str) -> Result<&'a str> {
    params.get(key).ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            format!("parameter {key:?} is not in the dataset"),
        )
    })
}

/// Copies the raw text of parameter `key` (case-sensitive; the last occurrence where a key
/// repeats, as eprload) with a NUL into `buf` and writes the bytes needed including the NUL to
/// `*needed`; with `buf` NULL only `*needed` (size query).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`, `EPYR_ERR_NOT_FOUND`
/// (no such key), `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `key` NULL or NUL-terminated; `buf` NULL or valid for `cap` bytes; `needed` NULL or valid
/// for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_param(
    ds: *const epyr_dataset,
    key: *const c_char,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        dataset_text(ds, buf, cap, needed, |d| {
            let key = c_str(key, "key")?;
            Ok((
                param_by_key(d.params(), key)?.into(),
                format!("parameter {key}"),
            ))
        })
    }
}

/// Parameter `key` as a number (`MWFQ`, `XMIN`, ...): the whole trimmed value must be one
/// number.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`, `EPYR_ERR_NOT_FOUND`,
/// `EPYR_ERR_FORMAT` (the value is not a number; the message shows it).
///
/// # Safety
/// `key` NULL or NUL-terminated; `value` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_param_double(
    ds: *const epyr_dataset,
    key: *const c_char,
    value: *mut f64,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: as this function's contract says.
        let (key, out) = unsafe { (c_str(key, "key")?, Out::required(value, "value")?) };
        let data = handles::get(ds, "ds")?;
        let params = data.params();
        let raw = param_by_key(params, key)?;
        let n = params.number(key).ok_or_else(|| {
            Error::new(
                ErrorKind::Format,
                format!("parameter {key} = {raw:?} is not a number"),
            )
        })?;
        out.write(n);
        Ok(())
    })
}

/// Writes the length of a list of the dataset to `*count`.
///
/// # Safety
/// `count` NULL or valid for one write.
unsafe fn list_len(
    ds: *const epyr_dataset,
    count: *mut u64,
    list: impl FnOnce(&DatasetRef) -> usize,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: forwarded contract.
        let out = unsafe { Out::required(count, "count") }?;
        out.write(list(&handles::get(ds, "ds")?) as u64);
        Ok(())
    })
}

/// The number of parameters, in file order, for `epyr_dataset_param_key`/`_value`.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`.
///
/// # Safety
/// `count` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_param_count(ds: *const epyr_dataset, count: *mut u64) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { list_len(ds, count, |d| d.params().len()) }
}

/// Copies the text of item `index` of a list of the dataset (parameters, warnings, sources);
/// `item` picks it, `what` names the list in messages.
///
/// # Safety
/// As [`copy_text`].
unsafe fn item_text(
    ds: *const epyr_dataset,
    index: u64,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
    what: &str,
    item: fn(&DatasetRef, u64) -> Result<Cow<'_, [u8]>>,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        dataset_text(ds, buf, cap, needed, |d| {
            Ok((item(d, index)?.into_owned(), format!("{what} {index}")))
        })
    }
}

/// Parameter number `index`.
fn param_at(d: &DatasetRef, index: u64) -> Result<&Param> {
    pick(d.params().entries(), index, "parameter")
}

/// Copies the key of parameter number `index` (file order, `0 <= index < count`) with a NUL
/// into `buf` (size query with `buf` NULL, as `epyr_dataset_param`).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (index out of range),
/// `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_param_key(
    ds: *const epyr_dataset,
    index: u64,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        item_text(ds, index, buf, cap, needed, "parameter", |d, i| {
            Ok(Cow::Borrowed(param_at(d, i)?.key.as_bytes()))
        })
    }
}

/// Copies the raw value text of parameter number `index` (as `epyr_dataset_param_key`).
///
/// Thread-safe. Errors: as `epyr_dataset_param_key`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_param_value(
    ds: *const epyr_dataset,
    index: u64,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        item_text(ds, index, buf, cap, needed, "parameter", |d, i| {
            Ok(Cow::Borrowed(param_at(d, i)?.value.as_bytes()))
        })
    }
}

/// Copies the strings `select` picks from the dataset, each followed by a NUL, one after the
/// other into a caller buffer; `needed` gets the bytes of all of them (every NUL included; 0
/// for no strings). `what` names them in messages.
///
/// # Safety
/// As [`copy_out`] with `T = c_char`.
unsafe fn packed_strings(
    ds: *const epyr_dataset,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
    what: &str,
    select: fn(&DatasetRef) -> Vec<Cow<'_, str>>,
) -> i32 {
    status_on(ds as usize, || {
        let data = handles::get(ds, "ds")?;
        let mut packed = Vec::new();
        for text in select(&data) {
            packed.extend_from_slice(text.as_bytes());
            packed.push(0);
        }
        let what = format!("{what} (bytes of NUL-terminated strings)");
        // SAFETY: forwarded contract; c_char and u8 have the same size and alignment.
        unsafe { copy_out(&[&packed], buf.cast::<u8>(), cap, (needed, "needed"), &what) }
    })
}

/// Copies every parameter of the dataset in one call: for each parameter in file order (as
/// `epyr_dataset_param_key`), its key, its raw value text and its BES3T device block (`""`
/// outside a `.DVC` block), each followed by a NUL, so `3 * count` strings
/// (`epyr_dataset_param_count`). `*needed` gets the bytes of all of them, NULs included (0 for
/// no parameters); with `buf` NULL only `*needed` (size query). No text contains a NUL, so
/// splitting the buffer at NUL bytes gives the strings back, empty ones included: in Python
/// `raw[:needed].split(b"\0")[:-1]`, in MATLAB
/// `strsplit(char(raw(1:needed-1)), char(0), 'CollapseDelimiters', false)`, in LabVIEW
/// "Spreadsheet String to Array" with the delimiter `\00`.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL` (nothing written).
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL (only when `buf` is given) or valid for
/// one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_params_packed(
    ds: *const epyr_dataset,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        packed_strings(ds, buf, cap, needed, "parameters", |d| {
            d.params()
                .entries()
                .iter()
                .flat_map(|p| [&*p.key, &*p.value, p.device.as_deref().unwrap_or("")])
                .map(Cow::Borrowed)
                .collect()
        })
    }
}

/// Copies, for every parameter in file order (`epyr_dataset_param_count` strings, each followed
/// by a NUL, packed as `epyr_dataset_params_packed` packs them), the text it was read from
/// where that is more than one plain line, and `""` for every other parameter: a BES3T value
/// continued over several lines (lines ending in `\`), or a line holding a carriage return.
/// The text is as written in the file (Latin-1 decoded to UTF-8): from the start of the
/// parameter's first line (its key) to the end of its last line, the line ends between them
/// (LF, CR LF, CR) kept, `\` and `\n` sequences kept. For hosts that copy another reader's
/// rules for such text (the MATLAB gateway copies EasySpin's eprload, which reads the line
/// that ends a continued value as a line of its own); the parameter's value
/// (`epyr_dataset_params_packed`) is epyr's reading of it. `*needed` gets the bytes of all the
/// strings, NULs included; with `buf` NULL only `*needed` (size query): `needed` equal to the
/// number of parameters means every string is `""`.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL` (nothing written).
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL (only when `buf` is given) or valid for
/// one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_param_lines_packed(
    ds: *const epyr_dataset,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        packed_strings(ds, buf, cap, needed, "parameter lines", |d| {
            let params = d.params();
            (0..params.len())
                .map(|i| Cow::Borrowed(params.lines(i).unwrap_or("")))
                .collect()
        })
    }
}

/// Copies, for every parameter in file order (`epyr_dataset_param_count` strings, each followed
/// by a NUL, packed as `epyr_dataset_params_packed` packs them) what the reader read the value
/// from: `"number"` a binary number (a JEOL header's `int32` and `float32` fields; the value is
/// that number's shortest text), `"chars N"` a field of N raw characters (JEOL's `*char`
/// fields; the value holds them up to the first NUL), `"json string"`, `"json number"`,
/// `"json boolean"`, `"json null"`, `"json array"`, `"json object"` a member of a JSON document
/// (CIQTEK `.epr`, Adani `.json`: the value is the string unescaped, the number, `true`,
/// `false`, `null` as written, the array as its JSON text without white space, `{}` for an
/// empty object), `""` text (every other parameter). A kind a host does not know is to be
/// taken as text (later versions may add kinds). For hosts that give such values as numbers
/// and text as text, as EasySpin's eprload does: the MATLAB gateway rebuilds eprload's `pars`
/// with it, where a JEOL text field holding digits stays text, and rebuilds a JSON file's
/// document from the values epyr read (one snapshot of the file). `*needed` gets the bytes of
/// all the strings, NULs included; with `buf` NULL only `*needed` (size query).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL` (nothing written).
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL (only when `buf` is given) or valid for
/// one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_param_kinds_packed(
    ds: *const epyr_dataset,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        packed_strings(ds, buf, cap, needed, "parameter kinds", |d| {
            let params = d.params();
            (0..params.len())
                .map(|i| match params.kind(i) {
                    ValueKind::Text => Cow::Borrowed(""),
                    ValueKind::BinaryNumber => Cow::Borrowed("number"),
                    ValueKind::RawChars(n) => Cow::Owned(format!("chars {n}")),
                    ValueKind::Json(kind) => Cow::Borrowed(match kind {
                        JsonKind::String => "json string",
                        JsonKind::Number => "json number",
                        JsonKind::Bool => "json boolean",
                        JsonKind::Null => "json null",
                        JsonKind::Array => "json array",
                        JsonKind::Object => "json object",
                    }),
                })
                .collect()
        })
    }
}

/// The number of arrays of numbers the file holds besides the dataset's values
/// (`epyr_dataset_array`): a Magnettech `.xml` file's curves (as EasySpin's eprload keeps them
/// in `pars.Curves`); 0 for the other formats.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`.
///
/// # Safety
/// `count` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_array_count(ds: *const epyr_dataset, count: *mut u64) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { list_len(ds, count, |d| d.params().arrays().len()) }
}

/// Copies the name of array number `index` (file order, `0 <= index < count`; a Magnettech
/// curve is `Curves.<name>`, with eprload's curve names: `Curves.MW_Absorption`,
/// `Curves.BField_Raw`) with a NUL into `buf` (size query with `buf` NULL, as
/// `epyr_dataset_param`). Names can repeat (a file with two curves of one name); eprload keeps
/// the last.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (index out of range),
/// `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_array_name(
    ds: *const epyr_dataset,
    index: u64,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        item_text(ds, index, buf, cap, needed, "array", |d, i| {
            Ok(Cow::Borrowed(
                pick(d.params().arrays(), i, "array")?.0.as_bytes(),
            ))
        })
    }
}

/// Points `*values` at the numbers of array number `index` (`epyr_dataset_array_name`),
/// owned by the library: `*len` doubles, in file order. No copy. Valid until this handle is
/// freed (as `epyr_dataset_values`); works on described datasets too.
///
/// The caller must not free `ds` while another thread uses it: a free racing this call can
/// leave `*values` pointing at freed memory even though the call returns `EPYR_OK`.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (index out of range).
///
/// # Safety
/// `values` and `len` are NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_array(
    ds: *const epyr_dataset,
    index: u64,
    values: *mut *const f64,
    len: *mut u64,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: NULL or valid for one write each (this function's contract).
        let outs = unsafe { (Out::required(values, "values")?, Out::required(len, "len")?) };
        let data = handles::get(ds, "ds")?;
        let v = &pick(data.params().arrays(), index, "array")?.1;
        // The values live as long as the handle's dataset, which the table keeps.
        outs.0.write(v.as_ptr());
        outs.1.write(v.len() as u64);
        Ok(())
    })
}

/// Copies the names and units of the three axes in one call: x name, x unit, y name, y unit,
/// z name, z unit, each followed by a NUL (`""` where the file gives none), as
/// `epyr_dataset_params_packed` packs parameters.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL` (nothing written).
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL (only when `buf` is given) or valid for
/// one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_axis_labels_packed(
    ds: *const epyr_dataset,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        packed_strings(ds, buf, cap, needed, "axis names and units", |d| {
            (0..3)
                .flat_map(|dim| {
                    let (name, unit) = d.axis_labels(dim).unwrap_or(("", ""));
                    [name, unit]
                })
                .map(Cow::Borrowed)
                .collect()
        })
    }
}

/// The number of warnings the reader recorded (extra bytes after the data, assumed defaults).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`.
///
/// # Safety
/// `count` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_warning_count(
    ds: *const epyr_dataset,
    count: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { list_len(ds, count, |d| d.warnings().len()) }
}

/// Copies warning number `index` with a NUL into `buf` (size query with `buf` NULL).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_warning(
    ds: *const epyr_dataset,
    index: u64,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        item_text(ds, index, buf, cap, needed, "warning", |d, i| {
            Ok(Cow::Borrowed(pick(d.warnings(), i, "warning")?.as_bytes()))
        })
    }
}

/// The number of files the dataset was built from (descriptor, data, axis files).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`.
///
/// # Safety
/// `count` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_source_count(
    ds: *const epyr_dataset,
    count: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { list_len(ds, count, |d| d.sources().len()) }
}

/// Copies the path of source file number `index` (0 is the descriptor or parameter file, 1
/// the data file, then axis files) with a NUL into `buf` (size query with `buf` NULL).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG`,
/// `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_source(
    ds: *const epyr_dataset,
    index: u64,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        item_text(ds, index, buf, cap, needed, "source", |d, i| {
            let paths = d.sources();
            let path: &std::path::Path = pick(&paths, i, "source")?;
            Ok(Cow::Owned(epyr_core::path_bytes(path).into_owned()))
        })
    }
}

/// Creates a dataset from caller values (copied) and writes its handle to `*out`: one
/// component of `nx * ny * nz` points, real, or complex with `2 * nx * ny * nz` doubles
/// interleaved re, im (`is_complex` nonzero); x fastest. It has no axes or parameters; write
/// it with `epyr_write_bes3t`. Free it with `epyr_dataset_free`.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (a zero dimension,
/// `len` that does not match the dims, dims that overflow).
///
/// # Safety
/// `values` NULL or valid for reading `len` doubles; `out` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_new(
    nx: u64,
    ny: u64,
    nz: u64,
    is_complex: i32,
    values: *const f64,
    len: u64,
    out: *mut *mut epyr_dataset,
) -> i32 {
    status(|| {
        // SAFETY: as this function's contract says.
        let (values, out) =
            unsafe { (in_slice(values, len, "values")?, Out::required(out, "out")?) };
        let to = |n: u64, name| super::boundary::to_usize(n, name);
        let dataset = Dataset::new(DatasetParts {
            format: FormatId::USER,
            dims: [to(nx, "nx")?, to(ny, "ny")?, to(nz, "nz")?],
            components: vec![Component {
                complex: is_complex != 0,
                values: values.to_vec(),
            }],
            axes: [None, None, None],
            params: Params::default(),
            sources: Vec::new(),
            warnings: Vec::new(),
        })?;
        out.write(handles::register::<epyr_dataset>(DatasetRef::Loaded(
            Arc::new(dataset),
        )));
        Ok(())
    })
}

/// Writes a loaded dataset as BES3T: `.DSC` + `.DTA` (+ `.XGF/.YGF/.ZGF` for nonlinear axes)
/// next to `path` (the base name or either file of the pair; a lower-case `.dsc`/`.dta`
/// gives lower-case names). `number_type` is the BES3T letter of the `.DTA` values: `"D"`
/// float64 (NULL or `""`: the default), `"F"` float32, `"I"` int32, `"S"` int16, `"C"` int8;
/// values the type cannot hold exactly are refused. `byte_order` is `"BIG"` (NULL or `""`:
/// the default) or `"LIT"`. Files are written under temporary names and renamed, so a failed
/// write leaves no half-written dataset. Reading the files back gives the same values, axes
/// and parameters.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (unknown type or order,
/// a value the type cannot hold, a described-only handle, text that Latin-1 cannot hold),
/// `EPYR_ERR_IO`, `EPYR_ERR_NOT_FOUND` (the folder does not exist).
///
/// # Safety
/// `path`, `number_type`, `byte_order` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn epyr_write_bes3t(
    ds: *const epyr_dataset,
    path: *const c_char,
    number_type: *const c_char,
    byte_order: *const c_char,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: as this function's contract says.
        let (path, ty, order) = unsafe {
            (
                c_path(path, "path")?,
                c_str_or_empty(number_type, "number_type")?,
                c_str_or_empty(byte_order, "byte_order")?,
            )
        };
        let mut options = WriteOptions::default();
        if !ty.is_empty() {
            options.number = epyr_core::formats::bes3t_number(ty).ok_or_else(|| {
                invalid(format!(
                    "number type {ty:?}: expected D, F, I, S or C (BES3T letters)"
                ))
            })?;
        }
        options.order = match order {
            "" | "BIG" => ByteOrder::Big,
            "LIT" => ByteOrder::Little,
            other => {
                return Err(invalid(format!(
                    "byte order {other:?}: expected \"BIG\" or \"LIT\""
                )))
            }
        };
        let data = handles::get(ds, "ds")?;
        write_bes3t(data.loaded()?, &path, &options).map(|_| ())
    })
}
