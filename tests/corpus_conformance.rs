//! Every corpus dataset loads and matches `expected.json`: dims, components, complex flags,
//! axes, head values, sum of magnitudes, sha256 of the decoded values, listed parameters and
//! the scaled expectations. A dataset that does not match fails the test.

mod common;

use common::{close, corpus_dir, expected, values_sha256};
use epyr::Dataset;
use serde_json::Value;

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

fn check_dataset(dir: &std::path::Path, exp: &Value) -> Vec<String> {
    let id = exp["id"].as_str().unwrap();
    let mut errors = Vec::new();
    let path = dir.join(exp["open"].as_str().unwrap());
    let ds = match epyr::load(&path, "") {
        Ok(ds) => ds,
        Err(e) => return vec![format!("{id}: load failed: {e}")],
    };
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
    let axes: Vec<&epyr::Axis> = (0..3).filter_map(|d| ds.axis(d)).collect();
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
        let ok = v.len() == n
            && close(v[0], e["first"].as_f64().unwrap(), 1e-9)
            && close(v[n - 1], e["last"].as_f64().unwrap(), 1e-9)
            && close(sum, e["sum"].as_f64().unwrap(), 1e-9);
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
    for (key, want) in exp["params"].as_object().unwrap() {
        let p = ds.params();
        let ok = match want {
            Value::Number(n) => p
                .number(key)
                .is_some_and(|v| close(v, n.as_f64().unwrap(), 1e-12)),
            Value::String(s) => p.get(key) == Some(s.as_str()),
            other => panic!("{id}: unexpected param type {other}"),
        };
        if !ok {
            errors.push(format!(
                "{id}: param {key} = {:?}, expected {want}",
                p.get(key)
            ));
        }
    }
    if let Some(scaled) = exp.get("scaled").and_then(Value::as_object) {
        for (scaling, sexp) in scaled {
            match epyr::load(&path, scaling) {
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
        let a = epyr::load(&dir.join(files[0]), "").unwrap();
        let b = epyr::load(&dir.join(files[1]), "").unwrap();
        assert_eq!(
            a, b,
            "{}: loading via {} and {} differ",
            exp["id"], files[0], files[1]
        );
    }
}
