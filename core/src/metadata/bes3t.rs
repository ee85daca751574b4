//! The common metadata of a Bruker BES3T dataset.
//!
//! Two layers say the same things: the standard parameter layer (`#SPL`: `MWFQ` in Hz, `MWPW`
//! in W, `B0MA` in T, `SPTP` and `RCTC` in s, `STMP` in K, always SI and without units) and
//! the device layer (`#DSL`: `FrequencyMon 9.487074 GHz`, `ModAmp 0.50 G`, values written with
//! their units, per device block). The standard layer is read first, as it is the one every
//! Xepr writes in fixed units; the device layer fills what it lacks, its units read from each
//! value. Field values are given in gauss (the device layer's unit) unless an axis of the
//! dataset is a field in another unit.

use super::date::iso_date_time;
use super::units::{converted, plain, with_unit};
use super::{CommonMetadata, Quantity, Text};
use crate::dataset::Params;

/// The field unit of values that do not come from an axis.
const FIELD_UNIT: &str = "G";

/// The common metadata of BES3T parameters.
pub fn common_metadata(params: &Params) -> CommonMetadata {
    let text = |key: &str| params.get(key).and_then(|v| Text::new(v, key));
    let has_field = params.contains("B0VL") || params.contains("CenterField");
    CommonMetadata {
        microwave_frequency: plain(params, "MWFQ", "Hz", Some("GHz"))
            .or_else(|| device(params, "freqCounter", "FrequencyMon", "GHz")),
        field_center: plain(params, "B0VL", "T", Some(FIELD_UNIT))
            .or_else(|| device(params, "fieldCtrl", "CenterField", FIELD_UNIT)),
        field_unit: has_field.then(|| Text::new(FIELD_UNIT, "BES3T")).flatten(),
        modulation_amplitude: plain(params, "B0MA", "T", Some(FIELD_UNIT))
            .or_else(|| device(params, "signalChannel", "ModAmp", FIELD_UNIT)),
        modulation_frequency: plain(params, "B0MF", "Hz", Some("kHz"))
            .or_else(|| device(params, "signalChannel", "ModFreq", "kHz")),
        microwave_power: plain(params, "MWPW", "W", Some("mW"))
            .or_else(|| device(params, "mwBridge", "Power", "mW")),
        attenuation: device(params, "mwBridge", "PowerAtten", "dB"),
        receiver_gain: plain(params, "RCAG", "dB", None)
            .or_else(|| device(params, "signalChannel", "Gain", "dB")),
        conversion_time: plain(params, "SPTP", "s", Some("ms"))
            .or_else(|| device(params, "signalChannel", "ConvTime", "ms")),
        time_constant: plain(params, "RCTC", "s", Some("ms"))
            .or_else(|| device(params, "signalChannel", "TimeConst", "ms")),
        scans: plain(params, "AVGS", "1", None)
            .or_else(|| count(params, "recorder", "NbScansDone")),
        temperature: plain(params, "STMP", "K", None)
            .or_else(|| device_any(params, "Temperature", "K")),
        experiment_type: experiment_type(params),
        acquired: params.get("DATE").and_then(|date| {
            let iso = iso_date_time(date, params.get("TIME"))?;
            Text::new(&iso, "DATE, TIME")
        }),
        title: text("TITL"),
        sample: text("SAMP"),
        comment: text("CMNT"),
        operator: text("OPER"),
        instrument: None,
        resonator: text("RESO"),
        intensity_unit: params.get("IRUNI").and_then(intensity_unit),
        ..CommonMetadata::default()
    }
}

/// The unit of the values from `IRUNI`, which lists one quoted unit per component
/// (`'',''` for two without a unit): the unit where every component has the same one,
/// nothing where none has one or they differ.
fn intensity_unit(iruni: &str) -> Option<Text> {
    let units: Vec<&str> = iruni
        .split(',')
        .map(|u| u.trim().trim_matches('\'').trim())
        .collect();
    let first = units[0];
    if units.iter().all(|u| *u == first) {
        Text::new(first, "IRUNI")
    } else {
        None
    }
}

/// `cw` or `pulse` from `EXPT` (`CW`, `PLS`); a CW experiment recorded by the transient
/// recorder (`OXS1 TADC`) is `transient`.
fn experiment_type(params: &Params) -> Option<Text> {
    let expt = params.get("EXPT")?.trim();
    let transient = params.get("OXS1").is_some_and(|o| o.trim() == "TADC");
    let (value, source) = match expt {
        "CW" if transient => ("transient", "EXPT, OXS1"),
        "CW" => ("cw", "EXPT"),
        "PLS" => ("pulse", "EXPT"),
        _ => return None,
    };
    Text::new(value, source)
}

/// A device-layer value written with its unit (`ModAmp 0.50 G`) in block `block`, converted to
/// `to`; a value with another kind of unit is absent.
fn device(params: &Params, block: &str, key: &str, to: &str) -> Option<Quantity> {
    let value = in_block(params, block, key)?;
    with_unit(value, to, &format!("{block}.{key}"))
}

/// Like [`device`] for a key in any device block (the last one that has it).
fn device_any(params: &Params, key: &str, to: &str) -> Option<Quantity> {
    let entry = params
        .entries()
        .iter()
        .rev()
        .find(|p| p.key == key && p.device.is_some())?;
    let block = entry.device.as_deref().unwrap_or_default();
    with_unit(&entry.value, to, &format!("{block}.{key}"))
}

/// A plain count in a device block (`NbScansDone 124`).
fn count(params: &Params, block: &str, key: &str) -> Option<Quantity> {
    let value = crate::dataset::parse_number(in_block(params, block, key)?)?;
    converted(value, "1", None, &format!("{block}.{key}"))
}

/// The value of `key` in the device block named `block` (the last such entry).
fn in_block<'a>(params: &'a Params, block: &str, key: &str) -> Option<&'a str> {
    params
        .entries()
        .iter()
        .rev()
        .find(|p| p.key == key && p.device.as_deref() == Some(block))
        .map(|p| p.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::text::parse_dsc;

    #[test]
    fn standard_layer_values_are_converted_to_the_common_units() {
        let p = parse_dsc(
            b"#SPL\nDATE 04/13/11\nTIME 17:43:58\nEXPT CW\nMWFQ 9.487074e+09\nMWPW 1.988e-05\n\
              AVGS 124\nRCAG 60\nB0MA 5e-05\nB0MF 100000\nRCTC 0.08192\nSPTP 0.04096\nSTMP 50\n\
              SAMP\nTITL 'x'\n#DSL\n.DVC mwBridge, 1.0\nPowerAtten 40 dB\n",
        );
        let md = common_metadata(&p);
        let q = |f: &Option<Quantity>| f.as_ref().map(|q| (q.value, q.unit.clone()));
        assert_eq!(q(&md.microwave_frequency), Some((9.487074, "GHz".into())));
        assert_eq!(q(&md.microwave_power), Some((0.01988, "mW".into())));
        assert_eq!(q(&md.modulation_amplitude), Some((0.5, "G".into())));
        assert_eq!(q(&md.modulation_frequency), Some((100.0, "kHz".into())));
        assert_eq!(q(&md.time_constant), Some((81.92, "ms".into())));
        assert_eq!(q(&md.conversion_time), Some((40.96, "ms".into())));
        assert_eq!(q(&md.temperature), Some((50.0, "K".into())));
        assert_eq!(q(&md.scans), Some((124.0, "1".into())));
        assert_eq!(q(&md.receiver_gain), Some((60.0, "dB".into())));
        assert_eq!(q(&md.attenuation), Some((40.0, "dB".into())));
        assert_eq!(md.acquired.unwrap().value, "2011-04-13T17:43:58");
        assert_eq!(md.experiment_type.unwrap().value, "cw");
        assert_eq!(md.sample, None, "an empty SAMP is absent");
        assert_eq!(md.instrument, None);
    }

    #[test]
    fn intensity_units_are_read_per_component() {
        assert_eq!(
            intensity_unit("',''").map(|t| t.value),
            None,
            "'','' after quote removal"
        );
        assert_eq!(intensity_unit("V").map(|t| t.value).as_deref(), Some("V"));
        assert_eq!(
            intensity_unit("V','V").map(|t| t.value).as_deref(),
            Some("V")
        );
        assert_eq!(
            intensity_unit("V','mV").map(|t| t.value),
            None,
            "units differ"
        );
    }

    #[test]
    fn device_layer_fills_what_the_standard_layer_lacks() {
        let p = parse_dsc(
            b"#DSL\n.DVC fieldCtrl, 1.0\nCenterField 3380.00 G\n.DVC signalChannel, 1.0\n\
              ModAmp 1.000 mT\nModFreq 100.00 kHz\nGain 60 dB\nTimeConst 1.28 ms\n\
              .DVC freqCounter, 1.0\nFrequencyMon 9.4 GHz\n.DVC mwBridge, 1.0\nPower 2 uW\n",
        );
        let md = common_metadata(&p);
        let q = |f: &Option<Quantity>| {
            f.as_ref()
                .map(|q| (q.value, q.unit.clone(), q.source.clone()))
        };
        assert_eq!(
            q(&md.field_center),
            Some((3380.0, "G".into(), "fieldCtrl.CenterField".into()))
        );
        assert_eq!(q(&md.modulation_amplitude).unwrap().0, 10.0, "1 mT is 10 G");
        assert_eq!(q(&md.microwave_frequency).unwrap().0, 9.4);
        assert_eq!(q(&md.microwave_power).unwrap().0, 0.002);
        assert_eq!(md.field_unit.unwrap().value, "G");
        assert_eq!(md.experiment_type, None, "no EXPT: no type");
    }
}
