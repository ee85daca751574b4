//! The C ABI called in-process, as a host calls it, where a test must step between two calls
//! or inspect what one call leaves for the next: the per-file messages of a batch load, and a
//! load of a described dataset when the files change between the two steps.

mod common;

use std::ffi::{c_char, CString};
use std::path::Path;
use std::ptr;

use common::{isolate_config, temp_dir, write_sample};
use epyr::ffi::dataset::{epyr_dataset_copy_values, epyr_dataset_free, epyr_dataset_param};
use epyr::ffi::general::epyr_last_error_message;
use epyr::ffi::loader::{
    epyr_last_batch_message, epyr_loader_describe, epyr_loader_free, epyr_loader_load,
    epyr_loader_load_described_into, epyr_loader_load_many, epyr_loader_new,
};
use epyr::ffi::{epyr_dataset, epyr_loader};
use epyr::ffi::{
    EPYR_ERR_BUFFER_TOO_SMALL, EPYR_ERR_FILE_CHANGED, EPYR_ERR_INVALID_ARG, EPYR_ERR_NOT_FOUND,
    EPYR_ERR_NULL_ARG, EPYR_OK,
};

/// A path as the C string a host passes.
fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL in test paths")
}

/// A loader that does not cache, for tests that must see every file as it is.
fn uncached_loader() -> *mut epyr_loader {
    isolate_config();
    let mut loader = ptr::null_mut();
    // SAFETY: `loader` is valid for one write.
    let code = unsafe { epyr_loader_new(ptr::null_mut(), 0.0, 0, &mut loader) };
    assert_eq!(code, EPYR_OK);
    loader
}

/// This thread's last error message.
fn last_error() -> String {
    // SAFETY: a size query, then a copy into a buffer of that size.
    let needed = unsafe { epyr_last_error_message(ptr::null_mut(), 0) };
    let mut buf = vec![0u8; needed as usize];
    // SAFETY: `buf` holds `needed` bytes.
    unsafe { epyr_last_error_message(buf.as_mut_ptr().cast(), needed) };
    String::from_utf8(buf[..buf.len() - 1].to_vec()).expect("UTF-8 message")
}

/// File `index`'s message of this thread's last batch, or the status of the failed call.
fn batch_message(index: u64) -> Result<String, i32> {
    let mut needed = 0;
    // SAFETY: a size query: `needed` is valid for one write.
    let code = unsafe { epyr_last_batch_message(index, ptr::null_mut(), 0, &mut needed) };
    if code != EPYR_OK {
        return Err(code);
    }
    let mut buf = vec![0u8; needed as usize];
    // SAFETY: `buf` holds `needed` bytes.
    let code =
        unsafe { epyr_last_batch_message(index, buf.as_mut_ptr().cast(), needed, &mut needed) };
    assert_eq!(code, EPYR_OK);
    Ok(String::from_utf8(buf[..buf.len() - 1].to_vec()).expect("UTF-8 message"))
}

/// The status and message of a load of `path` alone.
fn single_load(loader: *mut epyr_loader, path: &CString) -> (i32, String) {
    let mut ds: *mut epyr_dataset = ptr::null_mut();
    // SAFETY: a live loader, a NUL-terminated path, NULL scaling, `ds` valid for one write.
    let code = unsafe { epyr_loader_load(loader, path.as_ptr(), ptr::null(), &mut ds) };
    assert!(ds.is_null(), "the file loaded");
    (code, last_error())
}

/// Runs `epyr_loader_load_many` on `paths`: the call's status and each file's status.
fn load_many(loader: *mut epyr_loader, paths: &[*const c_char]) -> (i32, Vec<i32>) {
    let n = paths.len();
    let mut datasets = vec![ptr::null_mut::<epyr_dataset>(); n];
    let mut statuses = vec![-1; n];
    // SAFETY: `paths` holds `n` entries; the output arrays hold `n` entries each.
    let code = unsafe {
        epyr_loader_load_many(
            loader,
            paths.as_ptr(),
            n as u64,
            ptr::null(),
            datasets.as_mut_ptr(),
            statuses.as_mut_ptr(),
            ptr::null_mut(),
        )
    };
    for ds in datasets {
        epyr_dataset_free(ds);
    }
    (code, statuses)
}

#[test]
fn each_file_of_a_batch_has_its_own_status_and_whole_message_whatever_the_names_hold() {
    let dir = temp_dir("c-abi-batch-messages");
    let good = c_path(&write_sample(&dir, "good", [8, 1, 1], &[false]));
    // The first name holds what separates files in the joined summary message (Windows names
    // cannot hold a newline or a colon: there it holds the rest).
    let name = if cfg!(windows) {
        "a paths[2] made-up message.DSC"
    } else {
        "a\npaths[2]: made-up message.DSC"
    };
    let tricky = c_path(&dir.join(name));
    let missing = c_path(&dir.join("missing.DSC"));
    let empty = CString::default();
    let loader = uncached_loader();
    let paths = [
        tricky.as_ptr(),
        good.as_ptr(),
        missing.as_ptr(),
        empty.as_ptr(),
    ];
    let (code, statuses) = load_many(loader, &paths);
    assert_eq!(code, EPYR_OK, "an empty path fails only itself");
    for (i, path) in [(0, &tricky), (2, &missing)] {
        let (alone_code, alone_message) = single_load(loader, path);
        assert_eq!(statuses[i], alone_code, "file {i}");
        assert_eq!(batch_message(i as u64), Ok(alone_message), "file {i}");
    }
    assert_eq!(statuses[1], EPYR_OK);
    assert_eq!(batch_message(1), Ok(String::new()), "a file that loaded");
    assert_eq!(statuses[3], EPYR_ERR_INVALID_ARG, "the empty path");
    let empty_message = batch_message(3).expect("a message for the empty path");
    assert!(empty_message.contains("empty path"), "{empty_message}");
    assert_eq!(
        batch_message(4),
        Err(EPYR_ERR_INVALID_ARG),
        "past the batch"
    );
    // The record belongs to the last batch call of this thread, also one refused as a whole.
    let (code, _) = load_many(loader, &[good.as_ptr(), ptr::null()]);
    assert_eq!(code, EPYR_ERR_NULL_ARG);
    assert_eq!(batch_message(0), Err(EPYR_ERR_INVALID_ARG));
    let (code, statuses) = load_many(loader, &[missing.as_ptr()]);
    assert_eq!((code, statuses[0]), (EPYR_OK, EPYR_ERR_NOT_FOUND));
    let other_thread = std::thread::spawn(|| batch_message(0)).join().unwrap();
    assert_eq!(
        other_thread,
        Err(EPYR_ERR_INVALID_ARG),
        "another thread has no batch"
    );
    assert!(batch_message(0).unwrap().contains("missing.DSC"));
    epyr_loader_free(loader);
}

/// A dataset handle of `path` from `epyr_loader_describe` (`describe`) or `epyr_loader_load`.
fn open(loader: *mut epyr_loader, path: &CString, describe: bool) -> *mut epyr_dataset {
    let mut ds = ptr::null_mut();
    // SAFETY: a live loader, a NUL-terminated path, NULL scaling, `ds` valid for one write.
    let code = unsafe {
        if describe {
            epyr_loader_describe(loader, path.as_ptr(), ptr::null(), &mut ds)
        } else {
            epyr_loader_load(loader, path.as_ptr(), ptr::null(), &mut ds)
        }
    };
    assert_eq!(code, EPYR_OK, "{}", last_error());
    ds
}

/// `epyr_loader_load_described_into` with a buffer of `cap` values: the status and the values.
fn load_described(
    loader: *mut epyr_loader,
    described: *const epyr_dataset,
    cap: usize,
) -> (i32, Vec<f64>) {
    let mut buf = vec![f64::NAN; cap];
    let mut len = 0;
    // SAFETY: `buf` holds `cap` doubles; `len` is valid for one write.
    let code = unsafe {
        epyr_loader_load_described_into(loader, described, buf.as_mut_ptr(), cap as u64, &mut len)
    };
    if code == EPYR_OK {
        buf.truncate(len as usize);
    }
    (code, buf)
}

/// The values of component 0 of a loaded dataset handle.
fn values(ds: *const epyr_dataset) -> Vec<f64> {
    let mut len = 0;
    // SAFETY: a size query, then a copy into a buffer of that size.
    let code = unsafe { epyr_dataset_copy_values(ds, 0, ptr::null_mut(), 0, &mut len) };
    assert_eq!(code, EPYR_OK);
    let mut buf = vec![0.0; len as usize];
    // SAFETY: `buf` holds `len` doubles.
    let code = unsafe { epyr_dataset_copy_values(ds, 0, buf.as_mut_ptr(), len, &mut len) };
    assert_eq!(code, EPYR_OK);
    buf
}

/// The title (`TITL`) of a dataset handle: which version of the files it describes.
fn title(ds: *const epyr_dataset) -> String {
    let mut needed = 0;
    let key = c"TITL";
    // SAFETY: a size query, then a copy into a buffer of that size.
    let code = unsafe { epyr_dataset_param(ds, key.as_ptr(), ptr::null_mut(), 0, &mut needed) };
    assert_eq!(code, EPYR_OK);
    let mut buf = vec![0u8; needed as usize];
    // SAFETY: `buf` holds `needed` bytes.
    let code = unsafe {
        epyr_dataset_param(
            ds,
            key.as_ptr(),
            buf.as_mut_ptr().cast(),
            needed,
            &mut needed,
        )
    };
    assert_eq!(code, EPYR_OK);
    String::from_utf8(buf[..buf.len() - 1].to_vec()).unwrap()
}

/// How the files of a described dataset change before its values are loaded.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// Both files renamed over by a second version (other title, other values).
    BothReplaced,
    /// The data file renamed over by the second version's.
    DataReplaced,
    /// The data file rewritten in place: same size, other values.
    DataRewritten,
    /// The descriptor written again with the same text.
    DescriptorTouched,
}

/// Makes the change to the pair `data.DSC/.DTA` in `dir`, from the pair `v2` there.
fn change(dir: &Path, how: Change) {
    let (dsc, dta) = (dir.join("data.DSC"), dir.join("data.DTA"));
    let rename = |from: &str, to: &Path| std::fs::rename(dir.join(from), to).unwrap();
    match how {
        Change::BothReplaced => {
            rename("v2.DSC", &dsc);
            rename("v2.DTA", &dta);
        }
        Change::DataReplaced => rename("v2.DTA", &dta),
        Change::DataRewritten => {
            std::fs::write(&dta, std::fs::read(dir.join("v2.DTA")).unwrap()).unwrap()
        }
        Change::DescriptorTouched => std::fs::write(&dsc, std::fs::read(&dsc).unwrap()).unwrap(),
    }
}

/// Writes version 1 as `data` and a version 2 as `v2` in `dir`: the same shape, another title,
/// each value moved on by one point. Returns the descriptor of version 1.
fn two_versions(dir: &Path) -> std::path::PathBuf {
    let path = write_sample(dir, "data", [64, 1, 1], &[false]);
    write_sample(dir, "v2", [64, 1, 1], &[false]);
    let mut bytes = std::fs::read(dir.join("v2.DTA")).unwrap();
    bytes.rotate_left(8);
    std::fs::write(dir.join("v2.DTA"), bytes).unwrap();
    common::settle_files();
    path
}

#[test]
fn a_described_dataset_loads_from_the_files_it_was_described_from_or_fails_as_changed() {
    let dir = temp_dir("c-abi-load-described");
    let loader = uncached_loader();
    let path = c_path(&two_versions(&dir));
    let whole = open(loader, &path, false);
    let want = values(whole);

    // Unchanged files: the values of a full load; the size from the description.
    let described = open(loader, &path, true);
    let mut len = 0;
    // SAFETY: a size query: `len` is valid for one write.
    let code =
        unsafe { epyr_loader_load_described_into(loader, described, ptr::null_mut(), 0, &mut len) };
    assert_eq!((code, len), (EPYR_OK, want.len() as u64));
    assert_eq!(
        load_described(loader, described, want.len() + 3),
        (EPYR_OK, want.clone())
    );
    let (code, _) = load_described(loader, described, want.len() - 1);
    assert_eq!(code, EPYR_ERR_BUFFER_TOO_SMALL);
    assert_eq!(
        load_described(loader, whole, want.len()).0,
        EPYR_ERR_INVALID_ARG
    );
    assert_eq!(load_described(loader, ptr::null(), 1).0, EPYR_ERR_NULL_ARG);
    epyr_dataset_free(described);
    epyr_dataset_free(whole);

    // The files change between the description and the load of its values, at exactly that
    // point: the load fails as changed instead of giving the values of other files than the
    // description's. Described again, the description and the values agree.
    for how in [
        Change::BothReplaced,
        Change::DataReplaced,
        Change::DataRewritten,
        Change::DescriptorTouched,
    ] {
        two_versions(&dir);
        let described = open(loader, &path, true);
        change(&dir, how);
        let (code, _) = load_described(loader, described, want.len());
        assert_eq!(code, EPYR_ERR_FILE_CHANGED, "{how:?}: {}", last_error());
        epyr_dataset_free(described);
        let described = open(loader, &path, true);
        let whole = open(loader, &path, false);
        let (code, got) = load_described(loader, described, want.len());
        assert_eq!(code, EPYR_OK, "{how:?}: {}", last_error());
        assert_eq!(
            (title(described), got),
            (title(whole), values(whole)),
            "{how:?}"
        );
        epyr_dataset_free(described);
        epyr_dataset_free(whole);
    }
    epyr_loader_free(loader);
}
