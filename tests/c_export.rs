//! The export and metadata calls of the C ABI: `epyr_dataset_export` writes CSV, JSON and BES3T
//! that read back to the dataset, never replaces a file unless asked, and refuses what it
//! cannot do with a status code; `epyr_dataset_metadata_json` answers a size query and gives
//! the common metadata with units.

#[path = "../core/tests/common/mod.rs"]
mod common;

use std::ffi::{CStr, CString};
use std::path::Path;

use epyr::dataset::epyr_dataset_free;
use epyr::export::{epyr_dataset_export, epyr_dataset_metadata_json};
use epyr::loader::{epyr_loader_free, epyr_loader_load, epyr_loader_new};
use epyr::{epyr_dataset, EPYR_ERR_BUFFER_TOO_SMALL, EPYR_ERR_EXISTS, EPYR_ERR_INVALID_ARG};
use epyr::{EPYR_ERR_NULL_ARG, EPYR_OK};

fn c_path(p: &Path) -> CString {
    CString::new(p.to_str().unwrap()).unwrap()
}

/// Loads `path` through the C ABI (no cache).
fn load(path: &Path) -> *mut epyr_dataset {
    let mut loader = std::ptr::null_mut();
    let mut ds = std::ptr::null_mut();
    let p = c_path(path);
    // SAFETY: out-pointers valid for one write; `p` is NUL-terminated; scaling NULL is "".
    unsafe {
        assert_eq!(
            epyr_loader_new(std::ptr::null_mut(), 10.0, 0, &mut loader),
            EPYR_OK
        );
        assert_eq!(
            epyr_loader_load(loader, p.as_ptr(), std::ptr::null(), &mut ds),
            EPYR_OK
        );
        epyr_loader_free(loader);
    }
    ds
}

fn export(ds: *const epyr_dataset, path: &Path, format: Option<&CStr>, overwrite: i32) -> i32 {
    let p = c_path(path);
    let f = format.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: `p` and `f` are NUL-terminated or NULL.
    unsafe { epyr_dataset_export(ds, p.as_ptr(), f, overwrite) }
}

#[test]
fn exports_read_back_and_never_replace_a_file_unless_asked() {
    common::isolate_config();
    let dir = common::temp_dir("c-export");
    let source = common::write_sample(&dir, "sample", [5, 3, 1], &[false]);
    let ds = load(&source);
    let out = dir.join("out");
    std::fs::create_dir(&out).unwrap();

    let csv = out.join("s.csv");
    assert_eq!(
        export(ds, &csv, None, 0),
        EPYR_OK,
        "format from the extension"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rows.len(), 1 + 15, "a header row and one row per point");
    assert_eq!(
        rows[1], "3300.0,3300.0,0.0",
        "x, y, value of the first point"
    );
    std::fs::write(&csv, "mine").unwrap();
    assert_eq!(export(ds, &csv, Some(c"csv"), 0), EPYR_ERR_EXISTS);
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "mine", "kept");
    assert_eq!(export(ds, &csv, Some(c"csv"), 1), EPYR_OK);
    assert_ne!(std::fs::read_to_string(&csv).unwrap(), "mine", "replaced");

    let json = out.join("s.json");
    assert_eq!(export(ds, &json, Some(c"JSON"), 0), EPYR_OK);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["dims"], serde_json::json!([5, 3, 1]));
    assert_eq!(doc["sources"].as_array().unwrap().len(), 2);

    let dsc = out.join("s.DSC");
    assert_eq!(export(ds, &dsc, Some(c"bes3t"), 0), EPYR_OK);
    let back = epyr_core::load(&dsc, "").unwrap();
    let original = epyr_core::load(&source, "").unwrap();
    assert_eq!(back.components(), original.components());
    assert_eq!(back.axis(1), original.axis(1));
    assert_eq!(export(ds, &dsc, Some(c"bes3t"), 0), EPYR_ERR_EXISTS);

    assert_eq!(
        export(ds, &out.join("s.txt"), None, 0),
        EPYR_ERR_INVALID_ARG
    );
    assert_eq!(
        export(ds, &out.join("t.csv"), Some(c"xml"), 0),
        EPYR_ERR_INVALID_ARG
    );
    assert_eq!(
        export(ds, &out.join("t.csv"), None, 2),
        EPYR_ERR_INVALID_ARG
    );
    // SAFETY: NULL path is checked.
    let status = unsafe { epyr_dataset_export(ds, std::ptr::null(), std::ptr::null(), 0) };
    assert_eq!(status, EPYR_ERR_NULL_ARG);
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("epyr-tmp")),
        "no temporary file left: {names:?}"
    );
    epyr_dataset_free(ds);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn metadata_json_answers_a_size_query_and_gives_units() {
    common::isolate_config();
    let dir = common::temp_dir("c-metadata");
    let source = common::write_sample(&dir, "sample", [8, 1, 1], &[true]);
    let ds = load(&source);
    let mut needed = 0u64;
    // SAFETY: buffer NULL (size query), `needed` valid.
    let status = unsafe { epyr_dataset_metadata_json(ds, std::ptr::null_mut(), 0, &mut needed) };
    assert_eq!(status, EPYR_OK);
    let mut small = vec![0 as std::ffi::c_char; 4];
    // SAFETY: `small` holds 4 bytes.
    let status = unsafe { epyr_dataset_metadata_json(ds, small.as_mut_ptr(), 4, &mut needed) };
    assert_eq!(status, EPYR_ERR_BUFFER_TOO_SMALL);
    let mut buf = vec![0 as std::ffi::c_char; needed as usize];
    // SAFETY: `buf` holds `needed` bytes.
    let status =
        unsafe { epyr_dataset_metadata_json(ds, buf.as_mut_ptr(), needed, std::ptr::null_mut()) };
    assert_eq!(status, EPYR_OK);
    // SAFETY: the call wrote a NUL-terminated string into `buf`.
    let text = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
    assert_eq!(text.len() as u64 + 1, needed);
    let md: serde_json::Value = serde_json::from_str(text).unwrap();
    // The sample's cw parameters: MWPW 0.002 W is 2 mW, STMP 80 K, AVGS 4 scans, RCAG 20 dB.
    assert_eq!(
        md["microwave_power"],
        serde_json::json!({"value": 2.0, "unit": "mW", "source": "MWPW"})
    );
    assert_eq!(md["temperature"]["unit"], "K");
    assert_eq!(md["scans"]["value"], 4.0);
    assert_eq!(md["receiver_gain"]["unit"], "dB");
    assert_eq!(md["experiment_type"]["value"], "cw");
    assert!(
        md.get("microwave_frequency").is_none(),
        "absent stays absent: {md}"
    );
    assert_eq!(md["field_first"]["value"], 3300.0, "from the x axis in G");
    epyr_dataset_free(ds);
    std::fs::remove_dir_all(&dir).unwrap();
}
