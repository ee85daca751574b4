//! Names of the columns and datasets an export writes: each axis by its name and unit
//! (`Field (G)`), each component's values as `intensity`, or `real` and `imag` for complex
//! data, numbered when there are several components.

use crate::dataset::{Dataset, AXIS_LETTERS};

/// The dimensions an export writes an axis for: those with more than one point.
pub fn swept_dims(dataset: &Dataset) -> Vec<usize> {
    (0..3).filter(|&d| dataset.dims()[d] > 1).collect()
}

/// The axis name of dimension `dim`: the file's name, or `x`/`y`/`z` where it has none (or
/// `x index` where the file gives no axis values at all).
pub fn axis_name(dataset: &Dataset, dim: usize) -> String {
    let letter = AXIS_LETTERS[dim].to_ascii_lowercase();
    match dataset.axis(dim) {
        Some(axis) if !axis.name.trim().is_empty() => axis.name.trim().to_string(),
        Some(_) => letter.to_string(),
        None => format!("{letter} index"),
    }
}

/// The axis unit of dimension `dim`, empty where there is none.
pub fn axis_unit(dataset: &Dataset, dim: usize) -> &str {
    dataset.axis(dim).map_or("", |a| a.unit.trim())
}

/// `name (unit)`, or `name` alone for an empty unit.
pub fn with_unit(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// The value of dimension `dim` at index `i`: the axis value, or the index where the file
/// gives no axis.
pub fn axis_value(dataset: &Dataset, dim: usize, i: usize) -> f64 {
    dataset.axis(dim).map_or(i as f64, |a| a.values[i])
}

/// The names of the value columns, in file order: per component `intensity`, or `real` and
/// `imag`; with `_1`, `_2`, ... appended when there are several components.
pub fn value_names(dataset: &Dataset) -> Vec<String> {
    let many = dataset.components().len() > 1;
    let mut names = Vec::new();
    for (i, c) in dataset.components().iter().enumerate() {
        let suffix = if many {
            format!("_{}", i + 1)
        } else {
            String::new()
        };
        if c.complex {
            names.push(format!("real{suffix}"));
            names.push(format!("imag{suffix}"));
        } else {
            names.push(format!("intensity{suffix}"));
        }
    }
    names
}
