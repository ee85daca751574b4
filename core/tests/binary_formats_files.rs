//! The files of the binary formats SpecMan, JEOL and ETH/WIS `.d00` as a loader meets them:
//! the SpecMan experiment file is found by base name and extension in any case (not by
//! eprload's replacement of every `d01` in the path), any member or the base name opens the
//! dataset, a `.d00` experiment file that appears later is noticed by the cache, and planar
//! values (two streams, two channels) read the same whole, in chunks of any size, by rows,
//! into a caller buffer and on several threads.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{assert_same_data, loader_with, settle_files, temp_dir};
use epyr_core::{DataCache, Dataset, Plan, Scaling, ValueKind};

/// Writes a complex SpecMan dataset `name.d01` (two float32 streams of `nx` x `ny` points,
/// real parts `i`, imaginary parts `-i / 2`) with its experiment file `name.<exp_ext>`.
fn specman(dir: &Path, name: &str, exp_ext: &str, nx: i32, ny: i32) -> PathBuf {
    let n = nx * ny;
    let mut bytes: Vec<u8> = [2u32, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    for _ in 0..2 {
        for v in [2, nx, ny, 1, 1, n] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    bytes.extend((0..n).flat_map(|i| (i as f32).to_le_bytes()));
    bytes.extend((0..n).flat_map(|i| (-(i as f32) / 2.0).to_le_bytes()));
    let d01 = dir.join(format!("{name}.d01"));
    fs::write(&d01, bytes).unwrap();
    let exp = format!(
        "[general]\nname = {name}\n[sweep]\ntransient = T,{nx},1,a,b\nsweep0 = X,{ny},1,B\n\
         [params]\nB = 300 mT to 310 mT;f\n[streams]\ndwelltime = 4 ns, 4 ns\n"
    );
    fs::write(dir.join(format!("{name}.{exp_ext}")), exp).unwrap();
    d01
}

#[test]
fn the_specman_experiment_file_is_found_by_its_extension_only() {
    // eprload replaces every `d01` of the path by `exp` and would look in "exp runs" for
    // "scan_exp.exp"; the experiment file is "scan_d01.EXP" beside the data.
    let dir = temp_dir("specman-names").join("d01 runs");
    fs::create_dir_all(&dir).unwrap();
    let d01 = specman(&dir, "scan_d01", "EXP", 4, 3);
    let ds = epyr_core::load(&d01, "").unwrap();
    assert_eq!((ds.format().as_str(), ds.dims()), ("specman", [4, 3, 1]));
    assert_eq!(ds.params().get("general.name"), Some(" scan_d01"));
    let dwell = 4.0 * 1e-9;
    let x: Vec<f64> = (0..4).map(|i| i as f64 * dwell).collect();
    assert_eq!(ds.axis(0).unwrap().values, x);
    let y = &ds.axis(1).unwrap().values;
    assert!(
        y.iter()
            .zip([300.0, 305.0, 310.0])
            .all(|(a, b)| (a - b).abs() < 1e-9),
        "{y:?}"
    );
    assert_eq!(ds.params().get("ylabel"), Some("B, mT"));
    let c = &ds.components()[0];
    assert!(c.complex);
    assert_eq!(c.values[..4], [0.0, -0.0, 1.0, -0.5]);
    for other in [dir.join("scan_d01.EXP"), dir.join("scan_d01")] {
        let again = epyr_core::load(&other, "").unwrap();
        assert_same_data(&other.display().to_string(), &again, &ds);
        assert_eq!(again.params(), ds.params());
    }
}

#[test]
fn a_d00_experiment_file_that_appears_later_is_noticed() {
    let dir = temp_dir("d00-late-exp");
    let d00 = dir.join("echo.D00");
    let mut bytes: Vec<u8> = [2i16, 1, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    bytes.extend(
        [1.0f64, 0.5, 2.0, -0.5]
            .iter()
            .flat_map(|v| v.to_le_bytes()),
    );
    fs::write(&d00, bytes).unwrap();
    settle_files();
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let before = loader.load(&d00, "").unwrap();
    assert!(before.params().is_empty());
    assert!(
        Arc::ptr_eq(&before, &loader.load(&d00, "").unwrap()),
        "a cache hit"
    );
    // The experiment file arrives after the data (in the case of the data file's extension).
    fs::write(
        dir.join("echo.EXP"),
        "[general]\ndescription=Davies ENDOR\n",
    )
    .unwrap();
    settle_files();
    let after = loader.load(&d00, "").unwrap();
    assert_eq!(
        after.params().get("general.description"),
        Some("Davies ENDOR")
    );
    assert_eq!(after.params(), epyr_core::load(&d00, "").unwrap().params());
}

/// Every way of reading the values of `path` gives the values of one whole read.
fn check_read_paths(path: &Path) {
    let whole = Plan::open(path, Scaling::default())
        .unwrap()
        .read()
        .unwrap();
    let want = whole.file_order_values();
    let what = path.display().to_string();
    let parallel = Plan::open(path, Scaling::default())
        .unwrap()
        .read_parallel(4)
        .unwrap();
    assert_same_data(&format!("{what} on 4 threads"), &parallel, &whole);
    let loader = epyr_core::Loader::with_defaults().unwrap();
    let mut out = vec![f64::NAN; want.len() + 3];
    loader.load_into(path, "", &mut out).unwrap();
    common::assert_bits_eq(&format!("{what} into a buffer"), &out[..want.len()], &want);
    // Point by point only where that is quick (a read per point and block).
    let chunks: &[usize] = if whole.points() < 100_000 {
        &[1, 7, 1000]
    } else {
        &[65_537]
    };
    for &chunk in chunks {
        let mut reader = loader.open_reader(path, "").unwrap();
        reader.set_chunk_points(chunk).unwrap();
        let per_point = reader.values_per_point();
        let mut got = Vec::new();
        while let Some((first, values)) = reader.next_chunk().unwrap() {
            assert_eq!(first * per_point, got.len());
            got.extend_from_slice(values);
        }
        common::assert_bits_eq(&format!("{what} in chunks of {chunk}"), &got, &want);
    }
    let reader = loader.open_reader(path, "").unwrap();
    let [nx, ny, _] = whole.dims();
    if ny > 2 {
        let mut rows = vec![0.0; reader.rows_len(1, 2).unwrap()];
        reader.read_rows(1, 2, &mut rows).unwrap();
        let per_row = nx * reader.values_per_point();
        common::assert_bits_eq(
            &format!("{what} rows 1-2"),
            &rows,
            &want[per_row..3 * per_row],
        );
    }
}

#[test]
fn planar_values_read_the_same_whole_in_chunks_by_rows_and_on_threads() {
    let dir = temp_dir("planar-paths");
    check_read_paths(&specman(&dir, "small", "exp", 5, 4));
    // Over 8 MB of values: decoded by several threads.
    let big = specman(&dir, "big", "exp", 1024, 1100);
    let ds: Dataset = epyr_core::load(&big, "").unwrap();
    assert_eq!(ds.components()[0].values[2 * 1_000_000 + 1], -500_000.0);
    check_read_paths(&big);
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn planar_corpus_values_read_the_same_whole_in_chunks_by_rows_and_on_threads() {
    let corpus = common::corpus_dir();
    check_read_paths(&corpus.join("easyspin/jeol/Palm oil PBN RT Bleach 42h.0"));
    check_read_paths(&corpus.join("easyspin/specman/steps -16pi to 16pi short.d01"));
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn jeol_header_numbers_and_raw_characters_are_marked_with_their_kind_and_its_texts_are_not() {
    let corpus = common::corpus_dir();
    let ds = loader_with(&Arc::new(DataCache::new(16 << 20)))
        .load(&corpus.join("easyspin/jeol/181007UVA7 11.15"), "")
        .unwrap();
    let params = ds.params();
    let kind = |key: &str| {
        let index = params.entries().iter().position(|p| p.key == key);
        params.kind(index.unwrap_or_else(|| panic!("no parameter {key}")))
    };
    // int32 and float32 header fields (eprload's fread without '*char').
    assert_eq!(kind("Header.dataLength"), ValueKind::BinaryNumber);
    assert_eq!(kind("Header.xOffset"), ValueKind::BinaryNumber);
    // Raw characters (eprload's fread(h, n, '*char')).
    assert_eq!(kind("Header.dispPart"), ValueKind::RawChars(1));
    assert_eq!(kind("ProcessPara.aope"), ValueKind::RawChars(4));
    // C strings (eprload's readcstring), also where the text is digits only.
    assert_eq!(kind("Header.processType"), ValueKind::Text);
    assert_eq!(kind("Spectrometer.magnet"), ValueKind::Text);
    assert!(params
        .get("Spectrometer.magnet")
        .is_some_and(|v| v.parse::<f64>().is_ok()));
    // Every int32 and float32 field of the blocks, not only the few above.
    let numbers = (0..params.len()).filter(|&i| params.kind(i) == ValueKind::BinaryNumber);
    assert!(numbers.count() > 10);
}

#[test]
fn a_specman_header_of_more_than_four_streams_is_read_whole() {
    // The reader reads the header of up to four streams at once and the rest once the count
    // is known: six streams of one 1-D shape are the six columns of a matrix.
    let dir = temp_dir("specman-six-streams");
    let (streams, points) = (6i32, 5i32);
    let mut bytes: Vec<u8> = [streams as u32, 1]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    for _ in 0..streams {
        for v in [1, points, 1, 1, 1, points] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    let value = |k: i32, i: i32| (k * 10 + i) as f32;
    for k in 0..streams {
        bytes.extend((0..points).flat_map(|i| value(k, i).to_le_bytes()));
    }
    let d01 = dir.join("six.d01");
    fs::write(&d01, bytes).unwrap();
    fs::write(dir.join("six.exp"), "[general]\nname = six\n").unwrap();
    let ds = epyr_core::load(&d01, "").unwrap();
    assert_eq!(ds.dims(), [points as usize, streams as usize, 1]);
    let c = &ds.components()[0];
    assert!(!c.complex);
    let want: Vec<f64> = (0..streams)
        .flat_map(|k| (0..points).map(move |i| f64::from(value(k, i))))
        .collect();
    assert_eq!(c.values, want);
}
