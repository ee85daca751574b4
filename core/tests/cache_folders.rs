//! The cache key names a folder by its identity (volume and number), not by a canonical path:
//! every name of one folder (a linked folder; a bind mount, which has the same identity)
//! shares an entry, while a folder
//! replaced by another at the same path, a link to a folder that now names another folder, or
//! a relative path read from another current folder never gets the other folder's data.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{assert_same_data, loader_with, settle_files, temp_dir, write_sample};
use epyr_core::{DataCache, Dataset, Loader};

/// Loads `path` through `loader` and checks the result against an uncached load of the same
/// path (values, axes, parameters).
fn cached_equals_uncached(loader: &Loader, path: &Path, what: &str) -> Arc<Dataset> {
    let cached = loader.load(path, "").unwrap();
    let fresh = epyr_core::load(path, "").unwrap();
    assert_same_data(what, &cached, &fresh);
    assert_eq!(cached.params(), fresh.params(), "{what}: parameters");
    cached
}

/// A dataset `a` in `dir` whose values and title differ with `variant`.
fn write_variant(dir: &Path, variant: usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    // Another number of points gives other values, dims and parameters.
    write_sample(dir, "a", [16 + 8 * variant, 1, 1], &[variant % 2 == 1])
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_dir(target, link)
}

#[test]
#[cfg_attr(
    windows,
    ignore = "symbolic links to folders need a privilege on Windows"
)]
fn paths_through_a_linked_folder_share_one_entry() {
    let root = temp_dir("folders-linked");
    let dsc = write_variant(&root.join("real"), 0);
    symlink_dir(&root.join("real"), &root.join("link")).unwrap();
    settle_files();
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let direct = cached_equals_uncached(&loader, &dsc, "real/a.DSC");
    let linked = cached_equals_uncached(&loader, &root.join("link/a.DTA"), "link/a.DTA");
    assert!(Arc::ptr_eq(&direct, &linked), "one folder, one entry");
    assert_eq!(cache.stats().entries, 1);
}

#[test]
fn a_folder_replaced_by_another_at_the_same_path_is_noticed() {
    let root = temp_dir("folders-replaced");
    let sub = root.join("sub");
    let dsc = write_variant(&sub, 0);
    settle_files();
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let old = cached_equals_uncached(&loader, &dsc, "first folder");
    // The folder moves away; a new one with the same name and file names takes its place.
    std::fs::rename(&sub, root.join("sub-old")).unwrap();
    write_variant(&sub, 1);
    settle_files();
    for (path, what) in [
        (dsc.clone(), "new folder, the path that built the entry"),
        (dsc.with_extension("DTA"), "new folder, another spelling"),
    ] {
        let new = cached_equals_uncached(&loader, &path, what);
        assert!(!Arc::ptr_eq(&old, &new), "{what}: the old folder's data");
    }
    // The old folder under its new name is still its own dataset.
    let moved = root.join("sub-old/a.DSC");
    let again = cached_equals_uncached(&loader, &moved, "the old folder, renamed");
    assert_same_data("renamed folder", &again, &old);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "symbolic links to folders need a privilege on Windows"
)]
fn a_link_to_a_folder_swapped_between_loads_reads_the_folder_it_names_now() {
    let root = temp_dir("folders-swapped-link");
    write_variant(&root.join("one"), 0);
    write_variant(&root.join("two"), 1);
    let link = root.join("current");
    symlink_dir(&root.join("one"), &link).unwrap();
    settle_files();
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let first = cached_equals_uncached(&loader, &link.join("a.DSC"), "link to one");
    // The link now names the other folder (made beside it and renamed over it).
    symlink_dir(&root.join("two"), &root.join("next")).unwrap();
    std::fs::rename(root.join("next"), &link).unwrap();
    settle_files();
    for name in ["a.DSC", "a.DTA", "a"] {
        let what = format!("link to two, {name}");
        let now = cached_equals_uncached(&loader, &link.join(name), &what);
        assert!(!Arc::ptr_eq(&first, &now), "{what}: folder one's data");
    }
}

#[test]
fn a_relative_path_names_the_file_in_the_current_folder_of_each_call() {
    let root = temp_dir("folders-relative");
    write_variant(&root.join("one"), 0);
    write_variant(&root.join("two"), 1);
    // Folder three: folder one's descriptor by a symbolic link beside a data file of its own
    // (same size, other values): the companion of "a.DSC" there is three's a.DTA.
    #[cfg(unix)]
    {
        let three = root.join("three");
        let dsc = root.join("one/a.DSC");
        std::fs::create_dir_all(&three).unwrap();
        std::os::unix::fs::symlink(&dsc, three.join("a.DSC")).unwrap();
        let mut data = std::fs::read(dsc.with_extension("DTA")).unwrap();
        data.iter_mut().for_each(|b| *b ^= 0x40);
        std::fs::write(three.join("a.DTA"), data).unwrap();
    }
    // Folder four: hard links of a copy of folder one's files (the same files under two
    // names each: folder four and folder five).
    let four = root.join("four");
    write_variant(&four, 0);
    let five = root.join("five");
    std::fs::create_dir_all(&five).unwrap();
    for name in ["a.DSC", "a.DTA"] {
        std::fs::hard_link(four.join(name), five.join(name)).unwrap();
    }
    settle_files();
    common::run_child_test(
        "child_loads_one_relative_path_from_several_current_folders",
        &root,
        &[("EPYR_TEST_FOLDERS", root.to_str().unwrap())],
        std::time::Duration::from_secs(60),
    );
}

/// Run by the test above in a child process (it changes the current folder).
#[test]
#[ignore = "run in a child process by a_relative_path_names_the_file_in_the_current_folder_of_each_call"]
fn child_loads_one_relative_path_from_several_current_folders() {
    let root = PathBuf::from(std::env::var_os("EPYR_TEST_FOLDERS").unwrap());
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let relative = Path::new("a.DSC");
    std::env::set_current_dir(root.join("one")).unwrap();
    let first = cached_equals_uncached(&loader, relative, "from one");
    let hit = loader.load(relative, "").unwrap();
    assert!(Arc::ptr_eq(&first, &hit), "the same folder again is a hit");
    if cfg!(unix) {
        std::env::set_current_dir(root.join("three")).unwrap();
        let linked = cached_equals_uncached(&loader, relative, "from three (linked descriptor)");
        assert!(
            !Arc::ptr_eq(&first, &linked),
            "folder one's data file read from three"
        );
        assert_eq!(
            linked.sources()[1],
            root.join("three/a.DTA"),
            "three's data file"
        );
    }
    std::env::set_current_dir(root.join("two")).unwrap();
    let second = cached_equals_uncached(&loader, relative, "from two");
    assert!(
        !Arc::ptr_eq(&first, &second),
        "folder one's data read from folder two"
    );
    std::env::set_current_dir(root.join("one")).unwrap();
    let back = loader.load(relative, "").unwrap();
    assert!(Arc::ptr_eq(&first, &back), "back in folder one: its entry");
    let hit = loader.load(relative, "").unwrap();
    assert!(
        Arc::ptr_eq(&first, &hit),
        "folder one, its relative alias again"
    );
    std::env::set_current_dir(root.join("four")).unwrap();
    let four = cached_equals_uncached(&loader, relative, "from four");
    assert_eq!(four.sources()[0], root.join("four/a.DSC"));
    std::env::set_current_dir(root.join("five")).unwrap();
    let five = cached_equals_uncached(&loader, relative, "from five (hard links of four)");
    assert!(
        !Arc::ptr_eq(&four, &five),
        "hard links in another folder: their own entry"
    );
    assert_eq!(
        five.sources()[0],
        root.join("five/a.DSC"),
        "five's own files"
    );
}

#[test]
fn a_relative_path_that_names_no_file_is_reported_as_given() {
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let relative = Path::new("no-such-folder-of-epyr/missing.DSC");
    let e = loader.load(relative, "").unwrap_err();
    let message = e.to_string();
    let current = std::env::current_dir().unwrap();
    assert!(
        message.contains(&relative.display().to_string()),
        "{message}"
    );
    assert!(
        !message.contains(&current.display().to_string()),
        "the path made absolute instead of as given: {message}"
    );
}
