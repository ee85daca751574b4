//! The ESP/WinEPR reader (`.par` parameters, `.spc` data), following the reading
//! specification of the Bruker formats §2.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::read_params;
use crate::dataset::{Param, Params};
use crate::error::{Error, ErrorKind, Result};
use crate::formats::keys::{check_data_len, leading_number, positive_integer, scaling_number};
use crate::formats::scaling::{ScaleStep, Scaling};
use crate::formats::{
    text, AxisPlan, AxisValues, BinaryValues, ByteOrder, DataLayout, Format, Member, NumberType,
    Plan, Recorder, Signature, ValueSource,
};

/// `JSS` bit for complex data.
const JSS_COMPLEX: u64 = 0x10;
/// `JSS` bit for 2-D data.
const JSS_TWO_D: u64 = 0x1000;

/// The keys this reader uses for the layout and the abscissa. A parameter file with none of them
/// (every real one has at least `JSS`) is some other text, and reading it with the default
/// 1024 points would present made-up data as the dataset.
const READER_KEYS: [&str; 15] = [
    "JSS", "DOS", "ANZ", "RES", "REY", "SSX", "SSY", "XPLS", "JEX", "GST", "GSI", "HCF", "HSW",
    "XXLB", "XXWI",
];

/// Bruker ESP/WinEPR/Simfonia: a `.par` parameter file and a `.spc` data file.
#[derive(Debug)]
pub struct Esp;

impl Format for Esp {
    fn id(&self) -> &'static str {
        "bruker-esp"
    }

    fn name(&self) -> &'static str {
        "Bruker ESP/WinEPR"
    }

    fn vendor(&self) -> &'static str {
        "Bruker"
    }

    fn members(&self) -> &'static [Member] {
        &[
            Member {
                role: "parameter file",
                extensions: &["par"],
            },
            Member {
                role: "data file",
                extensions: &["spc"],
            },
        ]
    }

    fn common_metadata(&self, params: &Params) -> crate::metadata::CommonMetadata {
        crate::metadata::esp_metadata(params)
    }

    /// A parameter file starts with a key of the reader's (a line `JSS 0`, `DOS Format`...);
    /// data files have no signature.
    fn signature(&self, head: &[u8]) -> Signature {
        let first = head
            .split(|&b| b == b'\n' || b == b'\r')
            .find(|l| !l.is_empty())
            .and_then(|l| l.split(|&b| b == b' ' || b == b'\t').next());
        match first {
            Some(key) if READER_KEYS.iter().any(|k| k.as_bytes() == key) => Signature::Matches,
            _ => Signature::Silent,
        }
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        let [par, spc] = members else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "ESP needs a parameter and a data file, {} files given",
                    members.len()
                ),
            ));
        };
        let (file, data_stamp) = rec.open(spc, "data file")?;
        let mut params = read_params(rec, par, "parameter file", text::parse_par_limited)?;
        rec.members_recorded(members);
        let mut warnings = Vec::new();
        let layout = layout(&mut params, par, &mut warnings)?;
        let [nx, ny, _] = layout.dims;
        check_data_len(
            spc,
            data_stamp.len(),
            layout.needed,
            &format!(
                "{nx}x{ny} {} points of {}",
                if layout.complex { "complex" } else { "real" },
                if layout.number == NumberType::F32 {
                    "float32 LE (WinEPR: DOS key)"
                } else {
                    "int32 BE (ESP: no DOS key)"
                }
            ),
            &mut warnings,
        )?;
        let axes = abscissae(&params, layout.dims, &mut warnings, par);
        let scale = scale_steps(&params, par, scaling, ny)?;
        Ok(Plan {
            format: &Esp,
            layout: DataLayout {
                dims: layout.dims,
                complex: vec![layout.complex],
                values: ValueSource::File(BinaryValues {
                    path: spc.clone(),
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

/// What the parameters say about the values.
struct Layout {
    number: NumberType,
    order: ByteOrder,
    complex: bool,
    dims: [usize; 3],
    needed: u64,
}

/// Reads the layout keys (adding `JEX` where eprload adds it) and checks that the claimed
/// size does not overflow.
fn layout(params: &mut Params, par: &Path, warnings: &mut Vec<String>) -> Result<Layout> {
    if !READER_KEYS.iter().any(|k| params.contains(k)) {
        return Err(Error::format(
            par,
            format!(
                "none of the ESP/WinEPR keys {} found; this is not an ESP/WinEPR parameter file",
                READER_KEYS.join(", ")
            ),
        ));
    }
    if !params.contains("JEX") {
        // eprload adds the default sweep type to the parameters; so does epyr, and says so.
        params.push(Param {
            key: "JEX".into(),
            value: "field-sweep".into(),
            device: None,
        });
        warnings.push(format!(
            "{}: JEX missing, field-sweep assumed and added to the parameters (as eprload)",
            par.display()
        ));
    }
    // DOS key present (any value): WinEPR, float32 little-endian; else ESP, int32 big-endian.
    let (number, order) = if params.contains("DOS") {
        (NumberType::F32, ByteOrder::Little)
    } else {
        (NumberType::I32, ByteOrder::Big)
    };
    let jss = match params.get("JSS") {
        None => 0,
        Some(raw) => match crate::dataset::parse_number(raw) {
            Some(v) if v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 => v as u64,
            _ => {
                return Err(Error::format(
                    par,
                    format!("key JSS: expected a non-negative whole number, found {raw:?}"),
                ))
            }
        },
    };
    let complex = jss & JSS_COMPLEX != 0;
    let (nx, ny) = point_counts(params, par, complex, jss & JSS_TWO_D != 0)?;
    let width = 1 + u64::from(complex);
    let needed = nx
        .checked_mul(ny)
        .and_then(|p| p.checked_mul(width * 4))
        .filter(|&b| b < isize::MAX as u64 / 2)
        .ok_or_else(|| Error::format(par, format!("{nx} x {ny} points overflow")))?;
    Ok(Layout {
        number,
        order,
        complex,
        dims: [nx as usize, ny as usize, 1],
        needed,
    })
}

/// The point counts by eprload's rules: `ANZ`, `SSX`/`SSY` for 2-D data, then `RES`, `REY`
/// and `XPLS`; 1024 points where none is given.
fn point_counts(params: &Params, par: &Path, complex: bool, two_d: bool) -> Result<(u64, u64)> {
    let count = |key: &str| positive_integer(params, key, par);
    let mut nx: u64 = 1024;
    let mut ny: u64 = 1;
    if two_d {
        if let Some(ssx) = count("SSX")? {
            nx = if complex { ssx / 2 } else { ssx };
        }
        if let Some(ssy) = count("SSY")? {
            ny = ssy;
        }
    }
    if let Some(anz) = count("ANZ")? {
        if !two_d {
            nx = if complex { anz / 2 } else { anz };
        } else if nx.checked_mul(ny) != Some(anz) {
            return Err(Error::format(
                par,
                format!("2-D data: SSX/SSY give {nx} x {ny} points, but ANZ is {anz}"),
            ));
        }
    }
    if let Some(res) = count("RES")? {
        nx = res;
    }
    if let Some(rey) = count("REY")? {
        ny = rey;
    }
    if let Some(xpls) = count("XPLS")? {
        nx = xpls;
    }
    if !two_d && ny > 1 {
        ny = 1;
    }
    if nx == 0 {
        return Err(Error::format(par, "the point count along x is zero"));
    }
    Ok((nx, ny))
}

/// A number parameter for the abscissa, or `None` where missing or not a number.
fn num(params: &Params, key: &str) -> Option<f64> {
    params.get(key).and_then(leading_number)
}

/// The x axis (and, for EMX 2-D files, the y axis) by eprload's rules, first match wins.
fn abscissae(
    params: &Params,
    dims: [usize; 3],
    warnings: &mut Vec<String>,
    par: &Path,
) -> [Option<AxisPlan>; 3] {
    let [nx, ny, _] = dims;
    let mut axes: [Option<AxisPlan>; 3] = [None, None, None];
    if nx <= 1 {
        return axes;
    }
    let sweep = params.get("JEX").unwrap_or("field-sweep").to_string();
    let x_unit = params.get("JUN").unwrap_or("").to_string();
    let has = |keys: &[&str]| keys.iter().all(|k| num(params, k).is_some());
    // Each rule gives the first value and the width of a linear axis.
    let gst_gsi = || Some((num(params, "GST")?, num(params, "GSI")?));
    let hcf_hsw = |hsw: f64| Some((num(params, "HCF")? - hsw / 2.0, hsw));
    let xx = || Some((num(params, "XXLB")?, num(params, "XXWI")?));
    let mut unit = x_unit;
    let x = if sweep == "Time-Sweep" {
        let rct = num(params, "RCT").unwrap_or(1.0);
        unit = "s".into();
        Some(AxisValues::TimeSweep { interval_ms: rct })
    } else {
        let range = if sweep == "ENDOR" {
            gst_gsi()
        } else if has(&["XXLB", "XXWI", "XYLB", "XYWI"]) {
            if ny > 1 {
                let (lb, wi) = (num(params, "XYLB"), num(params, "XYWI"));
                if let (Some(lb), Some(wi)) = (lb, wi) {
                    axes[1] = Some(AxisPlan {
                        len: ny,
                        values: AxisValues::Linear {
                            first: lb,
                            width: wi,
                        },
                        name: params.get("JEY").unwrap_or("").to_string(),
                        unit: params.get("XYUN").unwrap_or("").to_string(),
                    });
                }
            }
            if let Some(u) = params.get("XXUN") {
                unit = u.to_string();
            }
            xx()
        } else if has(&["HCF", "HSW", "GST", "GSI"]) {
            gst_gsi()
        } else if has(&["HCF", "HSW"]) {
            hcf_hsw(num(params, "HSW").unwrap_or(50.0))
        } else if has(&["GST", "GSI"]) {
            gst_gsi()
        } else if !params.contains("GSI") && !params.contains("HSW") && has(&["HCF"]) {
            hcf_hsw(50.0)
        } else if !params.contains("HCF") {
            xx()
        } else {
            None
        };
        range.map(|(first, width)| AxisValues::Linear { first, width })
    };
    match x {
        Some(values) => {
            axes[0] = Some(AxisPlan {
                len: nx,
                values,
                name: sweep,
                unit,
            })
        }
        None => warnings.push(format!(
            "{}: no abscissa keys (GST/GSI, HCF/HSW, XXLB/XXWI) found; no x axis",
            par.display()
        )),
    }
    axes
}

/// The scaling steps of eprload's ESP reader, in its order: `n`, `G`, `P`, `T`, `c`.
fn scale_steps(params: &Params, par: &Path, scaling: Scaling, ny: usize) -> Result<Vec<ScaleStep>> {
    let mut steps = Vec::new();
    let need = |key: &str, option: char| scaling_number(params, par, key, option);
    if scaling.scans {
        steps.push(ScaleStep::Divide(need("JSD", 'n')?));
    }
    if scaling.gain {
        steps.push(ScaleStep::Divide(need("RRG", 'G')?));
    }
    if scaling.power {
        let mw = need("MP", 'P')?;
        if params.get("JEY") == Some("mw-power-sweep") && ny > 1 {
            let lb = need("XYLB", 'P')?;
            let wi = need("XYWI", 'P')?;
            steps.push(ScaleStep::DividePowerSweepRows {
                mw,
                first_db: lb,
                width_db: wi,
                rows: ny,
            });
        } else {
            steps.push(ScaleStep::Divide(mw.sqrt()));
        }
    }
    if scaling.temperature {
        let te = need("TE", 'T')?;
        if te == 0.0 {
            return Err(Error::scaling(
                par,
                "scaling 'T': temperature TE is 0, cannot scale",
            ));
        }
        steps.push(ScaleStep::Multiply(te));
    }
    if scaling.conversion_time {
        steps.push(ScaleStep::Divide(need("RCT", 'c')?));
    }
    Ok(steps)
}
