//! The Adani e-Spinoza JSON reader (`.json`), following eprload's `eprload_AdaniJSON`: the
//! spectra of `Values`, each a list of field points whose `Points` are samples over one
//! modulation period; the value of a point is `sum(Points .* sin(2*pi*(0:n-1)'/n + Phase))`
//! (`Phase` 0 where missing), computed as eprload computes it (each product rounded, summed in
//! order from the first). Field axis `linspace(-1, 1, points) * SweepWidth/2 +
//! CenterMagneticField`; several spectra make a 2-D dataset with the second axis
//! `linspace(InitialValue2D, FinalValue2D, spectra)`. Parameters: the whole document
//! ([`super::json`]), the spectra as the JSON text of `Values`. Decoded once when the plan is
//! made.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json::{self, first_json_key, self_seed, FirstKey, JsonDocument, Numbers};
use super::sine;
use super::textfile::{plan_text_file, TextDataset};
use super::{AxisPlan, AxisValues, Format, Member, Plan, Recorder, Scaling, Signature};
use crate::error::{Error, Result};

/// The top-level keys of an e-Spinoza document; one of them comes first.
const TOP_KEYS: [&str; 5] = [
    "ExperimentOptions",
    "Values",
    "Phase",
    "NoiseLevel",
    "MwFrequencyKHz",
];

/// Adani spectrometers (SPINSCAN and others), e-Spinoza's JSON export.
#[derive(Debug)]
pub struct AdaniJson;

impl Format for AdaniJson {
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::adani_json_metadata(params)
    }

    fn id(&self) -> &'static str {
        "adani-json"
    }

    fn name(&self) -> &'static str {
        "Adani e-Spinoza JSON"
    }

    fn vendor(&self) -> &'static str {
        "Adani"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["json"],
        }]
    }

    fn generic_extension(&self) -> bool {
        true
    }

    /// A JSON object whose first key is one of e-Spinoza's top-level keys; other JSON is not
    /// an Adani file.
    fn signature(&self, head: &[u8]) -> Signature {
        match first_json_key(head) {
            FirstKey::Key(k) if TOP_KEYS.iter().any(|t| t.as_bytes() == k) => Signature::Matches,
            FirstKey::Unknown => Signature::Silent,
            _ => Signature::Contradicts,
        }
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        plan_text_file(&AdaniJson, members, scaling, rec, decode)
    }
}

/// Reads the document: parameters, the samples of every point, then eprload's sums and axes.
fn decode(bytes: &[u8], path: &Path) -> Result<TextDataset> {
    let doc = JsonDocument::parse(bytes, path)?;
    let phase = doc.number("Phase", path)?.unwrap_or(0.0);
    let samples = read_sums(doc.required_array("Values", path)?, phase, path)?;
    let center =
        doc.required_number("ExperimentOptions.CommonOptions.CenterMagneticField", path)?;
    let width = doc.required_number("ExperimentOptions.CommonOptions.SweepWidth", path)?;
    let mut axes = [
        Some(AxisPlan {
            len: samples.points,
            name: String::new(),
            unit: String::new(),
            values: AxisValues::Linspace {
                offset: center,
                // linspace(-1, 1, n) * SweepWidth / 2: halving is exact, so this is the same.
                scale: width / 2.0,
                start: -1.0,
                end: 1.0,
            },
        }),
        None,
        None,
    ];
    if samples.spectra > 1 {
        axes[1] = Some(AxisPlan {
            len: samples.spectra,
            name: String::new(),
            unit: String::new(),
            values: AxisValues::Linspace {
                offset: 0.0,
                scale: 1.0,
                start: doc.required_number("ExperimentOptions.InitialValue2D", path)?,
                end: doc.required_number("ExperimentOptions.FinalValue2D", path)?,
            },
        });
    }
    Ok(TextDataset {
        dims: [samples.points, samples.spectra, 1],
        complex: false,
        values: samples.values,
        axes,
        params: doc.params,
        warnings: Vec::new(),
    })
}

/// The spectra as eprload sums them: per point, the samples times the sines of their phases
/// (`sin(2*pi*(0:n-1).'/n + Phase)`, in eprload's order of operations), each product rounded,
/// summed from the first.
struct Sums {
    /// The phase added to every sample's.
    phase: f64,
    /// The sines, made when the first point gives the number of samples.
    sines: Vec<f64>,
    /// The number of spectra.
    spectra: usize,
    /// Points per spectrum (the first spectrum's).
    points: usize,
    /// The value of every point, spectrum after spectrum.
    values: Vec<f64>,
    /// The samples of the point being read.
    samples: Vec<f64>,
}

impl Sums {
    /// Adds the value of the point whose samples were read; the first point sets the number
    /// of samples.
    fn add_point(&mut self) -> std::result::Result<(), String> {
        if self.sines.is_empty() {
            let n = self.samples.len();
            self.sines = (0..n)
                .map(|k| sine::sin(2.0 * PI * k as f64 / n as f64 + self.phase))
                .collect();
        }
        let sum = self
            .samples
            .iter()
            .zip(&self.sines)
            .fold(0.0, |sum, (p, s)| sum + p * s);
        if self.values.len() == self.values.capacity() {
            self.values
                .try_reserve(self.values.len().max(1024))
                .map_err(|_| "cannot allocate memory for the values".to_string())?;
        }
        self.values.push(sum);
        Ok(())
    }
}

/// Reads the spectra from the JSON text of `Values` and sums them with `phase`.
fn read_sums(text: &str, phase: f64, path: &Path) -> Result<Sums> {
    let mut sums = Sums {
        phase,
        sines: Vec::new(),
        spectra: 0,
        points: 0,
        values: Vec::new(),
        samples: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_seq(&mut de, SpectrumList(&mut sums))
        .map_err(|e| Error::format(path, format!("key Values: {}", json::message(&e))))?;
    if sums.spectra == 0 {
        return Err(Error::format(
            path,
            "key Values: expected at least one spectrum, found none",
        ));
    }
    Ok(sums)
}

/// The list of spectra.
struct SpectrumList<'a>(&'a mut Sums);

impl<'de> Visitor<'de> for SpectrumList<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of spectra")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(Spectrum(&mut *self.0))?.is_some() {
            self.0.spectra += 1;
        }
        Ok(())
    }
}

/// One spectrum: an object whose `Values` are its points.
struct Spectrum<'a>(&'a mut Sums);

self_seed!(Spectrum<'_>, (), deserialize_map);

impl<'de> Visitor<'de> for Spectrum<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "spectrum {} as an object", self.0.spectra + 1)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let spectrum = self.0.spectra + 1;
        let mut points = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "Values" && points.is_none() {
                points = Some(map.next_value_seed(PointList(&mut *self.0))?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        let points = points
            .ok_or_else(|| de::Error::custom(format!("spectrum {spectrum}: Values is missing")))?;
        if spectrum == 1 {
            if points == 0 {
                return Err(de::Error::custom("spectrum 1: Values has no points"));
            }
            self.0.points = points;
        } else if points != self.0.points {
            return Err(de::Error::custom(format!(
                "spectrum {spectrum}: {points} points, the first spectrum {}",
                self.0.points
            )));
        }
        Ok(())
    }
}

/// The points of one spectrum; its value is their count.
struct PointList<'a>(&'a mut Sums);

self_seed!(PointList<'_>, usize, deserialize_seq);

impl<'de> Visitor<'de> for PointList<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "spectrum {}: Values as an array", self.0.spectra + 1)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<usize, A::Error> {
        let mut count = 0;
        while seq
            .next_element_seed(Point(&mut *self.0, count + 1))?
            .is_some()
        {
            count += 1;
        }
        Ok(count)
    }
}

/// One point (numbered from 1 within its spectrum): an object whose `Points` are its samples.
struct Point<'a>(&'a mut Sums, usize);

self_seed!(Point<'_>, (), deserialize_map);

impl<'de> Visitor<'de> for Point<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "spectrum {} point {} as an object",
            self.0.spectra + 1,
            self.1
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let sums = self.0;
        let (spectrum, point) = (sums.spectra + 1, self.1);
        sums.samples.clear();
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "Points" && !found {
                found = true;
                let context = || format!("spectrum {spectrum} point {point}: Points");
                map.next_value_seed(Numbers {
                    out: &mut sums.samples,
                    context: &context,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        let count = sums.samples.len();
        let first = sums.sines.is_empty();
        if !found || count == 0 || (!first && count != sums.sines.len()) {
            return Err(de::Error::custom(format!(
                "spectrum {spectrum} point {point}: expected {} samples in Points, found {}",
                if first {
                    "some".to_string()
                } else {
                    sums.sines.len().to_string()
                },
                if found {
                    count.to_string()
                } else {
                    "no Points".to_string()
                }
            )));
        }
        sums.add_point().map_err(de::Error::custom)
    }
}
