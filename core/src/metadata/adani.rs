//! The common metadata of Adani e-Spinoza datasets.
//!
//! JSON (`adani-json`): `MwFrequencyKHz` (kHz) and `ExperimentOptions.CommonOptions`:
//! `CenterMagneticField` and `SweepWidth` in mT (eprload builds the field axis from them in mT),
//! `ModulationAmplitude` in µT (the unit the `.dat` export of the same program writes:
//! `Mod. amplitude: 6 uT`; 100 in `1d.json`, a tenth of a millitesla), `ModulationFrequency` in
//! Hz, `MwParameter.AttenuationDb` in dB and `MwParameter.PowerMW` in mW (0 when the program
//! did not record it: absent).
//!
//! Text (`adani-dat`): the parameter block's lines as written, values with decimal commas and
//! their unit (`Center field: 338,20 mT`, `Microwave frequency: 9480,93 MHz`,
//! `Temperature: 32,00 °C`). `Gain value: 7 * 10e2` is left out: whether `10e2` means 100 or
//! 1000 is not certain.

use super::units::{from_text, kelvin_from_celsius, nonzero, plain, with_unit};
use super::{CommonMetadata, Quantity, Text};
use crate::dataset::Params;

/// The field unit of Adani files.
const FIELD_UNIT: &str = "mT";

/// The prefix of the common options of the JSON file.
const COMMON: &str = "ExperimentOptions.CommonOptions.";

/// The common metadata of an Adani JSON file.
pub fn json_metadata(params: &Params) -> CommonMetadata {
    let common = |name: &str, unit: &str, to: Option<&str>| {
        plain(params, &format!("{COMMON}{name}"), unit, to)
    };
    let center = common("CenterMagneticField", FIELD_UNIT, None);
    CommonMetadata {
        microwave_frequency: nonzero(params, "MwFrequencyKHz", "kHz", Some("GHz")),
        field_unit: center
            .as_ref()
            .and_then(|c| Text::new(FIELD_UNIT, &c.source)),
        field_center: center,
        field_sweep_width: common("SweepWidth", FIELD_UNIT, None),
        modulation_amplitude: common("ModulationAmplitude", "uT", Some(FIELD_UNIT)),
        modulation_frequency: common("ModulationFrequency", "Hz", Some("kHz")),
        attenuation: common("MwParameter.AttenuationDb", "dB", None),
        microwave_power: nonzero(params, &format!("{COMMON}MwParameter.PowerMW"), "mW", None),
        ..CommonMetadata::default()
    }
}

/// The common metadata of an Adani text file.
pub fn dat_metadata(params: &Params) -> CommonMetadata {
    let field = |key: &str| dotted(params, key, FIELD_UNIT);
    let center = field("Center field");
    CommonMetadata {
        microwave_frequency: dotted(params, "Microwave frequency", "GHz"),
        field_unit: center
            .as_ref()
            .and_then(|c| Text::new(FIELD_UNIT, &c.source)),
        field_center: center,
        field_sweep_width: field("Sweep width"),
        modulation_amplitude: field("Mod. amplitude"),
        attenuation: dotted(params, "Power attenuation", "dB"),
        scans: params
            .get("Pass number")
            .and_then(|v| from_text(&v.replace(',', "."), "1", None, "Pass number")),
        temperature: params.get("Temperature").and_then(|v| {
            let v = v.replace(',', ".");
            let number = v
                .trim()
                .strip_suffix('C')?
                .trim_end_matches(|c: char| !c.is_ascii_digit());
            kelvin_from_celsius(number, "Temperature")
        }),
        ..CommonMetadata::default()
    }
}

/// The value of `key` written with a decimal comma and a unit (`9480,93 MHz`), converted to
/// `to`.
fn dotted(params: &Params, key: &str, to: &str) -> Option<Quantity> {
    let value = params.get(key)?.replace(',', ".");
    with_unit(&value, to, key)
}
