//! HDF5 output in a NeXus-style layout, readable by h5py, HDFView and `h5dump`:
//!
//! ```text
//! /                      NX_class=NXroot, default=entry, creator, file_time
//! /entry                 NX_class=NXentry, default=data
//!   title                the dataset's title (or file name)
//!   sources              the source files
//!   data                 NX_class=NXdata, signal, auxiliary_signals, axes, <axis>_indices
//!     intensity | real, imag   native little-endian float64, shape [nz, ny, nx] without
//!                              1-point dimensions (x fastest, as in the file); attrs long_name,
//!                              units (where the file gives one)
//!     x, y, z            one per swept dimension: axis values, attrs long_name, units
//!   common               NX_class=NXcollection; the common metadata as attributes: each
//!                        field's value, `<field>_units` and `<field>_source`
//!   parameters           NX_class=NXcollection; every original parameter in file order as
//!                        three string datasets of equal length: key, value, device
//! ```
//!
//! The file is written under a temporary name and renamed when complete.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use epyr_core::export::labels::{axis_name, axis_unit, axis_value, swept_dims, value_names};
use epyr_core::export::PendingFile;
use epyr_core::metadata::{common_metadata, date::utc_iso, CommonMetadata, Field};
use epyr_core::{Dataset, Error, ErrorKind, Result};
use hdf5::types::VarLenUnicode;

/// Writes `dataset` to `path` (never replacing an existing file unless `force`).
pub fn write(dataset: &Dataset, path: &Path, force: bool) -> Result<PathBuf> {
    let pending = PendingFile::new(path, force)?;
    let fail = |e: hdf5::Error| Error::new(ErrorKind::Io, format!("{}: HDF5: {e}", path.display()));
    {
        let file = hdf5::File::create(pending.temp_path()).map_err(fail)?;
        write_file(&file, dataset).map_err(fail)?;
        file.close().map_err(fail)?;
    }
    pending.commit()
}

type H5Result<T> = std::result::Result<T, hdf5::Error>;

fn text(value: &str) -> H5Result<VarLenUnicode> {
    VarLenUnicode::from_str(value).map_err(|e| hdf5::Error::from(e.to_string().as_str()))
}

fn text_attr(loc: &hdf5::Location, name: &str, value: &str) -> H5Result<()> {
    loc.new_attr::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&text(value)?)
}

fn texts_attr(loc: &hdf5::Location, name: &str, values: &[String]) -> H5Result<()> {
    let values = values
        .iter()
        .map(|v| text(v))
        .collect::<H5Result<Vec<_>>>()?;
    loc.new_attr::<VarLenUnicode>()
        .shape(values.len())
        .create(name)?
        .write_raw(&values[..])
}

fn texts_dataset(group: &hdf5::Group, name: &str, values: &[String]) -> H5Result<()> {
    let values = values
        .iter()
        .map(|v| text(v))
        .collect::<H5Result<Vec<_>>>()?;
    group
        .new_dataset::<VarLenUnicode>()
        .shape(values.len())
        .create(name)?
        .write_raw(&values[..])
}

fn write_file(file: &hdf5::File, dataset: &Dataset) -> H5Result<()> {
    let md = common_metadata(dataset);
    text_attr(file, "NX_class", "NXroot")?;
    text_attr(file, "default", "entry")?;
    text_attr(file, "creator", &format!("epyr {}", epyr_core::VERSION))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    text_attr(file, "file_time", &utc_iso(now))?;
    let entry = file.create_group("entry")?;
    text_attr(&entry, "NX_class", "NXentry")?;
    text_attr(&entry, "default", "data")?;
    let title = md.title.as_ref().map_or_else(
        || {
            dataset.sources().first().map_or(String::new(), |p| {
                p.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
        },
        |t| t.value.clone(),
    );
    texts_dataset_scalar(&entry, "title", &title)?;
    let sources: Vec<String> = dataset
        .sources()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    texts_dataset(&entry, "sources", &sources)?;
    write_data(&entry.create_group("data")?, dataset, &md)?;
    write_common(&entry.create_group("common")?, &md)?;
    write_parameters(&entry.create_group("parameters")?, dataset)
}

fn texts_dataset_scalar(group: &hdf5::Group, name: &str, value: &str) -> H5Result<()> {
    group
        .new_dataset::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&text(value)?)
}

/// The NXdata group: signal(s) and axes.
fn write_data(group: &hdf5::Group, dataset: &Dataset, md: &CommonMetadata) -> H5Result<()> {
    text_attr(group, "NX_class", "NXdata")?;
    let dims = swept_dims(dataset);
    let letters = ["x", "y", "z"];
    // NeXus order: slowest dimension first.
    let shape: Vec<usize> = dims.iter().rev().map(|&d| dataset.dims()[d]).collect();
    let shape = if shape.is_empty() { vec![1] } else { shape };
    let names = value_names(dataset);
    let unit = md.intensity_unit.as_ref().map(|t| t.value.as_str());
    let mut columns = names.iter();
    let mut scratch: Vec<f64> = Vec::new();
    for c in dataset.components() {
        let width = 1 + usize::from(c.complex);
        for offset in 0..width {
            let name = columns.next().map(String::as_str).unwrap_or("intensity");
            scratch.clear();
            scratch.extend(c.values.iter().skip(offset).step_by(width));
            let ds = group
                .new_dataset::<f64>()
                .shape(shape.clone())
                .create(name)?;
            ds.write_raw(&scratch[..])?;
            text_attr(&ds, "long_name", name)?;
            if let Some(unit) = unit {
                text_attr(&ds, "units", unit)?;
            }
        }
    }
    text_attr(group, "signal", &names[0])?;
    if names.len() > 1 {
        texts_attr(group, "auxiliary_signals", &names[1..])?;
    }
    let axes: Vec<String> = dims.iter().rev().map(|&d| letters[d].to_string()).collect();
    if axes.is_empty() {
        texts_attr(group, "axes", &[".".to_string()])?;
    } else {
        texts_attr(group, "axes", &axes)?;
    }
    for (position, &d) in dims.iter().rev().enumerate() {
        let n = dataset.dims()[d];
        let values: Vec<f64> = (0..n).map(|i| axis_value(dataset, d, i)).collect();
        let ds = group.new_dataset::<f64>().shape(n).create(letters[d])?;
        ds.write_raw(&values[..])?;
        text_attr(&ds, "long_name", &axis_name(dataset, d))?;
        let unit = axis_unit(dataset, d);
        if !unit.is_empty() {
            text_attr(&ds, "units", unit)?;
        }
        group
            .new_attr::<i32>()
            .create(format!("{}_indices", letters[d]).as_str())?
            .write_scalar(&(position as i32))?;
    }
    Ok(())
}

/// The common metadata as attributes: `<field>` (number or text), `<field>_units`,
/// `<field>_source`.
fn write_common(group: &hdf5::Group, md: &CommonMetadata) -> H5Result<()> {
    text_attr(group, "NX_class", "NXcollection")?;
    for (name, field) in md.present() {
        match field {
            Field::Quantity(q) => {
                group
                    .new_attr::<f64>()
                    .create(name)?
                    .write_scalar(&q.value)?;
                text_attr(group, &format!("{name}_units"), &q.unit)?;
                text_attr(group, &format!("{name}_source"), &q.source)?;
            }
            Field::Text(t) => {
                text_attr(group, name, &t.value)?;
                text_attr(group, &format!("{name}_source"), &t.source)?;
            }
        }
    }
    Ok(())
}

/// Every parameter in file order: `key`, `value` and `device` string datasets.
fn write_parameters(group: &hdf5::Group, dataset: &Dataset) -> H5Result<()> {
    text_attr(group, "NX_class", "NXcollection")?;
    let entries = dataset.params().entries();
    let keys: Vec<String> = entries.iter().map(|p| p.key.to_string()).collect();
    let values: Vec<String> = entries.iter().map(|p| p.value.clone()).collect();
    let devices: Vec<String> = entries
        .iter()
        .map(|p| p.device.as_deref().unwrap_or("").to_string())
        .collect();
    texts_dataset(group, "key", &keys)?;
    texts_dataset(group, "value", &values)?;
    texts_dataset(group, "device", &devices)
}
