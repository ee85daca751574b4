//! The common metadata of an ETH/WIS `.d00` dataset, from its `.exp` file (INI sections become
//! key prefixes): `[mw]` `mw 1` (the first source, with its unit), `[field]` `center` and
//! `sweep` (with their units, `3.48 kGauss`), `[temp]` `sample temperature` (a number in K:
//! 293.15 in the corpus file), `[sweep]` `scans`, `[general]` `description` and `sample`.
//! Without the `.exp` file there are no parameters and nothing is known.

use super::units::{plain, with_unit};
use super::{CommonMetadata, Text};
use crate::dataset::Params;

/// The field unit of the common metadata of `.d00` datasets.
const FIELD_UNIT: &str = "G";

/// The common metadata of `.d00` parameters.
pub fn common_metadata(params: &Params) -> CommonMetadata {
    let text = |key: &str| params.get(key).and_then(|v| Text::new(v, key));
    let unit_value = |key: &str, to: &str| params.get(key).and_then(|v| with_unit(v, to, key));
    let center = unit_value("field.center", FIELD_UNIT);
    CommonMetadata {
        microwave_frequency: unit_value("mw.mw 1", "GHz"),
        field_unit: center
            .as_ref()
            .and_then(|c| Text::new(FIELD_UNIT, &c.source)),
        field_center: center,
        field_sweep_width: unit_value("field.sweep", FIELD_UNIT),
        scans: plain(params, "sweep.scans", "1", None),
        temperature: plain(params, "temp.sample temperature", "K", None),
        title: text("general.description"),
        sample: text("general.sample"),
        ..CommonMetadata::default()
    }
}
