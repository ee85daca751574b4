//! Bad input of the vendor formats not covered by the other `bad_input` files: header blocks
//! beyond the entry limit (Adani `.dat`, Active Spectrum), NaN text in the number tables
//! (`.dat`, `.eco`), a file that looks like JEOL by its first bytes but has no whole header, a
//! Varian file with exactly the smallest count of numbers or a trailing partial number, a
//! SpecMan dataset given by its data file without the experiment file, and the common metadata
//! of files whose parameters hold text where numbers belong.

mod common;

use std::path::{Path, PathBuf};

use common::temp_dir;
use epyr_core::formats::text::MAX_ENTRIES;
use epyr_core::metadata::common_metadata;
use epyr_core::ErrorKind;

/// Writes `bytes` as `name` in a fresh folder for `test`.
fn write(test: &str, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let dir = temp_dir(test);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Asserts that loading `path` fails with `kind` and a message holding every needle.
fn fails(path: &Path, kind: ErrorKind, needles: &[&str]) {
    let e = epyr_core::load(path, "").unwrap_err();
    assert_eq!(e.kind(), kind, "{}: {e}", path.display());
    for needle in needles {
        assert!(e.message().contains(needle), "{needle:?} not in: {e}");
    }
}

/// The first line of an Adani `.dat` file and the line that closes its parameter block.
const DAT_BANNER: &str = "======================== Parameters: ========================\r\n";
const DAT_END: &str = "=============================================================\r\n";

#[test]
fn a_header_block_beyond_the_entry_limit_is_refused_naming_the_limit() {
    let lines = "     Center field: 338,20 mT\r\n".repeat(MAX_ENTRIES + 1);
    let dat = write(
        "vendor-dat-limit",
        "h.dat",
        format!("{DAT_BANNER}{lines}{DAT_END}0\t337,5\t1\r\n"),
    );
    fails(
        &dat,
        ErrorKind::Format,
        &["h.dat", &MAX_ENTRIES.to_string()],
    );
    let lines = "NUMBER OF SWEEPS\t1\r\n".repeat(MAX_ENTRIES + 1);
    let esr = write(
        "vendor-esr-limit",
        "h.ESR",
        format!("{lines}FIELD (G)\tINTENSITY\r\n3272\t1\r\n"),
    );
    fails(
        &esr,
        ErrorKind::Format,
        &["h.ESR", &MAX_ENTRIES.to_string()],
    );
    // At the limit the file is read, every line a parameter.
    let lines = "NUMBER OF SWEEPS\t1\r\n".repeat(MAX_ENTRIES);
    let esr = write(
        "vendor-esr-at-limit",
        "h.ESR",
        format!("{lines}FIELD (G)\tINTENSITY\r\n3272\t1\r\n"),
    );
    assert_eq!(
        epyr_core::load(&esr, "").unwrap().params().len(),
        MAX_ENTRIES
    );
}

#[test]
fn nan_text_in_number_tables_is_read_as_eprload_reads_it_or_refused() {
    // `.dat`: sscanf('%f') reads NaN as NaN, as in the Active Spectrum table.
    let dat = write(
        "vendor-dat-nan",
        "n.dat",
        format!("{DAT_BANNER}{DAT_END}0\t337,5\tNaN\r\n1\t337,75\t2,5\r\n"),
    );
    let ds = epyr_core::load(&dat, "").unwrap();
    let v = &ds.components()[0].values;
    assert!(v[0].is_nan() && v[1] == 2.5, "{v:?}");
    // `.eco`: `nx ny complex` then the numbers; NaN among them is read as NaN too, and a
    // NaN in the header line is no size.
    let eco = write("vendor-eco-nan", "n.eco", "1 2 0\n5\nNaN\n");
    let ds = epyr_core::load(&eco, "").unwrap();
    let v = &ds.components()[0].values;
    assert!(v[0] == 5.0 && v[1].is_nan(), "{v:?}");
    let eco = write("vendor-eco-nan-size", "s.eco", "NaN 2 0\n5\n6\n");
    fails(&eco, ErrorKind::Format, &["s.eco"]);
}

#[test]
fn a_file_that_starts_like_jeol_without_a_whole_header_is_a_format_error() {
    // The first 16 bytes name a JEOL process type with its NUL, the file ends there.
    let mut bytes = b"cAcqu\0".to_vec();
    bytes.resize(16, 0);
    let path = write("vendor-jeol-cut", "looks like jeol", &bytes);
    fails(&path, ErrorKind::Format, &["looks like jeol"]);
    // The same with a header of the right length but no data at all.
    bytes.resize(0x251C, 0);
    bytes[92..96].copy_from_slice(&4i32.to_le_bytes());
    bytes[88..92].copy_from_slice(&1i32.to_le_bytes());
    bytes[96..100].copy_from_slice(b"real");
    let path = write("vendor-jeol-nodata", "header only", &bytes);
    fails(&path, ErrorKind::Format, &["header only"]);
}

#[test]
fn a_varian_file_needs_more_numbers_than_its_smallest_count() {
    // 500 float32 numbers: eprload needs more than 500 (`N > K`).
    let path = write("vendor-varian-500", "s.spk", vec![0u8; 4 * 500]);
    fails(
        &path,
        ErrorKind::Format,
        &["s.spk", "too small", "500 float32"],
    );
    // 501 numbers and 3 more bytes: the last 500 whole numbers are read.
    let mut bytes: Vec<u8> = (0..501).flat_map(|i| (i as f32).to_le_bytes()).collect();
    bytes.extend([1, 2, 3]);
    let path = write("vendor-varian-partial", "p.ref", &bytes);
    let ds = epyr_core::load(&path, "").unwrap();
    let v = &ds.components()[0].values;
    assert_eq!((v.len(), v[0], v[499]), (500, 1.0, 500.0));
}

#[test]
fn a_specman_data_file_without_its_experiment_file_names_the_missing_file() {
    let path = write("vendor-specman-alone", "alone.d01", vec![0u8; 64]);
    fails(&path, ErrorKind::NotFound, &["alone", "experiment file"]);
}

#[test]
fn text_where_numbers_belong_leaves_the_common_metadata_fields_absent() {
    // Every header value of an Active Spectrum file is text, NaN or infinite.
    let esr = write(
        "vendor-esr-text",
        "t.ESR",
        "FREQUENCY (MHz)\tNaN\r\nMICROWAVE POWER (mW)\tinf\r\nNUMBER OF SWEEPS\tmany\r\n\
         TEMPERATURE (C)\t\r\nDATE/TIME\t13/45/2014 99:00 PM\r\nFIELD (G)\tINTENSITY\r\n3272\t1\r\n",
    );
    let md = common_metadata(&epyr_core::load(&esr, "").unwrap());
    for name in [
        "microwave_frequency",
        "microwave_power",
        "scans",
        "temperature",
        "acquired",
    ] {
        assert!(
            md.present().iter().all(|(n, _)| *n != name),
            "{name} present: {:?}",
            md.present()
        );
    }
    // The field sweep still comes from the axis.
    assert!(md.field_first.is_some());
    // An Adani .dat with units of the wrong kind: absent, not converted.
    let dat = write(
        "vendor-dat-units",
        "u.dat",
        format!(
            "{DAT_BANNER}     Center field: 338,20 s\r\n     Microwave frequency: 9,4 mT\r\n\
             {DAT_END}0\t337,5\t1\r\n"
        ),
    );
    let md = common_metadata(&epyr_core::load(&dat, "").unwrap());
    assert_eq!((md.field_center, md.microwave_frequency), (None, None));
}
