//! The metadata document (JSON export): the common metadata with units, every original
//! parameter in file order (with its device block), the source files with their size and
//! sha256, the dimensions, components and axes, epyr's version and the conversion time. It is
//! valid against the JSON Schema [`SCHEMA`] (`core/schema/metadata.schema.json`).

use std::io::Read;
use std::path::Path;

use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use super::labels::{axis_name, axis_unit, swept_dims};
use crate::dataset::{Dataset, AXIS_LETTERS};
use crate::error::{Error, Result};
use crate::metadata::{common_metadata, date::utc_iso};

/// The JSON Schema (draft 2020-12) every metadata document is valid against.
pub const SCHEMA: &str = include_str!("../../schema/metadata.schema.json");

/// The `$id` of [`SCHEMA`], which every document names in its `schema` member.
pub const SCHEMA_ID: &str = "urn:epyr:schema:metadata:1";

/// The metadata document of `dataset`, converted at `converted_at` (seconds since the Unix
/// epoch). Reads every source file once to hash it; a source that cannot be read is an error.
pub fn metadata_document(dataset: &Dataset, converted_at: f64) -> Result<Json> {
    let id = dataset.format().as_str();
    let name = crate::formats::display_name(id);
    let sources = dataset
        .sources()
        .iter()
        .map(|p| source_entry(p))
        .collect::<Result<Vec<Json>>>()?;
    let mut doc = Map::new();
    doc.insert("schema".into(), json!(SCHEMA_ID));
    doc.insert("epyr_version".into(), json!(crate::VERSION));
    doc.insert("converted_at".into(), json!(utc_iso(converted_at)));
    doc.insert("format".into(), json!({"id": id, "name": name}));
    doc.insert("sources".into(), Json::Array(sources));
    doc.insert("dims".into(), json!(dataset.dims()));
    let components: Vec<Json> = dataset
        .components()
        .iter()
        .map(|c| json!({"complex": c.complex}))
        .collect();
    doc.insert("components".into(), Json::Array(components));
    doc.insert("axes".into(), axes_json(dataset));
    doc.insert("common".into(), common_metadata(dataset).to_json());
    doc.insert("parameters".into(), parameters_json(dataset));
    if let Some(history) = dataset.params().history() {
        doc.insert("history".into(), json!(history));
    }
    doc.insert("warnings".into(), json!(dataset.warnings()));
    Ok(Json::Object(doc))
}

/// One entry per swept dimension: `{dim, name, unit, points, first, last}` (`first`/`last`
/// absent where the file gives no axis values).
pub fn axes_json(dataset: &Dataset) -> Json {
    let entries = swept_dims(dataset)
        .into_iter()
        .map(|d| {
            let mut axis = Map::new();
            axis.insert(
                "dim".into(),
                json!(AXIS_LETTERS[d].to_ascii_lowercase().to_string()),
            );
            axis.insert("name".into(), json!(axis_name(dataset, d)));
            axis.insert("unit".into(), json!(axis_unit(dataset, d)));
            axis.insert("points".into(), json!(dataset.dims()[d]));
            if let Some(a) = dataset.axis(d) {
                axis.insert("first".into(), finite(a.values[0]));
                axis.insert("last".into(), finite(a.values[a.values.len() - 1]));
            }
            Json::Object(axis)
        })
        .collect();
    Json::Array(entries)
}

/// A number, or `null` for NaN and infinities (which JSON cannot hold).
fn finite(v: f64) -> Json {
    serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number)
}

/// Every parameter in file order: `{key, value}` and `device` where it has one.
pub fn parameters_json(dataset: &Dataset) -> Json {
    let entries = dataset
        .params()
        .entries()
        .iter()
        .map(|p| match &p.device {
            Some(device) => json!({"key": p.key, "value": p.value, "device": &**device}),
            None => json!({"key": p.key, "value": p.value}),
        })
        .collect();
    Json::Array(entries)
}

/// `{path, name, bytes, sha256}` of a source file, read now.
fn source_entry(path: &Path) -> Result<Json> {
    let (bytes, sha256) = hash_file(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(json!({
        "path": path.display().to_string(),
        "name": name,
        "bytes": bytes,
        "sha256": sha256,
    }))
}

/// The size and the sha256 (hex) of a file.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, "open", &e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(path, "read", &e)),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((total, hex))
}
