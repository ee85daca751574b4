//! The BES3T writer: any [`Dataset`] to `.DSC` + `.DTA` (+ `.XGF/.YGF/.ZGF` for nonlinear
//! axes), in either byte order and any number type, such that reading the files back gives the
//! same values (bit for bit), axes and parameters.
//!
//! What cannot be written so that it reads back unchanged is refused with
//! [`ErrorKind::InvalidArgument`] before any file is touched: a value the number type cannot
//! hold, text outside Latin-1, a key or device name a reader would not see as one, a
//! multi-line value holding the two characters `\n` (the format's own line-break code).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::decode::{ByteOrder, NumberType};
use crate::dataset::{Dataset, Param, AXIS_LETTERS};
use crate::error::{Error, ErrorKind, Result};

/// How to write a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// The number type of the `.DTA` values. Values that the type cannot hold exactly (a
    /// fraction, a value out of range, NaN, an infinity or a negative zero in an integer type;
    /// a float64 that float32 would round) are refused.
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

/// The values of a linear BES3T axis (`IDX`): `first + width * i / (n - 1)` for `i` in `0..n`,
/// the last one exactly `first + width`, as the reader computes them from `XMIN`/`XWID`. An
/// axis with exactly these values (bit for bit) is written as `IDX`; any other axis is written
/// point by point to an `.XGF/.YGF/.ZGF` file (`IGD`).
pub fn linear_axis(first: f64, width: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| super::axis::linear_value(first, width, n, i))
        .collect()
}

/// The axis key suffixes the writer generates for a dimension it writes an axis for; for the
/// other dimensions only `TYP` and `PTS` are generated and the rest are ordinary parameters.
const AXIS_KEYS: [&str; 5] = ["MIN", "WID", "FMT", "NAM", "UNI"];

/// Whether the writer generates `key` itself from the layout of the data (`written[d]`: an axis
/// is written for dimension `d`). Such parameters are never copied, wherever they stand, so
/// that a stale or device-block copy cannot override the layout on reading.
fn is_generated(key: &str, written: [bool; 3]) -> bool {
    if matches!(key, "BSEQ" | "IKKF" | "IRFMT" | "IIFMT") {
        return true;
    }
    let mut chars = key.chars();
    let Some(dim) = chars
        .next()
        .and_then(|c| AXIS_LETTERS.iter().position(|&l| l == c))
    else {
        return false;
    };
    match chars.as_str() {
        "TYP" | "PTS" => true,
        rest => written[dim] && AXIS_KEYS.contains(&rest),
    }
}

/// Whether a parameter belongs in the `#DESC` layer: the labels and the axis keys.
fn belongs_in_desc(key: &str) -> bool {
    const LABELS: [&str; 6] = ["DSRC", "TITL", "IRNAM", "IINAM", "IRUNI", "IIUNI"];
    LABELS.contains(&key)
        || (key.len() == 4
            && key.starts_with(AXIS_LETTERS)
            && (AXIS_KEYS.contains(&&key[1..]) || matches!(&key[1..], "TYP" | "PTS")))
}

/// Writes `dataset` as BES3T next to `path` (the base name, or either file of the pair; a
/// lower-case extension gives lower-case `.dsc/.dta`, anything else upper case; axis files are
/// always `.XGF/.YGF/.ZGF`). Returns the paths written: descriptor, data, then axis files.
///
/// * The layout keys (`BSEQ`, `IKKF`, `IRFMT`, `IIFMT`, `XTYP`, `XPTS`, …) are generated from
///   the data and `options`; parameters with these keys are not copied. The range, name, unit
///   and format keys of a dimension (`YMIN`, `YNAM`, …) are generated only where an axis is
///   written, and are kept as parameters elsewhere.
/// * An axis is written only for a dimension with more than one point (BES3T readers give no
///   axis for a 1-point dimension): as `IDX` when its values are exactly [`linear_axis`] of its
///   first value and width, else as float64 `IGD` values in a companion file. A dataset of
///   another format without an x axis gets the point index as its x axis (eprload stops on a
///   descriptor without any axis).
/// * Parameters of a dataset read from another format are first given BES3T keys (see
///   `writer_params`); a BES3T dataset's and a caller's are written as they are.
/// * Every other parameter is written with its device block and in its order, except that the
///   `#DESC` labels (`TITL`, `IRNAM`, …) come before the `#SPL` parameters. Values that would
///   read back differently as they are (outer quotes, blanks at either end, a final backslash
///   or CR) are quoted; multi-line values become continuation lines. The `#MHL` history is
///   written last, unchanged.
///
/// Everything is checked and encoded before the first file is created. The files are written
/// to temporary names and then renamed into place, the descriptor last; if any step fails,
/// the files already renamed are replaced by what was there before, so a failed write never
/// leaves a partial dataset under the final names.
pub fn write_bes3t(dataset: &Dataset, path: &Path, options: &WriteOptions) -> Result<Vec<PathBuf>> {
    let names = OutputNames::new(path);
    let (dsc, axis_files) = descriptor(dataset, options, &names)?;
    let mut dta = Vec::new();
    encode_values(
        &interleave(dataset),
        options.number,
        options.order,
        &mut dta,
    )?;

    // Commit order: data, axis files, descriptor (a reader finds the dataset by its
    // descriptor, so it appears last).
    let mut files = vec![(names.with_ext("DTA"), dta)];
    files.extend(axis_files);
    files.push((names.with_ext("DSC"), latin1_bytes(&dsc)?));
    for (target, _) in &files {
        check_target(target)?;
    }
    write_all(&files)?;
    let mut written: Vec<PathBuf> = files.into_iter().map(|(p, _)| p).collect();
    written.rotate_right(1);
    Ok(written)
}

/// The file names of one dataset: its base path and the case of its extensions.
struct OutputNames {
    base: PathBuf,
    lower: bool,
}

impl OutputNames {
    fn new(path: &Path) -> Self {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let lower_ext = ext.to_ascii_lowercase();
        let is_pair = lower_ext == "dsc" || lower_ext == "dta";
        OutputNames {
            base: if is_pair {
                path.with_extension("")
            } else {
                path.to_path_buf()
            },
            lower: is_pair && ext == lower_ext,
        }
    }

    /// The descriptor or data file: extension in the case of the given path.
    fn with_ext(&self, ext: &str) -> PathBuf {
        let ext = if self.lower {
            ext.to_ascii_lowercase()
        } else {
            ext.to_string()
        };
        self.exact(&ext)
    }

    /// `base.ext` with `ext` as given.
    fn exact(&self, ext: &str) -> PathBuf {
        let mut s = self.base.as_os_str().to_owned();
        s.push(".");
        s.push(ext);
        PathBuf::from(s)
    }
}

/// A file to write: its final path and its bytes.
type FileBytes = (PathBuf, Vec<u8>);

/// The axis keys of the descriptor (`XTYP`, `XMIN`, ... for x, y and z), the axis files of
/// nonlinear axes, and which axes were written.
fn axis_lines(
    dataset: &Dataset,
    options: &WriteOptions,
    names: &OutputNames,
) -> Result<(String, Vec<FileBytes>, [bool; 3])> {
    let mut axis_lines = String::new();
    let mut axis_files = Vec::new();
    let mut written = [false; 3];
    let index_axis = point_index_axis(dataset);
    for (dim, letter) in AXIS_LETTERS.into_iter().enumerate() {
        let n = dataset.dims()[dim];
        let axis = dataset
            .axis(dim)
            .or(index_axis.as_ref().filter(|_| dim == 0));
        match axis.filter(|_| n > 1) {
            Some(axis) => {
                written[dim] = true;
                let v = &axis.values;
                let (first, width) = (v[0], v[n - 1] - v[0]);
                let typ = if is_idx(v, first, width) {
                    "IDX"
                } else {
                    "IGD"
                };
                axis_lines.push_str(&format!("{letter}TYP\t{typ}\n"));
                if typ == "IGD" {
                    axis_lines.push_str(&format!("{letter}FMT\tD\n"));
                    let mut bytes = Vec::with_capacity(n * 8);
                    encode_values(v, NumberType::F64, options.order, &mut bytes)?;
                    axis_files.push((names.exact(&format!("{letter}GF")), bytes));
                }
                axis_lines.push_str(&format!("{letter}MIN\t{first:?}\n{letter}WID\t{width:?}\n"));
                push_param(&mut axis_lines, &format!("{letter}NAM"), &axis.name)?;
                push_param(&mut axis_lines, &format!("{letter}UNI"), &axis.unit)?;
            }
            None => axis_lines.push_str(&format!("{letter}TYP\tNODATA\n")),
        }
        axis_lines.push_str(&format!("{letter}PTS\t{n}\n"));
    }
    Ok((axis_lines, axis_files, written))
}

/// The x axis written for a dataset of another format that has none: the point index `0 …
/// n-1` named `point`, without unit. Every BES3T file Xepr writes has an x axis, and eprload
/// stops on a descriptor without any (`Abscissa` undefined). A BES3T dataset or a caller's is
/// written as it is.
fn point_index_axis(dataset: &Dataset) -> Option<crate::dataset::Axis> {
    let n = dataset.dims()[0];
    if dataset.axis(0).is_some() || n < 2 || written_as_read(dataset) {
        return None;
    }
    Some(crate::dataset::Axis {
        values: linear_axis(0.0, (n - 1) as f64, n),
        name: "point".into(),
        unit: String::new(),
    })
}

/// Whether the parameters and axes of `dataset` are written as they are: a BES3T dataset's
/// (so that a BES3T file round-trips) and a caller's (the writer refuses what it cannot
/// write); those of other formats are adapted (see `writer_params`).
fn written_as_read(dataset: &Dataset) -> bool {
    let format = dataset.format();
    format == crate::dataset::FormatId::USER
        || format.as_str() == super::Format::id(&super::bruker::Bes3t)
}

/// The descriptor text and the axis companion files of `dataset`.
fn descriptor(
    dataset: &Dataset,
    options: &WriteOptions,
    names: &OutputNames,
) -> Result<(String, Vec<FileBytes>)> {
    let (axis_lines, axis_files, written) = axis_lines(dataset, options, names)?;
    let kinds: Vec<&str> = dataset
        .components()
        .iter()
        .map(|c| if c.complex { "CPLX" } else { "REAL" })
        .collect();
    let letters = vec![super::bes3t_letter(options.number).to_string(); kinds.len()].join(",");
    let mut dsc = String::new();
    dsc.push_str("#DESC\t1.2 * DESCRIPTOR INFORMATION ***********************\n");
    dsc.push_str("*\n*\tDataset Type and Format:\n*\n");
    dsc.push_str(&format!(
        "BSEQ\t{}\n",
        super::bes3t_order_name(options.order)
    ));
    dsc.push_str(&format!("IKKF\t{}\n", kinds.join(",")));
    dsc.push_str(&format!("IRFMT\t{letters}\n"));
    if dataset.components().iter().any(|c| c.complex) {
        dsc.push_str(&format!("IIFMT\t{letters}\n"));
    }
    dsc.push_str(&axis_lines);

    let params = dataset.params();
    let entries = if written_as_read(dataset) {
        std::borrow::Cow::Borrowed(params.entries())
    } else {
        std::borrow::Cow::Owned(super::writer_params::as_bes3t_params(params.entries()))
    };
    let kept: Vec<&Param> = entries
        .iter()
        .filter(|p| !is_generated(&p.key, written))
        .collect();
    let plain = kept.iter().filter(|p| p.device.is_none());
    for p in plain.clone().filter(|p| belongs_in_desc(&p.key)) {
        push_param(&mut dsc, &p.key, &p.value)?;
    }
    dsc.push_str("*\n#SPL\t1.2 * STANDARD PARAMETER LAYER\n");
    for p in plain.filter(|p| !belongs_in_desc(&p.key)) {
        push_param(&mut dsc, &p.key, &p.value)?;
    }
    let mut device: Option<&str> = None;
    for p in &kept {
        let Some(dev) = p.device.as_deref() else {
            continue;
        };
        if device.is_none() {
            dsc.push_str("*\n#DSL\t1.0 * DEVICE SPECIFIC LAYER\n");
        }
        if device != Some(dev) {
            check_device(dev)?;
            dsc.push_str(&format!(".DVC     {dev}, 1.0\n"));
            device = Some(dev);
        }
        push_param(&mut dsc, &p.key, &p.value)?;
    }
    if let Some(history) = params.history() {
        check_history(history)?;
        dsc.push_str(history);
    }
    Ok((dsc, axis_files))
}

/// Whether an axis reads back bit for bit from `XMIN`/`XWID` (`IDX`).
fn is_idx(values: &[f64], first: f64, width: f64) -> bool {
    width != 0.0
        && linear_axis(first, width, values.len())
            .iter()
            .zip(values)
            .all(|(a, b)| a.to_bits() == b.to_bits())
}

/// The values of every component in file order, without a copy for single-component data.
fn interleave(dataset: &Dataset) -> std::borrow::Cow<'_, [f64]> {
    match dataset.components() {
        [only] => std::borrow::Cow::Borrowed(&only.values),
        _ => std::borrow::Cow::Owned(dataset.file_order_values()),
    }
}

fn refuse(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// Refuses text with a character beyond U+00FF (a descriptor is 8-bit Latin-1 text); `what`
/// names the text in the message.
fn check_latin1(what: &str, text: &str) -> Result<()> {
    match text.chars().find(|&c| u32::from(c) > 0xff) {
        None => Ok(()),
        Some(c) => Err(refuse(format!(
            "{what}: character {c:?} (U+{:04X}) is outside Latin-1, and a BES3T descriptor is \
             8-bit Latin-1 text",
            u32::from(c)
        ))),
    }
}

/// Refuses a key a reader would not take for a key: empty, not starting with a letter, or
/// holding a blank or a line break.
fn check_key(key: &str) -> Result<()> {
    check_latin1(&format!("parameter key {key:?}"), key)?;
    let starts_with_letter = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !starts_with_letter || key.contains([' ', '\t', '\n']) {
        return Err(refuse(format!(
            "parameter key {key:?} cannot be written: a key must start with a letter (A-Z, \
             a-z) and hold no blank or line break"
        )));
    }
    Ok(())
}

/// Refuses a device name that a `.DVC name, version` line would not give back.
fn check_device(name: &str) -> Result<()> {
    check_latin1(&format!("device name {name:?}"), name)?;
    if name.contains([',', '\n']) || name.starts_with([' ', '\t']) || name.ends_with([' ', '\t']) {
        return Err(refuse(format!(
            "device name {name:?} cannot be written: a .DVC line holds no comma or line break \
             in the name and no blank at either end of it"
        )));
    }
    Ok(())
}

/// Refuses a history that does not start with its `#MHL` header line (a reader finds the
/// history by that line) or that is not Latin-1.
fn check_history(history: &str) -> Result<()> {
    check_latin1("history (#MHL layer)", history)?;
    let first_line = history.split('\n').next().unwrap_or("");
    let token = first_line.split([' ', '\t']).find(|t| !t.is_empty());
    if !token.is_some_and(|t| t.eq_ignore_ascii_case("#MHL")) {
        return Err(refuse(format!(
            "the history text must start with its #MHL header line, found {:?}",
            first_line.chars().take(40).collect::<String>()
        )));
    }
    Ok(())
}

/// Whether a value starts and ends with a single quote, which a reader would strip.
fn has_outer_quotes(value: &str) -> bool {
    value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'')
}

/// Writes a parameter line. A single-line value is quoted when it would otherwise read back
/// differently (outer quotes, blanks at either end, a final backslash or CR). A multi-line
/// value becomes continuation lines (each line but the last ends in `\n\`), quoted as a whole
/// when it has outer quotes or ends in a backslash or CR; it cannot hold the two characters
/// `\n`, which a reader turns into a line break.
fn push_param(out: &mut String, key: &str, value: &str) -> Result<()> {
    check_key(key)?;
    check_latin1(&format!("parameter {key}"), value)?;
    out.push_str(key);
    out.push('\t');
    let multi_line = value.contains('\n');
    if multi_line && value.contains("\\n") {
        return Err(refuse(format!(
            "parameter {key}: a multi-line value cannot hold the two characters \\n (backslash, \
             n): BES3T uses them to encode a line break, so they would read back as one"
        )));
    }
    let quote = has_outer_quotes(value)
        || value.ends_with(['\\', '\r'])
        || (!multi_line && (value.starts_with([' ', '\t']) || value.ends_with([' ', '\t'])));
    if multi_line {
        out.push_str("\\\n");
    }
    if quote {
        out.push('\'');
    }
    // A final line break ends the last line as `\n` without a continuation, as Xepr writes
    // it: a continuation followed by an empty line would stop eprload (bruker-formats.md).
    let pieces = value.strip_suffix('\n').unwrap_or(value);
    for (i, piece) in pieces.split('\n').enumerate() {
        if i > 0 {
            out.push_str("\\n\\\n");
        }
        out.push_str(piece);
    }
    if pieces.len() < value.len() {
        out.push_str("\\n");
    }
    if quote {
        out.push('\'');
    }
    out.push('\n');
    Ok(())
}

/// Encodes text as Latin-1; characters beyond U+00FF cannot be written.
fn latin1_bytes(text: &str) -> Result<Vec<u8>> {
    check_latin1("descriptor", text)?;
    Ok(text.chars().map(|c| u32::from(c) as u8).collect())
}

/// Appends `values` encoded as `ty` in `order` to `out`, refusing values the type cannot hold
/// exactly (bit for bit: an integer type has no negative zero, NaN or infinity).
fn encode_values(
    values: &[f64],
    ty: NumberType,
    order: ByteOrder,
    out: &mut Vec<u8>,
) -> Result<()> {
    let lossy = |i: usize, v: f64| {
        refuse(format!(
            "value {v:?} (number {i} in file order) cannot be written exactly as {ty:?} (BES3T \
             {}); choose a wider number type",
            super::bes3t_letter(ty)
        ))
    };
    out.reserve(values.len() * ty.size());
    macro_rules! put {
        ($x:expr) => {
            match order {
                ByteOrder::Big => out.extend_from_slice(&$x.to_be_bytes()),
                ByteOrder::Little => out.extend_from_slice(&$x.to_le_bytes()),
            }
        };
    }
    macro_rules! put_int {
        ($t:ty, $i:expr, $v:expr) => {{
            let v: f64 = $v;
            if v.fract() != 0.0
                || v < <$t>::MIN as f64
                || v > <$t>::MAX as f64
                || (v == 0.0 && v.is_sign_negative())
            {
                return Err(lossy($i, v));
            }
            put!(v as $t)
        }};
    }
    for (i, &v) in values.iter().enumerate() {
        match ty {
            NumberType::F64 => put!(v),
            NumberType::F32 => {
                let f = v as f32;
                if f64::from(f).to_bits() != v.to_bits() && !v.is_nan() {
                    return Err(lossy(i, v));
                }
                put!(f)
            }
            NumberType::I32 => put_int!(i32, i, v),
            NumberType::I16 => put_int!(i16, i, v),
            NumberType::I8 => put_int!(i8, i, v),
        }
    }
    Ok(())
}

/// Refuses a target that exists and is neither a regular file nor a symbolic link (renaming
/// onto a directory would fail halfway through the write).
fn check_target(target: &Path) -> Result<()> {
    match std::fs::symlink_metadata(target) {
        Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => Ok(()),
        Ok(_) => Err(refuse(format!(
            "{}: exists and is not a regular file; it is not replaced",
            target.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(target, "stat", &e)),
    }
}

/// Distinguishes the temporary files of concurrent writes in one process.
static SIBLING_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh name beside `target`: `<target>.epyr-<tag>-<pid>-<n>`.
fn sibling(target: &Path, tag: &str) -> PathBuf {
    let n = SIBLING_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = target.as_os_str().to_owned();
    name.push(format!(".epyr-{tag}-{}-{n}", std::process::id()));
    PathBuf::from(name)
}

/// Writes `bytes` to a new file at `path` and syncs it.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let file = OpenOptions::new().write(true).create_new(true).open(path)?;
    let mut w = BufWriter::new(file);
    w.write_all(bytes)?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// Writes every file to a temporary name beside its target, then moves them all into place
/// in order ([`commit`]). On failure no temporary file is left and the targets are as they
/// were.
fn write_all(files: &[FileBytes]) -> Result<()> {
    let mut moves: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    for (target, bytes) in files {
        let tmp = sibling(target, "tmp");
        if let Err(e) = write_new(&tmp, bytes) {
            let _ = std::fs::remove_file(&tmp);
            for (tmp, _) in &moves {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(Error::io(target, "write", &e));
        }
        moves.push((tmp, target.clone()));
    }
    commit(&moves, &mut |from, to| std::fs::rename(from, to))
        .map_err(|(target, e)| Error::io(&target, "write", &e))?;
    if let Some(dir) = files[0].0.parent() {
        // Make the renames durable; a file system that cannot sync a directory is no error.
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Moves each temporary file onto its target in order (`moves`: temporary, target), keeping
/// an existing target under a backup name until every move has succeeded. If a move fails,
/// the targets already moved get their previous files back (or are removed where there were
/// none), the remaining temporary files are deleted, and the failing target and error are
/// returned. `rename` is [`std::fs::rename`] except in tests.
fn commit(
    moves: &[(PathBuf, PathBuf)],
    rename: &mut dyn FnMut(&Path, &Path) -> io::Result<()>,
) -> std::result::Result<(), (PathBuf, io::Error)> {
    let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::with_capacity(moves.len());
    let mut failure = None;
    for (tmp, target) in moves {
        let backup = match std::fs::symlink_metadata(target) {
            Ok(_) => {
                let backup = sibling(target, "old");
                if let Err(e) = rename(target, &backup) {
                    failure = Some((target.clone(), e));
                    break;
                }
                Some(backup)
            }
            Err(_) => None,
        };
        if let Err(e) = rename(tmp, target) {
            if let Some(backup) = &backup {
                let _ = rename(backup, target);
            }
            failure = Some((target.clone(), e));
            break;
        }
        done.push((target, backup));
    }
    let Some(failure) = failure else {
        for backup in done.into_iter().filter_map(|(_, b)| b) {
            let _ = std::fs::remove_file(backup);
        }
        return Ok(());
    };
    for (target, backup) in done.into_iter().rev() {
        let _ = std::fs::remove_file(target);
        if let Some(backup) = backup {
            let _ = rename(&backup, target);
        }
    }
    for (tmp, _) in moves {
        let _ = std::fs::remove_file(tmp);
    }
    Err(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory for one unit test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("epyr-unit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    /// Whichever rename fails, the directory ends up exactly as before the commit: old files
    /// back under their names, no new target, no temporary or backup file. Without a failure
    /// every target holds its new content and nothing else is left.
    #[test]
    fn commit_is_all_or_nothing() {
        let dir = scratch("commit");
        let targets = ["d.DTA", "d.XGF", "d.DSC"].map(|n| dir.join(n));
        let old = [Some(&b"old data"[..]), None, Some(&b"old dsc"[..])];
        // Renames: a backup and a move for each existing target, a move for the new one.
        let renames = 5;
        for fail_at in (1..=renames).map(Some).chain([None]) {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (t, o) in targets.iter().zip(old) {
                if let Some(o) = o {
                    std::fs::write(t, o).unwrap();
                }
            }
            let before = listing(&dir);
            let moves: Vec<(PathBuf, PathBuf)> = targets
                .iter()
                .map(|t| {
                    let tmp = sibling(t, "tmp");
                    std::fs::write(&tmp, format!("new {}", t.display())).unwrap();
                    (tmp, t.clone())
                })
                .collect();
            let mut calls = 0;
            let result = commit(&moves, &mut |from, to| {
                calls += 1;
                if Some(calls) == fail_at {
                    Err(io::Error::other("injected failure"))
                } else {
                    std::fs::rename(from, to)
                }
            });
            match fail_at {
                Some(k) => {
                    let (target, e) = result.expect_err("injected failure reported");
                    assert!(targets.contains(&target), "{target:?}");
                    assert_eq!(e.to_string(), "injected failure");
                    assert_eq!(listing(&dir), before, "failure at rename {k}");
                }
                None => {
                    result.unwrap();
                    assert_eq!(calls, renames);
                    let want: Vec<(String, Vec<u8>)> = targets
                        .iter()
                        .map(|t| {
                            let name = t.file_name().unwrap().to_string_lossy().into_owned();
                            (name, format!("new {}", t.display()).into_bytes())
                        })
                        .collect();
                    let mut want = want;
                    want.sort();
                    assert_eq!(listing(&dir), want);
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn generated_keys_depend_on_written_axes() {
        let x_only = [true, false, false];
        for key in [
            "BSEQ", "IKKF", "IRFMT", "IIFMT", "XTYP", "YPTS", "ZTYP", "XNAM", "XFMT",
        ] {
            assert!(is_generated(key, x_only), "{key}");
        }
        for key in ["YNAM", "YMIN", "ZUNI", "TITL", "XNAMES", "X", "MWFQ"] {
            assert!(!is_generated(key, x_only), "{key}");
        }
        assert!(belongs_in_desc("YUNI") && belongs_in_desc("TITL"));
        assert!(!belongs_in_desc("MWFQ") && !belongs_in_desc("XNAMES"));
    }

    #[test]
    fn values_are_quoted_only_where_needed() {
        let line = |v: &str| {
            let mut s = String::new();
            push_param(&mut s, "K", v).unwrap();
            s
        };
        assert_eq!(line("plain value"), "K\tplain value\n");
        assert_eq!(line(""), "K\t\n");
        assert_eq!(line("'x'"), "K\t''x''\n");
        assert_eq!(line(" x"), "K\t' x'\n");
        assert_eq!(line("x\\"), "K\t'x\\'\n");
        assert_eq!(line("x\r"), "K\t'x\r'\n");
        assert_eq!(line("a\nb"), "K\t\\\na\\n\\\nb\n");
        assert_eq!(line(" a\nb "), "K\t\\\n a\\n\\\nb \n");
        assert_eq!(line("a\nb\\"), "K\t\\\n'a\\n\\\nb\\'\n");
        assert_eq!(line("a\nb\n"), "K\t\\\na\\n\\\nb\\n\n");
        assert_eq!(line("a\n"), "K\t\\\na\\n\n");
    }
}
