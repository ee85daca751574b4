//! Bad Magnettech input: every broken MS5000 `.xml` or `.spe` file gives an error of the
//! right kind whose message names the file and what is wrong (the element, attribute or
//! parameter, expected and found); nothing panics, and a huge file is refused by its size
//! before anything is allocated for it.
//!
//! The XML files are written here from known values (a valid one loads first, so that each
//! failure comes from its one edit); the `.spe` files are copies of a corpus file, edited.

mod common;

use std::path::{Path, PathBuf};

use base64::Engine;
use common::alloc_count::{measure, CountingAlloc};
use common::{set_file_len, temp_dir};
use epyr_core::ErrorKind;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// One curve as MS5000 files store it: every value base64-encoded on its own (12 characters).
fn curve(y_type: &str, offset: f64, slope: f64, values: &[f64]) -> String {
    let text: String = values
        .iter()
        .map(|v| base64::engine::general_purpose::STANDARD.encode(v.to_le_bytes()))
        .collect();
    format!(
        "<Curve Name=\"{y_type}\" XType=\"Time\" YType=\"{y_type}\" XUnit=\"s\" YUnit=\"\" \
         XOffset=\"{offset}\" XSlope=\"{slope}\" Mode=\"Pre\" Compression=\"Base64\">{text}</Curve>"
    )
}

/// An MS5000 file with the given Recipe (`Type` and parameter nodes) and curves.
fn ms5000(recipe: Option<(&str, &str)>, curves: &[String]) -> String {
    let recipe = recipe.map_or(String::new(), |(kind, params)| {
        format!("<Recipe Type=\"{kind}\"><Parameters>{params}</Parameters></Recipe>")
    });
    format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<ESRXmlFile Version=\"1\">\r\n<Data>\
         <Measurement Name=\"test\" MwFreq=\"9.4\">{recipe}<DataCurves>{}</DataCurves>\
         </Measurement></Data></ESRXmlFile>\r\n",
        curves.concat()
    )
}

/// The Recipe parameters of a field sweep from 330 to 340 mT.
const FIELD_PARAMS: &str = "<Param Name=\"Bfrom\" Unit=\"mT\">330</Param>\
                            <Param Name=\"Bto\" Unit=\"mT\">340</Param>";

/// A field sweep: the field 320 + i mT every second, the signal i / 10 every 0.1 s.
fn field_sweep_curves() -> Vec<String> {
    let field: Vec<f64> = (0..=30).map(|i| 320.0 + f64::from(i)).collect();
    let signal: Vec<f64> = (0..300).map(|i| f64::from(i) / 10.0).collect();
    vec![
        curve("BField", 0.0, 1.0, &field),
        curve("MW_Absorption", 0.0, 0.1, &signal),
    ]
}

/// Writes `text` as `name` into a fresh directory for `test`.
fn write(test: &str, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = temp_dir(test).join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Loads `path`, expecting an error of `kind` whose message names the file and has every
/// needle; returns the message.
fn refused(path: &Path, kind: ErrorKind, needles: &[&str]) -> String {
    let e = epyr_core::load(path, "").expect_err("a broken file must not load");
    let message = e.to_string();
    assert_eq!(e.kind(), kind, "{message}");
    let name = path.file_name().unwrap().to_string_lossy();
    for needle in needles.iter().chain([&name.as_ref()]) {
        assert!(message.contains(needle), "{needle:?} not in {message:?}");
    }
    message
}

/// The XML file of `test` with `edit` applied to the valid field sweep's text.
fn edited_field_sweep(test: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = ms5000(Some(("single", FIELD_PARAMS)), &field_sweep_curves());
    let edited = edit(text.clone());
    assert_ne!(edited, text, "{test}: the edit changed nothing");
    write(test, "sweep.xml", edited)
}

#[test]
fn the_written_field_sweep_loads_with_the_clipped_interpolated_field() {
    let path = write(
        "mt_valid",
        "sweep.xml",
        ms5000(Some(("single", FIELD_PARAMS)), &field_sweep_curves()),
    );
    let ds = epyr_core::load(&path, "").unwrap();
    assert_eq!(ds.format().as_str(), "magnettech-xml");
    // Field 320 + t: 330..=340 mT are the times 10..=20 s, the signal points 100..=200.
    assert_eq!(ds.dims(), [101, 1, 1]);
    let x = &ds.axis(0).unwrap().values;
    assert_eq!((x[0], x[100]), (330.0, 340.0));
    assert_eq!(ds.components()[0].values[0], 10.0);
    assert_eq!(ds.params().get("Recipe.Param.Bfrom.Unit"), Some("mT"));
    assert_eq!(ds.params().get("Curves.MW_Absorption.XSlope"), Some("0.1"));
}

#[test]
fn base64_text_of_a_wrong_length_or_with_foreign_characters_names_the_curve_and_the_count() {
    let cut = edited_field_sweep("mt_b64_len", |t| t.replacen("</Curve>", "AAA</Curve>", 2));
    refused(
        &cut,
        ErrorKind::Format,
        &[
            "<Curve> number 1 (BField)",
            "375 base64 characters",
            "multiple of 12",
        ],
    );
    let foreign = edited_field_sweep("mt_b64_char", |t| {
        let at = t.find("Compression=\"Base64\">").unwrap() + 30;
        format!("{}*{}", &t[..at], &t[at + 1..])
    });
    refused(
        &foreign,
        ErrorKind::Format,
        &["BField", "'*'", "position 9"],
    );
    // A curve whose values are not returned is decoded all the same, as eprload does.
    let mut curves = field_sweep_curves();
    curves.push(curve("MW_AbsorptionSinus", 0.0, 0.1, &[1.0, 2.0]).replace("=<", "=A<"));
    let unused = write(
        "mt_b64_unused",
        "sweep.xml",
        ms5000(Some(("single", FIELD_PARAMS)), &curves),
    );
    refused(
        &unused,
        ErrorKind::Format,
        &[
            "<Curve> number 3 (MW_AbsorptionSinus)",
            "25 base64 characters",
        ],
    );
}

#[test]
fn a_truncated_or_empty_or_non_utf8_xml_file_is_a_format_error() {
    let text = ms5000(Some(("single", FIELD_PARAMS)), &field_sweep_curves());
    let truncated = write("mt_trunc", "sweep.xml", &text[..text.len() / 2]);
    refused(&truncated, ErrorKind::Format, &["MS5000 XML file"]);
    let empty = write("mt_empty", "sweep.xml", "");
    refused(&empty, ErrorKind::Format, &["empty"]);
    let latin1 = edited_field_sweep("mt_latin1", |t| {
        t.replace("Name=\"test\"", "Name=\"t\u{e9}st\"")
    });
    let mut bytes = std::fs::read(&latin1).unwrap();
    let at = bytes.windows(2).position(|w| w == "é".as_bytes()).unwrap();
    bytes.splice(at..at + 2, [0xe9]);
    std::fs::write(&latin1, bytes).unwrap();
    refused(
        &latin1,
        ErrorKind::Format,
        &["not UTF-8", &format!("offset {at}")],
    );
}

#[test]
fn an_xml_file_of_another_program_is_not_read_as_magnettech() {
    let svg = write(
        "mt_svg",
        "drawing.xml",
        "<?xml version=\"1.0\"?>\n<svg width=\"1\"/>\n",
    );
    refused(&svg, ErrorKind::Unsupported, &["Magnettech MS5000 XML"]);
    // A root element beyond the first 64 bytes: the plan, not identification, refuses it.
    let late = write(
        "mt_late",
        "late.xml",
        format!(
            "<?xml version=\"1.0\"?>\n<!--{}-->\n<html/>",
            "x".repeat(80)
        ),
    );
    refused(&late, ErrorKind::Unsupported, &["root element is <html>"]);
}

/// An edit of a file's text.
type Edit = fn(String) -> String;

#[test]
fn missing_or_wrong_parts_of_a_measurement_name_the_element_attribute_or_parameter() {
    let cases: [(&str, Edit, &[&str]); 8] = [
        (
            "mt_type",
            |t| t.replace("\"single\"", "\"spiral\""),
            &["Recipe Type \"spiral\""],
        ),
        (
            "mt_bfrom",
            |t| t.replace("\"Bfrom\"", "\"From\""),
            &["without Bfrom"],
        ),
        (
            "mt_nan",
            |t| t.replace(">330<", ">NaN<"),
            &["Bfrom", "\"NaN\"", "finite"],
        ),
        (
            "mt_slope",
            |t| t.replacen("XSlope=\"1\"", "XSlope=\"one\"", 1),
            &["BField", "XSlope", "\"one\""],
        ),
        (
            "mt_comp",
            |t| t.replacen("\"Base64\"", "\"Zip\"", 1),
            &["Compression", "\"Zip\""],
        ),
        (
            "mt_ytype",
            |t| t.replacen("YType=\"BField\"", "", 1),
            &["<Curve> number 1", "YType"],
        ),
        (
            "mt_signal",
            |t| t.replace("\"MW_Absorption\"", "\"Other\""),
            &["MW_Absorption"],
        ),
        (
            "mt_range",
            |t| t.replace(">340<", ">300<"),
            &["Bfrom..Bto", "330..300"],
        ),
    ];
    for (test, edit, needles) in cases {
        refused(&edited_field_sweep(test, edit), ErrorKind::Format, needles);
    }
}

#[test]
fn a_dip_sweep_with_unequal_curves_and_a_file_without_curves_are_format_errors() {
    let dip = ms5000(
        None,
        &[
            curve("Frequency", 0.0, 1.0, &[9.4, 9.5, 9.6]),
            curve("ADC_24bit", 0.0, 1.0, &[1.0, 2.0]),
        ],
    );
    let path = write("mt_dip", "dip.xml", dip);
    refused(
        &path,
        ErrorKind::Format,
        &["3 Frequency values but 2 ADC_24bit"],
    );
    let none = write("mt_none", "none.xml", ms5000(None, &[]));
    refused(
        &none,
        ErrorKind::Format,
        &["neither a BField nor a Frequency curve"],
    );
    let one_time = ms5000(
        Some(("single", FIELD_PARAMS)),
        &[
            curve("BField", 0.0, 1.0, &[330.0]),
            curve("MW_Absorption", 0.0, 0.1, &[1.0, 2.0]),
        ],
    );
    let path = write("mt_one", "one.xml", one_time);
    refused(&path, ErrorKind::Format, &["fewer than two distinct times"]);
}

#[test]
fn a_huge_xml_file_is_refused_by_its_size_before_it_is_read() {
    let path = write("mt_huge", "huge.xml", ms5000(None, &[]));
    set_file_len(&path, epyr_core::formats::MAX_TEXT_FILE_BYTES + 1);
    let (message, stats) = measure(|| refused(&path, ErrorKind::Format, &["bytes"]));
    assert!(stats.peak_live < 1 << 20, "{stats:?} for: {message}");
}

/// A copy of the corpus `.spe` file of 1024 points in a fresh directory for `test`.
fn spe_copy(test: &str) -> PathBuf {
    let corpus = common::corpus_dir();
    let source = corpus.join("easyspin/magnettech/magnettech_mt500l_1024points.spe");
    let path = temp_dir(test).join("copy.spe");
    std::fs::copy(source, &path).unwrap();
    path
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn a_spe_file_of_any_size_but_2n_plus_64_is_a_format_error_naming_the_size() {
    let path = spe_copy("mt_spe_sizes");
    assert_eq!(epyr_core::load(&path, "").unwrap().dims(), [1024, 1, 1]);
    for len in [2111, 2113, 64, 0, 2 * 8192 + 64, 100 << 20] {
        set_file_len(&path, len);
        let (message, stats) = measure(|| {
            let size = format!("{len} bytes");
            refused(
                &path,
                ErrorKind::Format,
                &[&size, "2N+64", "8256 (4096 points)"],
            )
        });
        assert!(stats.peak_live < 1 << 20, "{stats:?} for: {message}");
    }
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn scaling_options_are_refused_for_both_magnettech_formats() {
    let xml = write(
        "mt_scaling",
        "sweep.xml",
        ms5000(Some(("single", FIELD_PARAMS)), &field_sweep_curves()),
    );
    let spe = spe_copy("mt_spe_scaling");
    for path in [xml, spe] {
        let e = epyr_core::load(&path, "G").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Scaling, "{e}");
        assert!(e.to_string().contains("Magnettech"), "{e}");
    }
}

#[test]
fn an_ms5000_file_without_extension_is_read_by_its_content() {
    let path = write(
        "mt_noext",
        "sweep 2018.09",
        ms5000(Some(("single", FIELD_PARAMS)), &field_sweep_curves()),
    );
    let ds = epyr_core::load(&path, "").unwrap();
    assert_eq!(ds.format().as_str(), "magnettech-xml");
}
