//! The BES3T reader (`.DSC` descriptor, `.DTA` data, `.XGF/.YGF/.ZGF` axis files), following
//! the reading specification of the Bruker formats §1.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{bes3t_letter, bes3t_number, read_params};
use crate::dataset::{Params, AXIS_LETTERS};
use crate::error::{Error, ErrorKind, Result};
use crate::files::open_regular;
use crate::formats::keys::{check_data_len, positive_integer, required_number, scaling_number};
use crate::formats::scaling::{ScaleStep, Scaling};
use crate::formats::{
    find_companion, text, AxisPlan, AxisValues, BinaryValues, ByteOrder, DataLayout, FileStamp,
    Format, Member, NumberType, Plan, Recorder, Signature, ValueSource,
};

/// Bruker BES3T (Xepr, Xenon): a `.DSC` descriptor and a `.DTA` data file.
#[derive(Debug)]
pub struct Bes3t;

impl Format for Bes3t {
    fn id(&self) -> &'static str {
        "bruker-bes3t"
    }

    fn name(&self) -> &'static str {
        "Bruker BES3T"
    }

    fn vendor(&self) -> &'static str {
        "Bruker"
    }

    fn members(&self) -> &'static [Member] {
        &[
            Member {
                role: "descriptor",
                extensions: &["dsc"],
            },
            Member {
                role: "data file",
                extensions: &["dta"],
            },
        ]
    }

    fn companions(&self) -> &'static [&'static str] {
        &["xgf", "ygf", "zgf"]
    }

    fn common_metadata(&self, params: &Params) -> crate::metadata::CommonMetadata {
        crate::metadata::bes3t_metadata(params)
    }

    /// A descriptor starts with a `#DESC` line (after comment lines starting with `*`, which
    /// every Xepr descriptor has); data files have no signature.
    fn signature(&self, head: &[u8]) -> Signature {
        let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        let mut lines = text.split(|&b| b == b'\n' || b == b'\r');
        let first = lines.find(|l| !l.is_empty() && !l.starts_with(b"*"));
        match first {
            Some(line) if line.starts_with(b"#DESC") => Signature::Matches,
            _ => Signature::Silent,
        }
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        let [dsc, dta] = members else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "BES3T needs a descriptor and a data file, {} files given",
                    members.len()
                ),
            ));
        };
        // The data file first: a missing or unreadable one is what a user must hear about.
        let (file, data_stamp) = rec.open(dta, "data file")?;
        let params = read_params(rec, dsc, "descriptor", text::parse_dsc_limited)?;
        rec.members_recorded(members);
        let mut warnings = Vec::new();
        let layout = layout(&params, dsc, &mut warnings)?;
        check_data_len(
            dta,
            data_stamp.len(),
            layout.needed,
            &format!(
                "{}x{}x{} points of {} {:?} numbers",
                layout.dims[0], layout.dims[1], layout.dims[2], layout.per_point, layout.number
            ),
            &mut warnings,
        )?;
        let mut axes: [Option<AxisPlan>; 3] = [None, None, None];
        for (dim, axis) in axes.iter_mut().enumerate() {
            if layout.dims[dim] > 1 {
                let context = AxisContext {
                    params: &params,
                    dsc,
                    order: layout.order,
                };
                *axis = read_axis(&context, dim, layout.dims[dim], rec, &mut warnings)?;
            }
        }
        let scale = scale_steps(&params, dsc, scaling, &mut warnings)?;
        Ok(Plan {
            format: &Bes3t,
            layout: DataLayout {
                dims: layout.dims,
                complex: layout.complex,
                values: ValueSource::File(BinaryValues {
                    path: dta.clone(),
                    file: Some(Arc::new(file)),
                    stamp: data_stamp,
                    number: layout.number,
                    order: layout.order,
                    offset: 0,
                    planar: false,
                }),
            },
            axes,
            params,
            warnings,
            scale,
            provenance: rec.provenance(),
        })
    }
}

/// What the descriptor says about the values: byte order, components, number type, points,
/// and the bytes they take in the data file.
struct Layout {
    order: ByteOrder,
    complex: Vec<bool>,
    number: NumberType,
    dims: [usize; 3],
    per_point: u64,
    needed: u64,
}

/// Reads the layout keys (`BSEQ`, `IKKF`, `IRFMT`, `XPTS`...) and checks that the claimed size
/// does not overflow.
fn layout(params: &Params, dsc: &Path, warnings: &mut Vec<String>) -> Result<Layout> {
    if params.is_empty() {
        return Err(Error::format(
            dsc,
            "no key/value lines found; this is not a BES3T descriptor",
        ));
    }
    let order = match params.get("BSEQ").map(str::trim) {
        None => {
            warnings.push(format!(
                "{}: BSEQ missing, big-endian (BIG) assumed",
                dsc.display()
            ));
            ByteOrder::Big
        }
        Some("BIG") => ByteOrder::Big,
        Some("LIT") => ByteOrder::Little,
        Some(other) => {
            return Err(Error::format(
                dsc,
                format!("key BSEQ: expected BIG or LIT, found {other:?}"),
            ))
        }
    };
    let complex = component_kinds(params, dsc, warnings)?;
    let number = number_type(params, dsc, complex.len())?;
    let dims = point_counts(params, dsc)?;
    let per_point: u64 = complex.iter().map(|&c| 1 + u64::from(c)).sum();
    let needed = dims
        .iter()
        .try_fold(per_point * number.size() as u64, |acc, &d| {
            acc.checked_mul(d as u64)
        })
        .filter(|&b| b / 8 < (isize::MAX as u64) / 8)
        .ok_or_else(|| {
            Error::format(
                dsc,
                format!(
                    "XPTS {} x YPTS {} x ZPTS {} with {per_point} numbers per point overflows",
                    dims[0], dims[1], dims[2]
                ),
            )
        })?;
    Ok(Layout {
        order,
        complex,
        number,
        dims,
        per_point,
        needed,
    })
}

/// `XPTS` (required), `YPTS` and `ZPTS`.
fn point_counts(params: &Params, dsc: &Path) -> Result<[usize; 3]> {
    let mut dims = [1usize; 3];
    for (i, letter) in AXIS_LETTERS.iter().enumerate() {
        let key = format!("{letter}PTS");
        match positive_integer(params, &key, dsc)? {
            Some(n) => {
                dims[i] = usize::try_from(n).map_err(|_| {
                    Error::format(dsc, format!("key {key}: {n} points cannot be addressed"))
                })?
            }
            None if i == 0 => {
                return Err(Error::format(dsc, "required key XPTS is missing"));
            }
            None => {}
        }
    }
    Ok(dims)
}

/// `IKKF`: one entry per component, `REAL` or `CPLX`; missing means one real component.
fn component_kinds(params: &Params, dsc: &Path, warnings: &mut Vec<String>) -> Result<Vec<bool>> {
    let Some(ikkf) = params.get("IKKF") else {
        warnings.push(format!(
            "{}: IKKF missing, one real component assumed",
            dsc.display()
        ));
        return Ok(vec![false]);
    };
    ikkf.split(',')
        .map(|entry| match entry.trim().to_ascii_uppercase().as_str() {
            "REAL" => Ok(false),
            "CPLX" => Ok(true),
            _ => Err(Error::format(
                dsc,
                format!("key IKKF: expected REAL or CPLX entries, found {entry:?} in {ikkf:?}"),
            )),
        })
        .collect()
}

/// `IRFMT` (and `IIFMT` for complex data): the number type, one entry per component.
fn number_type(params: &Params, dsc: &Path, components: usize) -> Result<NumberType> {
    let irfmt = params
        .get("IRFMT")
        .ok_or_else(|| Error::format(dsc, "required key IRFMT is missing"))?;
    let entries: Vec<&str> = irfmt.split(',').map(str::trim).collect();
    if entries.len() != components {
        return Err(Error::format(
            dsc,
            format!(
                "key IRFMT {irfmt:?} has {} entries, IKKF has {components}",
                entries.len()
            ),
        ));
    }
    let mut types = Vec::with_capacity(entries.len());
    for entry in &entries {
        let ty = match entry.to_ascii_uppercase().as_str() {
            "A" => {
                return Err(Error::unsupported(
                    dsc,
                    "IRFMT A: ASCII data are not supported",
                ))
            }
            "0" | "N" => {
                return Err(Error::format(
                    dsc,
                    format!("IRFMT {entry}: the dataset has no BES3T data"),
                ))
            }
            letter => bes3t_number(letter).ok_or_else(|| {
                Error::format(
                    dsc,
                    format!("key IRFMT: expected C, S, I, F or D, found {entry:?}"),
                )
            })?,
        };
        types.push(ty);
    }
    if types.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::unsupported(
            dsc,
            format!("IRFMT {irfmt:?}: components of different number types are not supported"),
        ));
    }
    if let Some(iifmt) = params.get("IIFMT") {
        let same = iifmt.split(',').map(str::trim).count() == entries.len()
            && iifmt
                .split(',')
                .zip(&entries)
                .all(|(a, b)| a.trim().eq_ignore_ascii_case(b));
        if !same {
            return Err(Error::format(
                dsc,
                format!("key IIFMT {iifmt:?} differs from IRFMT {irfmt:?}; both must be equal"),
            ));
        }
    }
    Ok(types[0])
}

/// What every axis of a descriptor shares.
struct AxisContext<'a> {
    params: &'a Params,
    dsc: &'a Path,
    order: ByteOrder,
}

/// Describes the axis of dimension `dim` (with more than one point); an axis file is checked
/// (number type, size) but not read, and recorded in `rec`, as are axis file names looked for
/// and not found.
fn read_axis(
    cx: &AxisContext,
    dim: usize,
    n: usize,
    rec: &mut Recorder,
    warnings: &mut Vec<String>,
) -> Result<Option<AxisPlan>> {
    let letter = AXIS_LETTERS[dim];
    let text = |suffix: &str| {
        cx.params
            .get(&format!("{letter}{suffix}"))
            .unwrap_or("")
            .to_string()
    };
    let typ_key = format!("{letter}TYP");
    let typ = cx
        .params
        .get(&typ_key)
        .map(|t| t.trim().to_ascii_uppercase());
    let values = match typ.as_deref() {
        Some("IDX") => linear_axis(cx, letter, n, warnings)?,
        None => {
            warnings.push(format!(
                "{}: {typ_key} missing, linear axis (IDX) assumed",
                cx.dsc.display()
            ));
            linear_axis(cx, letter, n, warnings)?
        }
        Some("IGD") => igd_axis(cx, letter, n, rec, warnings)?,
        Some("NTUP") => {
            return Err(Error::unsupported(
                cx.dsc,
                format!("{typ_key} NTUP axes are not supported"),
            ))
        }
        Some("NODATA") => return Ok(None),
        Some(other) => {
            return Err(Error::format(
                cx.dsc,
                format!("key {typ_key}: expected IDX, IGD, NTUP or NODATA, found {other:?}"),
            ))
        }
    };
    Ok(Some(AxisPlan {
        len: n,
        name: text("NAM"),
        unit: text("UNI"),
        values,
    }))
}

/// A linear axis from `MIN` and `WID` (1..n where the width is zero, as eprload).
fn linear_axis(
    cx: &AxisContext,
    letter: char,
    n: usize,
    warnings: &mut Vec<String>,
) -> Result<AxisValues> {
    let min = required_number(cx.params, &format!("{letter}MIN"), cx.dsc)?;
    let width = required_number(cx.params, &format!("{letter}WID"), cx.dsc)?;
    if width == 0.0 {
        warnings.push(format!(
            "{}: {letter} range has zero width; axis 1..{n} used",
            cx.dsc.display()
        ));
        return Ok(AxisValues::Linear {
            first: 1.0,
            width: (n - 1) as f64,
        });
    }
    Ok(AxisValues::Linear { first: min, width })
}

/// The axis of an `IGD` dimension: from its axis file, or linear where there is none.
fn igd_axis(
    cx: &AxisContext,
    letter: char,
    n: usize,
    rec: &mut Recorder,
    warnings: &mut Vec<String>,
) -> Result<AxisValues> {
    let ext = format!("{letter}GF").to_ascii_lowercase();
    match find_companion(cx.dsc, &ext, true, "axis file", rec.absences())? {
        Some(file) => {
            let (values, stamp) =
                read_companion(cx.params, cx.dsc, &file, letter, n, cx.order, warnings)?;
            rec.record((file, stamp));
            Ok(values)
        }
        None => {
            warnings.push(format!(
                "{}: {letter}TYP IGD but {} not found; assuming linear axis",
                cx.dsc.display(),
                cx.dsc.with_extension(ext.to_ascii_uppercase()).display()
            ));
            linear_axis(cx, letter, n, warnings)
        }
    }
}

/// Describes the `n` values of a nonlinear axis in its companion file, after checking its
/// number type and (through the opened file) that it is a regular file holding them; returns
/// the description and the file's stamp.
fn read_companion(
    params: &Params,
    dsc: &Path,
    file: &Path,
    letter: char,
    n: usize,
    order: ByteOrder,
    warnings: &mut Vec<String>,
) -> Result<(AxisValues, FileStamp)> {
    let fmt_key = format!("{letter}FMT");
    let ty = match params.get(&fmt_key) {
        None => NumberType::F64,
        Some(f) => match bes3t_number(f) {
            Some(NumberType::I8) | None => {
                return Err(Error::format(
                    dsc,
                    format!("key {fmt_key}: expected D, F, I or S, found {f:?}"),
                ))
            }
            Some(t) => t,
        },
    };

    let (_, stamp) = open_regular(file, "axis file")?;
    let len = stamp.len();
    let needed = n as u64 * ty.size() as u64;
    if len < needed {
        return Err(Error::format(
            file,
            format!(
                "axis file has {len} bytes, but {letter}PTS {n} values of type {} need {needed} bytes",
                bes3t_letter(ty)
            ),
        ));
    }
    if len > needed {
        warnings.push(format!(
            "{}: axis file has {} bytes after the {n} expected values, ignored",
            file.display(),
            len - needed
        ));
    }
    let values = AxisValues::File {
        path: file.to_path_buf(),
        stamp,
        number: ty,
        order,
    };
    Ok((values, stamp))
}

/// The scaling steps of eprload's BES3T reader, in its order: `n`, `G`, `c`, `P`, `T`.
fn scale_steps(
    params: &Params,
    dsc: &Path,
    scaling: Scaling,
    warnings: &mut Vec<String>,
) -> Result<Vec<ScaleStep>> {
    let mut steps = Vec::new();
    if scaling.is_none() {
        return Ok(steps);
    }
    let need = |key: &str, option: char| scaling_number(params, dsc, key, option);
    if scaling.scans {
        if params.boolean("SctNorm") == Some(true) {
            return Err(Error::scaling(
                dsc,
                "scaling 'n': the data are already averaged (SctNorm true)",
            ));
        }
        steps.push(ScaleStep::Divide(need("AVGS", 'n')?));
    }
    let is_cw = params
        .get("EXPT")
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("CW"));
    if is_cw {
        if scaling.gain {
            steps.push(ScaleStep::Divide(10f64.powf(need("RCAG", 'G')? / 20.0)));
        }
        if scaling.conversion_time {
            steps.push(ScaleStep::Divide(need("SPTP", 'c')? * 1000.0));
        }
        if scaling.power {
            steps.push(ScaleStep::Divide((need("MWPW", 'P')? * 1000.0).sqrt()));
        }
    } else {
        if scaling.power {
            return Err(Error::new(
                ErrorKind::Scaling,
                format!(
                    "{}: scaling 'P' (microwave power) applies to cw data only; EXPT is {:?}",
                    dsc.display(),
                    params.get("EXPT").unwrap_or("missing")
                ),
            ));
        }
        if scaling.gain || scaling.conversion_time {
            warnings.push(format!(
                "{}: scaling 'G' and 'c' apply to cw data only and were not applied",
                dsc.display()
            ));
        }
    }
    if scaling.temperature {
        steps.push(ScaleStep::Multiply(need("STMP", 'T')?));
    }
    Ok(steps)
}
