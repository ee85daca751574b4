//! The CIQTEK reader (`.epr`, JSON), following eprload's `eprload_CIQTEK`: the traces of
//! `dataStore.lineDataList` hold `ReData` and `ImData` as rows `[x, value]`; the values are
//! complex (real parts from `ReData`, imaginary parts from `ImData`), x is the first column of
//! the first trace's `ReData`; several traces make a 2-D dataset whose second axis is each
//! trace's `params.delay`, `params.power` or `params.time2` (the first of them that the first
//! trace has), else the trace number. Parameters: the whole document ([`super::json`]), the
//! traces as the JSON text of `dataStore.lineDataList`. Decoded once when the plan is made.

use std::path::{Path, PathBuf};

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::json::{self, first_json_key, self_seed, FirstKey, JsonDocument, Kind, Numbers};
use super::scan::Scanner;
use super::textfile::{plan_text_file, TextDataset};
use super::{AxisPlan, AxisValues, Format, Member, Plan, Recorder, Scaling, Signature};
use crate::error::{Error, Result};

/// The key of the traces.
const TRACES_KEY: &str = "dataStore.lineDataList";

/// The trace parameters that give the second axis, in eprload's order of preference.
const SECOND_AXIS_KEYS: [&str; 3] = ["delay", "power", "time2"];

/// CIQTEK EPR spectrometers: one JSON file (`.epr`).
#[derive(Debug)]
pub struct Ciqtek;

impl Format for Ciqtek {
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::ciqtek_metadata(params)
    }

    fn id(&self) -> &'static str {
        "ciqtek"
    }

    fn name(&self) -> &'static str {
        "CIQTEK"
    }

    fn vendor(&self) -> &'static str {
        "CIQTEK"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["epr"],
        }]
    }

    /// A JSON object whose first key is CIQTEK's (`_dataVersion`, `dataStore`); any other
    /// object may be one too; text that is no JSON object is not.
    fn signature(&self, head: &[u8]) -> Signature {
        match first_json_key(head) {
            FirstKey::NotAnObject => Signature::Contradicts,
            FirstKey::Key(k) if k == b"_dataVersion" || k == b"dataStore" => Signature::Matches,
            _ => Signature::Silent,
        }
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        plan_text_file(&Ciqtek, members, scaling, rec, decode)
    }
}

/// Reads the document: parameters, then the traces from their JSON text.
fn decode(bytes: &[u8], path: &Path) -> Result<TextDataset> {
    let doc = JsonDocument::parse(bytes, path)?;
    let traces_text = doc.required_array(TRACES_KEY, path)?;
    let traces = read_traces(traces_text, path)?;
    let n = traces.points;
    let count = traces.count;
    let x_name = doc
        .of_kind("dataStore.xAxisName", Kind::String, path)
        .ok()
        .flatten()
        .unwrap_or("");
    let (name, unit) = name_and_unit(x_name);
    let mut axes = [
        Some(AxisPlan {
            len: n,
            name,
            unit,
            values: AxisValues::Explicit(traces.x.into()),
        }),
        None,
        None,
    ];
    if count > 1 {
        axes[1] = Some(second_axis(&traces.axis, count, path)?);
    }
    Ok(TextDataset {
        dims: [n, count, 1],
        complex: true,
        values: traces.values,
        axes,
        params: doc.params,
        warnings: Vec::new(),
    })
}

/// `Field[G]` as the name `Field` and the unit `G`; a name without `[unit]` as it is.
fn name_and_unit(text: &str) -> (String, String) {
    match text.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
        Some((name, unit)) => (name.trim().to_string(), unit.to_string()),
        None => (text.to_string(), String::new()),
    }
}

/// The second axis: the trace parameter eprload takes, each read as `sscanf('%f')` reads it,
/// or the trace numbers 1, 2, ... where the first trace has none of them.
fn second_axis(axis: &[Option<(usize, String)>], count: usize, path: &Path) -> Result<AxisPlan> {
    let Some(Some((which, _))) = axis.first() else {
        return Ok(AxisPlan {
            len: count,
            name: String::new(),
            unit: String::new(),
            values: AxisValues::Explicit((1..=count).map(|i| i as f64).collect()),
        });
    };
    let key = SECOND_AXIS_KEYS[*which];
    let mut values = Vec::with_capacity(count);
    for (i, entry) in axis.iter().enumerate() {
        let text = match entry {
            Some((w, text)) if w == which => text,
            _ => {
                return Err(Error::format(
                    path,
                    format!(
                        "key {TRACES_KEY}: trace {}: params.{key} is missing (the first trace \
                         has it, and it gives the second axis)",
                        i + 1
                    ),
                ))
            }
        };
        let mut scanner = Scanner::new(text.as_bytes());
        let value = scanner.float().filter(|_| scanner.float().is_none());
        let value = value.ok_or_else(|| {
            Error::format(
                path,
                format!(
                    "key {TRACES_KEY}: trace {}: params.{key}: expected one number, found {text:?}",
                    i + 1
                ),
            )
        })?;
        values.push(value);
    }
    Ok(AxisPlan {
        len: count,
        name: key.to_string(),
        unit: String::new(),
        values: AxisValues::Explicit(values.into()),
    })
}

/// What the traces hold.
#[derive(Default)]
struct Traces {
    /// The number of traces.
    count: usize,
    /// Points per trace (the first trace's).
    points: usize,
    /// The first column of the first trace's `ReData`.
    x: Vec<f64>,
    /// The complex values, trace after trace, `re, im` interleaved.
    values: Vec<f64>,
    /// Per trace: which of [`SECOND_AXIS_KEYS`] its `params` has first, and its text.
    axis: Vec<Option<(usize, String)>>,
}

/// Reads the traces from the JSON text of `dataStore.lineDataList`.
fn read_traces(text: &str, path: &Path) -> Result<Traces> {
    let mut traces = Traces::default();
    let mut de = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_seq(&mut de, TraceList(&mut traces))
        .map_err(|e| Error::format(path, format!("key {TRACES_KEY}: {}", json::message(&e))))?;
    if traces.count == 0 {
        return Err(Error::format(
            path,
            format!("key {TRACES_KEY}: expected at least one trace, found none"),
        ));
    }
    Ok(traces)
}

/// The list of traces.
struct TraceList<'a>(&'a mut Traces);

impl<'de> Visitor<'de> for TraceList<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of traces")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(trace) = seq.next_element_seed(TraceSeed(self.0.count + 1))? {
            let traces = &mut *self.0;
            let (re_x, re) = trace
                .re
                .ok_or_else(|| missing(traces.count + 1, "ReData"))?;
            let (_, im) = trace
                .im
                .ok_or_else(|| missing(traces.count + 1, "ImData"))?;
            if traces.count == 0 {
                traces.points = re.len();
                traces.x = re_x;
            }
            for (what, len) in [("ReData", re.len()), ("ImData", im.len())] {
                if len != traces.points {
                    return Err(de::Error::custom(format!(
                        "trace {}: {what} has {len} rows, the first trace's ReData {}",
                        traces.count + 1,
                        traces.points
                    )));
                }
            }
            traces
                .values
                .try_reserve(2 * re.len())
                .map_err(|_| de::Error::custom("cannot allocate memory for the values"))?;
            for (r, i) in re.iter().zip(&im) {
                traces.values.extend_from_slice(&[*r, *i]);
            }
            traces.axis.push(trace.axis);
            traces.count += 1;
        }
        Ok(())
    }
}

/// The error of a trace without `ReData` or `ImData`.
fn missing<E: de::Error>(trace: usize, key: &str) -> E {
    E::custom(format!("trace {trace}: {key} is missing"))
}

/// What one trace holds: `ReData` and `ImData` as (first column, second column), and the
/// parameter that gives the second axis.
#[derive(Default)]
struct Trace {
    re: Option<(Vec<f64>, Vec<f64>)>,
    im: Option<(Vec<f64>, Vec<f64>)>,
    axis: Option<(usize, String)>,
}

/// One trace (numbered from 1 for messages).
struct TraceSeed(usize);

self_seed!(TraceSeed, Trace, deserialize_map);

impl<'de> Visitor<'de> for TraceSeed {
    type Value = Trace;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "trace {} as an object", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Trace, A::Error> {
        let mut trace = Trace::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "ReData" | "ImData" => {
                    let columns = map.next_value_seed(Matrix {
                        trace: self.0,
                        key: if key == "ReData" { "ReData" } else { "ImData" },
                    })?;
                    if key == "ReData" {
                        trace.re = Some(columns);
                    } else {
                        trace.im = Some(columns);
                    }
                }
                "params" => trace.axis = map.next_value_seed(AxisParam(self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(trace)
    }
}

/// The `params` object of a trace: the first of [`SECOND_AXIS_KEYS`] it has, with its text.
struct AxisParam(usize);

self_seed!(AxisParam, Option<(usize, String)>, deserialize_any);

impl<'de> Visitor<'de> for AxisParam {
    type Value = Option<(usize, String)>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "trace {}: params as an object", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut found: Option<(usize, String)> = None;
        while let Some(key) = map.next_key::<String>()? {
            match SECOND_AXIS_KEYS.iter().position(|k| *k == key) {
                Some(i) => {
                    let raw: &RawValue = map.next_value()?;
                    let text = serde_json::from_str::<String>(raw.get()).map_err(|_| {
                        de::Error::custom(format!(
                            "trace {}: params.{key}: expected a string, found {}",
                            self.0,
                            raw.get()
                        ))
                    })?;
                    if found.as_ref().is_none_or(|(j, _)| i < *j) {
                        found = Some((i, text));
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
}

/// A matrix of rows `[x, value, ...]` (`ReData`, `ImData`): its first two columns.
struct Matrix {
    trace: usize,
    key: &'static str,
}

self_seed!(Matrix, (Vec<f64>, Vec<f64>), deserialize_seq);

impl<'de> Visitor<'de> for Matrix {
    type Value = (Vec<f64>, Vec<f64>);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "trace {}: {} as an array of rows", self.trace, self.key)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let (mut first, mut second) = (Vec::new(), Vec::new());
        let mut width = None;
        let mut row = Vec::new();
        loop {
            row.clear();
            let at = first.len() + 1;
            let context = || format!("trace {}: {} row {at}", self.trace, self.key);
            let seed = Numbers {
                out: &mut row,
                context: &context,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            if row.len() < 2 || width.is_some_and(|w| w != row.len()) {
                return Err(de::Error::custom(format!(
                    "trace {}: {} row {}: expected {} numbers, found {}",
                    self.trace,
                    self.key,
                    first.len() + 1,
                    width.map_or("at least 2".to_string(), |w: usize| w.to_string()),
                    row.len()
                )));
            }
            width = Some(row.len());
            first.push(row[0]);
            second.push(row[1]);
        }
        if first.is_empty() {
            return Err(de::Error::custom(format!(
                "trace {}: {} has no rows",
                self.trace, self.key
            )));
        }
        Ok((first, second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_names_carry_their_unit_in_brackets() {
        assert_eq!(name_and_unit("Field[G]"), ("Field".into(), "G".into()));
        assert_eq!(name_and_unit("Time"), ("Time".into(), String::new()));
    }
}
