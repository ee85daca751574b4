//! What the formats of one text file share: the file read whole through the recorder (capped,
//! no NUL byte, not empty), its values decoded once by the format's reader, and the plan that
//! holds them ([`ValueSource::Decoded`], counted as memory epyr holds).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::keys::no_scaling;
use super::{AxisPlan, DataLayout, DecodedValues, Format, Plan, Recorder, Scaling, ValueSource};
use crate::dataset::Params;
use crate::error::{Error, ErrorKind, Result};

/// What the reader of a text format found in the file.
#[derive(Debug)]
pub(crate) struct TextDataset {
    /// Points along x, y and z.
    pub dims: [usize; 3],
    /// Whether the values are complex (`re, im` interleaved).
    pub complex: bool,
    /// The values in file order, x fastest.
    pub values: Vec<f64>,
    /// The axes.
    pub axes: [Option<AxisPlan>; 3],
    /// The parameters.
    pub params: Params,
    /// Warnings.
    pub warnings: Vec<String>,
}

impl TextDataset {
    /// A real dataset of `values` along x only, without axes or parameters (as eprload gives
    /// `x = []` and `pars = []`).
    pub(crate) fn bare(values: Vec<f64>) -> TextDataset {
        TextDataset {
            dims: [values.len(), 1, 1],
            complex: false,
            values,
            axes: [None, None, None],
            params: Params::default(),
            warnings: Vec::new(),
        }
    }
}

/// The parameters of the header lines of a text format, in file order: `split` cuts a line
/// (decoded as Latin-1, line end removed) into key and value, both trimmed; lines it does not
/// cut, or with an empty key, are not parameters. More than [`super::text::MAX_ENTRIES`]
/// entries is a format error.
pub(crate) fn header_params<'a>(
    lines: impl IntoIterator<Item = &'a [u8]>,
    split: impl Fn(&str) -> Option<(&str, &str)>,
    path: &Path,
) -> Result<Params> {
    let mut params = Params::default();
    for line in lines {
        let line = super::text::latin1(line);
        let Some((key, value)) = split(line.trim_end_matches(['\r', '\n'])) else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim_matches([' ', '\t']));
        if key.is_empty() {
            continue;
        }
        if params.len() == super::text::MAX_ENTRIES {
            return Err(Error::format(
                path,
                format!(
                    "more than {} header lines; real files have a few dozen",
                    super::text::MAX_ENTRIES
                ),
            ));
        }
        params.push(crate::dataset::Param {
            key: key.to_string().into(),
            value: value.to_string(),
            device: None,
        });
    }
    Ok(params)
}

/// The one member file of a single-file format, or an error naming the format.
pub(crate) fn one_member<'a>(members: &'a [PathBuf], format: &dyn Format) -> Result<&'a PathBuf> {
    match members {
        [file] => Ok(file),
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "{} reads one file, {} files given",
                format.name(),
                members.len()
            ),
        )),
    }
}

/// The plan of a dataset of one text file of `format`: refuses scaling, reads the file whole
/// through `rec` and decodes it with `decode` (given the bytes and the path for messages).
pub(crate) fn plan_text_file(
    format: &'static dyn Format,
    members: &[PathBuf],
    scaling: Scaling,
    rec: &mut Recorder,
    decode: impl FnOnce(&[u8], &Path) -> Result<TextDataset>,
) -> Result<Plan> {
    let path = one_member(members, format)?;
    no_scaling(path, scaling, format.name())?;
    let bytes = rec.read_text(path, "data file")?;
    rec.members_recorded(members);
    let found = decode(&bytes, path)?;
    drop(bytes);
    let width = 1 + usize::from(found.complex);
    debug_assert_eq!(
        found.values.len(),
        found.dims.iter().product::<usize>() * width,
        "{}: the reader's values and dims disagree",
        path.display()
    );
    Ok(Plan {
        format,
        layout: DataLayout {
            dims: found.dims,
            complex: vec![found.complex],
            values: ValueSource::Decoded(Arc::new(DecodedValues::new(vec![found.values]))),
        },
        axes: found.axes,
        params: found.params,
        warnings: found.warnings,
        scale: Vec::new(),
        provenance: rec.provenance(),
    })
}

/// A growing vector of values that reports a refused allocation as an error naming `path`
/// (a failed `Vec` growth would abort the process).
pub(crate) fn push_value(values: &mut Vec<f64>, value: f64, path: &Path) -> Result<()> {
    if values.len() == values.capacity() {
        values
            .try_reserve(values.len().max(1024))
            .map_err(|_| super::keys::cannot_allocate(path, "the values"))?;
    }
    values.push(value);
    Ok(())
}

/// The error for text of a data file that is not what the format's reader reads: names the
/// file, the line (1-based) and what was expected and found.
pub(crate) fn line_error(path: &Path, line: usize, message: impl std::fmt::Display) -> Error {
    Error::format(path, format!("line {line}: {message}"))
}

/// A line of text shortened for a message (at most 60 characters, Latin-1 decoded).
pub(crate) fn quote_line(line: &[u8]) -> String {
    let text = super::text::latin1(line);
    let text = text.trim_end_matches(['\r', '\n']);
    if text.chars().count() > 60 {
        format!("{:?}...", text.chars().take(60).collect::<String>())
    } else {
        format!("{text:?}")
    }
}

/// Reads the data lines of a text table, numbered from 1 as `(index, line)` pairs give them
/// (index from 0): `read` gets each line's number and bytes. White-space-only lines at the end
/// of the file are ignored (eprload fails on them); one followed by a data line is an error
/// naming it, and so is a table without data lines.
pub(crate) fn data_lines<'a>(
    lines: impl Iterator<Item = (usize, &'a [u8])>,
    path: &Path,
    mut read: impl FnMut(usize, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut blank = None;
    let mut count = 0usize;
    for (index, line) in lines {
        if super::scan::is_blank(line) {
            blank.get_or_insert(index + 1);
            continue;
        }
        if let Some(at) = blank {
            return Err(line_error(
                path,
                at,
                "an empty line inside the data (a data line follows it)",
            ));
        }
        read(index + 1, line)?;
        count += 1;
    }
    if count == 0 {
        return Err(Error::format(path, "no data lines"));
    }
    Ok(())
}

/// The most numbers a table line is read for ([`Columns::count`]).
const MAX_COLUMNS: usize = 8;

/// The columns of a text table of numbers, one point a line.
pub(crate) struct Columns {
    /// How many numbers a line must start with (more are ignored; at most 8).
    pub count: usize,
    /// The column (from 0) of x.
    pub x: usize,
    /// The column (from 0) of the value.
    pub value: usize,
    /// Whether commas are decimal points (every comma of a line read as a point).
    pub decimal_comma: bool,
    /// The columns in words, for messages ("field, intensity").
    pub names: &'static str,
}

/// Reads the table of `lines` (`(index, line)` pairs, see [`data_lines`]) by `columns`: the
/// dataset of its values along x with x as an explicit axis named `x_name` in `x_unit`.
pub(crate) fn xy_table<'a>(
    lines: impl Iterator<Item = (usize, &'a [u8])>,
    columns: &Columns,
    path: &Path,
    x_name: &str,
    x_unit: &str,
) -> Result<TextDataset> {
    let (mut x, mut values) = (Vec::new(), Vec::new());
    let mut buf = Vec::new();
    data_lines(lines, path, |number, line| {
        let text = if columns.decimal_comma {
            buf.clear();
            buf.extend(line.iter().map(|&b| if b == b',' { b'.' } else { b }));
            &buf[..]
        } else {
            line
        };
        let mut read = [0.0; MAX_COLUMNS];
        let found = super::scan::Scanner::new(text).floats_into(&mut read[..columns.count]);
        if found < columns.count {
            return Err(line_error(
                path,
                number,
                format!(
                    "expected {} numbers ({}{}), found {}: {}",
                    columns.count,
                    columns.names,
                    if columns.decimal_comma {
                        "; decimal commas"
                    } else {
                        ""
                    },
                    found,
                    quote_line(line)
                ),
            ));
        }
        push_value(&mut x, read[columns.x], path)?;
        push_value(&mut values, read[columns.value], path)
    })?;
    let mut found = TextDataset::bare(values);
    found.axes[0] = Some(AxisPlan {
        len: x.len(),
        name: x_name.to_string(),
        unit: x_unit.to_string(),
        values: super::AxisValues::Explicit(Arc::from(x)),
    });
    Ok(found)
}
