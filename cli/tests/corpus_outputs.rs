//! Every corpus dataset of every format this build reads, converted by `epyr convert` to CSV,
//! JSON, HDF5 and BES3T, then read back by something that is not epyr's writer: CSV by numpy,
//! HDF5 by h5py, JSON against the JSON Schema (jsonschema), BES3T by epyr's reader and by
//! EasySpin's eprload under Octave. Values must equal the source's bit for bit (sha256 of the
//! source as epyr reads it, which the corpus conformance tests hold to the expectations) and
//! axes their first and last values.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{epyr, run, run_ok, values_sha256};
use serde_json::{json, Value};

/// One converted dataset: what its source holds (`id`, `dims`, `complex`, `values_sha256`,
/// `axes` with `n`, `first`, `last`, as epyr reads the source) and its outputs.
struct Converted {
    expected: Value,
    dir: PathBuf,
    stem: String,
}

impl Converted {
    fn output(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.stem))
    }

    /// A file name in the work folder for this dataset, unique in the corpus (two datasets
    /// may share a stem: `strong1.dsc` and `strong1.eco`).
    fn work_file(&self, work: &Path, suffix: &str) -> PathBuf {
        let mut name = self.dir.file_name().unwrap().to_os_string();
        name.push(suffix);
        work.join(name)
    }
}

/// The datasets of both expectation files (every format epyr reads).
fn corpus_datasets(corpus: &Path) -> Vec<Value> {
    let mut entries = common::expected(corpus);
    let text = std::fs::read_to_string(corpus.join("expected-formats.json")).unwrap();
    let others: Vec<Value> = serde_json::from_str(&text).unwrap();
    entries.extend(others);
    entries
}

/// What the source at `open` holds as epyr reads it, in the form of the corpus expectations.
fn as_read(id: &Value, open: &Path) -> Value {
    let ds = epyr_core::load(open, "").unwrap_or_else(|e| panic!("{id}: {e}"));
    let axes: Vec<Value> = (0..3)
        .filter(|&d| ds.dims()[d] > 1)
        .filter_map(|d| ds.axis(d))
        .map(|a| json!({"n": a.values.len(), "first": a.values[0], "last": a.values[a.values.len() - 1]}))
        .collect();
    // The writer gives a dataset of another format without an x axis the point index.
    let bes3t = ds.format().as_str() == "bruker-bes3t";
    let mut bes3t_axes = axes.clone();
    if !bes3t && ds.dims()[0] > 1 && ds.axis(0).is_none() {
        let n = ds.dims()[0];
        bes3t_axes.insert(0, json!({"n": n, "first": 0.0, "last": (n - 1) as f64}));
    }
    json!({
        "id": id,
        "bes3t_axes": bes3t_axes,
        "octave_values_sha256": values_sha256(&as_octave_gives(&ds)),
        "dims": ds.dims(),
        "complex": ds.components().iter().map(|c| c.complex).collect::<Vec<_>>(),
        "values_sha256": values_sha256(&ds.file_order_values()),
        "axes": axes,
    })
}

/// The values as eprload under Octave returns them: in file order, but a complex component
/// whose imaginary parts are all zero narrowed to its real parts (Octave narrows such arrays;
/// the corpus README notes it for the ETH `.d00` file).
fn as_octave_gives(ds: &epyr_core::Dataset) -> Vec<f64> {
    let narrowed: Vec<bool> = ds
        .components()
        .iter()
        .map(|c| c.complex && c.values.iter().skip(1).step_by(2).all(|&v| v == 0.0))
        .collect();
    let mut out = Vec::new();
    for point in 0..ds.dims().iter().product::<usize>() {
        for (c, &narrow) in ds.components().iter().zip(&narrowed) {
            match (c.complex, narrow) {
                (false, _) => out.push(c.values[point]),
                (true, true) => out.push(c.values[2 * point]),
                (true, false) => out.extend_from_slice(&c.values[2 * point..2 * point + 2]),
            }
        }
    }
    out
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
            let stem = match open.extension() {
                Some(_) => open.file_stem().unwrap().to_string_lossy().into_owned(),
                None => open.file_name().unwrap().to_string_lossy().into_owned(),
            };
            Converted {
                expected: as_read(&e["id"], &open),
                dir,
                stem,
            }
        })
        .collect()
}

/// The BES3T output read by epyr's reader: same values as the source, and its axes (the point
/// index as x where the source has no x axis).
fn check_bes3t_with_epyr(items: &[Converted]) {
    for item in items {
        let ds = epyr_core::load(&item.output("DSC"), "").unwrap();
        let id = item.expected["id"].as_str().unwrap();
        assert_eq!(
            values_sha256(&ds.file_order_values()),
            item.expected["values_sha256"].as_str().unwrap(),
            "{id}: BES3T values"
        );
        let axes: Vec<&epyr_core::Axis> = (0..3)
            .filter(|&d| ds.dims()[d] > 1)
            .filter_map(|d| ds.axis(d))
            .collect();
        let want = item.expected["bes3t_axes"].as_array().unwrap();
        assert_eq!(axes.len(), want.len(), "{id}: axes of the BES3T output");
        for (axis, want) in axes.iter().zip(want) {
            check_axis(id, &axis.values, want);
        }
    }
}

/// An axis has the length, first and last value of the source's (within 1e-12 relative: the
/// BES3T `IDX` rule recomputes the values from the first one and the width).
fn check_axis(id: &str, values: &[f64], want: &Value) {
    assert_eq!(values.len() as u64, want["n"].as_u64().unwrap(), "{id}");
    for (got, key) in [(values[0], "first"), (values[values.len() - 1], "last")] {
        let expected = want[key].as_f64().unwrap();
        assert!(
            common::shared::close(got, expected, 1e-12),
            "{id}: {key} axis value {got}, source {expected}"
        );
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
    assert!(
        Command::new("h5dump").arg("--version").output().is_ok(),
        "h5dump (Debian: hdf5-tools) does not run"
    );
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

/// The BES3T output's descriptor for eprload: the output itself, or where its text holds
/// lone CR bytes (the PulseSPEL programs of two corpus files keep them from their sources),
/// a copy of the pair without them. Octave's `textscan` splits lines at a lone CR and eprload
/// then stops on the empty line after a continuation: the corpus README says the same of the
/// sources, whose expectations come from such a copy.
fn dsc_for_eprload(item: &Converted, work: &Path) -> PathBuf {
    let dsc = item.output("DSC");
    let text = std::fs::read(&dsc).unwrap();
    let lone_cr = |i: usize| text[i] == b'\r' && text.get(i + 1) != Some(&b'\n');
    if !(0..text.len()).any(lone_cr) {
        return dsc;
    }
    let kept: Vec<u8> = (0..text.len())
        .filter(|&i| !lone_cr(i))
        .map(|i| text[i])
        .collect();
    let dsc = item.work_file(work, "-without-lone-cr.DSC");
    std::fs::write(&dsc, kept).unwrap();
    std::fs::copy(item.output("DTA"), dsc.with_extension("DTA")).unwrap();
    dsc
}

/// The BES3T outputs read by EasySpin's eprload under Octave give the source's values and
/// axes.
fn check_bes3t_with_eprload(items: &[Converted], work: &Path) {
    let eprload = common::shared::octave::easyspin_dir();
    assert!(
        eprload.join("eprload.m").is_file(),
        "EasySpin's eprload not found in {} (EPYR_EASYSPIN)",
        eprload.display()
    );
    let list: String = items
        .iter()
        .map(|i| {
            format!(
                "{}\t{}\n",
                dsc_for_eprload(i, work).display(),
                i.work_file(work, "").display()
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
        let values = read_f64_le(&item.work_file(work, ".values"));
        assert_eq!(
            values_sha256(&values),
            item.expected["octave_values_sha256"].as_str().unwrap(),
            "{id}: values of eprload on epyr's BES3T output"
        );
        let mut axes = read_f64_le(&item.work_file(work, ".axes")).into_iter();
        for want in item.expected["bes3t_axes"].as_array().unwrap() {
            let n = want["n"].as_u64().unwrap() as usize;
            let axis: Vec<f64> = axes.by_ref().take(n).collect();
            check_axis(id, &axis, want);
        }
        assert_eq!(axes.next(), None, "{id}: eprload gives more axis values");
    }
}

/// A file of float64 little-endian values.
fn read_f64_le(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// Every corpus dataset converted to every output this build writes, once per test run.
fn converted() -> &'static (PathBuf, Vec<Converted>) {
    static DONE: std::sync::OnceLock<(PathBuf, Vec<Converted>)> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let corpus = common::corpus_dir();
        let work = common::temp_dir("corpus-outputs");
        let items = convert_all(
            &corpus,
            &work.join("out"),
            corpus_datasets(&corpus),
            cfg!(feature = "hdf5"),
        );
        (work, items)
    })
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_corpus_dataset_converts_and_its_bes3t_output_reads_back_in_epyr() {
    let (_, items) = converted();
    assert!(items.len() >= 67, "{} datasets", items.len());
    check_bes3t_with_epyr(items);
}

#[test]
#[cfg_attr(windows, ignore = "numpy, h5py and jsonschema run on the Linux side")]
#[cfg_attr(
    epyr_no_python,
    ignore = "python3 was not found when the tests were built (EPYR_REQUIRE_PYTHON=1 to fail instead)"
)]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn csv_json_and_hdf5_outputs_read_back_in_numpy_jsonschema_and_h5py() {
    let (work, items) = converted();
    check_with_python(&common::python(), items, cfg!(feature = "hdf5"), work);
}

#[test]
#[cfg_attr(
    all(not(windows), not(feature = "hdf5")),
    ignore = "HDF5 is not in this build"
)]
#[cfg_attr(windows, ignore = "h5dump runs on the Linux side")]
#[cfg_attr(
    epyr_no_h5dump,
    ignore = "h5dump (Debian: hdf5-tools) was not found when the tests were built (EPYR_REQUIRE_TOOLS=1 to fail instead)"
)]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn hdf5_outputs_open_in_h5dump_as_nexus_with_little_endian_values() {
    check_hdf5_with_h5dump(&converted().1);
}

#[test]
#[cfg_attr(windows, ignore = "eprload runs under Octave on the Linux side")]
#[cfg_attr(
    epyr_no_octave,
    ignore = "GNU Octave or EasySpin's eprload (EPYR_EASYSPIN) was not found when the tests were built"
)]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn bes3t_outputs_read_back_in_eprload_with_the_sources_values() {
    let (work, items) = converted();
    check_bes3t_with_eprload(items, work);
}
