//! Exports of a dataset (CSV, the JSON metadata document, BES3T) and its common metadata as
//! JSON, for every host.

use std::ffi::c_char;

use super::boundary::{c_path, c_str_or_empty, copy_text, invalid, status_on};
use super::handles::{self, epyr_dataset};
use epyr_core::export::{export, CsvLayout, ExportFormat, ExportOptions};
use epyr_core::metadata::common_metadata;

/// Writes a loaded dataset to `path` as `format`: `"csv"` (header lines with the source files,
/// format, epyr's version and the common metadata with units; then named columns, one row per
/// point, x fastest), `"json"` (the metadata document: common metadata with units, every
/// parameter, the source files with their sha256, epyr's version, the conversion time; valid
/// against the schema `core/schema/metadata.schema.json`) or `"bes3t"` (`.DSC` + `.DTA`, and
/// `.XGF/.YGF/.ZGF` for nonlinear axes, through epyr's writer). NULL or `""` takes the format
/// from the extension (`.csv`, `.json`, `.DSC`/`.DTA`). Each file is written under a
/// temporary name, flushed to the disk and moved into place when complete, so a failed or
/// interrupted export leaves no partial file. With `overwrite` 0, an existing output file is never replaced
/// (`EPYR_ERR_EXISTS`, nothing written); with 1 it is replaced.
///
/// Thread-safe (several threads may export the same dataset to different paths). Errors:
/// `EPYR_ERR_NULL_ARG` (`ds`, `path`), `EPYR_ERR_INVALID_ARG` (unknown format or extension,
/// `overwrite` not 0 or 1, a described-only handle, a value BES3T cannot hold), `EPYR_ERR_EXISTS`,
/// `EPYR_ERR_IO`, `EPYR_ERR_NOT_FOUND` (the folder does not exist).
///
/// # Safety
/// `path` is NUL-terminated; `format` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_export(
    ds: *const epyr_dataset,
    path: *const c_char,
    format: *const c_char,
    overwrite: i32,
) -> i32 {
    status_on(ds as usize, || {
        // SAFETY: as this function's contract says.
        let (path, format) = unsafe { (c_path(path, "path")?, c_str_or_empty(format, "format")?) };
        let overwrite = match overwrite {
            0 => false,
            1 => true,
            other => return Err(invalid(format!("overwrite {other}: expected 0 or 1"))),
        };
        let format = if format.is_empty() {
            ExportFormat::from_path(&path)?
        } else {
            ExportFormat::parse(format)?
        };
        let data = handles::get(ds, "ds")?;
        let options = ExportOptions {
            overwrite,
            csv_layout: CsvLayout::Long,
            durable: true,
        };
        export(data.loaded()?, &path, format, &options).map(|_| ())
    })
}

/// Copies the common metadata of a loaded dataset as a JSON object into `buf`: one member per
/// field the file gives (absent fields are left out, never null): numbers as
/// `{"value", "unit", "source"}` (microwave_frequency GHz; field_center, field_sweep_width,
/// field_first, field_last and modulation_amplitude in field_unit; modulation_frequency kHz;
/// microwave_power mW; attenuation dB; receiver_gain dB or 1; conversion_time and
/// time_constant ms; scans 1; temperature K), texts as `{"value", "source"}` (field_unit,
/// experiment_type, acquired (ISO 8601), title, sample, comment, operator, instrument,
/// resonator, intensity_unit). `source` names the parameter(s) the value was read from.
///
/// Size query: with `buf` NULL (or `cap` too small) nothing is copied and `*needed` gets the
/// bytes needed including the NUL (`EPYR_ERR_BUFFER_TOO_SMALL` when `buf` is given but too
/// small). The text is the same on every call for one dataset.
///
/// Thread-safe. Errors: `EPYR_ERR_NULL_ARG` (`ds`, or `needed` with `buf` NULL),
/// `EPYR_ERR_INVALID_ARG` (a described-only handle), `EPYR_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn epyr_dataset_metadata_json(
    ds: *const epyr_dataset,
    buf: *mut c_char,
    cap: u64,
    needed: *mut u64,
) -> i32 {
    status_on(ds as usize, || {
        let data = handles::get(ds, "ds")?;
        let text = common_metadata(data.loaded()?).to_json().to_string();
        // SAFETY: buffer and `needed` as this function's contract says.
        unsafe { copy_text(text.as_bytes(), buf, cap, needed, "metadata JSON") }
    })
}
