//! The MS5000 XML reader (`eprload_MagnettechXML`): a text format, read whole (within the
//! text-file cap) and decoded once when the plan is made.
//!
//! What eprload returns: for a field sweep (Recipe `Type` `single`, `temperature`,
//! `goniometric`, `modulationSweep`, `powerSweep`, `xRay`) the `MW_Absorption` values against
//! the `BField` curve interpolated at their times, only `Bfrom <= field <= Bto` kept; for a
//! time scan (`kinetic`, or `BHoldEnabled` `True`) the values against their times; for a dip
//! sweep (no Recipe) `ADC_24bit` against `Frequency`. (Time scans were once read with a field
//! axis: EasySpin issue 121, "read transients from MS5000".)
//!
//! Parameters, text as in the file, in file order: the `Measurement` attributes under their
//! names (`MwFreq`), each Recipe `Param` as `Recipe.Param.<Name>` (its other attributes as
//! `Recipe.Param.<Name>.<attribute>`, e.g. `.Unit`), and the attributes of every curve as
//! `Curves.<name>.<attribute>` with eprload's curve names (`Curves.MW_Absorption.XSlope`).
//! eprload's `pars` has the Measurement attributes and Recipe parameters as fields of one
//! struct (a Recipe parameter replacing an attribute of the same name) and the curves' data
//! in `pars.Curves`: every curve with data is kept as an array of the parameters
//! (`Params::arrays`, `Curves.<name>`), from which hosts rebuild it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::curves::{curve_name, decode_curves, Curve};
use super::document::{self, find, Document};
use super::field::{clip, interp1_linear};
use crate::dataset::{parse_number, Param, Params};
use crate::error::{Error, ErrorKind, Result};
use crate::formats::keys::no_scaling;
use crate::formats::scaling::Scaling;
use crate::formats::{
    AxisPlan, AxisValues, DataLayout, DecodedValues, Format, Member, Plan, Recorder, Signature,
    ValueSource,
};

/// The UTF-8 byte order mark MS5000 files start with.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// The root element's start, as the signature looks for it.
const ROOT: &[u8] = b"<ESRXmlFile";

/// Magnettech MS5000 XML (ESR Studio).
#[derive(Debug)]
pub struct MagnettechXml;

impl Format for MagnettechXml {
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::magnettech_xml_metadata(params)
    }

    fn id(&self) -> &'static str {
        "magnettech-xml"
    }

    fn name(&self) -> &'static str {
        "Magnettech MS5000 XML"
    }

    fn vendor(&self) -> &'static str {
        "Magnettech"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "XML file",
            extensions: &["xml"],
        }]
    }

    fn generic_extension(&self) -> bool {
        true
    }

    /// After a byte order mark, white space, the XML declaration and comments, the root
    /// element is `<ESRXmlFile`; any other root contradicts, a head that ends first is silent.
    fn signature(&self, head: &[u8]) -> Signature {
        let mut rest = head.strip_prefix(BOM).unwrap_or(head);
        loop {
            rest = rest.trim_ascii_start();
            let close: &[u8] = if rest.starts_with(b"<?") {
                b"?>"
            } else if rest.starts_with(b"<!--") {
                b"-->"
            } else {
                break;
            };
            match rest.windows(close.len()).position(|w| w == close) {
                Some(i) => rest = &rest[i + close.len()..],
                None => return Signature::Silent,
            }
        }
        match rest.get(ROOT.len()) {
            None if ROOT.starts_with(rest) => Signature::Silent,
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') if rest.starts_with(ROOT) => {
                Signature::Matches
            }
            _ => Signature::Contradicts,
        }
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        let [xml] = members else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "an MS5000 dataset is one XML file, {} files given",
                    members.len()
                ),
            ));
        };
        no_scaling(xml, scaling, self.name())?;
        let bytes = rec.read_text(xml, "XML file")?;
        rec.members_recorded(members);
        let body = bytes.strip_prefix(BOM).unwrap_or(&bytes);
        let text = std::str::from_utf8(body).map_err(|e| {
            Error::format(
                xml,
                format!(
                    "not UTF-8 text: invalid byte at offset {}",
                    bytes.len() - body.len() + e.valid_up_to()
                ),
            )
        })?;
        let doc = document::parse(text, xml)?;
        let mut params = parameters(&doc, xml)?;
        let sweep = sweep(&doc, &params, xml)?;
        let curves = decode_curves(&doc.curves, xml)?;
        for curve in &curves {
            params.push_array(
                format!("Curves.{}", curve.name),
                Arc::from(&curve.values[..]),
            );
        }
        let (axis, values) = abscissa(curves, sweep, &params, xml)?;
        Ok(Plan {
            format: &MagnettechXml,
            layout: DataLayout {
                dims: [values.len(), 1, 1],
                complex: vec![false],
                values: ValueSource::Decoded(Arc::new(DecodedValues::new(vec![values]))),
            },
            axes: [Some(axis), None, None],
            params,
            warnings: Vec::new(),
            scale: Vec::new(),
            provenance: rec.provenance(),
        })
    }
}

/// What the abscissa of a measurement with a Recipe is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sweep {
    Field,
    Time,
}

/// The parameters (see the module): Measurement attributes, Recipe parameters, curve
/// attributes, in file order. A `Param` without a `Name` is an error, as in eprload.
fn parameters(doc: &Document<'_>, path: &Path) -> Result<Params> {
    let mut entries = Vec::new();
    let mut push = |key: String, value: &str| {
        entries.push(Param {
            key: key.into(),
            value: value.to_string(),
            device: None,
        })
    };
    for (name, value) in &doc.measurement {
        push(name.clone(), value);
    }
    for (i, param) in doc.recipe.iter().flat_map(|r| &r.params).enumerate() {
        let name = param.attribute("Name").ok_or_else(|| {
            Error::format(
                path,
                format!("Recipe <Param> number {} has no Name attribute", i + 1),
            )
        })?;
        push(format!("Recipe.Param.{name}"), &param.text);
        for (attribute, value) in param.attributes.iter().filter(|(a, _)| a != "Name") {
            push(format!("Recipe.Param.{name}.{attribute}"), value);
        }
    }
    for (i, curve) in doc.curves.iter().enumerate() {
        let name = curve_name(curve, i + 1, path)?;
        for (attribute, value) in &curve.attributes {
            push(format!("Curves.{name}.{attribute}"), value);
        }
    }
    Ok(Params::new(entries, None))
}

/// eprload's `Parameters.(name)` before its number conversion: the last Recipe parameter of
/// that name, else the Measurement attribute.
fn eprload_parameter<'p>(params: &'p Params, name: &str) -> Option<&'p str> {
    params
        .get(&format!("Recipe.Param.{name}"))
        .or_else(|| params.get(name))
}

/// The abscissa a Recipe asks for, by its `Type` (and `BHoldEnabled`); `None` without Recipe.
fn sweep(doc: &Document<'_>, params: &Params, path: &Path) -> Result<Option<Sweep>> {
    let Some(recipe) = &doc.recipe else {
        return Ok(None);
    };
    let kind = find(&recipe.attributes, "Type")
        .ok_or_else(|| Error::format(path, "<Recipe> has no Type attribute"))?;
    let mut sweep = match kind {
        "single" | "temperature" | "goniometric" | "modulationSweep" | "powerSweep" | "xRay" => {
            Sweep::Field
        }
        "kinetic" => Sweep::Time,
        other => {
            return Err(Error::format(
                path,
                format!(
                    "unknown Recipe Type {other:?}; eprload reads single, kinetic, temperature, \
                     goniometric, modulationSweep, powerSweep and xRay"
                ),
            ))
        }
    };
    if eprload_parameter(params, "BHoldEnabled") == Some("True") {
        sweep = Sweep::Time;
    }
    Ok(Some(sweep))
}

/// Takes the last curve named `name` out of `curves` (eprload keeps the last of a name).
fn take(curves: &mut Vec<Curve>, name: &str) -> Option<Curve> {
    let i = curves.iter().rposition(|c| c.name == name)?;
    Some(curves.swap_remove(i))
}

/// The x axis and the values, by eprload's rules (see the module).
fn abscissa(
    mut curves: Vec<Curve>,
    sweep: Option<Sweep>,
    params: &Params,
    path: &Path,
) -> Result<(AxisPlan, Vec<f64>)> {
    let missing = |name: &str, what: &str| {
        Error::format(
            path,
            format!("no {name} curve with data ({what} needs one)"),
        )
    };
    if let Some(bfield) = take(&mut curves, "BField") {
        let sweep = sweep.ok_or_else(|| {
            Error::format(
                path,
                "a BField curve but no <Recipe> to tell a field sweep from a time scan",
            )
        })?;
        let signal = take(&mut curves, "MW_Absorption")
            .ok_or_else(|| missing("MW_Absorption", "a field sweep or time scan"))?;
        return match sweep {
            Sweep::Field => field_sweep(&bfield, signal, params, path),
            Sweep::Time => Ok(time_scan(signal)),
        };
    }
    let frequency = take(&mut curves, "Frequency").ok_or_else(|| {
        Error::format(
            path,
            "neither a BField nor a Frequency curve with data: eprload reads field sweeps, time \
             scans and dip sweeps",
        )
    })?;
    let adc = take(&mut curves, "ADC_24bit").ok_or_else(|| missing("ADC_24bit", "a dip sweep"))?;
    if adc.values.len() != frequency.values.len() {
        return Err(Error::format(
            path,
            format!(
                "dip sweep: {} Frequency values but {} ADC_24bit values",
                frequency.values.len(),
                adc.values.len()
            ),
        ));
    }
    let axis = AxisPlan {
        len: frequency.values.len(),
        name: frequency.y_name,
        unit: frequency.y_unit,
        values: AxisValues::Explicit(frequency.values.into()),
    };
    Ok((axis, adc.values))
}

/// A field sweep: the field interpolated at the signal's times, clipped to `Bfrom..Bto`.
fn field_sweep(
    bfield: &Curve,
    signal: Curve,
    params: &Params,
    path: &Path,
) -> Result<(AxisPlan, Vec<f64>)> {
    let bound = |name: &str| -> Result<f64> {
        let raw = eprload_parameter(params, name)
            .ok_or_else(|| Error::format(path, format!("field sweep without {name} parameter")))?;
        parse_number(raw).ok_or_else(|| {
            Error::format(
                path,
                format!("parameter {name} is {raw:?}, expected a finite number"),
            )
        })
    };
    let (from, to) = (bound("Bfrom")?, bound("Bto")?);
    let mut field = interp1_linear(|k| bfield.time(k), &bfield.values, signal.times())
        .ok_or_else(|| Error::format(path, "the BField curve has fewer than two distinct times"))?;
    let mut values = signal.values;
    clip(&mut field, &mut values, from, to);
    if field.is_empty() {
        return Err(Error::format(
            path,
            format!("no point of the field sweep lies within Bfrom..Bto ({from}..{to})"),
        ));
    }
    let axis = AxisPlan {
        len: field.len(),
        name: bfield.y_name.clone(),
        unit: bfield.y_unit.clone(),
        values: AxisValues::Explicit(field.into()),
    };
    Ok((axis, values))
}

/// A time scan: the signal against its times `XOffset + i * XSlope`, which is
/// `XOffset + XSlope * linspace(0, n - 1, n)` exactly.
fn time_scan(signal: Curve) -> (AxisPlan, Vec<f64>) {
    let n = signal.values.len();
    let axis = AxisPlan {
        len: n,
        name: signal.x_name,
        unit: signal.x_unit,
        values: AxisValues::Linspace {
            offset: signal.offset,
            scale: signal.slope,
            start: 0.0,
            end: n.saturating_sub(1) as f64,
        },
    };
    (axis, signal.values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_finds_the_root_after_bom_declaration_and_comments() {
        let f = MagnettechXml;
        let real =
            b"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<ESRXmlFile Version=\"1\">";
        assert_eq!(f.signature(real), Signature::Matches);
        assert_eq!(f.signature(b"<!-- x --><ESRXmlFile>"), Signature::Matches);
        assert_eq!(
            f.signature(b"<?xml version=\"1.0\"?><ESRXml"),
            Signature::Silent
        );
        assert_eq!(
            f.signature(b"<?xml version=\"1.0\" encodi"),
            Signature::Silent
        );
        assert_eq!(f.signature(b""), Signature::Silent);
        for other in [
            &b"<?xml version=\"1.0\"?><svg>"[..],
            b"<ESRXmlFileX>",
            b"{\"json\": 1}",
            b"\x00\x01binary",
        ] {
            assert_eq!(f.signature(other), Signature::Contradicts, "{other:?}");
        }
    }
}
