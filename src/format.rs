//! The format table through the C ABI: which formats the library reads, the format of a
//! dataset, and how its axes are built, so that hosts never guess a format from a file name.

use std::ffi::c_char;

use super::boundary::{copy_text, status, status_on, Out};
use super::dataset::{dataset_text, dim};
use super::handles::{self, epyr_dataset};
use epyr_core::dataset::AxisRule;

/// The axis is built from the values `epyr_dataset_axis` gives.
pub const EPYR_AXIS_RULE_VALUES: i32 = 0;
/// The axis is `offset + scale * linspace(start, end, n)` (MATLAB's `linspace`).
pub const EPYR_AXIS_RULE_LINSPACE: i32 = 1;

/// Copies the formats the library reads as JSON with a NUL into `buf` (`cap` bytes) and
/// writes the bytes needed including the NUL to `*needed`; with `buf` NULL only `*needed`
/// (size query). The JSON is an array of objects: `id` (stable, as `epyr_dataset_format`
/// gives it), `name`, `vendor`, `members` (each `role` and `extensions`) and `extensions`
/// (lower case, found in any case; empty for a format recognised by its content only).
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG` (`needed` NULL), `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_formats_json(buf: *mut c_char, cap: u64, needed: *mut u64) -> i32 {
    status(|| {
        let text = epyr_core::formats::table_json().to_string();
        // SAFETY: forwarded contract.
        unsafe { copy_text(text.as_bytes(), buf, cap, needed, "formats JSON") }
    })
}

/// Copies the id of the format the dataset was read from (`"bruker-bes3t"`, `"bruker-esp"`,
/// ...; `"user"` for a dataset made by `epyr_dataset_new`) with a NUL into `buf` (size query
/// with `buf` NULL). Works on loaded and described datasets.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG`, `EPYR_ERR_INVALID_ARG` (bad handle),
/// `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` NULL or valid for `cap` bytes; `needed` NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_format(
    ds: *const epyr_dataset,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        dataset_text(ds, buf, cap, needed, |d| {
            Ok((d.format_id().as_bytes().to_vec(), "format id".to_string()))
        })
    }
}

/// How axis `axis` (0 x, 1 y, 2 z) of the dataset is built, for a host that builds axes itself
/// (MATLAB, bit-exact with EasySpin's `eprload`): writes `EPYR_AXIS_RULE_LINSPACE` to `*kind`
/// and the rule's numbers to `params[0..4]` = offset, scale, start, end (the axis is
/// `offset + scale * linspace(start, end, n)` with `n` its length), or
/// `EPYR_AXIS_RULE_VALUES` (`params` untouched) where the values come from elsewhere (an axis
/// file, values the reader computed: take them from `epyr_dataset_axis`) or the dataset has no
/// such axis.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG` (`kind` or `params` NULL), `EPYR_ERR_INVALID_ARG`
/// (bad handle, axis above 2).
///
/// # Safety
/// `kind` NULL or valid for one write; `params` NULL or valid for writing 4 doubles.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_axis_rule(
    ds: *const epyr_dataset,
    axis: u32,
    kind: *mut i32,
    params: *mut f64,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: forwarded contract.
        let (kind, params) = unsafe {
            (
                Out::required(kind, "kind")?,
                Out::required(params.cast::<[f64; 4]>(), "params")?,
            )
        };
        match handles::get(ds, "ds")?.axis_rule(dim(axis)?) {
            AxisRule::Linspace {
                offset,
                scale,
                start,
                end,
            } => {
                kind.write(EPYR_AXIS_RULE_LINSPACE);
                params.write([offset, scale, start, end]);
            }
            AxisRule::Values => kind.write(EPYR_AXIS_RULE_VALUES),
        }
        Ok(())
    })
}
