//! The BES3T reader (`.DSC` descriptor, `.DTA` data, `.XGF/.YGF/.ZGF` axis files), following
//! the reading specification §1.

use std::path::Path;

use super::decode::{ByteOrder, NumberType};
use super::scaling::{ScaleStep, Scaling};
use super::{
    check_data_len, find_companion, open_regular, positive_integer, read_params, required_number,
    scaling_number, text, Absence, AxisPlan, AxisValues, DataLayout, FileStamp, Origin, Plan,
    Source,
};
use crate::dataset::{FileFormat, Params, AXIS_LETTERS};
use crate::error::{Error, ErrorKind, Result};

/// Builds the plan of a BES3T dataset from its descriptor and data file.
pub(super) fn plan(dsc: &Path, data: Source, scaling: Scaling, mut origin: Origin) -> Result<Plan> {
    let (params, dsc_source, text_hash) = read_params(dsc, "descriptor", text::parse_dsc_limited)?;
    origin.text_hash = text_hash;
    let mut warnings = Vec::new();

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
    let complex = component_kinds(&params, dsc, &mut warnings)?;
    let number = number_type(&params, dsc, complex.len())?;

    let mut dims = [1usize; 3];
    for (i, letter) in AXIS_LETTERS.iter().enumerate() {
        let key = format!("{letter}PTS");
        match positive_integer(&params, &key, dsc)? {
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
    let (dta, data_stamp) = (data.0.as_path(), data.1);
    let file_len = data_stamp.len();
    check_data_len(
        dta,
        file_len,
        needed,
        &format!(
            "{}x{}x{} points of {per_point} {:?} numbers",
            dims[0], dims[1], dims[2], number
        ),
        &mut warnings,
    )?;

    let mut sources = vec![dsc_source, (dta.to_path_buf(), data_stamp)];
    let mut axes: [Option<AxisPlan>; 3] = [None, None, None];
    for dim in 0..3 {
        if dims[dim] > 1 {
            axes[dim] = read_axis(
                &params,
                dsc,
                dim,
                dims[dim],
                order,
                (&mut sources, &mut origin.absent),
                &mut warnings,
            )?;
        }
    }

    let scale = scale_steps(&params, dsc, scaling, &mut warnings)?;
    Ok(Plan {
        format: FileFormat::Bes3t,
        layout: DataLayout {
            path: dta.to_path_buf(),
            number,
            order,
            dims,
            complex,
            file_len,
        },
        axes,
        params,
        sources,
        warnings,
        scale,
        origin,
    })
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
            letter => NumberType::from_letter(letter).ok_or_else(|| {
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

/// Describes the axis of dimension `dim` (with more than one point); an axis file is checked
/// (number type, size) but not read, and added to `sources`; axis file names looked for and not
/// found go to `absent`.
fn read_axis(
    params: &Params,
    dsc: &Path,
    dim: usize,
    n: usize,
    order: ByteOrder,
    (sources, absent): (&mut Vec<Source>, &mut Vec<Absence>),
    warnings: &mut Vec<String>,
) -> Result<Option<AxisPlan>> {
    let letter = AXIS_LETTERS[dim];
    let name = params
        .get(&format!("{letter}NAM"))
        .unwrap_or("")
        .to_string();
    let unit = params
        .get(&format!("{letter}UNI"))
        .unwrap_or("")
        .to_string();
    let typ_key = format!("{letter}TYP");
    let typ = params.get(&typ_key).map(|t| t.trim().to_ascii_uppercase());
    let linear = |warnings: &mut Vec<String>| -> Result<AxisValues> {
        let min = required_number(params, &format!("{letter}MIN"), dsc)?;
        let width = required_number(params, &format!("{letter}WID"), dsc)?;
        if width == 0.0 {
            warnings.push(format!(
                "{}: {letter} range has zero width; axis 1..{n} used",
                dsc.display()
            ));
            return Ok(AxisValues::Linear {
                first: 1.0,
                width: (n - 1) as f64,
            });
        }
        Ok(AxisValues::Linear { first: min, width })
    };
    let values = match typ.as_deref() {
        Some("IDX") => linear(warnings)?,
        None => {
            warnings.push(format!(
                "{}: {typ_key} missing, linear axis (IDX) assumed",
                dsc.display()
            ));
            linear(warnings)?
        }
        Some("IGD") => {
            let ext = format!("{letter}GF").to_ascii_lowercase();
            match find_companion(dsc, &ext, true, "axis file", absent)? {
                Some(file) => {
                    let (values, stamp) =
                        read_companion(params, dsc, &file, letter, n, order, warnings)?;
                    sources.push((file, stamp));
                    values
                }
                None => {
                    warnings.push(format!(
                        "{}: {typ_key} IGD but {} not found; assuming linear axis",
                        dsc.display(),
                        dsc.with_extension(ext.to_ascii_uppercase()).display()
                    ));
                    linear(warnings)?
                }
            }
        }
        Some("NTUP") => {
            return Err(Error::unsupported(
                dsc,
                format!("{typ_key} NTUP axes are not supported"),
            ))
        }
        Some("NODATA") => return Ok(None),
        Some(other) => {
            return Err(Error::format(
                dsc,
                format!("key {typ_key}: expected IDX, IGD, NTUP or NODATA, found {other:?}"),
            ))
        }
    };
    Ok(Some(AxisPlan {
        len: n,
        name,
        unit,
        values,
    }))
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
        Some(f) => match NumberType::from_letter(f) {
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
                ty.letter()
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
