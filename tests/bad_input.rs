//! Bad input (issue 2, item 7): every way a dataset can be broken gives an error of the right
//! [`ErrorKind`] whose message names the file and, where a key or a size is involved, the key and
//! the expected and found values. The two oddities that are tolerated (extra data after the
//! values, a missing axis file) load with a warning.
//!
//! Datasets are written with epyr's own writer from known values, then the descriptor text is
//! edited; ESP files are written by hand. Everything lives in a fresh temporary directory.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::alloc_count::{measure, CountingAlloc};
use common::temp_dir;
use epyr::{
    Axis, Component, Dataset, DatasetParts, ErrorKind, FileFormat, Param, Params, WriteOptions,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Points of the written sample datasets.
const N: usize = 128;

/// The known values of the sample data: `(i - 40) / 4`.
fn known_values(count: usize) -> Vec<f64> {
    (0..count).map(|i| (i as f64 - 40.0) * 0.25).collect()
}

/// A 1-D dataset of `N` points with the given x axis values and parameters.
fn dataset(complex: bool, x: Vec<f64>, params: &[(&str, &str)]) -> Dataset {
    let entries = params
        .iter()
        .map(|(key, value)| Param {
            key: (*key).into(),
            value: (*value).into(),
            device: None,
        })
        .collect();
    Dataset::new(DatasetParts {
        format: FileFormat::Bes3t,
        dims: [N, 1, 1],
        components: vec![Component {
            complex,
            values: known_values(N * (1 + usize::from(complex))),
        }],
        axes: [
            Some(Axis {
                values: x,
                name: "Field".into(),
                unit: "G".into(),
            }),
            None,
            None,
        ],
        params: Params::new(entries, None),
        sources: vec![],
        warnings: vec![],
    })
    .expect("sample dataset")
}

/// A linear field axis: 3300 G + 0.5 G steps.
fn linear_x() -> Vec<f64> {
    (0..N).map(|i| 3300.0 + 0.5 * i as f64).collect()
}

/// The cw parameters of the samples: every key a scaling option needs.
const CW_PARAMS: &[(&str, &str)] = &[
    ("EXPT", "CW"),
    ("AVGS", "4"),
    ("RCAG", "20"),
    ("SPTP", "0.02"),
    ("MWPW", "0.002"),
    ("STMP", "80"),
];

/// Writes `ds` as `sample.DSC/.DTA` (float64, big-endian) into a fresh directory for `test`
/// and returns the path of the descriptor.
fn write_sample(test: &str, ds: &Dataset) -> PathBuf {
    let dir = temp_dir(test);
    let files =
        epyr::write_bes3t(ds, &dir.join("sample"), &WriteOptions::default()).expect("write sample");
    assert!(files[0].ends_with("sample.DSC"), "{files:?}");
    files[0].clone()
}

/// A real cw sample with a linear x axis; returns the descriptor path.
fn cw_sample(test: &str) -> PathBuf {
    write_sample(test, &dataset(false, linear_x(), CW_PARAMS))
}

/// The data file next to a descriptor.
fn dta(dsc: &Path) -> PathBuf {
    dsc.with_extension("DTA")
}

/// The text of a path, for looking for it in messages.
fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Replaces the line of `key` in the descriptor with `key<TAB>value`, or removes it when `value`
/// is `None`. A key that is not in the file is added after the first line. Panics when asked to
/// remove a key that is not there, so an edit can never silently do nothing.
fn set_key(dsc: &Path, key: &str, value: Option<&str>) {
    let text = fs::read_to_string(dsc).expect("read descriptor");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines
        .iter()
        .position(|l| l.split_whitespace().next() == Some(key));
    match (at, value) {
        (Some(i), Some(v)) => lines[i] = format!("{key}\t{v}"),
        (Some(i), None) => {
            lines.remove(i);
        }
        (None, Some(v)) => lines.insert(1, format!("{key}\t{v}")),
        (None, None) => panic!("{key} is not in {}", dsc.display()),
    }
    fs::write(dsc, lines.join("\n") + "\n").expect("write descriptor");
}

/// Loads `path` with `scaling`, expecting an error of `kind` whose message (with its kind
/// prefix) contains every needle; returns the message.
fn expect_error(path: &Path, scaling: &str, kind: ErrorKind, needles: &[&str]) -> String {
    let err = match epyr::load(path, scaling) {
        Ok(ds) => panic!(
            "{} loaded ({:?} points, warnings {:?}); expected a {kind:?} error",
            path.display(),
            ds.dims(),
            ds.warnings()
        ),
        Err(e) => e,
    };
    let message = err.to_string();
    assert_eq!(err.kind(), kind, "wrong kind for: {message}");
    for needle in needles {
        assert!(
            message.contains(needle),
            "message {message:?} does not contain {needle:?}"
        );
    }
    message
}

/// Loads `path`, which must succeed with a warning that contains every needle.
fn expect_warning(path: &Path, needles: &[&str]) -> Dataset {
    let ds = epyr::load(path, "").unwrap_or_else(|e| panic!("{} failed: {e}", path.display()));
    assert!(
        ds.warnings()
            .iter()
            .any(|w| needles.iter().all(|n| w.contains(n))),
        "no warning with {needles:?} in {:?}",
        ds.warnings()
    );
    ds
}

/// Writes `name.par` (lines ended by CR, as WinEPR writes them) and `name.spc` holding `values`
/// as int32 big-endian (an ESP file: no `DOS` key) into a fresh directory for `test`; returns
/// the parameter file path.
fn write_esp(test: &str, par_lines: &[&str], values: &[i32]) -> PathBuf {
    let dir = temp_dir(test);
    let par = dir.join("sample.par");
    fs::write(&par, par_lines.join("\r") + "\r").expect("write par");
    let spc: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    fs::write(dir.join("sample.spc"), spc).expect("write spc");
    par
}

/// The parameter lines of a 1-D ESP sample of `N` points, with the keys every scaling needs.
const ESP_PARAMS: &[&str] = &[
    "JSS 0", "ANZ 128", "RES 128", "GST 3400", "GSI 100", "JSD 4", "RRG 1000", "MP 2", "RCT 5.12",
    "TE 80",
];

/// An ESP sample with `ESP_PARAMS` minus the lines starting with `drop`, plus `extra`.
fn esp_sample(test: &str, drop: &[&str], extra: &[&str]) -> PathBuf {
    let mut lines: Vec<&str> = ESP_PARAMS
        .iter()
        .copied()
        .filter(|l| !drop.iter().any(|d| l.split(' ').next() == Some(d)))
        .collect();
    lines.extend_from_slice(extra);
    let values: Vec<i32> = (0..N as i32).map(|i| i * 3 - 50).collect();
    write_esp(test, &lines, &values)
}

/// Deterministic bytes that look like nothing: a linear congruential sequence with NUL bytes,
/// high bytes, and lines that start with a letter (so that a parser finds "keys" in it).
fn garbage(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect();
    for (i, chunk) in out.chunks_mut(37).enumerate() {
        chunk[0] = b'\n';
        if chunk.len() > 3 {
            chunk[1] = b'A' + (i % 26) as u8;
            chunk[2] = b'Q';
            chunk[3] = b' ';
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Missing files

#[test]
fn missing_dta_is_not_found_and_names_it() {
    let dsc = cw_sample("missing_dta");
    fs::remove_file(dta(&dsc)).unwrap();
    expect_error(
        &dsc,
        "",
        ErrorKind::NotFound,
        &[&shown(&dsc), &shown(&dta(&dsc)), "data file"],
    );
}

#[test]
fn missing_dsc_is_not_found_and_names_it() {
    let dsc = cw_sample("missing_dsc");
    fs::remove_file(&dsc).unwrap();
    expect_error(
        &dta(&dsc),
        "",
        ErrorKind::NotFound,
        &[&shown(&dta(&dsc)), &shown(&dsc), "descriptor"],
    );
}

#[test]
fn missing_spc_is_not_found_and_names_it() {
    let par = esp_sample("missing_spc", &[], &[]);
    let spc = par.with_extension("spc");
    fs::remove_file(&spc).unwrap();
    expect_error(
        &par,
        "",
        ErrorKind::NotFound,
        &[&shown(&par), "sample.SPC", "data file"],
    );
}

#[test]
fn missing_par_is_not_found_and_names_it() {
    let par = esp_sample("missing_par", &[], &[]);
    let spc = par.with_extension("spc");
    fs::remove_file(&par).unwrap();
    expect_error(
        &spc,
        "",
        ErrorKind::NotFound,
        &[&shown(&spc), "sample.PAR", "parameter file"],
    );
}

#[test]
fn missing_given_file_is_not_found() {
    let dir = temp_dir("missing_given");
    let path = dir.join("nothing.DSC");
    expect_error(&path, "", ErrorKind::NotFound, &[&shown(&path)]);
}

// ---------------------------------------------------------------------------------------------
// Descriptor keys

#[test]
fn missing_xpts_is_a_format_error() {
    let dsc = cw_sample("missing_xpts");
    set_key(&dsc, "XPTS", None);
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "XPTS", "missing"],
    );
}

#[test]
fn missing_irfmt_is_a_format_error() {
    let dsc = cw_sample("missing_irfmt");
    set_key(&dsc, "IRFMT", None);
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "IRFMT", "missing"],
    );
}

#[test]
fn unknown_bseq_is_a_format_error() {
    let dsc = cw_sample("unknown_bseq");
    set_key(&dsc, "BSEQ", Some("MID"));
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "BSEQ", "MID", "BIG", "LIT"],
    );
}

#[test]
fn unknown_ikkf_entry_is_a_format_error() {
    let dsc = cw_sample("unknown_ikkf");
    set_key(&dsc, "IKKF", Some("QUAD"));
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "IKKF", "QUAD", "REAL", "CPLX"],
    );
}

#[test]
fn unknown_irfmt_letter_is_a_format_error() {
    let dsc = cw_sample("unknown_irfmt");
    set_key(&dsc, "IRFMT", Some("Q"));
    expect_error(&dsc, "", ErrorKind::Format, &[&shown(&dsc), "IRFMT", "Q"]);
}

#[test]
fn irfmt_ascii_is_unsupported() {
    let dsc = cw_sample("irfmt_ascii");
    set_key(&dsc, "IRFMT", Some("A"));
    expect_error(
        &dsc,
        "",
        ErrorKind::Unsupported,
        &[&shown(&dsc), "IRFMT", "ASCII"],
    );
}

#[test]
fn irfmt_n_and_0_mean_no_data_and_are_format_errors() {
    for letter in ["N", "0"] {
        let dsc = cw_sample(&format!("irfmt_no_data_{letter}"));
        set_key(&dsc, "IRFMT", Some(letter));
        expect_error(
            &dsc,
            "",
            ErrorKind::Format,
            &[&shown(&dsc), &format!("IRFMT {letter}"), "no BES3T data"],
        );
    }
}

#[test]
fn ikkf_and_irfmt_counts_that_differ_are_a_format_error() {
    let dsc = cw_sample("ikkf_irfmt_count");
    set_key(&dsc, "IKKF", Some("REAL,REAL"));
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "IRFMT", "IKKF", "1 entries", "has 2"],
    );
}

#[test]
fn iifmt_different_from_irfmt_is_a_format_error() {
    let dsc = write_sample(
        "iifmt_differs",
        &dataset(true, linear_x(), &[("EXPT", "PLS")]),
    );
    // The complex sample loads as written, so the edit below is what breaks it.
    epyr::load(&dsc, "").expect("complex sample loads");
    set_key(&dsc, "IIFMT", Some("F"));
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "IIFMT", "\"F\"", "IRFMT", "\"D\""],
    );
}

// ---------------------------------------------------------------------------------------------
// Sizes

#[test]
fn data_file_shorter_than_claimed_is_a_format_error() {
    let dsc = cw_sample("short_dta");
    let full = (N * 8) as u64;
    fs::OpenOptions::new()
        .write(true)
        .open(dta(&dsc))
        .unwrap()
        .set_len(full - 8)
        .unwrap();
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[
            &shown(&dta(&dsc)),
            &(full - 8).to_string(),
            &full.to_string(),
        ],
    );
}

#[test]
fn point_counts_whose_product_overflows_are_a_format_error() {
    let dsc = cw_sample("product_overflow");
    let big = (1u64 << 32).to_string();
    for key in ["XPTS", "YPTS", "ZPTS"] {
        set_key(&dsc, key, Some(&big));
    }
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "XPTS", "YPTS", "ZPTS", &big, "overflow"],
    );
}

#[test]
fn point_count_of_u64_max_is_a_format_error_about_overflow() {
    let dsc = cw_sample("xpts_u64_max");
    let max = u64::MAX.to_string();
    set_key(&dsc, "XPTS", Some(&max));
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "XPTS", &max, "overflow"],
    );
}

#[test]
fn point_count_beyond_u64_is_a_format_error_naming_the_value() {
    let dsc = cw_sample("xpts_beyond_u64");
    let huge = "184467440737095516160000";
    set_key(&dsc, "XPTS", Some(huge));
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dsc), "XPTS", huge, "too large"],
    );
}

#[test]
fn huge_xpts_on_a_small_file_fails_before_allocating() {
    let dsc = cw_sample("huge_xpts");
    set_key(&dsc, "XPTS", Some("1000000000000"));
    let dsc_len = fs::metadata(&dsc).unwrap().len();
    let (message, stats) =
        measure(|| expect_error(&dsc, "", ErrorKind::Format, &[&shown(&dta(&dsc))]));
    // The data file holds N float64 values; the claim is 10^12 of them.
    assert!(message.contains(&(N * 8).to_string()), "{message}");
    assert!(message.contains("8000000000000"), "{message}");
    // Nothing sized by the claim is allocated: only the descriptor and small bookkeeping.
    let bound = 4 * dsc_len as usize + (64 << 10);
    assert!(
        stats.largest <= bound && stats.peak_live <= bound,
        "{stats:?} exceeds {bound} bytes"
    );
}

#[test]
fn short_companion_axis_file_is_a_format_error() {
    let x: Vec<f64> = (0..N).map(|i| 3300.0 + (i * i) as f64 / 16.0).collect();
    let dsc = write_sample("short_xgf", &dataset(false, x, CW_PARAMS));
    let xgf = dsc.with_extension("XGF");
    let full = (N * 8) as u64;
    assert_eq!(
        fs::metadata(&xgf).unwrap().len(),
        full,
        "writer wrote the XGF"
    );
    fs::OpenOptions::new()
        .write(true)
        .open(&xgf)
        .unwrap()
        .set_len(full - 24)
        .unwrap();
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[
            &shown(&xgf),
            &(full - 24).to_string(),
            &full.to_string(),
            &N.to_string(),
        ],
    );
}

#[test]
fn data_file_longer_than_claimed_loads_with_a_warning() {
    let dsc = cw_sample("long_dta");
    let mut bytes = fs::read(dta(&dsc)).unwrap();
    bytes.extend_from_slice(&[0xAB; 24]);
    fs::write(dta(&dsc), &bytes).unwrap();
    let ds = expect_warning(&dsc, &[&shown(&dta(&dsc)), "24 bytes"]);
    assert_eq!(ds.dims(), [N, 1, 1]);
    assert_eq!(ds.components()[0].values, known_values(N));
}

#[test]
fn missing_companion_of_an_igd_axis_gives_a_linear_axis_and_a_warning() {
    let x: Vec<f64> = (0..N).map(|i| 3300.0 + (i * i) as f64 / 16.0).collect();
    let (first, last) = (x[0], x[N - 1]);
    let dsc = write_sample("missing_xgf", &dataset(false, x, CW_PARAMS));
    let xgf = dsc.with_extension("XGF");
    fs::remove_file(&xgf).unwrap();
    let ds = expect_warning(&dsc, &[&shown(&xgf), "linear"]);
    assert_eq!(ds.components()[0].values, known_values(N));
    // The writer puts the first value in XMIN and last - first in XWID; the linear axis runs
    // from XMIN to XMIN + XWID in equal steps.
    let axis = &ds.axis(0).expect("x axis").values;
    assert_eq!(axis.len(), N);
    let step = (last - first) / (N - 1) as f64;
    for (i, v) in axis.iter().enumerate() {
        let want = first + step * i as f64;
        assert!(
            (v - want).abs() <= 1e-9 * want.abs(),
            "x[{i}] = {v}, want {want}"
        );
    }
    assert_eq!((axis[0], axis[N - 1]), (first, last));
}

// ---------------------------------------------------------------------------------------------
// Files that are not descriptors

#[test]
fn empty_dsc_is_a_format_error() {
    let dsc = cw_sample("empty_dsc");
    fs::write(&dsc, b"").unwrap();
    expect_error(&dsc, "", ErrorKind::Format, &[&shown(&dsc), "empty"]);
}

#[test]
fn empty_par_is_a_format_error() {
    let par = esp_sample("empty_par", &[], &[]);
    fs::write(&par, b"").unwrap();
    expect_error(&par, "", ErrorKind::Format, &[&shown(&par), "empty"]);
}

#[test]
fn binary_garbage_as_a_descriptor_is_a_format_error() {
    let dsc = cw_sample("garbage_dsc");
    fs::write(&dsc, garbage(4000)).unwrap();
    expect_error(&dsc, "", ErrorKind::Format, &[&shown(&dsc)]);
}

#[test]
fn binary_garbage_as_a_par_file_is_a_format_error() {
    // The spc holds far more than the 1024 default points, so defaults alone could "load" it.
    let par = write_esp("garbage_par", &["JSS 0"], &[7; 4096]);
    epyr::load(&par, "").expect("the sample loads before it is overwritten");
    fs::write(&par, garbage(4000)).unwrap();
    expect_error(&par, "", ErrorKind::Format, &[&shown(&par)]);
}

#[test]
fn text_without_any_esp_key_as_a_par_file_is_a_format_error() {
    let par = write_esp("text_par", &["JSS 0"], &[7; 4096]);
    fs::write(
        &par,
        "Meeting notes\nBring the sample tubes\nCall the helium supplier\n",
    )
    .unwrap();
    expect_error(&par, "", ErrorKind::Format, &[&shown(&par), "ESP"]);
}

#[test]
fn descriptor_of_many_short_lines_is_refused_without_a_large_allocation() {
    let dsc = cw_sample("many_lines");
    // A valid descriptor followed by a megabyte of two-byte "key" lines: each would become a
    // parameter entry of about a hundred bytes.
    let mut text = fs::read(&dsc).unwrap();
    text.extend(b"A\n".iter().cycle().take(1 << 20));
    fs::write(&dsc, &text).unwrap();
    let (_, stats) = measure(|| {
        expect_error(&dsc, "", ErrorKind::Format, &[&shown(&dsc), "lines"]);
    });
    // The file is read whole, and the parser stops at MAX_ENTRIES entries: the entry table is
    // the largest thing it builds (before the limit, this load allocated 75 MB in one piece).
    let table = epyr::formats::text::MAX_ENTRIES * std::mem::size_of::<Param>();
    let bound = 2 * text.len() + table + (1 << 20);
    assert!(
        stats.largest <= bound && stats.peak_live <= bound,
        "{stats:?} exceeds {bound} bytes"
    );
}

// ---------------------------------------------------------------------------------------------
// Things that are not regular files

#[test]
fn directory_given_instead_of_a_file_is_an_invalid_argument() {
    let dir = temp_dir("dir_given");
    let path = dir.join("x.DSC");
    fs::create_dir(&path).unwrap();
    fs::write(dir.join("x.DTA"), [0u8; 8]).unwrap();
    expect_error(
        &path,
        "",
        ErrorKind::InvalidArgument,
        &[&shown(&path), "directory"],
    );
}

#[test]
fn directory_named_like_the_data_file_is_an_io_error() {
    let dsc = cw_sample("dir_companion");
    fs::remove_file(dta(&dsc)).unwrap();
    fs::create_dir(dta(&dsc)).unwrap();
    expect_error(&dsc, "", ErrorKind::Io, &[&shown(&dta(&dsc)), "directory"]);
}

#[test]
fn directory_named_like_the_axis_file_is_an_io_error() {
    let x: Vec<f64> = (0..N).map(|i| 3300.0 + (i * i) as f64 / 16.0).collect();
    let dsc = write_sample("dir_xgf", &dataset(false, x, CW_PARAMS));
    let xgf = dsc.with_extension("XGF");
    fs::remove_file(&xgf).unwrap();
    fs::create_dir(&xgf).unwrap();
    expect_error(&dsc, "", ErrorKind::Io, &[&shown(&xgf), "directory"]);
}

/// Makes a FIFO at `path` with the system's `mkfifo`.
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {} failed", path.display());
}

#[test]
fn fifo_as_the_descriptor_is_refused_without_blocking() {
    let dsc = cw_sample("fifo_dsc");
    fs::remove_file(&dsc).unwrap();
    mkfifo(&dsc);
    // Opening a FIFO for reading would wait for a writer forever; the check must come first.
    expect_error(
        &dsc,
        "",
        ErrorKind::InvalidArgument,
        &[&shown(&dsc), "not a regular file"],
    );
}

#[test]
fn fifo_as_the_data_file_is_an_io_error() {
    let dsc = cw_sample("fifo_dta");
    fs::remove_file(dta(&dsc)).unwrap();
    mkfifo(&dta(&dsc));
    expect_error(
        &dsc,
        "",
        ErrorKind::Io,
        &[&shown(&dta(&dsc)), "not a regular file"],
    );
}

#[test]
fn path_through_a_regular_file_is_an_io_error() {
    let dsc = cw_sample("through_file");
    let inner = dsc.join("x.DTA");
    expect_error(&inner, "", ErrorKind::Io, &[&shown(&inner)]);
}

#[test]
fn unreadable_file_is_an_io_error() {
    use std::os::unix::fs::PermissionsExt;
    let dsc = cw_sample("unreadable");
    for path in [dsc.clone(), dta(&dsc)] {
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
        let still_readable = fs::read(&path).is_ok();
        if still_readable {
            // Running with the power to read anything (root): mode 000 stops nothing here, so
            // test a path that really cannot be read, one that goes through a regular file.
            eprintln!(
                "{} is readable despite mode 000 (root?); testing a path through a file instead",
                path.display()
            );
            let inner = path.join("sample.DSC");
            expect_error(&inner, "", ErrorKind::Io, &[&shown(&inner)]);
        } else {
            expect_error(&dsc, "", ErrorKind::Io, &[&shown(&path)]);
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// ESP dimensions

#[test]
fn esp_2d_anz_that_disagrees_with_ssx_times_ssy_is_a_format_error() {
    let par = write_esp(
        "esp_anz",
        &["JSS 4096", "SSX 16", "SSY 8", "ANZ 100", "GST 0", "GSI 10"],
        &[1; 16 * 8],
    );
    expect_error(
        &par,
        "",
        ErrorKind::Format,
        &[&shown(&par), "ANZ", "100", "16", "8"],
    );
}

// ---------------------------------------------------------------------------------------------
// Scaling

#[test]
fn unknown_scaling_letter_is_an_invalid_argument_naming_the_file() {
    let dsc = cw_sample("scaling_letter");
    expect_error(
        &dsc,
        "nq",
        ErrorKind::InvalidArgument,
        &[&shown(&dsc), "'q'"],
    );
}

#[test]
fn power_scaling_on_pulse_data_is_a_scaling_error() {
    let params: Vec<(&str, &str)> = CW_PARAMS
        .iter()
        .map(|&(k, v)| if k == "EXPT" { (k, "PLS") } else { (k, v) })
        .collect();
    let dsc = write_sample("scaling_p_pulse", &dataset(false, linear_x(), &params));
    expect_error(&dsc, "P", ErrorKind::Scaling, &[&shown(&dsc), "'P'", "PLS"]);
}

#[test]
fn bes3t_scaling_with_a_missing_key_is_a_scaling_error() {
    for (option, key) in [("n", "AVGS"), ("G", "RCAG"), ("c", "SPTP"), ("T", "STMP")] {
        let dsc = cw_sample(&format!("scaling_missing_{key}"));
        epyr::load(&dsc, option).expect("the sample scales before the key is removed");
        set_key(&dsc, key, None);
        expect_error(
            &dsc,
            option,
            ErrorKind::Scaling,
            &[&shown(&dsc), key, &format!("'{option}'")],
        );
    }
}

#[test]
fn esp_scaling_with_a_missing_key_is_a_scaling_error() {
    for (option, key) in [("n", "JSD"), ("G", "RRG"), ("P", "MP"), ("T", "TE")] {
        let par = esp_sample(&format!("esp_scaling_missing_{key}"), &[key], &[]);
        expect_error(
            &par,
            option,
            ErrorKind::Scaling,
            &[&shown(&par), key, &format!("'{option}'")],
        );
    }
}

#[test]
fn esp_temperature_scaling_with_te_zero_is_a_scaling_error() {
    let par = esp_sample("esp_te_zero", &["TE"], &["TE 0"]);
    epyr::load(&par, "n").expect("the sample loads");
    expect_error(&par, "T", ErrorKind::Scaling, &[&shown(&par), "TE", "0"]);
}
