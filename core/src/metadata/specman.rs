//! The common metadata of a SpecMan4EPR dataset, from its `.exp` file (sections become key
//! prefixes: `general.name`, `params.Field`, `streams.units`).
//!
//! SpecMan writes what an experiment sets in `[params]`, one value with its unit before the
//! `;` (`Field = 12.146 kG;p;Field@FLD`), and every device's own settings in sections named
//! after the device as configured in that laboratory (`FLD`, `ER032`, `SRC1`, `EPRMAIN`), which
//! no rule can read without guessing which device is the spectrometer's. So only `[params]`
//! and the fixed sections are read: the field from `params.Field` or `params.B0` and the
//! microwave frequency from `params.Frequency` where they hold one value (a swept one is an
//! axis), the title from `general.name`, the start from `general.starttime`, the scans from
//! `streams.scans`, the intensity unit from `streams.units` and the video amplifier's gain from
//! `VIDEO.Gain`. Every SpecMan experiment is a pulse sequence: the type is `pulse`.

use super::date::ctime;
use super::units::{first_of, with_unit};
use super::{CommonMetadata, Quantity, Text};
use crate::dataset::Params;

/// The field unit of the common metadata of SpecMan datasets.
const FIELD_UNIT: &str = "mT";

/// The common metadata of SpecMan parameters.
pub fn common_metadata(params: &Params) -> CommonMetadata {
    let field = experiment_value(params, &["Field", "B0"], FIELD_UNIT);
    CommonMetadata {
        microwave_frequency: experiment_value(params, &["Frequency"], "GHz"),
        field_unit: field
            .as_ref()
            .and_then(|f| Text::new(FIELD_UNIT, &f.source)),
        field_center: field,
        receiver_gain: params
            .get("VIDEO.Gain")
            .and_then(|g| with_unit(g, "dB", "VIDEO.Gain")),
        scans: first_of(params, "streams.scans", "1", None),
        experiment_type: params
            .contains("general.name")
            .then(|| Text::new("pulse", "SpecMan4EPR"))
            .flatten(),
        acquired: params
            .get("general.starttime")
            .and_then(ctime)
            .and_then(|t| Text::new(&t, "general.starttime")),
        title: params
            .get("general.name")
            .and_then(|v| Text::new(v, "general.name")),
        intensity_unit: params.get("streams.units").and_then(same_unit),
        ..CommonMetadata::default()
    }
}

/// The first of `names` in `[params]` whose value (before the `;`) is one number with a unit
/// of the kind of `to`, converted to `to`.
fn experiment_value(params: &Params, names: &[&str], to: &str) -> Option<Quantity> {
    names.iter().find_map(|name| {
        let key = format!("params.{name}");
        let value = params.get(&key)?.split(';').next()?;
        with_unit(value, to, &key)
    })
}

/// The unit of `streams.units` (`V, V`) where every stream has the same one.
fn same_unit(units: &str) -> Option<Text> {
    let mut all = units.split(',').map(str::trim);
    let first = all.next()?;
    all.all(|u| u == first)
        .then(|| Text::new(first, "streams.units"))
        .flatten()
}
