//! The common metadata of Magnettech datasets.
//!
//! MS5000 XML (`magnettech-xml`): the measurement's attributes (`MwFreq` in GHz, `Temperature`
//! in °C, `Timestamp` in ISO 8601, `Device`, `Name`, `YUnit`) and the recipe's `Param` nodes,
//! each with its unit in a `Unit` attribute (`Recipe.Param.Modulation` = `0.2`,
//! `Recipe.Param.Modulation.Unit` = `mT`). A recipe value without a unit is left out. The MS5000
//! writes `0` for a frequency and a temperature it did not measure (`DipSweep.xml`,
//! `Mangan_Ausgangslage.xml`): a zero is absent. With `BHoldEnabled` the field is held at
//! `BHold` and the signal recorded against time: the experiment is `transient` and `BHold` the
//! centre; otherwise a field sweep (`XDatasource` `BField`) is `cw` from `Bfrom` to `Bto`.
//!
//! Older binary `.spe` (`magnettech-spe`): the trailer's values as eprload names them, in its
//! units (`B0_Field`, `B0_Scan`, `Modulation` in mT, `MW_Attenuation` in dB, `Time_const` in
//! s, `Temperature` in °C, `mwFreq` in GHz, `Gain` linear).

use super::date::iso_timestamp;
use super::units::{from_text, kelvin_from_celsius, nonzero, plain};
use super::{CommonMetadata, Quantity, Text};
use crate::dataset::Params;

/// The prefix of the recipe parameters.
const RECIPE: &str = "Recipe.Param.";

/// The common metadata of an MS5000 XML file.
pub fn xml_metadata(params: &Params) -> CommonMetadata {
    let text = |key: &str| params.get(key).and_then(|v| Text::new(v, key));
    let held = params.boolean("Recipe.Param.BHoldEnabled") == Some(true);
    let field_sweep = params.get("XDatasource").map(str::trim) == Some("BField");
    let (first, last) = if held {
        (None, None)
    } else {
        (recipe(params, "Bfrom", None), recipe(params, "Bto", None))
    };
    let field_unit = first
        .as_ref()
        .filter(|f| last.as_ref().is_some_and(|l| l.unit == f.unit))
        .map(|f| f.unit.clone());
    let center = if held {
        recipe(params, "BHold", None)
    } else {
        first.as_ref().zip(last.as_ref()).and_then(|(f, l)| {
            let unit = field_unit.as_deref()?;
            sweep_quantity((f.value + l.value) / 2.0, unit)
        })
    };
    let width = first.as_ref().zip(last.as_ref()).and_then(|(f, l)| {
        let unit = field_unit.as_deref()?;
        sweep_quantity(l.value - f.value, unit)
    });
    let unit = field_unit.or_else(|| center.as_ref().map(|c| c.unit.clone()));
    let experiment = if held {
        Text::new("transient", "Recipe.Param.BHoldEnabled")
    } else if field_sweep {
        Text::new("cw", "XDatasource")
    } else {
        None
    };
    CommonMetadata {
        microwave_frequency: nonzero(params, "MwFreq", "GHz", None),
        field_center: center,
        field_sweep_width: width,
        field_first: first,
        field_last: last,
        modulation_amplitude: recipe(params, "Modulation", unit.as_deref()),
        field_unit: unit.and_then(|u| Text::new(&u, "Recipe.Param.Bfrom.Unit")),
        modulation_frequency: recipe(params, "ModulationFreq", Some("kHz")),
        microwave_power: recipe(params, "MicrowavePower", Some("mW")),
        scans: plain(params, "Recipe.Param.Accumulations", "1", None),
        temperature: params
            .get("Temperature")
            .filter(|t| crate::dataset::parse_number(t) != Some(0.0))
            .and_then(|t| kelvin_from_celsius(t, "Temperature")),
        experiment_type: experiment,
        acquired: params
            .get("Timestamp")
            .and_then(iso_timestamp)
            .and_then(|t| Text::new(&t, "Timestamp")),
        title: text("Name"),
        instrument: text("Device"),
        intensity_unit: text("YUnit"),
        ..CommonMetadata::default()
    }
}

/// The field sweep's centre or width computed from `Bfrom` and `Bto`.
fn sweep_quantity(value: f64, unit: &str) -> Option<Quantity> {
    value.is_finite().then(|| Quantity {
        value,
        unit: unit.to_string(),
        source: "Recipe.Param.Bfrom, Recipe.Param.Bto".to_string(),
    })
}

/// The recipe parameter `name` in the unit of its `Unit` attribute, converted to `to`; absent
/// without a unit.
fn recipe(params: &Params, name: &str, to: Option<&str>) -> Option<Quantity> {
    let key = format!("{RECIPE}{name}");
    let unit = params.get(&format!("{key}.Unit"))?.trim();
    from_text(params.get(&key)?, unit, to, &key)
}

/// The common metadata of a `.spe` file.
pub fn spe_metadata(params: &Params) -> CommonMetadata {
    CommonMetadata {
        microwave_frequency: plain(params, "mwFreq", "GHz", None),
        field_center: plain(params, "B0_Field", "mT", None),
        field_sweep_width: plain(params, "B0_Scan", "mT", None),
        field_unit: params
            .contains("B0_Field")
            .then(|| Text::new("mT", "magnettech-spe"))
            .flatten(),
        modulation_amplitude: plain(params, "Modulation", "mT", None),
        attenuation: plain(params, "MW_Attenuation", "dB", None),
        receiver_gain: plain(params, "Gain", "1", None),
        time_constant: nonzero(params, "Time_const", "s", Some("ms")),
        temperature: params
            .get("Temperature")
            .and_then(|t| kelvin_from_celsius(t, "Temperature")),
        ..CommonMetadata::default()
    }
}
