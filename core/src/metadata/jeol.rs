//! The common metadata of a JEOL dataset, from the `Spectrometer`, `General` and `Generator`
//! blocks as eprload names them.
//!
//! JEOL writes each setting as the text of a front-panel command: two letters, then the value
//! (`uF9450.247000` with the unit `UFMHz`, `cf337.209`). Several settings are a mantissa and a
//! power of ten in two entries (`modWidFin` `md0.25` and `modWinCor` `md-1`: 0.025 mT, which
//! is what the file names of the corpus say, `..._MA2.5E-2_...`); the sweep width is given as
//! the half width (`sw1.5` for a sweep of 3 mT, as the x axis of the file shows). Fields are
//! in mT, the modulation frequency in kHz, the time constant in s; the temperature is `RT`
//! (room temperature, no number: absent) or a number in the unit of `tempUnit` (`tUC`: °C).

use super::date::iso_timestamp;
use super::units::{converted, from_text, kelvin_from_celsius};
use super::{CommonMetadata, Quantity, Text};
use crate::dataset::{parse_number, Params};

/// The field unit of JEOL spectrometers.
const FIELD_UNIT: &str = "mT";

/// The common metadata of JEOL parameters.
pub fn common_metadata(params: &Params) -> CommonMetadata {
    let text = |key: &str| params.get(key).and_then(|v| Text::new(v, key));
    let spec = |name: &str, prefix: &str| command(params, &format!("Spectrometer.{name}"), prefix);
    let center = spec("centerField", "cf")
        .and_then(|v| from_text(v, FIELD_UNIT, None, "Spectrometer.centerField"));
    let half_width = scaled(params, ("sweepWidFin", "sweepWidCor"), "sw");
    CommonMetadata {
        microwave_frequency: spec("uFreq", "uF").and_then(|v| {
            let unit = spec("uFreqUnit", "UF")?;
            from_text(v, unit, Some("GHz"), "Spectrometer.uFreq")
        }),
        field_unit: center.as_ref().and_then(|_| Text::new(FIELD_UNIT, "JEOL")),
        field_center: center,
        field_sweep_width: half_width
            .and_then(|(w, source)| converted(2.0 * w, FIELD_UNIT, None, &source)),
        modulation_amplitude: scaled(params, ("modWidFin", "modWinCor"), "md")
            .and_then(|(v, source)| converted(v, FIELD_UNIT, None, &source)),
        modulation_frequency: spec("modFreq", "fq")
            .and_then(|v| from_text(v, "kHz", None, "Spectrometer.modFreq")),
        microwave_power: spec("uPower", "uP").and_then(|v| {
            let unit = spec("uPowerUnit", "UP")?;
            from_text(v, unit, Some("mW"), "Spectrometer.uPower")
        }),
        receiver_gain: scaled(params, ("Amp1_amplitudeFin", "Amp1_amplitudeCor"), "am")
            .and_then(|(v, source)| converted(v, "1", None, &source)),
        time_constant: spec("Amp1_timeConstant", "tc")
            .and_then(|v| from_text(v, "s", Some("ms"), "Spectrometer.Amp1_timeConstant")),
        scans: params
            .number("Generator.accumulation")
            .and_then(|n| converted(n, "1", None, "Generator.accumulation")),
        temperature: temperature(params),
        experiment_type: experiment_type(params),
        acquired: params
            .get("General.date")
            .and_then(iso_timestamp)
            .and_then(|t| Text::new(&t, "General.date")),
        title: text("General.title"),
        sample: text("General.sample"),
        comment: text("General.comment"),
        instrument: spec("sType", "ty").and_then(|v| Text::new(v, "Spectrometer.sType")),
        ..CommonMetadata::default()
    }
}

/// The value of `key` without its command letters `prefix` (which JEOL sometimes repeats:
/// `ecec5.04`), trimmed.
fn command<'a>(params: &'a Params, key: &str, prefix: &str) -> Option<&'a str> {
    let mut value = params.get(key)?.trim();
    while let Some(rest) = value.strip_prefix(prefix) {
        value = rest;
    }
    let value = value.trim();
    (!value.is_empty()).then_some(value)
}

/// A setting written as a mantissa and a power of ten (`sweepWidFin` `sw1.5`, `sweepWidCor`
/// `sw+1`: 15), with the keys it came from.
fn scaled(params: &Params, (fine, power): (&str, &str), prefix: &str) -> Option<(f64, String)> {
    let fine_key = format!("Spectrometer.{fine}");
    let power_key = format!("Spectrometer.{power}");
    let mantissa = command(params, &fine_key, prefix)?;
    let exponent: i32 = command(params, &power_key, prefix)?.parse().ok()?;
    parse_number(mantissa)?;
    let value: f64 = format!("{mantissa}e{exponent}").parse().ok()?;
    value
        .is_finite()
        .then(|| (value, format!("{fine_key}, {power_key}")))
}

/// The temperature where `Spectrometer.temperature` is a number: in K for `tempUnit` `K`,
/// converted from °C for `C`; absent for `RT` and other units.
fn temperature(params: &Params) -> Option<Quantity> {
    let value = command(params, "Spectrometer.temperature", "tt")?;
    let source = "Spectrometer.temperature";
    match command(params, "Spectrometer.tempUnit", "tU")? {
        "C" => kelvin_from_celsius(value, source),
        "K" => from_text(value, "K", None, source),
        _ => None,
    }
}

/// The experiment from the kind of acquisition that made the data (`originalINFO`, which a
/// processed file keeps): `cAcqu` CW, `pAcqu` pulse, `endor`, `cidep` (time-resolved).
fn experiment_type(params: &Params) -> Option<Text> {
    ["General.originalINFO_processType", "Header.processType"]
        .iter()
        .find_map(|key| {
            let kind = match params.get(key)?.trim() {
                "cAcqu" => "cw",
                "pAcqu" => "pulse",
                "endor" => "endor",
                "cidep" => "transient",
                _ => return None,
            };
            Text::new(kind, key)
        })
}
