//! The core's exports and common metadata: CSV in both layouts for 1-D, 2-D and 3-D data with
//! complex and several components reads back to the exact values; the metadata of every
//! corpus dataset gives units for every number and never a placeholder.

mod common;

use epyr_core::export::{export, output_paths, CsvLayout, ExportFormat, ExportOptions};
use epyr_core::metadata::{common_metadata, Field};
use epyr_core::ErrorKind;

/// The data rows of a CSV (comment lines and the header row dropped) as numbers.
fn rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()).collect())
        .collect()
}

#[test]
fn long_csv_of_3d_data_with_two_components_reads_back_exactly() {
    let dir = common::temp_dir("export-long");
    let source = common::write_sample(&dir, "cube", [4, 3, 2], &[true, false]);
    let ds = epyr_core::load(&source, "").unwrap();
    let csv = dir.join("cube.csv");
    export(&ds, &csv, ExportFormat::Csv, &ExportOptions::default()).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let header = text.lines().find(|l| !l.starts_with('#')).unwrap();
    assert_eq!(header, "Field (G),Y (G),Z (G),real_1,imag_1,intensity_2");
    let data = rows(&text);
    assert_eq!(data.len(), 24, "one row per point");
    let values: Vec<f64> = data.iter().flat_map(|r| r[3..].to_vec()).collect();
    assert_eq!(values, ds.file_order_values(), "file order, exact");
    // Point 13 is x=1, y=0, z=1: axes 3301, 3300, 3301.
    assert_eq!(&data[13][..3], &[3301.0, 3300.0, 3301.0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn matrix_csv_has_a_block_per_value_column_and_z_slice() {
    let dir = common::temp_dir("export-matrix");
    let source = common::write_sample(&dir, "cube", [4, 3, 2], &[true]);
    let ds = epyr_core::load(&source, "").unwrap();
    let csv = dir.join("cube.csv");
    let options = ExportOptions {
        csv_layout: CsvLayout::Matrix,
        ..ExportOptions::default()
    };
    export(&ds, &csv, ExportFormat::Csv, &options).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let blocks: Vec<&str> = text.split("\n\n").filter(|b| b.contains(',')).collect();
    assert_eq!(blocks.len(), 4, "real and imag for each of 2 z slices");
    // Block 3 is the real part of slice z=1; its row y=2 holds points x=0..3 of that row.
    let block = blocks[2];
    assert!(block.contains("# real, Z (G) = 3301.0"), "{block}");
    let lines: Vec<&str> = block.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines[0], "Y (G) \\ Field (G),3300.0,3301.0,3302.0,3303.0");
    let row: Vec<f64> = lines[3].split(',').map(|v| v.parse().unwrap()).collect();
    let v = &ds.components()[0].values;
    let first = 4 * (2 + 3); // x=0, y=2, z=1 -> point 20
    assert_eq!(
        row,
        [
            3302.0,
            v[2 * first],
            v[2 * (first + 1)],
            v[2 * (first + 2)],
            v[2 * (first + 3)]
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bes3t_export_refuses_to_replace_any_of_its_files_unless_asked() {
    let dir = common::temp_dir("export-bes3t");
    let source = common::write_sample(&dir, "plane", [5, 4, 1], &[false]);
    let ds = epyr_core::load(&source, "").unwrap();
    let target = dir.join("out").join("copy.DSC");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let files = output_paths(&ds, &target, ExportFormat::Bes3t);
    assert_eq!(files.len(), 2, "linear axes need no companion: {files:?}");
    std::fs::write(&files[1], b"old data").unwrap();
    let e = export(&ds, &target, ExportFormat::Bes3t, &ExportOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}");
    assert!(!files[0].exists(), "nothing written");
    let options = ExportOptions {
        overwrite: true,
        ..ExportOptions::default()
    };
    export(&ds, &target, ExportFormat::Bes3t, &options).unwrap();
    common::assert_same_data("copy", &epyr_core::load(&target, "").unwrap(), &ds);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_corpus_dataset_gives_units_for_every_number_and_no_placeholder() {
    let corpus = common::corpus_dir();
    let units = [
        "GHz", "G", "mT", "T", "kG", "kHz", "mW", "dB", "1", "ms", "K",
    ];
    for e in common::expected(&corpus) {
        let path = corpus.join(e["open"].as_str().unwrap());
        let ds = epyr_core::load(&path, "").unwrap();
        let md = common_metadata(&ds);
        for (name, field) in md.present() {
            match field {
                Field::Quantity(q) => {
                    assert!(
                        units.contains(&q.unit.as_str()),
                        "{path:?} {name}: unit {:?}",
                        q.unit
                    );
                    assert!(
                        q.value.is_finite() && !q.source.is_empty(),
                        "{path:?} {name}"
                    );
                }
                Field::Text(t) => {
                    assert!(!t.value.trim().is_empty(), "{path:?} {name}");
                    assert!(!t.value.contains("N/A"), "{path:?} {name}: {}", t.value);
                }
            }
        }
        let field_sweep = (0..3).any(|d| ds.axis(d).is_some_and(|a| a.unit == "G"));
        if field_sweep {
            // EPyR Tools writes N/A here for every BES3T file.
            assert!(
                md.field_center.is_some() && md.field_sweep_width.is_some(),
                "{path:?}"
            );
            assert!(md.field_unit.is_some(), "{path:?}");
        }
        if ds.params().contains("MWFQ") || ds.params().contains("MF") {
            assert_eq!(
                md.microwave_frequency.as_ref().unwrap().unit,
                "GHz",
                "{path:?}"
            );
        }
    }
}
