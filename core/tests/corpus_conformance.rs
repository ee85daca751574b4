//! Every corpus dataset loads and matches `expected.json` (Bruker) and `expected-formats.json`
//! (every other format): format, dims, components, complex flags, axes, head values, sum of
//! magnitudes, sha256 of the decoded values, listed parameters and the scaled expectations. A
//! dataset that does not match fails the test. Also: for every corpus file the extension and
//! the content agree on the format, and every format of the table is read from a real file
//! here or from written files in a test of its own.

mod common;

use common::{close, corpus_dir, expected, values_sha256};
use epyr_core::formats::{by_extension, identify, Signature, FORMATS, HEAD_BYTES};
use epyr_core::Dataset;
use serde_json::Value;

/// The datasets of `expected-formats.json` (the formats other than Bruker's).
fn expected_formats(dir: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("expected-formats.json"))
        .expect("read expected-formats.json");
    serde_json::from_str(&text).expect("parse expected-formats.json")
}

/// The format id of an expectation (`expected.json` names the Bruker formats `bes3t`, `esp`).
fn format_id(exp: &Value) -> &str {
    match exp["format"].as_str().unwrap() {
        "bes3t" => "bruker-bes3t",
        "esp" => "bruker-esp",
        other => other,
    }
}

/// The key under which epyr keeps the parameter eprload names `name` (its `pars` field, with
/// nested structs as dotted paths) in a dataset of format `format`.
fn epyr_key(format: &str, name: &str) -> String {
    match (format, name) {
        // eprload merges the Recipe's Param nodes into the Measurement attributes.
        ("magnettech-xml", "Bfrom" | "Bto" | "Modulation" | "SweepTime") => {
            format!("Recipe.Param.{name}")
        }
        // `<section>_<key>` from the `.exp` is `section.key` (no corpus section has a `_`);
        // eprload's own `xlabel`, `ylabel` keep their names.
        ("specman", _) if !name.ends_with("label") => name.replacen('_', ".", 1),
        _ => name.to_string(),
    }
}

fn sum_abs(ds: &Dataset) -> f64 {
    let mut terms = Vec::new();
    for c in ds.components() {
        if c.complex {
            terms.extend(c.values.chunks_exact(2).map(|p| p[0].hypot(p[1])));
        } else {
            terms.extend(c.values.iter().map(|v| v.abs()));
        }
    }
    // Pairwise-free compensated sum is not needed at a 1e-12 relative tolerance for these
    // sizes; a plain sum of positive terms is well conditioned.
    terms.iter().sum()
}

fn check_values(ds: &Dataset, exp: &Value, what: &str, errors: &mut Vec<String>) {
    let sha = values_sha256(&ds.file_order_values());
    if sha != exp["values_sha256"].as_str().unwrap() {
        errors.push(format!("{what}: values_sha256 {sha} differs"));
    }
    let s = sum_abs(ds);
    let es = exp["sum_abs"].as_f64().unwrap();
    if !close(s, es, 1e-12) {
        errors.push(format!("{what}: sum_abs {s} expected {es}"));
    }
    let c0 = &ds.components()[0];
    for (i, h) in exp["head"].as_array().unwrap().iter().enumerate() {
        let got: Vec<f64> = if c0.complex {
            c0.values[2 * i..2 * i + 2].to_vec()
        } else {
            vec![c0.values[i]]
        };
        let want: Vec<f64> = match h {
            Value::Array(a) => a.iter().map(|v| v.as_f64().unwrap()).collect(),
            v => vec![v.as_f64().unwrap()],
        };
        if got.len() != want.len() || got.iter().zip(&want).any(|(a, b)| !close(*a, *b, 1e-12)) {
            errors.push(format!("{what}: head[{i}] {got:?} expected {want:?}"));
        }
    }
}

/// The dataset as Octave returns it: Octave narrows a complex array whose imaginary parts are
/// all zero to a real one (MATLAB keeps it complex), so where the expectation (computed under
/// Octave) is real and epyr's only component is complex with every imaginary part zero, the
/// real parts are what to compare. `None` where that does not apply.
fn octave_narrowed(ds: &Dataset, exp: &Value) -> Option<Dataset> {
    let [c] = ds.components() else { return None };
    let all_zero = c.values.chunks_exact(2).all(|p| p[1] == 0.0);
    if !c.complex || exp["complex"] != serde_json::json!([false]) || !all_zero {
        return None;
    }
    let parts = epyr_core::DatasetParts {
        format: ds.format(),
        dims: ds.dims(),
        components: vec![epyr_core::Component {
            complex: false,
            values: c.values.iter().step_by(2).copied().collect(),
        }],
        axes: [0, 1, 2].map(|d| ds.axis(d).cloned()),
        params: ds.params().clone(),
        sources: ds.sources().to_vec(),
        warnings: ds.warnings().to_vec(),
    };
    Some(Dataset::new(parts).expect("a narrowed copy of a valid dataset"))
}

fn check_dataset(dir: &std::path::Path, exp: &Value) -> Vec<String> {
    let id = exp["id"].as_str().unwrap();
    let mut errors = Vec::new();
    let path = dir.join(exp["open"].as_str().unwrap());
    let ds = match epyr_core::load(&path, "") {
        Ok(ds) => ds,
        Err(e) => return vec![format!("{id}: load failed: {e}")],
    };
    let ds = octave_narrowed(&ds, exp).unwrap_or(ds);
    if ds.format().as_str() != format_id(exp) {
        errors.push(format!(
            "{id}: format {} expected {}",
            ds.format().as_str(),
            format_id(exp)
        ));
    }
    let dims: Vec<usize> = exp["dims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    if ds.dims().to_vec() != dims {
        errors.push(format!("{id}: dims {:?} expected {dims:?}", ds.dims()));
        return errors;
    }
    let complex: Vec<bool> = exp["complex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    let got_complex: Vec<bool> = ds.components().iter().map(|c| c.complex).collect();
    if got_complex != complex || ds.components().len() as u64 != exp["components"].as_u64().unwrap()
    {
        errors.push(format!(
            "{id}: complex {got_complex:?} expected {complex:?}"
        ));
        return errors;
    }
    let axes: Vec<&epyr_core::Axis> = (0..3).filter_map(|d| ds.axis(d)).collect();
    let exp_axes = exp["axes"].as_array().unwrap();
    if axes.len() != exp_axes.len() {
        errors.push(format!(
            "{id}: {} axes, expected {}",
            axes.len(),
            exp_axes.len()
        ));
    }
    for (i, (a, e)) in axes.iter().zip(exp_axes).enumerate() {
        let v = &a.values;
        let n = e["n"].as_u64().unwrap() as usize;
        let sum: f64 = v.iter().sum();
        // A sum near zero (a symmetric axis) is compared relative to the sum of magnitudes.
        let magnitude: f64 = v.iter().map(|x| x.abs()).sum();
        let want = e["sum"].as_f64().unwrap();
        let ok = v.len() == n
            && close(v[0], e["first"].as_f64().unwrap(), 1e-9)
            && close(v[n - 1], e["last"].as_f64().unwrap(), 1e-9)
            && (close(sum, want, 1e-9) || (sum - want).abs() <= 1e-12 * magnitude);
        if !ok {
            errors.push(format!(
                "{id}: axis {i}: n {} first {} last {} sum {sum}, expected {e}",
                v.len(),
                v[0],
                v[v.len() - 1]
            ));
        }
    }
    check_values(&ds, exp, id, &mut errors);
    for (name, want) in exp["params"].as_object().unwrap() {
        let p = ds.params();
        let key = epyr_key(format_id(exp), name);
        let ok = match want {
            Value::Number(n) => p
                .number(&key)
                .is_some_and(|v| close(v, n.as_f64().unwrap(), 1e-12)),
            Value::String(s) => p.get(&key) == Some(s.as_str()),
            Value::Bool(b) => p.boolean(&key) == Some(*b),
            other => panic!("{id}: unexpected param type {other}"),
        };
        if !ok {
            errors.push(format!(
                "{id}: param {name} (epyr key {key}) = {:?}, expected {want}",
                p.get(&key)
            ));
        }
    }
    if let Some(scaled) = exp.get("scaled").and_then(Value::as_object) {
        for (scaling, sexp) in scaled {
            match epyr_core::load(&path, scaling) {
                Ok(sds) => check_values(&sds, sexp, &format!("{id} scaled {scaling}"), &mut errors),
                Err(e) => errors.push(format!("{id}: scaled {scaling} failed: {e}")),
            }
        }
    }
    errors
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_corpus_dataset_matches_expected_json() {
    let dir = corpus_dir();
    let all = expected(&dir);
    assert!(
        all.len() >= 38,
        "expected.json lists {} datasets",
        all.len()
    );
    let errors: Vec<String> = all.iter().flat_map(|e| check_dataset(&dir, e)).collect();
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_bes3t_dataset_opens_from_either_file() {
    let dir = corpus_dir();
    let all = expected(&dir);
    assert!(
        all.len() >= 38,
        "expected.json lists {} datasets",
        all.len()
    );
    for exp in all {
        assert!(
            exp["format"] == "bes3t" || exp["format"] == "esp",
            "{}",
            exp["id"]
        );
        let files: Vec<&str> = exp["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let a = epyr_core::load(&dir.join(files[0]), "").unwrap();
        let b = epyr_core::load(&dir.join(files[1]), "").unwrap();
        assert_eq!(
            a, b,
            "{}: loading via {} and {} differ",
            exp["id"], files[0], files[1]
        );
    }
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_dataset_of_the_other_formats_matches_expected_formats_json() {
    let dir = corpus_dir();
    let all = expected_formats(&dir);
    assert!(
        all.len() >= 29,
        "expected-formats.json lists {} datasets",
        all.len()
    );
    let errors: Vec<String> = all.iter().flat_map(|e| check_dataset(&dir, e)).collect();
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// The first bytes of a file, as identification sees them.
fn head_of(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    bytes.truncate(HEAD_BYTES);
    bytes
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn for_every_corpus_file_the_extension_and_the_content_agree_on_the_format() {
    let dir = corpus_dir();
    let mut checked = 0;
    for exp in expected(&dir).iter().chain(&expected_formats(&dir)) {
        let format = format_id(exp);
        for file in exp["files"].as_array().unwrap() {
            let path = dir.join(file.as_str().unwrap());
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let claims: Vec<&str> = by_extension(ext).map(|(f, _)| f.id()).collect();
            let head = head_of(&path);
            for f in FORMATS {
                let says = f.signature(&head);
                if f.id() == format {
                    assert_ne!(
                        says,
                        Signature::Contradicts,
                        "{}: content contradicts {format}",
                        path.display()
                    );
                } else {
                    assert_ne!(
                        says,
                        Signature::Matches,
                        "{}: content looks like {} too",
                        path.display(),
                        f.id()
                    );
                }
            }
            // A file that is a member by its extension is identified as its dataset's format,
            // and so is any file of a format recognised by content only (JEOL). Companion
            // files (axis files, INI files) are not datasets of their own.
            let content_only = FORMATS
                .iter()
                .find(|f| f.id() == format)
                .is_some_and(|f| f.members().iter().all(|m| m.extensions.is_empty()));
            if claims.contains(&format) || (claims.is_empty() && content_only) {
                let (found, _) = identify(&path).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(found.id(), format, "{}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 76, "{checked} files identified");
}

/// Formats of the table that no public file exists for, each read in a test of its own from
/// files written by the reference reader's rules (the test names the format's module).
const WRITTEN_FILE_FORMATS: &[&str] = &["magres-plt", "varian-eth"];

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_format_of_the_table_is_read_from_real_or_written_files() {
    let dir = corpus_dir();
    let in_corpus: Vec<String> = expected(&dir)
        .iter()
        .chain(&expected_formats(&dir))
        .map(|e| format_id(e).to_string())
        .collect();
    for f in FORMATS {
        assert!(
            in_corpus.iter().any(|id| id == f.id()) || WRITTEN_FILE_FORMATS.contains(&f.id()),
            "format {} has no corpus dataset and no test on written files",
            f.id()
        );
    }
}
