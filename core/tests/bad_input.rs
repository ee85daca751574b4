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
use common::platform::Unreadable;
use common::{set_file_len, set_key, temp_dir, CW_PARAMS};
use epyr_core::{
    Axis, Component, Dataset, DatasetParts, ErrorKind, FormatId, Param, Params, WriteOptions,
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
            key: key.to_string().into(),
            value: (*value).into(),
            device: None,
        })
        .collect();
    Dataset::new(DatasetParts {
        format: FormatId::USER,
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

/// Writes `ds` as `sample.DSC/.DTA` (float64, big-endian) into a fresh directory for `test`
/// and returns the path of the descriptor.
fn write_sample(test: &str, ds: &Dataset) -> PathBuf {
    let dir = temp_dir(test);
    let files = epyr_core::write_bes3t(ds, &dir.join("sample"), &WriteOptions::default())
        .expect("write sample");
    assert!(files[0].ends_with("sample.DSC"), "{files:?}");
    files[0].clone()
}

/// A real cw sample with a linear x axis; returns the descriptor path.
fn cw_sample(test: &str) -> PathBuf {
    write_sample(test, &dataset(false, linear_x(), CW_PARAMS))
}

/// A nonlinear field axis (quadratic steps), which the writer stores in an `.XGF` file.
fn nonlinear_x() -> Vec<f64> {
    (0..N).map(|i| 3300.0 + (i * i) as f64 / 16.0).collect()
}

/// A cw sample with a nonlinear x axis (`XTYP IGD` and an `.XGF` file).
fn igd_sample(test: &str) -> PathBuf {
    write_sample(test, &dataset(false, nonlinear_x(), CW_PARAMS))
}

/// The data file next to a descriptor.
fn dta(dsc: &Path) -> PathBuf {
    dsc.with_extension("DTA")
}

/// The text of a path, for looking for it in messages.
fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Loads `path` with `scaling`, expecting an error of `kind` whose message (with its kind
/// prefix) contains every needle; returns the message.
fn expect_error(path: &Path, scaling: &str, kind: ErrorKind, needles: &[&str]) -> String {
    let err = match epyr_core::load(path, scaling) {
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
    let ds = epyr_core::load(path, "").unwrap_or_else(|e| panic!("{} failed: {e}", path.display()));
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

/// Removes `missing` and expects loading `given` to fail with `NotFound`, naming `given`, the
/// missing file (with its extension in upper case: it is looked for in any case) and its `role`.
fn companion_missing(given: &Path, missing: &Path, role: &str) {
    fs::remove_file(missing).expect("remove");
    let ext = missing.extension().expect("extension").to_ascii_uppercase();
    let looked_for = missing.with_extension(ext);
    let needles = [shown(given), shown(&looked_for), role.to_string()];
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    expect_error(given, "", ErrorKind::NotFound, &needles);
}

#[test]
fn missing_dta_is_not_found_and_names_it() {
    let dsc = cw_sample("missing_dta");
    companion_missing(&dsc, &dta(&dsc), "data file");
}

#[test]
fn missing_dsc_is_not_found_and_names_it() {
    let dsc = cw_sample("missing_dsc");
    companion_missing(&dta(&dsc), &dsc, "descriptor");
}

#[test]
fn missing_spc_is_not_found_and_names_it() {
    let par = esp_sample("missing_spc", &[], &[]);
    companion_missing(&par, &par.with_extension("spc"), "data file");
}

#[test]
fn missing_par_is_not_found_and_names_it() {
    let par = esp_sample("missing_par", &[], &[]);
    companion_missing(&par.with_extension("spc"), &par, "parameter file");
}

#[test]
fn missing_given_file_is_not_found() {
    let dir = temp_dir("missing_given");
    let path = dir.join("nothing.DSC");
    expect_error(&path, "", ErrorKind::NotFound, &[&shown(&path)]);
}

// ---------------------------------------------------------------------------------------------
// Descriptor keys

/// Writes the cw sample for `test`, checks that it loads with `scaling`, applies `edits` to its
/// descriptor (`None` removes the key) and expects the load to fail with `kind` and a message
/// that names the descriptor and contains every needle.
fn edited_sample_fails(
    test: &str,
    edits: &[(&str, Option<&str>)],
    scaling: &str,
    kind: ErrorKind,
    needles: &[&str],
) {
    let dsc = cw_sample(test);
    epyr_core::load(&dsc, scaling).expect("the sample loads before it is edited");
    for (key, value) in edits {
        set_key(&dsc, key, *value);
    }
    let path = shown(&dsc);
    let all: Vec<&str> = std::iter::once(path.as_str())
        .chain(needles.iter().copied())
        .collect();
    expect_error(&dsc, scaling, kind, &all);
}

/// [`edited_sample_fails`] with one key set to a value, no scaling, and a format error.
fn bad_value_is_format_error(test: &str, key: &str, value: &str, needles: &[&str]) {
    edited_sample_fails(test, &[(key, Some(value))], "", ErrorKind::Format, needles);
}

#[test]
fn missing_xpts_is_a_format_error() {
    let edits = [("XPTS", None)];
    edited_sample_fails(
        "missing_xpts",
        &edits,
        "",
        ErrorKind::Format,
        &["XPTS", "missing"],
    );
}

#[test]
fn missing_irfmt_is_a_format_error() {
    let edits = [("IRFMT", None)];
    edited_sample_fails(
        "missing_irfmt",
        &edits,
        "",
        ErrorKind::Format,
        &["IRFMT", "missing"],
    );
}

#[test]
fn unknown_bseq_is_a_format_error() {
    bad_value_is_format_error(
        "unknown_bseq",
        "BSEQ",
        "MID",
        &["BSEQ", "MID", "BIG", "LIT"],
    );
}

#[test]
fn unknown_ikkf_entry_is_a_format_error() {
    let needles = ["IKKF", "QUAD", "REAL", "CPLX"];
    bad_value_is_format_error("unknown_ikkf", "IKKF", "QUAD", &needles);
}

#[test]
fn unknown_irfmt_letter_is_a_format_error() {
    bad_value_is_format_error("unknown_irfmt", "IRFMT", "Q", &["IRFMT", "Q"]);
}

#[test]
fn an_axis_width_beyond_the_range_of_a_double_is_a_format_error_like_nan() {
    for (test, value) in [("xwid_1e400", "1e400"), ("xwid_nan", "NaN")] {
        bad_value_is_format_error(test, "XWID", value, &["XWID", value, "finite number"]);
    }
}

#[test]
fn irfmt_ascii_is_unsupported() {
    let edits = [("IRFMT", Some("A"))];
    let needles = ["IRFMT", "ASCII"];
    edited_sample_fails("irfmt_ascii", &edits, "", ErrorKind::Unsupported, &needles);
}

#[test]
fn irfmt_n_and_0_mean_no_data_and_are_format_errors() {
    for letter in ["N", "0"] {
        let test = format!("irfmt_no_data_{letter}");
        let named = format!("IRFMT {letter}");
        bad_value_is_format_error(&test, "IRFMT", letter, &[&named, "no BES3T data"]);
    }
}

#[test]
fn ikkf_and_irfmt_counts_that_differ_are_a_format_error() {
    let needles = ["IRFMT", "IKKF", "1 entries", "has 2"];
    bad_value_is_format_error("ikkf_irfmt_count", "IKKF", "REAL,REAL", &needles);
}

#[test]
fn iifmt_different_from_irfmt_is_a_format_error() {
    let dsc = write_sample(
        "iifmt_differs",
        &dataset(true, linear_x(), &[("EXPT", "PLS")]),
    );
    // The complex sample loads as written, so the edit below is what breaks it.
    epyr_core::load(&dsc, "").expect("complex sample loads");
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
    set_file_len(&dta(&dsc), full - 8);
    let (found, needed) = ((full - 8).to_string(), full.to_string());
    expect_error(
        &dsc,
        "",
        ErrorKind::Format,
        &[&shown(&dta(&dsc)), &found, &needed],
    );
}

#[test]
fn point_counts_whose_product_overflows_are_a_format_error() {
    let big = (1u64 << 32).to_string();
    let edits = [
        ("XPTS", Some(big.as_str())),
        ("YPTS", Some(&big)),
        ("ZPTS", Some(&big)),
    ];
    let needles = ["XPTS", "YPTS", "ZPTS", &big, "overflow"];
    edited_sample_fails("product_overflow", &edits, "", ErrorKind::Format, &needles);
}

#[test]
fn point_count_of_u64_max_is_a_format_error_about_overflow() {
    let max = u64::MAX.to_string();
    bad_value_is_format_error("xpts_u64_max", "XPTS", &max, &["XPTS", &max, "overflow"]);
}

#[test]
fn point_count_beyond_u64_is_a_format_error_naming_the_value() {
    let huge = "184467440737095516160000";
    bad_value_is_format_error(
        "xpts_beyond_u64",
        "XPTS",
        huge,
        &["XPTS", huge, "too large"],
    );
}

#[test]
fn huge_xpts_on_a_small_file_fails_before_allocating() {
    let dsc = cw_sample("huge_xpts");
    set_key(&dsc, "XPTS", Some("1000000000000"));
    let dsc_len = fs::metadata(&dsc).unwrap().len();
    // Nothing sized by the claim is allocated: only the descriptor and small bookkeeping.
    let bound = 4 * dsc_len as usize + (64 << 10);
    // The data file holds N float64 values; the claim is 10^12 of them.
    let (found, needed) = ((N * 8).to_string(), "8000000000000");
    fails_within(&dsc, &[&shown(&dta(&dsc)), &found, needed], bound);
}

/// Loads `path`, which must fail with a format error whose message contains the needles, and
/// asserts that neither the largest allocation nor the peak of live bytes of the load exceeds
/// `bound` bytes.
fn fails_within(path: &Path, needles: &[&str], bound: usize) {
    let (_, stats) = measure(|| expect_error(path, "", ErrorKind::Format, needles));
    assert!(
        stats.largest <= bound && stats.peak_live <= bound,
        "{stats:?} exceeds {bound} bytes"
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "extending a file to 16 TiB without writing needs the sparse attribute on NTFS (FSCTL_SET_SPARSE), and Wine allocates the space"
)]
fn sparse_data_file_claiming_more_memory_than_exists_is_a_memory_error() {
    // A sparse file of almost 16 TiB (the most ext4 allows) takes no disk space, and its size
    // agrees with XPTS for int8 data, so every size check passes; its axis and values would
    // take 8 times that as f64, about 128 TiB: more than the address space of an x86-64
    // process. A failed allocation used to abort the process; it must be an error.
    let dsc = cw_sample("sparse_huge");
    let len: u64 = (1 << 44) - 4096;
    set_file_len(&dta(&dsc), len);
    set_key(&dsc, "IRFMT", Some("C"));
    set_key(&dsc, "XPTS", Some(&len.to_string()));
    // Describing it allocates nothing of that size; reading it is the error.
    let plan = epyr_core::Plan::open(&dsc, epyr_core::Scaling::NONE).expect("described");
    assert_eq!(plan.axes[0].as_ref().map(|a| a.len as u64), Some(len));
    let err = plan.read().expect_err("the values cannot exist");
    assert_eq!(err.kind(), ErrorKind::MemoryLimit, "{err}");
    assert!(err.message().contains(&shown(&dta(&dsc))), "{err}");
    // 8 x (2^44 - 4096) bytes, a little under 128 TiB.
    assert!(err.message().contains("cannot allocate 128 TB"), "{err}");
    // Leave no 16 TiB file behind, even one that takes no space.
    fs::remove_file(dta(&dsc)).expect("remove the sparse file");
}

#[test]
fn short_companion_axis_file_is_a_format_error() {
    let dsc = igd_sample("short_xgf");
    let xgf = dsc.with_extension("XGF");
    let full = (N * 8) as u64;
    assert_eq!(
        fs::metadata(&xgf).unwrap().len(),
        full,
        "writer wrote the XGF"
    );
    set_file_len(&xgf, full - 24);
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
    let x = nonlinear_x();
    let (first, last) = (x[0], x[N - 1]);
    let dsc = igd_sample("missing_xgf");
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
    epyr_core::load(&par, "").expect("the sample loads before it is overwritten");
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
    // The file is read whole, and the parser stops at MAX_ENTRIES entries: the entry table is
    // the largest thing it builds (before the limit, this load allocated 75 MB in one piece).
    let table = epyr_core::formats::text::MAX_ENTRIES * std::mem::size_of::<Param>();
    let bound = 2 * text.len() + table + (1 << 20);
    fails_within(&dsc, &[&shown(&dsc), "lines"], bound);
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

/// Replaces the file `victim` of the dataset `dsc` with what `make` creates there (a directory,
/// a FIFO) and expects loading `dsc` to fail with `kind`, naming `victim` and saying `what` it is.
fn replaced_by_non_file(dsc: &Path, victim: &Path, make: fn(&Path), kind: ErrorKind, what: &str) {
    fs::remove_file(victim).expect("remove");
    make(victim);
    expect_error(dsc, "", kind, &[&shown(victim), what]);
}

/// Makes a directory at `path`.
fn mkdir(path: &Path) {
    fs::create_dir(path).expect("mkdir");
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
fn directory_named_like_the_data_file_is_an_io_error() {
    let dsc = cw_sample("dir_companion");
    replaced_by_non_file(&dsc, &dta(&dsc), mkdir, ErrorKind::Io, "directory");
}

#[test]
fn directory_named_like_the_axis_file_is_an_io_error() {
    let dsc = igd_sample("dir_xgf");
    let xgf = dsc.with_extension("XGF");
    replaced_by_non_file(&dsc, &xgf, mkdir, ErrorKind::Io, "directory");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows has no FIFOs among files (its named pipes live under \\\\.\\pipe\\)"
)]
fn fifo_as_the_descriptor_is_refused_without_blocking() {
    let dsc = cw_sample("fifo_dsc");
    // Opening a FIFO for reading would wait for a writer forever; the check must come first.
    let kind = ErrorKind::InvalidArgument;
    replaced_by_non_file(&dsc, &dsc, mkfifo, kind, "not a regular file");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows has no FIFOs among files (its named pipes live under \\\\.\\pipe\\)"
)]
fn fifo_as_the_data_file_is_an_io_error() {
    let dsc = cw_sample("fifo_dta");
    replaced_by_non_file(
        &dsc,
        &dta(&dsc),
        mkfifo,
        ErrorKind::Io,
        "not a regular file",
    );
}

#[test]
fn path_through_a_regular_file_is_an_io_error() {
    let dsc = cw_sample("through_file");
    let inner = dsc.join("x.DTA");
    // Windows says "path not found" (ERROR_PATH_NOT_FOUND) where Unix says "not a directory".
    let kind = if cfg!(windows) {
        ErrorKind::NotFound
    } else {
        ErrorKind::Io
    };
    expect_error(&inner, "", kind, &[&shown(&inner)]);
}

#[test]
fn unreadable_file_is_an_io_error() {
    let dsc = cw_sample("unreadable");
    for path in [dsc.clone(), dta(&dsc)] {
        let unreadable = Unreadable::new(&path);
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
        drop(unreadable);
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
        let test = format!("scaling_missing_{key}");
        let quoted = format!("'{option}'");
        let needles = [key, quoted.as_str()];
        edited_sample_fails(&test, &[(key, None)], option, ErrorKind::Scaling, &needles);
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
    epyr_core::load(&par, "n").expect("the sample loads");
    expect_error(&par, "T", ErrorKind::Scaling, &[&shown(&par), "TE", "0"]);
}

#[test]
fn an_existing_file_of_no_known_format_is_unsupported_not_missing() {
    let dir = temp_dir("not_bruker");
    let hostname = dir.join("hostname");
    fs::write(&hostname, "spectrometer-pc\n").unwrap();
    let message = expect_error(
        &hostname,
        "",
        ErrorKind::Unsupported,
        &[
            &shown(&hostname),
            "not a file epyr reads",
            "Bruker BES3T (.dsc/.dta)",
        ],
    );
    assert!(!message.contains("not found"), "{message}");
}

#[test]
#[cfg_attr(
    not(unix),
    ignore = "creating symbolic links needs a privilege on Windows"
)]
fn a_symbolic_link_loop_is_reported_as_a_loop_not_as_missing() {
    #[cfg(unix)]
    {
        let dsc = cw_sample("symlink_loop");
        let data = dta(&dsc);
        let other = data.with_file_name("other.DTA");
        fs::remove_file(&data).unwrap();
        std::os::unix::fs::symlink(&other, &data).unwrap();
        std::os::unix::fs::symlink(&data, &other).unwrap();
        let message = expect_error(&dsc, "", ErrorKind::Io, &[&shown(&data)]);
        assert!(
            message.contains("symbolic links") && !message.contains("not found"),
            "{message}"
        );
    }
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs a file of Linux's /sys, whose size is one page whatever it holds"
)]
fn a_data_file_whose_size_is_not_its_content_says_so() {
    #[cfg(target_os = "linux")]
    {
        // Files in /sys report a size of one page whatever they hold; the first of these that
        // exists here.
        let special = [
            "/sys/kernel/mm/transparent_hugepage/enabled",
            "/sys/devices/system/cpu/online",
            "/sys/kernel/uevent_seqnum",
        ]
        .into_iter()
        .map(Path::new)
        .find(|p| {
            fs::metadata(p)
                .is_ok_and(|m| fs::read(p).is_ok_and(|content| (content.len() as u64) < m.len()))
        })
        .expect("no file of /sys holds fewer bytes than its size on this system");
        let dsc = cw_sample("sys_file");
        // XPTS 256 float64 values: 2048 bytes, within the page the file claims.
        set_key(&dsc, "XPTS", Some("256"));
        fs::remove_file(dta(&dsc)).unwrap();
        std::os::unix::fs::symlink(special, dta(&dsc)).unwrap();
        let message = expect_error(&dsc, "", ErrorKind::Format, &["size is not its content"]);
        assert!(!message.contains("truncated"), "{message}");
    }
}

#[test]
fn a_same_size_rewrite_during_streaming_is_named_as_such() {
    let dsc = cw_sample("same_size_stream");
    let mut reader =
        epyr_core::ChunkedReader::open(&dsc, epyr_core::Scaling::NONE, 64 * 8).unwrap();
    reader.next_chunk().unwrap();
    let bytes = fs::read(dta(&dsc)).unwrap();
    // Same bytes, same size, written in place: only the time stamps change.
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::OpenOptions::new()
        .write(true)
        .open(dta(&dsc))
        .and_then(|mut f| std::io::Write::write_all(&mut f, &bytes))
        .unwrap();
    let err = reader.next_chunk().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FileChanged, "{err}");
    let message = err.to_string();
    let size = bytes.len();
    assert!(
        message.contains("rewritten in place") && !message.contains(&format!("{size} -> {size}")),
        "{message}"
    );
}
