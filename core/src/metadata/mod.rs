//! The common metadata: a vendor-neutral set of acquisition settings (microwave frequency,
//! field, modulation, power, gain, time constant, scans, temperature, experiment type, date,
//! title, ...), each with its unit and the parameter it came from, mapped from each format's
//! own parameters.
//!
//! Every number is in one fixed unit per field (GHz, mW, dB, kHz, ms, K; fields in the
//! dataset's field unit), converted from the unit the file uses; a field the file does not
//! give is absent (`None`), never a placeholder text or a guess. Each format has one mapping
//! function `fn(&Params) -> CommonMetadata` (its entry of the format table,
//! [`crate::formats::Format::common_metadata`]);
//! [`common_metadata`] calls the one of the dataset's format and completes the field sweep from
//! the dataset's own axes.

mod activespectrum;
mod adani;
mod bes3t;
mod ciqtek;
pub mod date;
mod esp;
mod eth;
mod jeol;
mod magnettech;
mod specman;
pub mod units;

use serde_json::{json, Map, Value as Json};

use crate::dataset::Dataset;

/// A number with its unit and the parameter(s) it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The value, in `unit`.
    pub value: f64,
    /// The unit (`GHz`, `G`, `mW`, `dB`, ...; `1` for a pure number such as a count or a
    /// linear gain).
    pub unit: String,
    /// The parameter key(s) the value comes from (`MWFQ`, `signalChannel.ModAmp`, `x axis`).
    pub source: String,
}

/// A text value and the parameter(s) it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The text (never empty).
    pub value: String,
    /// The parameter key(s) the text comes from.
    pub source: String,
}

impl Text {
    /// A text from `source`, or `None` for an empty or blank one.
    pub fn new(value: &str, source: &str) -> Option<Text> {
        let value = value.trim();
        (!value.is_empty()).then(|| Text {
            value: value.to_string(),
            source: source.to_string(),
        })
    }
}

/// The common metadata of a dataset: every field optional, absent where the file does not
/// say. Units: microwave frequency GHz; field centre, sweep width, first and last and the
/// modulation amplitude in `field_unit`; modulation frequency kHz; microwave power mW;
/// attenuation dB; receiver gain dB or `1` (linear, as ESP writes it); conversion time and time
/// constant ms; scans `1`; temperature K.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommonMetadata {
    /// Microwave frequency (GHz).
    pub microwave_frequency: Option<Quantity>,
    /// Centre of the field sweep, or the static field of a measurement at one field.
    pub field_center: Option<Quantity>,
    /// Width of the field sweep (last minus first).
    pub field_sweep_width: Option<Quantity>,
    /// First field of the sweep.
    pub field_first: Option<Quantity>,
    /// Last field of the sweep.
    pub field_last: Option<Quantity>,
    /// The unit of every field value (`G`, `mT`, `T`).
    pub field_unit: Option<Text>,
    /// Field modulation amplitude (in `field_unit`).
    pub modulation_amplitude: Option<Quantity>,
    /// Field modulation frequency (kHz).
    pub modulation_frequency: Option<Quantity>,
    /// Microwave power (mW).
    pub microwave_power: Option<Quantity>,
    /// Microwave attenuation (dB).
    pub attenuation: Option<Quantity>,
    /// Receiver gain (dB, or `1` for a linear factor).
    pub receiver_gain: Option<Quantity>,
    /// Conversion time per point (ms).
    pub conversion_time: Option<Quantity>,
    /// Receiver time constant (ms).
    pub time_constant: Option<Quantity>,
    /// Number of scans accumulated.
    pub scans: Option<Quantity>,
    /// Sample temperature (K).
    pub temperature: Option<Quantity>,
    /// Experiment type: `cw`, `pulse`, `transient` or `endor`.
    pub experiment_type: Option<Text>,
    /// Acquisition date and time, ISO 8601 (instrument local time), or the date alone.
    pub acquired: Option<Text>,
    /// Title of the dataset.
    pub title: Option<Text>,
    /// Sample name.
    pub sample: Option<Text>,
    /// Comment.
    pub comment: Option<Text>,
    /// Operator.
    pub operator: Option<Text>,
    /// Instrument (spectrometer).
    pub instrument: Option<Text>,
    /// Resonator.
    pub resonator: Option<Text>,
    /// Unit of the intensity (the data values), where the file gives one.
    pub intensity_unit: Option<Text>,
}

/// One field of the common metadata, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    /// A number with a unit.
    Quantity(&'a Quantity),
    /// A text.
    Text(&'a Text),
}

impl Field<'_> {
    /// The value as text with its unit (`9.487074 GHz`, `60 dB`, `124`, `cw`); a unit `1` is
    /// not written.
    pub fn display(&self) -> String {
        match self {
            Field::Quantity(q) if q.unit == "1" || q.unit.is_empty() => format!("{}", q.value),
            Field::Quantity(q) => format!("{} {}", q.value, q.unit),
            Field::Text(t) => t.value.clone(),
        }
    }

    /// The field as JSON: `{"value", "unit", "source"}` for a quantity, `{"value", "source"}`
    /// for a text.
    pub fn to_json(&self) -> Json {
        match self {
            Field::Quantity(q) => json!({"value": q.value, "unit": q.unit, "source": q.source}),
            Field::Text(t) => json!({"value": t.value, "source": t.source}),
        }
    }
}

impl CommonMetadata {
    /// Every field in a fixed order, by name, present or not.
    pub fn entries(&self) -> [(&'static str, Option<Field<'_>>); 24] {
        fn q(v: &Option<Quantity>) -> Option<Field<'_>> {
            v.as_ref().map(Field::Quantity)
        }
        fn t(v: &Option<Text>) -> Option<Field<'_>> {
            v.as_ref().map(Field::Text)
        }
        [
            ("microwave_frequency", q(&self.microwave_frequency)),
            ("field_center", q(&self.field_center)),
            ("field_sweep_width", q(&self.field_sweep_width)),
            ("field_first", q(&self.field_first)),
            ("field_last", q(&self.field_last)),
            ("field_unit", t(&self.field_unit)),
            ("modulation_amplitude", q(&self.modulation_amplitude)),
            ("modulation_frequency", q(&self.modulation_frequency)),
            ("microwave_power", q(&self.microwave_power)),
            ("attenuation", q(&self.attenuation)),
            ("receiver_gain", q(&self.receiver_gain)),
            ("conversion_time", q(&self.conversion_time)),
            ("time_constant", q(&self.time_constant)),
            ("scans", q(&self.scans)),
            ("temperature", q(&self.temperature)),
            ("experiment_type", t(&self.experiment_type)),
            ("acquired", t(&self.acquired)),
            ("title", t(&self.title)),
            ("sample", t(&self.sample)),
            ("comment", t(&self.comment)),
            ("operator", t(&self.operator)),
            ("instrument", t(&self.instrument)),
            ("resonator", t(&self.resonator)),
            ("intensity_unit", t(&self.intensity_unit)),
        ]
    }

    /// The fields that are present, in the order of [`CommonMetadata::entries`].
    pub fn present(&self) -> Vec<(&'static str, Field<'_>)> {
        self.entries()
            .into_iter()
            .filter_map(|(name, field)| Some((name, field?)))
            .collect()
    }

    /// The present fields as a JSON object (absent fields are left out).
    pub fn to_json(&self) -> Json {
        let map: Map<String, Json> = self
            .present()
            .into_iter()
            .map(|(name, field)| (name.to_string(), field.to_json()))
            .collect();
        Json::Object(map)
    }
}

pub use activespectrum::common_metadata as activespectrum_metadata;
pub use adani::{dat_metadata as adani_dat_metadata, json_metadata as adani_json_metadata};
pub use bes3t::common_metadata as bes3t_metadata;
pub use ciqtek::common_metadata as ciqtek_metadata;
pub use esp::common_metadata as esp_metadata;
pub use eth::common_metadata as eth_d00_metadata;
pub use jeol::common_metadata as jeol_metadata;
pub use magnettech::{
    spe_metadata as magnettech_spe_metadata, xml_metadata as magnettech_xml_metadata,
};
pub use specman::common_metadata as specman_metadata;

/// The common metadata of a dataset: its format's mapping of the parameters, then the field
/// sweep from the dataset's axes where one is a field (first, last, centre and width in the
/// axis's unit replace what the parameters said, since the axis is what the data were
/// measured on).
pub fn common_metadata(dataset: &Dataset) -> CommonMetadata {
    let mut md = crate::formats::by_id(dataset.format().as_str())
        .map(|format| format.common_metadata(dataset.params()))
        .unwrap_or_default();
    complete_from_axes(&mut md, dataset);
    md
}

/// Fills the field sweep from the first axis with a field unit, and re-expresses the other
/// field values (centre, modulation amplitude) in that axis's unit. An axis whose first or
/// last value is not finite (NaN in an axis file) gives nothing; a width that overflows is
/// absent, and so is a modulation amplitude that overflows in the axis's unit.
fn complete_from_axes(md: &mut CommonMetadata, dataset: &Dataset) {
    let letters = ["x", "y", "z"];
    let field_axis = (0..3).find_map(|dim| {
        let axis = dataset.axis(dim)?;
        let unit = units::field_unit_name(&axis.unit)?;
        Some((letters[dim], axis, unit))
    });
    let Some((letter, axis, unit)) = field_axis else {
        return;
    };
    let (Some(&first), Some(&last)) = (axis.values.first(), axis.values.last()) else {
        return;
    };
    let source = format!("{letter} axis");
    // An axis file may hold NaN, or values whose difference overflows: such a value is no
    // field.
    let q = |value: f64| {
        value.is_finite().then(|| Quantity {
            value,
            unit: unit.to_string(),
            source: source.clone(),
        })
    };
    let (Some(first_q), Some(last_q)) = (q(first), q(last)) else {
        return;
    };
    md.field_first = Some(first_q);
    md.field_last = Some(last_q);
    md.field_center = q((first + last) / 2.0).or_else(|| q(first / 2.0 + last / 2.0));
    md.field_sweep_width = q(last - first);
    md.field_unit = Text::new(unit, &source);
    if let Some(m) = md.modulation_amplitude.take() {
        md.modulation_amplitude = match units::convert(m.value, &m.unit, unit) {
            Some(v) if v.is_finite() => Some(Quantity {
                value: v,
                unit: unit.to_string(),
                ..m
            }),
            Some(_) => None,
            None => Some(m),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_fields_are_left_out_of_the_json() {
        let md = CommonMetadata {
            microwave_frequency: Some(Quantity {
                value: 9.5,
                unit: "GHz".into(),
                source: "MWFQ".into(),
            }),
            title: Text::new("  ", "TITL"),
            ..CommonMetadata::default()
        };
        let json = md.to_json();
        let obj = json.as_object().unwrap();
        assert_eq!(obj.len(), 1, "{json}");
        assert_eq!(json["microwave_frequency"]["unit"], "GHz");
        assert_eq!(json["microwave_frequency"]["source"], "MWFQ");
    }
}
