//! The common metadata of a CIQTEK dataset (`.epr`, JSON): the top-level keys (`name`,
//! `devicename`, `createTime`, `type`) and the `setting` object, whose keys are the names of
//! the acquisition program's input fields (`lineEdit_SC_ModulAmp`); the sweep's fields carry
//! the experiment's name (`lineEdit_1DFieldSweep_CenterField`,
//! `lineEdit_2DFieldDelaySweep_CenterField`) and are found by their ending.
//!
//! Units as the program shows them (and as the files' axes confirm for the field): fields and
//! the modulation amplitude in G, `frequency` in GHz, power in mW, attenuation in dB,
//! modulation frequency in kHz, conversion time and time constant in ms, temperature in K; the
//! receiver gain is a linear factor. The temperature is read only when the temperature
//! controller was on (`pushButton_Temp_OnOff` 1): otherwise `lineEdit_Temp_CurrTemp` is the
//! controller's idle value (273.0 in both corpus files), not a measurement.

use super::date::iso_timestamp;
use super::units::from_text;
use super::{CommonMetadata, Quantity, Text};
use crate::dataset::Params;

/// The field unit of CIQTEK files.
const FIELD_UNIT: &str = "G";

/// The common metadata of CIQTEK parameters.
pub fn common_metadata(params: &Params) -> CommonMetadata {
    let text = |key: &str| params.get(key).and_then(|v| Text::new(v, key));
    let setting = |name: &str, unit: &str| value(params, &format!("setting.{name}"), unit);
    let sweep = |ending: &str| sweep_value(params, ending);
    let center = sweep("_CenterField");
    let temperature_on = params.get("setting.pushButton_Temp_OnOff").map(str::trim) == Some("1");
    CommonMetadata {
        microwave_frequency: setting("frequency", "GHz"),
        field_unit: center
            .as_ref()
            .and_then(|_| Text::new(FIELD_UNIT, "CIQTEK")),
        field_center: center,
        field_sweep_width: sweep("_SweepWidth"),
        field_first: sweep("_StartField"),
        field_last: sweep("_StopField"),
        modulation_amplitude: setting("lineEdit_SC_ModulAmp", FIELD_UNIT),
        modulation_frequency: setting("comboBox_SC_ModulFreq", "kHz"),
        microwave_power: setting("lineEdit_MB_Power", "mW"),
        attenuation: setting("lineEdit_MB_Attenuation", "dB"),
        receiver_gain: setting("comboBox_SC_ReceiverGain", "1"),
        conversion_time: setting("lineEdit_SC_ConvertTime", "ms"),
        time_constant: setting("lineEdit_SC_TimeConstant", "ms"),
        scans: sweep_count(params),
        temperature: temperature_on
            .then(|| setting("lineEdit_Temp_CurrTemp", "K"))
            .flatten(),
        experiment_type: params.get("type").and_then(|t| {
            let t = t.trim_start();
            let kind = if t.starts_with("CW") {
                "cw"
            } else if t.starts_with("Pulse") {
                "pulse"
            } else {
                return None;
            };
            Text::new(kind, "type")
        }),
        acquired: params
            .get("createTime")
            .and_then(iso_timestamp)
            .and_then(|t| Text::new(&t, "createTime")),
        title: text("name"),
        instrument: text("devicename"),
        ..CommonMetadata::default()
    }
}

/// The number of `key` in `unit`.
fn value(params: &Params, key: &str, unit: &str) -> Option<Quantity> {
    from_text(params.get(key)?, unit, None, key)
}

/// The key of the `setting` entry of the sweep that ends with `ending` (the first one).
fn sweep_key<'a>(params: &'a Params, ending: &str) -> Option<&'a str> {
    params
        .entries()
        .iter()
        .map(|p| &*p.key)
        .find(|k| k.starts_with("setting.lineEdit_") && k.ends_with(ending))
}

/// A field of the sweep (`..._CenterField`) in G.
fn sweep_value(params: &Params, ending: &str) -> Option<Quantity> {
    value(params, sweep_key(params, ending)?, FIELD_UNIT)
}

/// The number of sweeps (`..._NoOfSweeps`).
fn sweep_count(params: &Params) -> Option<Quantity> {
    value(params, sweep_key(params, "_NoOfSweeps")?, "1")
}
