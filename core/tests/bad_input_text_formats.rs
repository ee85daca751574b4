//! Bad input for the formats of one text file (CIQTEK `.epr`, Adani `.json` and `.dat`, Active
//! Spectrum `.ESR`, qese `.eco`, MAGRES `.PLT`) and for Varian `.spk`: every broken file gives
//! an error of the right kind naming the file and what was expected and found (the key, the
//! line, the trace), never a panic or an allocation as large as a claim; files that look like
//! a format by extension but are some other program's are "not a file epyr reads". Small valid
//! files of each format are written too, and read to the values written.
//!
//! Everything lives in a fresh temporary directory.

mod common;

use std::path::{Path, PathBuf};

use common::temp_dir;
use epyr_core::ErrorKind;

/// Writes `bytes` as `name` in a fresh directory for `test`.
fn write(test: &str, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = temp_dir(test).join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Loads `path`, expects an error of `kind` whose message names the file and holds every
/// needle; returns the message.
fn expect_error(path: &Path, kind: ErrorKind, needles: &[&str]) -> String {
    let e = match epyr_core::load(path, "") {
        Ok(ds) => panic!("{} loaded: dims {:?}", path.display(), ds.dims()),
        Err(e) => e,
    };
    assert_eq!(e.kind(), kind, "{e}");
    let message = e.message().to_string();
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(message.contains(name.as_ref()), "file not named: {message}");
    for needle in needles {
        assert!(
            message.contains(needle),
            "{needle:?} missing from: {message}"
        );
    }
    message
}

/// A CIQTEK document whose traces are `traces` (JSON objects' text).
fn ciqtek(traces: &[String]) -> String {
    format!(
        "{{\n  \"_dataVersion\": \"V2.0\",\n  \"dataStore\": {{\n    \"lineDataList\": [{}],\n    \
         \"xAxisName\": \"Field[G]\"\n  }},\n  \"setting\": {{ \"frequency\": \"9.8\" }}\n}}\n",
        traces.join(", ")
    )
}

/// A CIQTEK trace: `ReData` rows `[x, re]`, `ImData` rows `[x, im]` and `params` (JSON text).
fn trace(x: &[f64], re: &[f64], im: &[f64], params: &str) -> String {
    let rows = |v: &[f64]| {
        x.iter()
            .zip(v)
            .map(|(a, b)| format!("[{a:?}, {b:?}]"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{{\"ImData\": [{}], \"ReData\": [{}], \"params\": {params}, \"name\": \"t\"}}",
        rows(im),
        rows(re)
    )
}

#[test]
fn a_written_ciqtek_file_reads_to_its_complex_values_axes_and_parameters() {
    let x = [3400.0, 3400.5, 3401.0];
    let traces = [
        trace(
            &x,
            &[1.0, 2.0, 3.0],
            &[-1.0, -2.0, -3.0],
            r#"{"delay": "0.5"}"#,
        ),
        trace(
            &x,
            &[4.0, 5.0, 6.0],
            &[0.25, 0.0, 1e-3],
            r#"{"delay": "2 ms"}"#,
        ),
    ];
    let path = write("ciqtek-ok", "two traces.epr", ciqtek(&traces));
    let ds = epyr_core::load(&path, "").unwrap();
    assert_eq!(ds.format().as_str(), "ciqtek");
    assert_eq!(ds.dims(), [3, 2, 1]);
    assert_eq!(
        ds.components()[0].values,
        [1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 4.0, 0.25, 5.0, 0.0, 6.0, 1e-3]
    );
    let x_axis = ds.axis(0).unwrap();
    assert_eq!(
        (
            x_axis.values.as_slice(),
            x_axis.name.as_str(),
            x_axis.unit.as_str()
        ),
        (&x[..], "Field", "G")
    );
    assert_eq!(ds.axis(1).unwrap().values, [0.5, 2.0]);
    let p = ds.params();
    assert_eq!(p.get("_dataVersion"), Some("V2.0"));
    assert_eq!(p.get("setting.frequency"), Some("9.8"));
    assert_eq!(p.get("dataStore.xAxisName"), Some("Field[G]"));
    let traces_text = p.get("dataStore.lineDataList").unwrap();
    assert!(
        traces_text.starts_with("[{\"ImData\":[[3400.0,-1.0],"),
        "{traces_text}"
    );
    // Without a second-axis parameter the traces are numbered.
    let path = write(
        "ciqtek-index",
        "index.epr",
        ciqtek(&[trace(&x, &x, &x, "{}"), trace(&x, &x, &x, "null")]),
    );
    assert_eq!(
        epyr_core::load(&path, "").unwrap().axis(1).unwrap().values,
        [1.0, 2.0]
    );
}

#[test]
fn broken_ciqtek_files_are_format_errors_naming_the_key_and_trace() {
    let x = [1.0, 2.0];
    let good = trace(&x, &[1.0, 2.0], &[3.0, 4.0], r#"{"delay": "1"}"#);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "truncated",
            ciqtek(std::slice::from_ref(&good))[..60].to_string(),
            vec!["not valid JSON", "line"],
        ),
        ("array", "[1, 2]".into(), vec!["expected a JSON object"]),
        (
            "no traces",
            "{\"dataStore\": {}}".into(),
            vec!["dataStore.lineDataList", "missing"],
        ),
        (
            "traces not an array",
            "{\"dataStore\": {\"lineDataList\": \"none\"}}".into(),
            vec![
                "dataStore.lineDataList",
                "expected an array, found a string",
            ],
        ),
        ("zero traces", ciqtek(&[]), vec!["at least one trace"]),
        (
            "no ImData",
            ciqtek(&["{\"ReData\": [[1, 2]]}".into()]),
            vec!["trace 1", "ImData is missing"],
        ),
        (
            "one column",
            ciqtek(&["{\"ReData\": [[1, 2], [3]], \"ImData\": [[1, 2], [3, 4]]}".into()]),
            vec!["trace 1", "ReData row 2", "expected 2 numbers, found 1"],
        ),
        (
            "text in data",
            ciqtek(&["{\"ReData\": [[1, \"2\"]], \"ImData\": [[1, 2]]}".into()]),
            vec!["ReData row 1", "a number"],
        ),
        (
            "NaN literal",
            ciqtek(&["{\"ReData\": [[1, NaN]], \"ImData\": [[1, 2]]}".into()]),
            vec!["not valid JSON", "line 4"],
        ),
        (
            "lengths differ",
            ciqtek(&[
                good.clone(),
                trace(&[1.0], &[1.0], &[1.0], r#"{"delay": "2"}"#),
            ]),
            vec!["trace 2", "ReData has 1 rows", "2"],
        ),
        (
            "second axis missing",
            ciqtek(&[good.clone(), trace(&x, &x, &x, "{}")]),
            vec!["trace 2", "params.delay is missing"],
        ),
        (
            "second axis not a number",
            ciqtek(&[good.clone(), trace(&x, &x, &x, r#"{"delay": "soon"}"#)]),
            vec!["trace 2", "params.delay", "one number", "soon"],
        ),
        (
            "second axis a number",
            ciqtek(&[good.clone(), trace(&x, &x, &x, r#"{"delay": 2}"#)]),
            vec!["trace 2", "params.delay", "expected a string"],
        ),
        (
            "deep",
            format!("{}1{}", "{\"a\":".repeat(100), "}".repeat(100)),
            vec!["nested deeper than 64"],
        ),
    ];
    for (name, text, needles) in cases {
        let path = write("ciqtek-bad", &format!("{name}.epr"), text);
        expect_error(&path, ErrorKind::Format, &needles);
    }
    let path = write("ciqtek-utf8", "latin1.epr", b"{\"name\": \"\xb0C\"}");
    expect_error(&path, ErrorKind::Format, &["UTF-8", "byte 10"]);
    let path = write("ciqtek-empty", "empty.epr", b"");
    expect_error(&path, ErrorKind::Format, &["empty"]);
}

/// An Adani document: `spectra` lists of points, each a list of samples, and extra top-level
/// members (JSON text, with a leading comma).
fn adani(spectra: &[Vec<Vec<f64>>], extra: &str) -> String {
    let spectra: Vec<String> = spectra
        .iter()
        .map(|points| {
            let points: Vec<String> = points
                .iter()
                .enumerate()
                .map(|(i, samples)| {
                    let s: Vec<String> = samples.iter().map(|v| format!("{v:?}")).collect();
                    format!(
                        "{{\"Points\":[{}],\"FrameNumber\":{i},\"Interpolated\":false}}",
                        s.join(",")
                    )
                })
                .collect();
            format!("{{\"Values\":[{}]}}", points.join(","))
        })
        .collect();
    format!(
        "{{\"ExperimentOptions\":{{\"CommonOptions\":{{\"CenterMagneticField\":337.5,\
         \"SweepWidth\":15.0}},\"Scan2DParameter\":{{\"FieldParameter\":{{}},\"X\":null}},\
         \"InitialValue2D\":50.0,\"FinalValue2D\":100.0}},\"Values\":[{}]{extra}}}",
        spectra.join(",")
    )
}

#[test]
fn a_written_adani_json_file_reads_to_its_modulation_sums_and_field_axis() {
    // Four samples at phases 0, pi/2, pi, 3pi/2: the sum is the second minus the fourth
    // where the third is zero (sin(0) = 0, sin(pi/2) = 1, sin(3pi/2) = -1 exactly).
    let point = |b: f64, d: f64| vec![7.0, b, 0.0, d];
    let spectra = vec![
        vec![point(1.0, 0.5), point(2.0, -1.0), point(0.0, 0.0)],
        vec![point(-3.0, 1.0), point(0.25, 0.25), point(8.0, 0.0)],
    ];
    let path = write("adani-ok", "2d.json", adani(&spectra, ",\"Phase\":0.0"));
    let ds = epyr_core::load(&path, "").unwrap();
    assert_eq!(ds.format().as_str(), "adani-json");
    assert_eq!(ds.dims(), [3, 2, 1]);
    assert_eq!(ds.components()[0].values, [0.5, 3.0, 0.0, -4.0, 0.0, 8.0]);
    assert_eq!(ds.axis(0).unwrap().values, [330.0, 337.5, 345.0]);
    assert_eq!(ds.axis(1).unwrap().values, [50.0, 100.0]);
    let p = ds.params();
    assert_eq!(
        p.get("ExperimentOptions.Scan2DParameter.FieldParameter"),
        Some("{}")
    );
    assert_eq!(p.get("ExperimentOptions.Scan2DParameter.X"), Some("null"));
    assert_eq!(
        p.number("ExperimentOptions.CommonOptions.SweepWidth"),
        Some(15.0)
    );
    assert!(p
        .get("Values")
        .unwrap()
        .starts_with("[{\"Values\":[{\"Points\":[7.0,1.0,"));
    // Without Phase the phase is 0; one spectrum has no second axis.
    let path = write("adani-1d", "1d.json", adani(&spectra[..1], ""));
    let ds = epyr_core::load(&path, "").unwrap();
    assert_eq!((ds.dims(), ds.axis(1).is_none()), ([3, 1, 1], true));
    assert_eq!(ds.components()[0].values, [0.5, 3.0, 0.0]);
}

#[test]
fn broken_adani_json_files_are_format_errors_naming_the_key() {
    let one = vec![vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]];
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "no values",
            "{\"ExperimentOptions\": {}}".into(),
            vec!["required key Values is missing"],
        ),
        (
            "no spectra",
            adani(&[], ""),
            vec!["key Values", "at least one spectrum"],
        ),
        (
            "phase text",
            adani(&one, ",\"Phase\":\"0.5\""),
            vec!["key Phase", "expected a number, found a string"],
        ),
        (
            "samples differ",
            adani(&[vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0]]], ""),
            vec![
                "spectrum 1 point 2",
                "expected 3 samples in Points, found 2",
            ],
        ),
        (
            "points differ",
            adani(&[one[0].clone(), vec![vec![1.0, 2.0, 3.0]]], ""),
            vec!["spectrum 2", "1 points, the first spectrum 2"],
        ),
        (
            "no field",
            adani(&one, "").replace("\"CenterMagneticField\":337.5,", ""),
            vec!["required key ExperimentOptions.CommonOptions.CenterMagneticField"],
        ),
        (
            "huge width",
            adani(&one, "").replace("\"SweepWidth\":15.0", "\"SweepWidth\":1e400"),
            vec![
                "ExperimentOptions.CommonOptions.SweepWidth",
                "finite",
                "1e400",
            ],
        ),
        (
            "text sample",
            adani(&one, "").replace("[1.0,2.0,3.0]", "[1.0,true,3.0]"),
            vec!["spectrum 1 point 1: Points", "a number"],
        ),
        (
            "truncated",
            adani(&one, "")[..100].to_string(),
            vec!["not valid JSON", "EOF"],
        ),
    ];
    for (name, text, needles) in cases {
        let path = write("adani-json-bad", &format!("{name}.json"), text);
        expect_error(&path, ErrorKind::Format, &needles);
    }
}

#[test]
fn a_foreign_json_or_dat_file_is_not_a_file_epyr_reads() {
    for (name, text) in [
        ("package.json", "{\"name\": \"x\", \"version\": \"1.0\"}"),
        ("list.json", "[1, 2, 3]"),
        (
            "T1_export.dat",
            "Time\tReal\tImag\n1e-7\t0.5\t0.25\n2e-7\t0.4\t0.2\n",
        ),
    ] {
        let path = write("foreign", name, text);
        expect_error(&path, ErrorKind::Unsupported, &["content is not"]);
    }
}

/// The start of an Adani `.dat` file, up to the data banner.
const DAT_HEAD: &str = "======================== Parameters: ========================\t\t\r\n\
                        \t\t\r\n     Center field: 338,20 mT\t\t\r\n\
                        =============================================================\t\t\r\n";

#[test]
fn text_tables_read_to_their_columns_and_refuse_broken_lines() {
    let path = write(
        "dat-ok",
        "p.dat",
        format!("{DAT_HEAD}0\t337,5\t16863,25\r\n1\t337,75\t-1,5\r\n\r\n"),
    );
    let ds = epyr_core::load(&path, "").unwrap();
    assert_eq!(ds.format().as_str(), "adani-dat");
    assert_eq!(ds.components()[0].values, [16863.25, -1.5]);
    assert_eq!(ds.axis(0).unwrap().values, [337.5, 337.75]);
    // The parameter block's one line, key before the colon, value as written.
    assert_eq!(ds.params().len(), 1);
    assert_eq!(ds.params().get("Center field"), Some("338,20 mT"));
    let esr =
        "SAMPLE NAME\tx\t\t\r\nFIELD (G)\tINTENSITY\t\t\r\n3272.0\t-0.5\t9\r\n3272.5\tNaN\t9\r\n";
    let ds = epyr_core::load(&write("esr-ok", "s.ESR", esr), "").unwrap();
    assert_eq!(ds.format().as_str(), "activespectrum");
    let v = &ds.components()[0].values;
    // NaN text is read as NaN, as eprload's sscanf('%f') reads it.
    assert_eq!((v[0], v[1].is_nan()), (-0.5, true));
    let x = ds.axis(0).unwrap();
    assert_eq!(
        (x.values.as_slice(), x.name.as_str(), x.unit.as_str()),
        (&[3272.0, 3272.5][..], "FIELD", "G")
    );

    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "no banner.dat",
            format!("{DAT_HEAD}0\t1\t2\r\n").replacen("Parameters:", "Params:", 1),
            vec!["content is not"],
        ),
        (
            "no data banner.dat",
            DAT_HEAD.replace(
                "=============================================================\t",
                "==\t",
            ),
            vec!["closes the parameter block"],
        ),
        (
            "two columns.dat",
            format!("{DAT_HEAD}0\t337,5\t1\r\n1\t337,75\r\n"),
            vec!["line 6", "expected 3 numbers", "found 2", "337,75"],
        ),
        (
            "gap.dat",
            format!("{DAT_HEAD}0\t337,5\t1\r\n\r\n1\t337,75\t2\r\n"),
            vec!["line 6", "empty line inside the data"],
        ),
        ("no data.dat", DAT_HEAD.to_string(), vec!["no data lines"]),
        ("no header.ESR", "3272\t1\r\n".into(), vec!["FIELD (G)"]),
        (
            "truncated.ESR",
            "FIELD (G)\tI\r\n3272.0\t1\r\n3272.5".into(),
            vec!["line 3", "expected 2 numbers (field, intensity), found 1"],
        ),
    ];
    for (name, text, needles) in cases {
        let path = write("tables-bad", name, text);
        let kind = if needles == ["content is not"] {
            ErrorKind::Unsupported
        } else {
            ErrorKind::Format
        };
        expect_error(&path, kind, &needles);
    }
    let path = write("esr-binary", "b.esr", b"FIELD (G)\r\n\x00\x01\x02");
    expect_error(&path, ErrorKind::Format, &["NUL"]);
}

#[test]
fn eco_sizes_are_checked_before_the_values_are_read() {
    let ds = epyr_core::load(&write("eco-ok", "c.eco", "2 2 1\n1 2 3 4\n5 6 7 8 9\n"), "").unwrap();
    assert_eq!(ds.format().as_str(), "qese-eco");
    assert_eq!((ds.dims(), ds.components()[0].complex), ([2, 2, 1], true));
    assert_eq!(
        ds.components()[0].values,
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    );
    assert_eq!(
        ds.warnings().len(),
        1,
        "the 9th number is ignored, with a warning"
    );
    let ds = epyr_core::load(&write("eco-row", "r.eco", "1 3 0\n1\n2\n3\n"), "").unwrap();
    assert_eq!((ds.dims(), ds.axis(0).is_none()), ([3, 1, 1], true));

    let cases = [
        (
            "huge.eco",
            "100000000 100000000 1\n1 2 3\n",
            vec![
                "claims 100000000 x 100000000 complex values",
                "at most 3 numbers",
            ],
        ),
        (
            "words.eco",
            "nx ny complex\n1 2\n",
            vec!["line 1", "whole numbers"],
        ),
        ("zero.eco", "0 5 0\n1\n", vec!["line 1", "at least 1"]),
        (
            "complex two.eco",
            "2 1 2\n1 2 3 4\n",
            vec!["line 1", "complex 0 or 1"],
        ),
        (
            "stops.eco",
            "4 1 0\n1 2 x 4 5 6 7 8 9\n",
            vec!["claims 4 numbers, found 2", "\"x 4 5"],
        ),
        (
            "truncated.eco",
            "3 1 0\n1 2        ",
            vec!["claims 3 numbers, found 2", "end of the file"],
        ),
    ];
    for (name, text, needles) in cases {
        expect_error(&write("eco-bad", name, text), ErrorKind::Format, &needles);
    }
}

#[test]
fn a_magres_count_far_beyond_the_numbers_present_reads_what_is_there() {
    let path = write("magres-huge", "h.PLT", "T\nDATA 999999999999\n\n 1 2 3\n");
    let ds = epyr_core::load(&path, "").unwrap();
    assert_eq!(ds.components()[0].values, [1.0, 2.0, 3.0]);
    assert!(
        ds.warnings()[0].contains("only 3 numbers"),
        "{:?}",
        ds.warnings()
    );
    let path = write("magres-nan", "n.plt", "T\nDATA NaN\n\n 1 2 3\n");
    expect_error(&path, ErrorKind::Format, &["DATA", "NaN"]);
    let path = write("magres-none", "e.plt", "T\nDATA 3\n\n");
    expect_error(&path, ErrorKind::Format, &["no number follows"]);
}

#[test]
fn scaling_is_refused_for_every_format_without_scaling_parameters() {
    let x = [1.0, 2.0];
    let files = [
        ("s.epr", ciqtek(&[trace(&x, &x, &x, "{}")])),
        ("s.json", adani(&[vec![vec![1.0, 2.0]]], "")),
        ("s.dat", format!("{DAT_HEAD}0\t1\t2\r\n")),
        ("s.esr", "FIELD (G)\tI\n1 2\n".into()),
        ("s.eco", "1\n5\n".into()),
        ("s.plt", "T\nDATA 1\n\n 5\n".into()),
    ];
    for (name, text) in files {
        let path = write("scaling", name, text);
        epyr_core::load(&path, "").unwrap_or_else(|e| panic!("{name}: {e}"));
        let e = epyr_core::load(&path, "n").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Scaling, "{name}: {e}");
        assert!(e.message().contains("no scaling parameters"), "{name}: {e}");
    }
    let path = write("scaling-varian", "s.spk", vec![0u8; 4 * 600]);
    assert_eq!(
        epyr_core::load(&path, "G").unwrap_err().kind(),
        ErrorKind::Scaling
    );
    expect_error(
        &write("varian-empty", "e.ref", b""),
        ErrorKind::Format,
        &["too small", "0 float32"],
    );
}
