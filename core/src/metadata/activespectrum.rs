//! The common metadata of an Active Spectrum dataset (`.ESR`), from its header lines, whose
//! keys name their unit (`MICROWAVE POWER (mW)`, `FREQUENCY (MHz)`, `TEMPERATURE (C)`). The
//! per-sweep lines (`FREQUENCY (MHz)`, `TEMPERATURE (C)`) give the averaged spectrum's value
//! first, then one per sweep: the first is read. `DATE/TIME` is the end of the acquisition on a
//! 12-hour clock (`8/28/2014 12:20:13 PM`).

use super::date::iso_date_time;
use super::units::{first_of, kelvin_from_celsius, plain};
use super::{CommonMetadata, Text};
use crate::dataset::Params;

/// The common metadata of Active Spectrum parameters.
pub fn common_metadata(params: &Params) -> CommonMetadata {
    let text = |key: &str| params.get(key).and_then(|v| Text::new(v, key));
    let first = plain(params, "STARTING SWEEP FIELD (G)", "G", None);
    CommonMetadata {
        microwave_frequency: first_of(params, "FREQUENCY (MHz)", "MHz", Some("GHz")),
        field_unit: first.as_ref().and_then(|f| Text::new("G", &f.source)),
        field_first: first,
        field_last: plain(params, "ENDING SWEEP FIELD (G)", "G", None),
        microwave_power: plain(params, "MICROWAVE POWER (mW)", "mW", None),
        scans: plain(params, "NUMBER OF SWEEPS", "1", None),
        temperature: params
            .get("TEMPERATURE (C)")
            .and_then(|t| t.split('\t').next())
            .and_then(|t| kelvin_from_celsius(t, "TEMPERATURE (C)")),
        acquired: params.get("DATE/TIME").and_then(|stamp| {
            let (date, time) = stamp.trim().split_once(' ').unwrap_or((stamp, ""));
            let iso = iso_date_time(date, Some(time))?;
            Text::new(&iso, "DATE/TIME")
        }),
        sample: text("SAMPLE NAME"),
        comment: text("COMMENT"),
        ..CommonMetadata::default()
    }
}
