//! A cached load always equals an uncached load of the same path: entries are keyed by every
//! file they were built from, notice companions that appear later, are not handed stale to a
//! thread that waited for another's load, and are not stored when a file changed too recently
//! for its stamp to prove what was read.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use common::{assert_same_data, loader_with, settle_files, temp_dir, write_sample};
use epyr::cache::{DataCache, Provenance};
use epyr::{Dataset, Loader, Scaling};

/// Loads `path` through `loader` and checks the result against an uncached load of the same
/// path, values, axes, parameters and warnings included.
fn assert_cached_equals_uncached(loader: &Loader, path: &Path, what: &str) -> Arc<Dataset> {
    let cached = loader.load(path, "").unwrap();
    let fresh = epyr::load(path, "").unwrap();
    assert_same_data(what, &cached, &fresh);
    assert_eq!(cached.params(), fresh.params(), "{what}: parameters");
    assert_eq!(cached.warnings(), fresh.warnings(), "{what}: warnings");
    cached
}

/// Writes `b.DSC`, a descriptor of the same shape as `a.DSC` but little-endian and with another
/// title, so that it reads other values and parameters from the same bytes.
fn write_other_descriptor(a_dsc: &Path, b_dsc: &Path) {
    let text = std::fs::read_to_string(a_dsc).unwrap();
    assert!(
        text.contains("BSEQ\tBIG") || text.contains("BSEQ BIG"),
        "{text}"
    );
    let other = text
        .replace("BSEQ\tBIG", "BSEQ\tLIT")
        .replace("BSEQ BIG", "BSEQ LIT")
        .replace("TITL\t'a'", "TITL\t'b'");
    std::fs::write(b_dsc, other).unwrap();
}

/// `b.DSC` next to `a.DSC`, whose data file `b.DTA` is made by `link` from `a.DTA`.
fn aliased_pair(test: &str, link: fn(&Path, &Path) -> std::io::Result<()>) -> (PathBuf, PathBuf) {
    let dir = temp_dir(test);
    let a = write_sample(&dir, "a", [64, 1, 1], &[false]);
    let b = dir.join("b.DSC");
    write_other_descriptor(&a, &b);
    link(&a.with_extension("DTA"), &b.with_extension("DTA")).unwrap();
    settle_files();
    (a, b)
}

/// Loads both datasets of an aliased pair through one cache, in both orders of path kind.
fn check_aliased_pair(a: &Path, b: &Path) {
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let da = assert_cached_equals_uncached(&loader, a, "a");
    let db = assert_cached_equals_uncached(&loader, b, "b");
    assert!(!Arc::ptr_eq(&da, &db), "b was served a's dataset");
    assert_ne!(da.params(), db.params());
    // Through the data files too, and again from the cache.
    assert_cached_equals_uncached(&loader, &b.with_extension("DTA"), "b.DTA");
    assert_cached_equals_uncached(&loader, &a.with_extension("DTA"), "a.DTA");
    assert_eq!(cache.stats().entries, 2);
}

#[test]
#[cfg_attr(
    not(unix),
    ignore = "symbolic links need a privilege on Windows; the hard link test covers aliasing"
)]
fn a_symlinked_data_file_gets_its_own_entry() {
    #[cfg(unix)]
    {
        let (a, b) = aliased_pair("fresh-symlink", |from, to| {
            std::os::unix::fs::symlink(from, to)
        });
        check_aliased_pair(&a, &b);
    }
}

#[test]
fn a_hard_linked_data_file_gets_its_own_entry() {
    let (a, b) = aliased_pair("fresh-hardlink", |from, to| std::fs::hard_link(from, to));
    check_aliased_pair(&a, &b);
}

#[test]
#[cfg_attr(
    any(windows, target_os = "macos"),
    ignore = "the file systems of Windows and macOS are case-insensitive by default (x.DSC and x.dsc are one file)"
)]
fn case_twins_get_their_own_entries() {
    let dir = temp_dir("fresh-case-twins");
    let upper = write_sample(&dir, "x", [64, 1, 1], &[false]);
    let lower_dir = temp_dir("fresh-case-twins-src");
    let other = write_sample(&lower_dir, "x", [32, 1, 1], &[true]);
    let twin = dir.join("x.dsc");
    std::fs::copy(&other, &twin).unwrap();
    assert_ne!(
        std::fs::read(&upper).unwrap(),
        std::fs::read(&twin).unwrap(),
        "{}: this file system is case-insensitive (x.DSC and x.dsc are one file)",
        dir.display()
    );
    std::fs::copy(other.with_extension("DTA"), dir.join("x.dta")).unwrap();
    settle_files();
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    for path in ["x.DSC", "x.dsc", "x.DTA", "x.dta", "x.DSC", "x.dta"] {
        assert_cached_equals_uncached(&loader, &dir.join(path), path);
    }
    assert_eq!(cache.stats().entries, 2);
}

#[test]
fn a_data_file_in_the_preferred_case_that_appears_later_is_noticed() {
    let dir = temp_dir("fresh-late-dta");
    let dsc = write_sample(&dir, "y", [64, 1, 1], &[false]);
    // y.DSC + y.dta: eprload's rule prefers y.DTA, which is not there yet.
    std::fs::rename(dsc.with_extension("DTA"), dir.join("y.dta")).unwrap();
    let newer_dir = temp_dir("fresh-late-dta-src");
    let newer = write_sample(&newer_dir, "y", [64, 1, 1], &[false]);
    let mut bytes = std::fs::read(newer.with_extension("DTA")).unwrap();
    bytes.iter_mut().step_by(8).for_each(|b| *b ^= 0x40);
    settle_files();
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let before = assert_cached_equals_uncached(&loader, &dsc, "with y.dta");
    std::fs::write(dsc.with_extension("DTA"), bytes).unwrap();
    settle_files();
    let after = assert_cached_equals_uncached(&loader, &dsc, "after y.DTA appeared");
    assert!(!Arc::ptr_eq(&before, &after));
}

#[test]
fn an_axis_file_that_appears_later_is_noticed() {
    let dir = temp_dir("fresh-late-xgf");
    write_nonlinear(&dir);
    let dsc = dir.join("n.DSC");
    let xgf = dir.join("n.XGF");
    let parked = dir.join("parked.bin");
    std::fs::rename(&xgf, &parked).unwrap();
    settle_files();
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let linear = assert_cached_equals_uncached(&loader, &dsc, "before the XGF");
    assert!(
        linear.warnings().iter().any(|w| w.contains("not found")),
        "{:?}",
        linear.warnings()
    );
    // A poller loads while files are copied in: the axis file arrives last.
    std::fs::rename(&parked, &xgf).unwrap();
    settle_files();
    let nonlinear = assert_cached_equals_uncached(&loader, &dsc, "after the XGF appeared");
    let x = |d: &Dataset| d.axis(0).unwrap().values.clone();
    assert_eq!(x(&nonlinear)[63], 3300.0 + 63.0 * 63.0 / 8.0);
    assert_ne!(x(&linear), x(&nonlinear));
}

/// Writes `n.DSC/.DTA/.XGF` with a nonlinear x axis (`XTYP IGD`).
fn write_nonlinear(dir: &Path) {
    use epyr::{Axis, Component, DatasetParts, FileFormat, Params};
    let ds = Dataset::new(DatasetParts {
        format: FileFormat::Bes3t,
        dims: [64, 1, 1],
        components: vec![Component {
            complex: false,
            values: (0..64).map(f64::from).collect(),
        }],
        axes: [
            Some(Axis {
                values: (0..64).map(|i| 3300.0 + f64::from(i * i) / 8.0).collect(),
                name: "Field".into(),
                unit: "G".into(),
            }),
            None,
            None,
        ],
        params: Params::default(),
        sources: vec![],
        warnings: vec![],
    })
    .unwrap();
    epyr::write_bes3t(&ds, &dir.join("n"), &epyr::WriteOptions::default()).unwrap();
    assert!(dir.join("n.XGF").exists());
}

#[test]
fn a_thread_that_waits_for_another_load_never_gets_data_older_than_the_files_at_its_start() {
    let dir = temp_dir("fresh-waiter");
    let dsc = write_sample(&dir, "w", [256, 1, 1], &[false]);
    let dta = dsc.with_extension("DTA");
    let cache = DataCache::new(16 << 20);
    let (read_done, wait_read) = mpsc::channel::<()>();
    let (replaced, wait_replaced) = mpsc::channel::<()>();
    let own_loads = AtomicUsize::new(0);
    let (cache, dsc_ref) = (&cache, &dsc);
    std::thread::scope(|s| {
        let leader = s.spawn(move || {
            let dsc = dsc_ref;
            cache
                .get_or_load(dsc, Scaling::NONE, || {
                    let ds = Arc::new(epyr::load(dsc, "")?);
                    let provenance = Provenance::stamp(ds.sources())?;
                    read_done.send(()).unwrap();
                    // Still in flight while the file is replaced and the other thread starts.
                    wait_replaced.recv().unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    Ok((ds, provenance))
                })
                .unwrap()
                .0
        });
        wait_read.recv().unwrap();
        // Replace the data file (new inode, other values) while the leader is in flight.
        let mut bytes = std::fs::read(&dta).unwrap();
        bytes.iter_mut().step_by(8).for_each(|b| *b ^= 0x40);
        let tmp = dir.join("w.tmp");
        std::fs::write(&tmp, bytes).unwrap();
        std::fs::rename(&tmp, &dta).unwrap();
        let newest = epyr::load(&dsc, "").unwrap();
        let waiter = s.spawn(|| {
            cache
                .get_or_load(&dsc, Scaling::NONE, || {
                    own_loads.fetch_add(1, Ordering::SeqCst);
                    let ds = Arc::new(epyr::load(&dsc, "")?);
                    let provenance = Provenance::stamp(ds.sources())?;
                    Ok((ds, provenance))
                })
                .unwrap()
                .0
        });
        // The leader finishes only once the second thread waits for it (its miss is counted).
        wait_for_misses(cache, 2);
        replaced.send(()).unwrap();
        let old = leader.join().unwrap();
        let got = waiter.join().unwrap();
        assert_same_data("the waiter's dataset", &got, &newest);
        assert!(!Arc::ptr_eq(&old, &got));
    });
    assert_eq!(
        own_loads.load(Ordering::SeqCst),
        1,
        "the waiter loaded itself"
    );
}

#[test]
fn a_dataset_stamped_during_an_in_place_rewrite_is_not_served_from_the_cache() {
    let dir = temp_dir("fresh-racy");
    let dsc = write_sample(&dir, "r", [64, 1, 1], &[false]);
    let dta = dsc.with_extension("DTA");
    let old = Arc::new(epyr::load(&dsc, "").unwrap());
    // A same-size rewrite in place begins: the kernel sets the new change time first, and a
    // load that stamps now may still read the old bytes. Stamp now, keep the old content.
    let mut bytes = std::fs::read(&dta).unwrap();
    bytes.iter_mut().step_by(8).for_each(|b| *b ^= 0x40);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&dta)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &bytes))
        .unwrap();
    let stamped_with_old_content = Provenance::stamp(old.sources()).unwrap();
    let cache = DataCache::new(16 << 20);
    cache
        .insert(&dsc, Scaling::NONE, old, stamped_with_old_content)
        .unwrap();
    assert_eq!(
        cache
            .get(&dsc, Scaling::NONE)
            .map(|d| d.components()[0].values[0]),
        None,
        "an entry whose stamp is as new as its read must not be served"
    );
    // Once the file has been quiet for longer than the window, a load is cached as usual.
    settle_files();
    let loader = loader_with(&Arc::new(cache));
    let (first, hit) = loader.load_with(&dsc, Scaling::NONE).unwrap();
    assert!(!hit);
    let (second, hit) = loader.load_with(&dsc, Scaling::NONE).unwrap();
    assert!(hit && Arc::ptr_eq(&first, &second));
    assert_same_data("after the rewrite", &second, &epyr::load(&dsc, "").unwrap());
}

#[test]
#[cfg_attr(not(unix), ignore = "FIFOs in the file system are a Unix feature")]
fn a_fifo_swapped_in_for_a_file_never_blocks_a_load() {
    #[cfg(unix)]
    {
        let dir = temp_dir("fresh-fifo-swap");
        let dsc = write_sample(&dir, "f", [64, 1, 1], &[false]);
        let dta = dsc.with_extension("DTA");
        let keep = |p: &Path| std::fs::read(p).unwrap();
        let (dsc_bytes, dta_bytes) = (keep(&dsc), keep(&dta));
        let fifo = dir.join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(status.is_ok_and(|s| s.success()), "mkfifo");
        let stop = std::sync::atomic::AtomicBool::new(false);
        let (done, finished) = mpsc::channel::<usize>();
        std::thread::scope(|s| {
            // Swaps the descriptor and the data file between a regular file and a FIFO, so
            // that a path checked as a file may be a FIFO when it is opened.
            s.spawn(|| {
                let mut round = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    let victim = if round % 2 == 0 { &dsc } else { &dta };
                    let bytes = if round % 2 == 0 {
                        &dsc_bytes
                    } else {
                        &dta_bytes
                    };
                    let tmp = dir.join("swap.tmp");
                    let _ = std::fs::hard_link(&fifo, &tmp);
                    let _ = std::fs::rename(&tmp, victim);
                    std::thread::yield_now();
                    let _ = std::fs::write(&tmp, bytes);
                    let _ = std::fs::rename(&tmp, victim);
                    round += 1;
                }
            });
            let loader_dsc = dsc.clone();
            std::thread::spawn(move || {
                let mut answered = 0;
                for _ in 0..2000 {
                    let _ = epyr::load(&loader_dsc, "");
                    answered += 1;
                }
                let _ = done.send(answered);
            });
            let answered = finished.recv_timeout(std::time::Duration::from_secs(60));
            stop.store(true, Ordering::Relaxed);
            assert_eq!(answered, Ok(2000), "a load blocked on a FIFO");
        });
    }
}

/// Waits (at most 30 s) until `cache` has counted `n` misses: a thread that waits for another
/// one's load counts its miss before it waits.
fn wait_for_misses(cache: &DataCache, n: u64) {
    let start = std::time::Instant::now();
    while cache.stats().misses < n {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the second load never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn a_thread_that_waited_for_a_failed_load_loads_itself() {
    let dir = temp_dir("fresh-waiter-error");
    let dsc = write_sample(&dir, "e", [64, 1, 1], &[false]);
    let cache = DataCache::new(16 << 20);
    let (cache, dsc) = (&cache, &dsc);
    std::thread::scope(|s| {
        let leader = s.spawn(move || {
            cache.get_or_load(dsc, Scaling::NONE, || {
                // The files are being copied in: this load fails, the next one would not.
                wait_for_misses(cache, 2);
                Err(epyr::Error::new(
                    epyr::ErrorKind::Format,
                    "descriptor half written",
                ))
            })
        });
        while cache.stats().misses < 1 {
            std::thread::yield_now();
        }
        let waiter = s.spawn(move || {
            cache.get_or_load(dsc, Scaling::NONE, || {
                let ds = Arc::new(epyr::load(dsc, "")?);
                let provenance = Provenance::stamp(ds.sources())?;
                Ok((ds, provenance))
            })
        });
        assert!(leader.join().unwrap().is_err());
        let (ds, _) = waiter
            .join()
            .unwrap()
            .expect("the waiter loads the files itself");
        assert_same_data("the waiter's load", &ds, &epyr::load(dsc, "").unwrap());
    });
}

#[test]
fn an_entry_is_stored_under_the_files_its_load_read() {
    let dir = temp_dir("fresh-key-race");
    let dsc = write_sample(&dir, "y", [64, 1, 1], &[false]);
    let lower = dir.join("y.dta");
    std::fs::rename(dsc.with_extension("DTA"), &lower).unwrap();
    let mut other = std::fs::read(&lower).unwrap();
    other.iter_mut().step_by(8).for_each(|b| *b ^= 0x40);
    settle_files();
    let cache = Arc::new(DataCache::new(16 << 20));
    // The lookup resolves y.DSC + y.dta; y.DTA is written before the load resolves again.
    cache
        .get_or_load(&dsc, Scaling::NONE, || {
            std::fs::write(dsc.with_extension("DTA"), &other).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(80));
            let ds = Arc::new(epyr::load(&dsc, "")?);
            let provenance = Provenance::stamp(ds.sources())?;
            Ok((ds, provenance))
        })
        .unwrap();
    let loader = loader_with(&cache);
    assert_cached_equals_uncached(&loader, &lower, "y.dta, a pair the load did not read");
    assert_cached_equals_uncached(&loader, &dsc, "y.DSC");
}

#[test]
fn a_base_name_without_extension_hits_the_cache() {
    let dir = temp_dir("fresh-base-name");
    let dsc = write_sample(&dir, "b", [64, 1, 1], &[false]);
    let cache = Arc::new(DataCache::new(16 << 20));
    let loader = loader_with(&cache);
    let base = dir.join("b");
    let (first, hit) = loader.load_with(&base, Scaling::NONE).unwrap();
    assert!(!hit);
    let (again, hit) = loader.load_with(&base, Scaling::NONE).unwrap();
    assert!(hit && Arc::ptr_eq(&first, &again));
    assert_same_data("by base name", &again, &epyr::load(&dsc, "").unwrap());
}

#[test]
fn sources_are_recorded_as_absolute_paths() {
    // cargo runs tests in the package root, where the bundled sample is.
    let relative = Path::new("examples-c/data/nitroxide_cw.DSC");
    assert!(relative.is_file(), "run from the repository root");
    let ds = epyr::load(relative, "").unwrap();
    assert!(
        ds.sources().iter().all(|p| p.is_absolute()),
        "{:?}",
        ds.sources()
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "how writes through a memory map change file times is measured on Linux only"
)]
fn a_second_write_through_a_memory_map_to_a_dirty_page_is_seen_by_the_next_load() {
    #[cfg(target_os = "linux")]
    {
        // The temporary folder (ext4 here) and tmpfs, where pages are never written back.
        let shm = Path::new("/dev/shm");
        let mut folders = vec![temp_dir("mmap-write")];
        if shm.is_dir() {
            let dir = shm.join(format!("epyr-test-{}-mmap-write", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            folders.push(dir);
        }
        for dir in folders {
            mapped::check_second_write_is_seen(&dir);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[cfg(target_os = "linux")]
mod mapped {
    use super::*;
    use epyr::formats::FileStamp;

    /// A shared, writable memory map of a whole file (unmapped on drop).
    struct SharedMap {
        addr: *mut u8,
        len: usize,
        _file: std::fs::File,
    }

    impl SharedMap {
        fn new(path: &Path) -> SharedMap {
            use std::os::fd::AsRawFd;
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .unwrap();
            let len = file.metadata().unwrap().len() as usize;
            // SAFETY: a fresh shared mapping of the whole open file, which stays open while
            // mapped; nothing else in this process maps it.
            let addr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    file.as_raw_fd(),
                    0,
                )
            };
            assert_ne!(addr, libc::MAP_FAILED, "mmap {}", path.display());
            SharedMap {
                addr: addr.cast(),
                len,
                _file: file,
            }
        }

        /// Writes `byte` at `offset` through the map.
        fn write(&self, offset: usize, byte: u8) {
            assert!(offset < self.len);
            // SAFETY: `offset` is inside the live mapping.
            unsafe { self.addr.add(offset).write_volatile(byte) };
        }
    }

    impl Drop for SharedMap {
        fn drop(&mut self) {
            // SAFETY: the mapping made in `new`, unmapped once.
            unsafe { libc::munmap(self.addr.cast(), self.len) };
        }
    }

    pub fn check_second_write_is_seen(dir: &Path) {
        let cache = Arc::new(DataCache::new(16 << 20));
        let loader = loader_with(&cache);
        let dsc = write_sample(dir, "mapped", [512, 1, 1], &[false]);
        let dta = dsc.with_extension("DTA");
        let map = SharedMap::new(&dta);
        // The first write dirties the page: the file's times change now.
        map.write(0, 0x40);
        settle_files();
        let first = assert_cached_equals_uncached(&loader, &dsc, "after the first write");
        let hit = loader.load(&dsc, "").unwrap();
        assert!(Arc::ptr_eq(&first, &hit), "{}: not cached", dir.display());
        // The second write to the same, already dirty page changes no time.
        let before = FileStamp::of(&dta).unwrap();
        map.write(1, 0x41);
        let after = FileStamp::of(&dta).unwrap();
        assert_eq!(
            before,
            after,
            "{}: the kernel changed the stamp, so this test no longer shows a write it hides",
            dir.display()
        );
        let now = assert_cached_equals_uncached(&loader, &dsc, "after the second write");
        assert_ne!(
            now.components()[0].values[0],
            first.components()[0].values[0]
        );
        drop(map);
    }
}
