//! Bad input for the binary formats SpecMan (`.d01` + `.exp`), JEOL and ETH/WIS `.d00`: every
//! broken file gives an error of the right [`ErrorKind`] naming the file and the field, with
//! what was expected and found, before anything proportional to a claimed size is allocated;
//! the tolerated oddities (extra bytes, an experiment file without sweeps) load with a warning.
//! Files are written from scratch into a fresh temporary folder.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::alloc_count::{measure, CountingAlloc};
use common::temp_dir;
use epyr_core::ErrorKind;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// No load of a bad file here allocates more than this (the JEOL header is 10 kB).
const SMALL: usize = 256 << 10;

/// Loads `path` (scaling `scaling`), which must fail with `kind` and a message containing every
/// needle, allocating at most [`SMALL`] bytes at once or in all.
fn fails(path: &Path, scaling: &str, kind: ErrorKind, needles: &[&str]) {
    let (result, stats) = measure(|| epyr_core::load(path, scaling));
    let e = result.expect_err(&format!("{} loaded", path.display()));
    assert_eq!(e.kind(), kind, "{e}");
    for needle in needles {
        assert!(e.message().contains(needle), "{needle:?} missing from: {e}");
    }
    assert!(
        stats.largest <= SMALL && stats.peak_live <= SMALL,
        "{}: {stats:?}",
        path.display()
    );
}

fn le_u32(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn le_i32(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A SpecMan `.d01` with the given header words (count, flag, then 6 words per stream) and
/// `values` float32 numbers, and an `.exp` with a transient and an x sweep of 4 points.
fn specman(
    dir: &Path,
    name: &str,
    count: u32,
    flag: u32,
    streams: &[i32],
    values: usize,
) -> PathBuf {
    let mut bytes = le_u32(&[count, flag]);
    bytes.extend(le_i32(streams));
    bytes.extend((0..values).flat_map(|i| (i as f32).to_le_bytes()));
    let d01 = dir.join(format!("{name}.d01"));
    fs::write(&d01, bytes).unwrap();
    let exp = "[general]\nname = t\n[sweep]\ntransient = I,1,1,a\nsweep0 = X,4,1,d\n\
               [params]\nd = 1 ns step 1 ns;p\n";
    fs::write(dir.join(format!("{name}.exp")), exp).unwrap();
    d01
}

#[test]
fn broken_specman_files_are_format_errors_naming_the_field() {
    let dir = temp_dir("bad-specman");
    let one = [1, 4, 1, 1, 1, 4];
    let ok = specman(&dir, "ok", 1, 1, &one, 4);
    let ds = epyr_core::load(&ok, "").unwrap();
    assert_eq!(ds.dims(), [4, 1, 1]);
    assert!(ds.warnings().is_empty(), "{:?}", ds.warnings());

    let short = specman(&dir, "short", 1, 1, &one, 3);
    fails(
        &short,
        "",
        ErrorKind::Format,
        &["short.d01", "44 bytes", "needs 48 bytes"],
    );
    let header = dir.join("header.d01");
    fs::write(&header, [1u8, 0, 0]).unwrap();
    fs::copy(dir.join("ok.exp"), dir.join("header.exp")).unwrap();
    fails(
        &header,
        "",
        ErrorKind::Format,
        &["header.d01", "3 bytes", "needs 8 bytes"],
    );
    let flag = specman(&dir, "flag", 1, 7, &one, 4);
    fails(
        &flag,
        "",
        ErrorKind::Format,
        &["flag.d01", "format flag", "found 7"],
    );
    let none = specman(&dir, "none", 0, 1, &[], 0);
    fails(
        &none,
        "",
        ErrorKind::Format,
        &["none.d01", "stream count", "found 0"],
    );
    // 2^31 streams: refused before 48 GiB of stream headers are read.
    let many = specman(&dir, "many", 1 << 31, 1, &one, 4);
    fails(
        &many,
        "",
        ErrorKind::Format,
        &["many.d01", "stream count", "2147483648"],
    );
    // Streams claimed in the count but not in the file.
    let missing = specman(&dir, "missing", 3, 1, &one, 0);
    fails(
        &missing,
        "",
        ErrorKind::Format,
        &["missing.d01", "the header of 3 streams", "needs 80 bytes"],
    );
    let shape = specman(&dir, "shape", 1, 1, &[2, 4, 2, 1, 1, 4], 4);
    fails(
        &shape,
        "",
        ErrorKind::Format,
        &["shape.d01", "4 x 2 x 1 x 1", "4 values"],
    );
    let negative = specman(&dir, "negative", 1, 1, &[1, 4, 1, 1, 1, -4], 4);
    fails(
        &negative,
        "",
        ErrorKind::Format,
        &["negative.d01", "stream 1", "number of values is -4"],
    );
    // A claim of 2^31-1 values: the size check refuses it, nothing of that size is allocated.
    let huge = specman(&dir, "huge", 1, 0, &[1, i32::MAX, 1, 1, 1, i32::MAX], 4);
    fails(
        &huge,
        "",
        ErrorKind::Format,
        &["huge.d01", "needs 17179869208 bytes"],
    );
    let unequal = specman(
        &dir,
        "unequal",
        2,
        1,
        &[1, 4, 1, 1, 1, 4, 1, 4, 1, 1, 1, 3],
        7,
    );
    fails(
        &unequal,
        "",
        ErrorKind::Format,
        &[
            "unequal.d01",
            "stream 2",
            "has 3 values",
            "1 (real parts) 4",
        ],
    );
}

#[test]
fn a_specman_dataset_needs_its_experiment_file_and_takes_no_scaling() {
    let dir = temp_dir("bad-specman-exp");
    let d01 = specman(&dir, "run", 1, 1, &[1, 4, 1, 1, 1, 4], 4);
    fails(
        &d01,
        "n",
        ErrorKind::Scaling,
        &["run.d01", "SpecMan4EPR files have no scaling"],
    );
    let exp = dir.join("run.exp");
    fs::write(&exp, "").unwrap();
    fails(&d01, "", ErrorKind::Format, &["run.exp", "empty"]);
    fs::remove_file(&exp).unwrap();
    fails(
        &d01,
        "",
        ErrorKind::NotFound,
        &["run.d01", "experiment file not found", "run.EXP"],
    );
    // An experiment file without sweeps (eprload stops there): the indices, with a warning.
    fs::write(&exp, "[general]\nname = t\n").unwrap();
    let ds = epyr_core::load(&d01, "").unwrap();
    assert_eq!(ds.axis(0).unwrap().values, [1.0, 2.0, 3.0, 4.0]);
    assert!(
        ds.warnings()
            .iter()
            .any(|w| w.contains("no sweep.transient")),
        "{:?}",
        ds.warnings()
    );
    assert_eq!(ds.params().get("general.name"), Some(" t"));
}

/// A JEOL file: the header of the corpus-like layout with the given process type, dataSet,
/// dataLength and dataKind, then `channels * points` float32 values.
fn jeol(
    dir: &Path,
    name: &str,
    kind: &[u8],
    set: i32,
    length: i32,
    data_kind: &[u8],
    values: usize,
) -> PathBuf {
    let mut bytes = vec![0u8; 0x251C];
    bytes[..kind.len()].copy_from_slice(kind);
    bytes[88..92].copy_from_slice(&set.to_le_bytes());
    bytes[92..96].copy_from_slice(&length.to_le_bytes());
    bytes[96..96 + data_kind.len()].copy_from_slice(data_kind);
    bytes[112..116].copy_from_slice(&330.0f32.to_le_bytes());
    bytes[116..120].copy_from_slice(&10.0f32.to_le_bytes());
    bytes[120..122].copy_from_slice(b"mT");
    bytes.extend((0..values).flat_map(|i| (i as f32).to_le_bytes()));
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn broken_jeol_files_are_errors_naming_the_header_field() {
    let dir = temp_dir("bad-jeol");
    let ok = jeol(&dir, "ok 1.5", b"cAcqu\0", 1, 4, b"complex", 8);
    let ds = epyr_core::load(&ok, "").unwrap();
    assert_eq!((ds.format().as_str(), ds.dims()), ("jeol", [4, 1, 1]));
    assert_eq!(
        ds.components()[0].values,
        [0.0, 4.0, 1.0, 5.0, 2.0, 6.0, 3.0, 7.0]
    );
    assert_eq!(
        ds.axis(0).unwrap().values,
        [330.0, 330.0 + 10.0 / 3.0, 330.0 + 20.0 / 3.0, 340.0]
    );
    assert_eq!(ds.axis(0).unwrap().unit, "mT");

    // The first 16 bytes of a JEOL file followed by garbage: too short for the header.
    let garbage = dir.join("garbage");
    let bytes = b"cAcqu\0\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcdnot a JEOL file at all";
    fs::write(&garbage, bytes).unwrap();
    let found = format!("{} bytes", bytes.len());
    fails(
        &garbage,
        "",
        ErrorKind::Format,
        &["garbage", &found, "the JEOL header blocks needs 9500 bytes"],
    );
    let short = jeol(&dir, "short", b"cAcqu\0", 1, 4, b"complex", 7);
    fails(
        &short,
        "",
        ErrorKind::Format,
        &[
            "short",
            "9528 bytes",
            "2 float32 channels of 4 points",
            "needs 9532",
        ],
    );
    let huge = jeol(&dir, "huge", b"spin\0", 1, i32::MAX, b"real", 4);
    fails(
        &huge,
        "",
        ErrorKind::Format,
        &["huge", "1 float32 channels of 2147483647 points"],
    );
    let negative = jeol(&dir, "negative", b"spin\0", 1, -5, b"real", 4);
    fails(
        &negative,
        "",
        ErrorKind::Format,
        &["negative", "Header.dataLength", "found -5"],
    );
    let kind = jeol(&dir, "imaginary", b"spin\0", 1, 4, b"imagi", 4);
    fails(
        &kind,
        "",
        ErrorKind::Unsupported,
        &["imaginary", "Header.dataKind", "\"imagi\""],
    );
    let two_d = jeol(&dir, "two-d", b"cAcqu\0", 3, 4, b"complex", 24);
    fs::write(&two_d, {
        let mut b = fs::read(&two_d).unwrap();
        b[84..88].copy_from_slice(&1i32.to_le_bytes());
        b
    })
    .unwrap();
    fails(
        &two_d,
        "",
        ErrorKind::Unsupported,
        &["two-d", "Header.dataSet 3", "2-D"],
    );
    let sets = jeol(&dir, "sets", b"cAcqu\0", 0, 4, b"real", 4);
    fails(
        &sets,
        "",
        ErrorKind::Unsupported,
        &["sets", "Header.dataSet 0", "expected dataSet 1"],
    );
    fails(
        &ok,
        "G",
        ErrorKind::Scaling,
        &["ok 1.5", "JEOL files have no scaling"],
    );
}

#[test]
fn only_jeol_process_types_are_read_as_jeol() {
    let dir = temp_dir("bad-jeol-type");
    // Text that starts like a process type is no JEOL file: the C string needs its NUL.
    let text = dir.join("isotropic notes");
    fs::write(&text, "isotropic hyperfine couplings, measured 2024\n").unwrap();
    fails(
        &text,
        "",
        ErrorKind::Unsupported,
        &["isotropic notes", "not a file epyr reads"],
    );
    let empty = dir.join("empty");
    fs::write(&empty, "").unwrap();
    fails(
        &empty,
        "",
        ErrorKind::Unsupported,
        &["empty", "not a file epyr reads"],
    );
    // Read as JEOL on request, a file of another process type says which it has.
    let fit = jeol(&dir, "fit", b"fit\0", 1, 4, b"real", 4);
    let (result, _) = measure(|| epyr_core::formats::load_as(&fit, "jeol", ""));
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(
        e.message().contains("fit") && e.message().contains("process type"),
        "{e}"
    );
}

/// A `.d00` with the given int16 dimensions and `points` complex float64 values (plus
/// `extra` bytes).
fn d00(dir: &Path, name: &str, dims: [i16; 3], points: usize, extra: usize) -> PathBuf {
    let mut bytes: Vec<u8> = dims.iter().flat_map(|d| d.to_le_bytes()).collect();
    bytes.extend((0..2 * points).flat_map(|i| (i as f64).to_le_bytes()));
    bytes.extend(std::iter::repeat_n(0u8, extra));
    let path = dir.join(format!("{name}.d00"));
    fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn broken_d00_files_are_format_errors_naming_the_dimension_or_size() {
    let dir = temp_dir("bad-d00");
    let ok = d00(&dir, "ok", [3, 2, 1], 6, 5);
    let ds = epyr_core::load(&ok, "").unwrap();
    assert_eq!((ds.dims(), ds.components()[0].complex), ([3, 2, 1], true));
    assert_eq!(ds.components()[0].values[..4], [0.0, 1.0, 2.0, 3.0]);
    assert!(
        ds.warnings().iter().any(|w| w.contains("5 bytes after")),
        "{:?}",
        ds.warnings()
    );
    assert!(ds.params().is_empty(), "no .exp, no parameters");

    let header = dir.join("header.d00");
    fs::write(&header, [201u8, 0, 1]).unwrap();
    fails(
        &header,
        "",
        ErrorKind::Format,
        &["header.d00", "3 bytes", "needs 6 bytes"],
    );
    let zero = d00(&dir, "zero", [201, 0, 1], 0, 0);
    fails(
        &zero,
        "",
        ErrorKind::Format,
        &["zero.d00", "dimension 2", "is 0"],
    );
    let negative = d00(&dir, "negative", [-3, 1, 1], 0, 0);
    fails(
        &negative,
        "",
        ErrorKind::Format,
        &["negative.d00", "dimension 1", "is -3"],
    );
    let short = d00(&dir, "short", [32767, 32767, 2], 3, 0);
    let needed = format!("needs {} bytes", 6 + 16 * 32767 * 32767 * 2u64);
    fails(
        &short,
        "",
        ErrorKind::Format,
        &["short.d00", "54 bytes", &needed],
    );
    let long = d00(&dir, "long", [3, 2, 1], 7, 0);
    fails(
        &long,
        "",
        ErrorKind::Format,
        &["long.d00", "2 whole values too many"],
    );
    fails(
        &ok,
        "T",
        ErrorKind::Scaling,
        &["ok.d00", "ETH/WIS d00 files have no scaling"],
    );
    // An experiment file next to it gives the parameters; an empty one is an error.
    let exp = dir.join("ok.exp");
    fs::write(&exp, "[sweep]\nsize=3 2 1\n").unwrap();
    let ds = epyr_core::load(&ok, "").unwrap();
    assert_eq!(ds.params().get("sweep.size"), Some("3 2 1"));
    fs::write(&exp, "").unwrap();
    fails(&ok, "", ErrorKind::Format, &["ok.exp", "empty"]);
}
