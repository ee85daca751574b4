//! The BES3T writer: any [`Dataset`] to `.DSC` + `.DTA` (+ `.XGF/.YGF/.ZGF` for nonlinear
//! axes), in either byte order and any number type, such that reading the files back gives the
//! same values, axes and parameters.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::decode::{ByteOrder, NumberType};
use super::linear_axis;
use crate::dataset::{Dataset, AXIS_LETTERS};
use crate::error::{Error, ErrorKind, Result};

/// How to write a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// The number type of the `.DTA` values. Values that the type cannot hold exactly (a
    /// fraction in an integer type, a float64 that float32 would round) are refused.
    pub number: NumberType,
    /// The byte order of the `.DTA` and axis files.
    pub order: ByteOrder,
}

impl Default for WriteOptions {
    /// float64, big-endian: exact for every value, and Xepr's own default.
    fn default() -> Self {
        WriteOptions {
            number: NumberType::F64,
            order: ByteOrder::Big,
        }
    }
}

/// Keys the writer sets from the dataset itself; parameters with these keys are not copied.
const LAYOUT_KEYS: &[&str] = &[
    "BSEQ", "IKKF", "IRFMT", "IIFMT", "XTYP", "YTYP", "ZTYP", "XPTS", "YPTS", "ZPTS", "XMIN",
    "YMIN", "ZMIN", "XWID", "YWID", "ZWID", "XFMT", "YFMT", "ZFMT", "XNAM", "YNAM", "ZNAM", "XUNI",
    "YUNI", "ZUNI",
];

/// Keys that belong in the `#DESC` layer (besides the layout keys).
const DESC_KEYS: &[&str] = &[
    "DSRC", "TITL", "IRNAM", "IINAM", "IRUNI", "IIUNI", "XNAM", "YNAM", "ZNAM",
];

/// Writes `dataset` as BES3T next to `path` (the base name, or either file of the pair; a
/// lower-case extension gives lower-case `.dsc/.dta`, anything else upper case). Files are
/// written to temporary names and renamed into place, so a failed write never leaves a
/// half-written dataset under the final names. Returns the paths written (descriptor, data,
/// axis files).
pub fn write_bes3t(dataset: &Dataset, path: &Path, options: &WriteOptions) -> Result<Vec<PathBuf>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let lower_ext = ext.to_ascii_lowercase();
    let base = if lower_ext == "dsc" || lower_ext == "dta" {
        path.with_extension("")
    } else {
        path.to_path_buf()
    };
    let lower = (lower_ext == "dsc" || lower_ext == "dta") && ext == lower_ext;
    let named = |e: &str| {
        let mut s = base.as_os_str().to_owned();
        s.push(".");
        s.push(if lower {
            e.to_ascii_lowercase()
        } else {
            e.to_string()
        });
        PathBuf::from(s)
    };

    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut axis_lines = String::new();
    for (dim, letter) in AXIS_LETTERS.into_iter().enumerate() {
        let n = dataset.dims()[dim];
        match dataset.axis(dim) {
            Some(axis) if n > 1 => {
                let v = &axis.values;
                let (first, last) = (v[0], v[n - 1]);
                let width = last - first;
                if width != 0.0 && linear_axis(first, width, n) == *v {
                    axis_lines.push_str(&format!(
                        "{letter}TYP\tIDX\n{letter}MIN\t{first:?}\n{letter}WID\t{width:?}\n"
                    ));
                } else {
                    axis_lines.push_str(&format!(
                        "{letter}TYP\tIGD\n{letter}FMT\tD\n{letter}MIN\t{first:?}\n{letter}WID\t{width:?}\n"
                    ));
                    let mut bytes = Vec::with_capacity(n * 8);
                    encode_values(v, NumberType::F64, options.order, &mut bytes)?;
                    let mut s = base.as_os_str().to_owned();
                    s.push(format!(".{letter}GF"));
                    files.push((PathBuf::from(s), bytes));
                }
                axis_lines.push_str(&format!(
                    "{letter}NAM\t{}\n{letter}UNI\t{}\n",
                    quoted(&axis.name),
                    quoted(&axis.unit)
                ));
            }
            _ => axis_lines.push_str(&format!("{letter}TYP\tNODATA\n")),
        }
        axis_lines.push_str(&format!("{letter}PTS\t{n}\n"));
    }

    let kinds: Vec<&str> = dataset
        .components()
        .iter()
        .map(|c| if c.complex { "CPLX" } else { "REAL" })
        .collect();
    let letters = vec![options.number.letter().to_string(); kinds.len()].join(",");
    let mut dsc = String::new();
    dsc.push_str("#DESC\t1.2 * DESCRIPTOR INFORMATION ***********************\n");
    dsc.push_str("*\n*\tDataset Type and Format:\n*\n");
    dsc.push_str(&format!("BSEQ\t{}\n", options.order.bes3t_name()));
    dsc.push_str(&format!("IKKF\t{}\n", kinds.join(",")));
    dsc.push_str(&format!("IRFMT\t{letters}\n"));
    if dataset.components().iter().any(|c| c.complex) {
        dsc.push_str(&format!("IIFMT\t{letters}\n"));
    }
    dsc.push_str(&axis_lines);
    let params = dataset.params();
    let is_layout = |k: &str| LAYOUT_KEYS.contains(&k);
    for p in params.entries() {
        if p.device.is_none() && DESC_KEYS.contains(&p.key.as_str()) && !is_layout(&p.key) {
            push_param(&mut dsc, &p.key, &p.value);
        }
    }
    dsc.push_str("*\n#SPL\t1.2 * STANDARD PARAMETER LAYER\n");
    for p in params.entries() {
        if p.device.is_none() && !DESC_KEYS.contains(&p.key.as_str()) && !is_layout(&p.key) {
            push_param(&mut dsc, &p.key, &p.value);
        }
    }
    let mut device: Option<&str> = None;
    let mut dsl_started = false;
    for p in params.entries() {
        let Some(dev) = p.device.as_deref() else {
            continue;
        };
        if !dsl_started {
            dsc.push_str("*\n#DSL\t1.0 * DEVICE SPECIFIC LAYER\n");
            dsl_started = true;
        }
        if device != Some(dev) {
            dsc.push_str(&format!(".DVC     {dev}, 1.0\n"));
            device = Some(dev);
        }
        push_param(&mut dsc, &p.key, &p.value);
    }
    if let Some(history) = params.history() {
        dsc.push_str(history);
        if !history.ends_with('\n') {
            dsc.push('\n');
        }
    }

    let mut dta = Vec::with_capacity(dataset.points() * options.number.size());
    let file_order = interleave(dataset);
    encode_values(&file_order, options.number, options.order, &mut dta)?;

    let dsc_path = named("DSC");
    let dta_path = named("DTA");
    let mut all = vec![(dsc_path, latin1_bytes(&dsc)?), (dta_path, dta)];
    all.extend(files);
    for (target, bytes) in &all {
        write_atomically(target, bytes)?;
    }
    Ok(all.into_iter().map(|(p, _)| p).collect())
}

/// The values of every component in file order, without a copy for single-component data.
fn interleave(dataset: &Dataset) -> std::borrow::Cow<'_, [f64]> {
    match dataset.components() {
        [only] => std::borrow::Cow::Borrowed(&only.values),
        _ => std::borrow::Cow::Owned(dataset.file_order_values()),
    }
}

/// Writes a parameter line; a multi-line value becomes continuation lines (`\n\` at the end of
/// each piece), and a value that would otherwise read back differently is quoted.
fn push_param(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push('\t');
    if value.contains('\n') {
        let pieces: Vec<&str> = value.split('\n').collect();
        out.push_str("\\\n");
        for (i, piece) in pieces.iter().enumerate() {
            out.push_str(piece);
            if i + 1 < pieces.len() {
                out.push_str("\\n\\\n");
            }
        }
        out.push('\n');
    } else {
        out.push_str(&quoted(value));
        out.push('\n');
    }
}

/// The value as written: quoted when it ends in a backslash, has outer quotes or blanks of its
/// own, or is empty (so that it reads back unchanged).
fn quoted(value: &str) -> String {
    let needs = value.ends_with('\\')
        || (value.len() >= 2 && value.starts_with('\'') && value.ends_with('\''))
        || value.starts_with([' ', '\t'])
        || value.ends_with([' ', '\t']);
    if needs {
        format!("'{value}'")
    } else {
        value.to_string()
    }
}

/// Encodes text as Latin-1; characters beyond U+00FF cannot be written.
fn latin1_bytes(text: &str) -> Result<Vec<u8>> {
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c)).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("character {c:?} cannot be written in a Latin-1 descriptor"),
                )
            })
        })
        .collect()
}

/// Appends `values` encoded as `ty` in `order` to `out`, refusing values the type cannot hold
/// exactly.
fn encode_values(
    values: &[f64],
    ty: NumberType,
    order: ByteOrder,
    out: &mut Vec<u8>,
) -> Result<()> {
    fn lossy(v: f64, ty: NumberType) -> Error {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("value {v:?} cannot be written exactly as {ty:?}; choose a wider number type"),
        )
    }
    macro_rules! put {
        ($x:expr) => {
            match order {
                ByteOrder::Big => out.extend_from_slice(&$x.to_be_bytes()),
                ByteOrder::Little => out.extend_from_slice(&$x.to_le_bytes()),
            }
        };
    }
    macro_rules! put_int {
        ($t:ty, $v:expr) => {{
            let v = $v;
            if v.fract() != 0.0 || v < <$t>::MIN as f64 || v > <$t>::MAX as f64 {
                return Err(lossy(v, ty));
            }
            put!(v as $t)
        }};
    }
    for &v in values {
        match ty {
            NumberType::F64 => put!(v),
            NumberType::F32 => {
                let f = v as f32;
                if f64::from(f) != v && !v.is_nan() {
                    return Err(lossy(v, ty));
                }
                put!(f)
            }
            NumberType::I32 => put_int!(i32, v),
            NumberType::I16 => put_int!(i16, v),
            NumberType::I8 => put_int!(i8, v),
        }
    }
    Ok(())
}

/// Writes `bytes` to a temporary file beside `target`, syncs it and renames it into place.
fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp_name = target.as_os_str().to_owned();
    tmp_name.push(format!(".epyr-tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp_name);
    let result = File::create(&tmp)
        .and_then(|f| {
            let mut w = BufWriter::new(f);
            w.write_all(bytes)?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, target));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(target, "write", &e)
    })
}
