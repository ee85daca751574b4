//! Axes as a [`super::Plan`] describes them: the length, name and unit of an axis and where
//! its values come from (a formula or an axis file), without the values. A plan of a file with
//! 2^28 points along x holds a few bytes for its x axis, not 2 GiB; the values are made when a
//! dataset is built (after the memory guard counted them) or for one index range at a time
//! (the chunked reader, describe handles).

use std::path::{Path, PathBuf};

use std::sync::Arc;

use super::decode::{read_numbers, ByteOrder, NumberType};
use super::keys::zeroed_values;
use super::FileStamp;
use crate::dataset::{Axis, AxisRule, AXIS_LETTERS};
use crate::error::{Error, ErrorKind, Result};
use crate::files::{ensure_unchanged, open_regular, stamp_of};

/// Where the values of an axis come from.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValues {
    /// `first + width * (i / (n - 1))` for `i` in `0..n`, the last exactly `first + width`
    /// (MATLAB's `first + linspace(0, width, n)`); `first` for an axis of one point.
    Linear {
        /// The first value.
        first: f64,
        /// The last value minus the first.
        width: f64,
    },
    /// `offset + scale * linspace(start, end, n)` (MATLAB's `linspace`: value `i` is
    /// `start + (end - start) * i / (n - 1)`, the last exactly `end`).
    Linspace {
        /// Added to every scaled value.
        offset: f64,
        /// Multiplies every value of the `linspace`.
        scale: f64,
        /// The first value of the `linspace`.
        start: f64,
        /// The last value of the `linspace`.
        end: f64,
    },
    /// Values a reader computed or read with the headers (a few thousand at most).
    Explicit(Arc<[f64]>),
    /// `i * interval_ms / 1000`: the seconds of an ESP time sweep sampled every `interval_ms`
    /// milliseconds (`RCT`).
    TimeSweep {
        /// The sample interval in milliseconds.
        interval_ms: f64,
    },
    /// Values stored from the start of an axis file (`.XGF/.YGF/.ZGF`). The file is one of the
    /// plan's sources: its stamp was taken when the plan was made; each read opens it without
    /// blocking and refuses a file whose stamp differs, and readers check all sources after
    /// reading.
    File {
        /// The axis file.
        path: PathBuf,
        /// Its stamp when the plan was made.
        stamp: FileStamp,
        /// The number type of its values.
        number: NumberType,
        /// Their byte order.
        order: ByteOrder,
    },
}

/// An axis of a plan: its length, name and unit, and how to get its values.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisPlan {
    /// The number of values (the points of the dimension).
    pub len: usize,
    /// The axis name (BES3T `XNAM`, ESP sweep type), possibly empty.
    pub name: String,
    /// The axis unit, possibly empty.
    pub unit: String,
    /// Where the values come from.
    pub values: AxisValues,
}

impl AxisPlan {
    /// Writes the values of indices `start..start + out.len()` into `out`. A range beyond the
    /// axis is an [`ErrorKind::InvalidArgument`] error; an axis file that cannot be read is an
    /// I/O error naming it. `dim` (0 x, 1 y, 2 z) names the axis in messages.
    pub fn read_into(&self, dim: usize, start: usize, out: &mut [f64]) -> Result<()> {
        if start
            .checked_add(out.len())
            .is_none_or(|end| end > self.len)
        {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "values {start}..{start}+{} of axis {} are out of range: it has {} values",
                    out.len(),
                    AXIS_LETTERS.get(dim).copied().unwrap_or('?'),
                    self.len
                ),
            ));
        }
        match &self.values {
            AxisValues::Linear { first, width } => {
                // Every value before the last by `linear_value`'s formula, from a running
                // index; the last (or the only one) by `linear_value` itself.
                let n = self.len;
                let before_last = n.saturating_sub(1).saturating_sub(start).min(out.len());
                let (body, last) = out.split_at_mut(before_last);
                let denominator = n.saturating_sub(1) as f64;
                fill_from_index(body, start as f64, |i| first + width * (i / denominator));
                if let Some(v) = last.first_mut() {
                    *v = linear_value(*first, *width, n, n.saturating_sub(1));
                }
            }
            AxisValues::Linspace {
                offset,
                scale,
                start: a,
                end: b,
            } => {
                // MATLAB's `linspace(a, b, n)`: `a + i * ((b - a) / (n - 1))`, the last exactly
                // `b` (`b` for a single point).
                let n = self.len;
                let step = (b - a) / n.saturating_sub(1) as f64;
                // Every value before the last from a running index (exact below 2^53: the
                // same numbers as `i as f64`, without a conversion per value).
                let before_last = n.saturating_sub(1).saturating_sub(start).min(out.len());
                let (body, last) = out.split_at_mut(before_last);
                fill_from_index(body, start as f64, |i| offset + scale * (a + i * step));
                if let Some(v) = last.first_mut() {
                    *v = offset + scale * b;
                }
            }
            AxisValues::Explicit(values) => {
                out.copy_from_slice(&values[start..start + out.len()]);
            }
            AxisValues::TimeSweep { interval_ms } => {
                for (i, v) in (start..).zip(out.iter_mut()) {
                    *v = i as f64 * interval_ms / 1000.0;
                }
            }
            AxisValues::File {
                path,
                stamp,
                number,
                order,
            } => {
                let (file, now) = open_regular(path, "axis file")?;
                ensure_unchanged(
                    path,
                    "axis file",
                    stamp,
                    &now,
                    "since its descriptor was read",
                )?;
                let offset = start as u64 * number.size() as u64;
                read_numbers(&file, path, offset, *number, *order, out, &mut Vec::new())?;
                ensure_unchanged(
                    path,
                    "axis file",
                    stamp,
                    &stamp_of(&file, path)?,
                    "while it was read",
                )?;
            }
        }
        Ok(())
    }

    /// The axis with all its values, for a dataset; a [`ErrorKind::MemoryLimit`] error naming
    /// `path` (the dataset's data file) where the memory cannot be had.
    pub fn into_axis(self, dim: usize, path: &Path) -> Result<Axis> {
        let mut values = zeroed_values(self.len, path, "an axis")?;
        self.read_into(dim, 0, &mut values)?;
        Ok(Axis {
            values,
            name: self.name,
            unit: self.unit,
        })
    }
}

impl AxisValues {
    /// The rule a host builds this axis by.
    pub fn rule(&self) -> AxisRule {
        match *self {
            AxisValues::Linear { first, width } => AxisRule::Linspace {
                offset: first,
                scale: 1.0,
                start: 0.0,
                end: width,
            },
            AxisValues::Linspace {
                offset,
                scale,
                start,
                end,
            } => AxisRule::Linspace {
                offset,
                scale,
                start,
                end,
            },
            AxisValues::Explicit(_) | AxisValues::TimeSweep { .. } | AxisValues::File { .. } => {
                AxisRule::Values
            }
        }
    }
}

/// Fills `out` with `value(i)` for the running index `i = first, first + 1, ...` (whole
/// numbers, exact below 2^53), kept in eight lanes that each step by eight: the additions do
/// not wait on one another and the loop vectorises, with the same numbers as one running index
/// (a single index made a long axis wait on one floating-point addition per value).
fn fill_from_index(out: &mut [f64], first: f64, value: impl Fn(f64) -> f64) {
    const LANES: usize = 8;
    let mut index: [f64; LANES] = std::array::from_fn(|k| first + k as f64);
    let mut chunks = out.chunks_exact_mut(LANES);
    for chunk in &mut chunks {
        for (v, i) in chunk.iter_mut().zip(&mut index) {
            *v = value(*i);
            *i += LANES as f64;
        }
    }
    for (v, i) in chunks.into_remainder().iter_mut().zip(index) {
        *v = value(i);
    }
}

/// Value `i` of the linear axis of `n` points from `first` to `first + width`
/// ([`AxisValues::Linear`]).
pub(crate) fn linear_value(first: f64, width: f64, n: usize, i: usize) -> f64 {
    if n <= 1 {
        first
    } else if i == n - 1 {
        first + width
    } else {
        first + width * (i as f64 / (n - 1) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linspace_axis_is_matlabs_linspace_in_whole_and_in_any_range() {
        let (a, b, n) = (0.1, 7.3, 1001);
        let axis = AxisPlan {
            len: n,
            name: String::new(),
            unit: String::new(),
            values: AxisValues::Linspace {
                offset: 330.5,
                scale: 2.0,
                start: a,
                end: b,
            },
        };
        let whole = axis.clone().into_axis(0, Path::new("x")).unwrap().values;
        let step = (b - a) / (n - 1) as f64;
        for (i, v) in whole.iter().enumerate() {
            let x = if i == n - 1 { b } else { a + i as f64 * step };
            assert_eq!(v.to_bits(), (330.5 + 2.0 * x).to_bits(), "value {i}");
        }
        for (start, len) in [(0, 1), (3, 500), (999, 2), (1000, 1), (0, 1001)] {
            let mut part = vec![0.0; len];
            axis.read_into(0, start, &mut part).unwrap();
            assert_eq!(part, whole[start..start + len], "{start}+{len}");
        }
        let one = AxisPlan { len: 1, ..axis };
        assert_eq!(
            one.into_axis(0, Path::new("x")).unwrap().values,
            [330.5 + 2.0 * b]
        );
    }

    #[test]
    fn a_range_of_a_linear_axis_equals_the_same_range_of_the_whole() {
        let axis = AxisPlan {
            len: 1024,
            name: String::new(),
            unit: String::new(),
            values: AxisValues::Linear {
                first: 3280.0,
                width: 200.0,
            },
        };
        let whole = axis
            .clone()
            .into_axis(0, Path::new("a.DTA"))
            .unwrap()
            .values;
        assert_eq!((whole[0], whole[1023]), (3280.0, 3480.0));
        for (i, v) in whole.iter().enumerate() {
            let expected = linear_value(3280.0, 200.0, 1024, i);
            assert_eq!(v.to_bits(), expected.to_bits(), "value {i}");
        }
        let mut part = vec![0.0; 24];
        axis.read_into(0, 1000, &mut part).unwrap();
        assert_eq!(part, whole[1000..]);
        let e = axis.read_into(0, 1001, &mut part).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        // 2^50 values (8 PiB) cannot be had: an error, not the abort of a failed allocation.
        let huge = AxisPlan {
            len: 1 << 50,
            ..axis
        };
        let e = huge.into_axis(0, Path::new("a.DTA")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MemoryLimit, "{e}");
    }
}
