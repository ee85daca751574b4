//! DataCache: validated keys, byte budget, LRU, stats, concurrency, and one named regression
//! test for each cache bug of the Python original (`epyr-tools-observed.md`, "Observed bugs").

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use common::{isolate_config, loader_with, temp_dir, write_sample};
use epyr::cache::{DataCache, Provenance};
use epyr::{Loader, LoaderOptions, Scaling};

fn dta_of(dsc: &Path) -> PathBuf {
    dsc.with_extension("DTA")
}

/// Rewrites the data file with other values of the same size.
fn rewrite_same_size(dsc: &Path) {
    let dta = dta_of(dsc);
    let mut bytes = std::fs::read(&dta).unwrap();
    for b in bytes.iter_mut().step_by(8) {
        *b ^= 0x01;
    }
    std::fs::write(&dta, bytes).unwrap();
}

#[test]
fn hit_hands_out_the_same_arc() {
    let dir = temp_dir("cache-same-arc");
    let dsc = write_sample(&dir, "a", [64, 1, 1], &[false]);
    let cache = Arc::new(DataCache::new(1 << 20));
    let loader = loader_with(&cache);
    let (a, hit_a) = loader.load_with(&dsc, Scaling::NONE).unwrap();
    let (b, hit_b) = loader.load_with(&dsc, Scaling::NONE).unwrap();
    assert!(!hit_a && hit_b);
    assert!(Arc::ptr_eq(&a, &b));
    let s = cache.stats();
    assert_eq!((s.entries, s.hits, s.misses), (1, 1, 1));
}

#[test]
fn regression_1_scaling_is_part_of_the_key() {
    let dir = temp_dir("cache-scaling-key");
    let dsc = write_sample(&dir, "a", [64, 1, 1], &[false]);
    let cache = Arc::new(DataCache::new(1 << 20));
    let loader = loader_with(&cache);
    let plain = loader.load(&dsc, "").unwrap();
    let scaled = loader.load(&dsc, "G").unwrap();
    // RCAG 20 dB: the gain factor is 10^(20/20) = 10.
    assert_eq!(
        scaled.components()[0].values[3],
        plain.components()[0].values[3] / 10.0
    );
    assert_eq!(cache.stats().entries, 2);
    let again = loader.load(&dsc, "G").unwrap();
    assert!(Arc::ptr_eq(&again, &scaled));
}

#[test]
fn regression_2_cached_data_cannot_be_changed_by_a_caller() {
    let dir = temp_dir("cache-immutable");
    let dsc = write_sample(&dir, "a", [16, 1, 1], &[false]);
    let cache = Arc::new(DataCache::new(1 << 20));
    let loader = loader_with(&cache);
    let mut first = loader.load(&dsc, "").unwrap();
    let original = Arc::clone(&first);
    // A dataset has no mutating API; the only way to get a `&mut Dataset` is a unique `Arc`,
    // which the cache never gives away: `get_mut` fails while the cache holds the entry, and
    // `make_mut` gives the caller a private copy.
    assert!(Arc::get_mut(&mut first).is_none());
    let private: &mut epyr::Dataset = Arc::make_mut(&mut first);
    assert_eq!(private.components()[0].values[1], 0.5);
    assert!(!Arc::ptr_eq(&first, &original));
    let second = loader.load(&dsc, "").unwrap();
    assert!(Arc::ptr_eq(&second, &original));
    assert_eq!(second.components()[0].values[1], 0.5);
}

#[test]
fn regression_3_every_source_file_is_validated_and_paths_are_canonical() {
    let dir = temp_dir("cache-sources");
    let dsc = write_sample(&dir, "a", [32, 1, 1], &[false]);
    let cache = Arc::new(DataCache::new(1 << 20));
    let loader = loader_with(&cache);
    let via_dta = loader.load(&dta_of(&dsc), "").unwrap();
    // The same dataset through the descriptor, and through a path with `..` in it.
    let odd = dir.join("..").join(dir.file_name().unwrap()).join("a.DSC");
    let via_dsc = loader.load(&odd, "").unwrap();
    assert!(Arc::ptr_eq(&via_dta, &via_dsc));
    assert_eq!(cache.stats().entries, 1);
    // Rewriting the DTA and reloading through the DSC gives the new data.
    rewrite_same_size(&dsc);
    bump_mtime(&dta_of(&dsc));
    let fresh = loader.load(&dsc, "").unwrap();
    assert!(!Arc::ptr_eq(&fresh, &via_dsc));
    assert_ne!(fresh.components()[0].values, via_dsc.components()[0].values);
    assert_eq!(cache.stats().invalidations, 1);
}

/// Moves the modification time on by one microsecond, as a rewrite within the same second
/// (and even within the same clock tick of the kernel) would.
fn bump_mtime(path: &Path) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    let m = f.metadata().unwrap().modified().unwrap();
    f.set_modified(m + std::time::Duration::from_micros(1))
        .unwrap();
}

#[test]
fn same_size_rewrite_within_the_same_second_is_detected() {
    let dir = temp_dir("cache-same-second");
    let dsc = write_sample(&dir, "a", [32, 1, 1], &[false]);
    let dta = dta_of(&dsc);
    let cache = DataCache::new(1 << 20);
    let ds = Arc::new(epyr::load(&dsc, "").unwrap());
    let sources = Provenance::stamp(ds.sources()).unwrap();
    cache
        .insert(&dsc, Scaling::NONE, Arc::clone(&ds), sources)
        .unwrap();
    assert!(cache.get(&dsc, Scaling::NONE).is_some());
    let before = std::fs::metadata(&dta).unwrap().modified().unwrap();
    rewrite_same_size(&dsc);
    // Give the file the same second and a time only nanoseconds away from the original.
    let f = std::fs::File::options().write(true).open(&dta).unwrap();
    f.set_modified(before + std::time::Duration::from_nanos(1))
        .unwrap();
    assert_eq!(std::fs::metadata(&dta).unwrap().len(), 32 * 8);
    assert!(cache.get(&dsc, Scaling::NONE).is_none());
    assert_eq!(cache.stats().invalidations, 1);
}

#[test]
fn a_replaced_file_with_equal_size_and_times_is_detected_by_its_inode() {
    let dir = temp_dir("cache-inode");
    let dsc = write_sample(&dir, "a", [32, 1, 1], &[false]);
    let dta = dta_of(&dsc);
    let cache = Arc::new(DataCache::new(1 << 20));
    let loader = loader_with(&cache);
    loader.load(&dsc, "").unwrap();
    let times = std::fs::metadata(&dta).unwrap().modified().unwrap();
    let other = dir.join("other.DTA");
    std::fs::copy(&dta, &other).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&other)
        .unwrap()
        .set_modified(times)
        .unwrap();
    std::fs::rename(&other, &dta).unwrap();
    let (_, hit) = loader.load_with(&dsc, Scaling::NONE).unwrap();
    assert!(!hit);
    assert_eq!(cache.stats().invalidations, 1);
}

#[test]
#[cfg_attr(
    epyr_under_wine,
    ignore = "under Wine, renaming a file over one that is open fails with Access denied (Windows 10 allows it)"
)]
fn a_descriptor_replaced_during_loads_is_never_served_stale() {
    // One thread swaps the descriptor between two versions (AVGS 4 and AVGS 16: different
    // sizes, so every swap is visible in the metadata) while this thread loads with 'n'.
    // Whatever the timing, once the swapping stops the cache must serve the final version.
    let dir = temp_dir("cache-dsc-race");
    let dsc = write_sample(&dir, "a", [64, 1, 1], &[false]);
    let four = std::fs::read_to_string(&dsc).unwrap();
    assert!(four.contains("AVGS\t4\n"));
    let sixteen = four.replace("AVGS\t4\n", "AVGS\t16\n");
    let cache = Arc::new(DataCache::new(1 << 20));
    let loader = loader_with(&cache);
    for round in 0..200 {
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut k = 0;
                while !stop.load(Ordering::Relaxed) {
                    let text = if k % 2 == 0 { &sixteen } else { &four };
                    let tmp = dir.join("a.tmp");
                    std::fs::write(&tmp, text).unwrap();
                    std::fs::rename(&tmp, &dsc).unwrap();
                    k += 1;
                }
                // End on a random version.
                if round % 2 == 0 {
                    std::fs::write(dir.join("a.tmp"), &four).unwrap();
                    std::fs::rename(dir.join("a.tmp"), &dsc).unwrap();
                }
            });
            for _ in 0..5 {
                let _ = loader.load(&dsc, "n");
            }
            stop.store(true, Ordering::Relaxed);
        });
        let fresh = epyr::load(&dsc, "n").unwrap();
        match loader.load(&dsc, "n") {
            Ok(cached) => assert_eq!(*cached, fresh, "round {round}: stale data served"),
            Err(e) => panic!("round {round}: {e}"),
        }
    }
}

#[test]
fn a_deleted_file_is_a_miss_not_an_error() {
    let dir = temp_dir("cache-deleted");
    let dsc = write_sample(&dir, "a", [8, 1, 1], &[false]);
    let cache = Arc::new(DataCache::new(1 << 20));
    loader_with(&cache).load(&dsc, "").unwrap();
    std::fs::remove_file(dta_of(&dsc)).unwrap();
    assert!(cache.get(&dsc, Scaling::NONE).is_none());
    assert!(cache.get(&dta_of(&dsc), Scaling::NONE).is_none());
}

#[test]
fn regression_4_failed_loads_are_never_cached() {
    let dir = temp_dir("cache-failed");
    let dsc = write_sample(&dir, "a", [8, 1, 1], &[false]);
    let dta = dta_of(&dsc);
    let saved = std::fs::read(&dta).unwrap();
    std::fs::write(&dta, &saved[..10]).unwrap();
    let cache = Arc::new(DataCache::new(1 << 20));
    let loader = loader_with(&cache);
    assert!(loader.load(&dsc, "").is_err());
    assert_eq!(cache.stats().entries, 0);
    std::fs::write(&dta, &saved).unwrap();
    let ds = loader.load(&dsc, "").unwrap();
    assert_eq!(ds.components()[0].values.len(), 8);
}

#[test]
fn regression_5_a_loader_uses_one_cache_only() {
    let dir = temp_dir("cache-one-layer");
    let dsc = write_sample(&dir, "a", [8, 1, 1], &[false]);
    let cache = Arc::new(DataCache::new(1 << 20));
    let global_before = DataCache::global().stats();
    loader_with(&cache).load(&dsc, "").unwrap();
    loader_with(&cache).load(&dsc, "").unwrap();
    let global_after = DataCache::global().stats();
    assert_eq!(global_before.entries, global_after.entries);
    assert_eq!(
        global_before.hits + global_before.misses,
        global_after.hits + global_after.misses,
        "the global cache was not consulted"
    );
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
}

#[test]
fn regression_6_storing_a_key_again_replaces_it() {
    let dir = temp_dir("cache-reput");
    let dsc = write_sample(&dir, "a", [8, 1, 1], &[false]);
    let cache = DataCache::new(1 << 20);
    let ds = Arc::new(epyr::load(&dsc, "").unwrap());
    for _ in 0..5 {
        let sources = Provenance::stamp(ds.sources()).unwrap();
        cache
            .insert(&dsc, Scaling::NONE, Arc::clone(&ds), sources)
            .unwrap();
    }
    let once = {
        let c = DataCache::new(1 << 20);
        c.insert(
            &dsc,
            Scaling::NONE,
            Arc::clone(&ds),
            Provenance::stamp(ds.sources()).unwrap(),
        )
        .unwrap();
        c.stats().total_bytes
    };
    let s = cache.stats();
    assert_eq!(s.entries, 1);
    assert_eq!(s.total_bytes, once);
}

#[test]
fn regression_8_zero_means_zero() {
    let dir = temp_dir("cache-zero");
    let dsc = write_sample(&dir, "a", [8, 1, 1], &[false]);
    let cache = Arc::new(DataCache::with_size_mb(0.0).unwrap());
    assert_eq!(cache.stats().max_bytes, 0);
    loader_with(&cache).load(&dsc, "").unwrap();
    assert_eq!(cache.stats().entries, 0, "a 0 MB cache stores nothing");
    let e = Loader::new(LoaderOptions {
        chunk_size_mb: Some(0.0),
        ..LoaderOptions::default()
    })
    .err()
    .expect("chunk size 0 is refused, not replaced by 10");
    assert_eq!(e.kind(), epyr::ErrorKind::InvalidArgument);
    assert!(DataCache::with_size_mb(-1.0).is_err());
}

#[test]
fn budget_counts_entries_evicts_lru_and_refuses_oversized_entries() {
    let dir = temp_dir("cache-budget");
    let paths: Vec<PathBuf> = (0..4)
        .map(|i| write_sample(&dir, &format!("s{i}"), [1000, 1, 1], &[false]))
        .collect();
    let one = epyr::load(&paths[0], "").unwrap().heap_bytes();
    // Room for two entries (values, parameters, paths and bookkeeping), not three.
    let cache = Arc::new(DataCache::new(2 * one + one / 2));
    let loader = loader_with(&cache);
    loader.load(&paths[0], "").unwrap();
    loader.load(&paths[1], "").unwrap();
    loader.load(&paths[0], "").unwrap(); // 0 is now the most recently used
    loader.load(&paths[2], "").unwrap(); // evicts 1
    let s = cache.stats();
    assert_eq!((s.entries, s.evictions), (2, 1));
    assert!(s.total_bytes <= s.max_bytes && s.total_bytes >= 2 * one);
    assert!(cache.get(&paths[0], Scaling::NONE).is_some());
    assert!(cache.get(&paths[1], Scaling::NONE).is_none());
    assert!(cache.get(&paths[2], Scaling::NONE).is_some());
    assert!((s.usage_percent() - 100.0 * s.total_bytes as f64 / s.max_bytes as f64).abs() < 1e-9);
    // Resize below one entry: everything goes; an entry larger than the budget is not stored.
    cache.resize(one / 2);
    assert_eq!(cache.stats().entries, 0);
    loader.load(&paths[3], "").unwrap();
    assert_eq!(cache.stats().entries, 0);
    cache.resize(10 * one);
    loader.load(&paths[3], "").unwrap();
    assert_eq!(cache.stats().entries, 1);
    cache.clear();
    let s = cache.stats();
    assert_eq!((s.entries, s.total_bytes), (0, 0));
}

#[test]
fn concurrent_misses_for_one_file_load_it_once() {
    let dir = temp_dir("cache-once");
    let dsc = write_sample(&dir, "a", [256, 1, 1], &[false]);
    let cache = DataCache::new(1 << 20);
    let loads = AtomicUsize::new(0);
    let barrier = Barrier::new(8);
    let results: Vec<Arc<epyr::Dataset>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    cache
                        .get_or_load(&dsc, Scaling::NONE, || {
                            loads.fetch_add(1, Ordering::SeqCst);
                            // Keep the load in flight long enough for every thread to arrive.
                            std::thread::sleep(std::time::Duration::from_millis(200));
                            let ds = Arc::new(epyr::load(&dsc, "")?);
                            let sources = Provenance::stamp(ds.sources())?;
                            Ok((ds, sources))
                        })
                        .unwrap()
                        .0
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    assert!(results.iter().all(|r| Arc::ptr_eq(r, &results[0])));
}

#[test]
fn a_panicking_load_releases_waiters_with_an_error() {
    let dir = temp_dir("cache-panic");
    let dsc = write_sample(&dir, "a", [8, 1, 1], &[false]);
    let cache = DataCache::new(1 << 20);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        cache.get_or_load(&dsc, Scaling::NONE, || panic!("loader bug"))
    }));
    assert!(outcome.is_err());
    // The key is not stuck: a later load works.
    let (ds, hit) = cache
        .get_or_load(&dsc, Scaling::NONE, || {
            let ds = Arc::new(epyr::load(&dsc, "")?);
            let sources = Provenance::stamp(ds.sources())?;
            Ok((ds, sources))
        })
        .unwrap();
    assert!(!hit && ds.points() == 8);
}

#[test]
fn regression_9_the_environment_is_never_written() {
    isolate_config();
    let before: Vec<(String, String)> = std::env::vars().collect();
    let dir = temp_dir("cache-env");
    let dsc = write_sample(&dir, "a", [8, 1, 1], &[false]);
    let loader = Loader::with_defaults().unwrap();
    loader.load(&dsc, "").unwrap();
    let _ = epyr::info::performance_info_json();
    let _ = loader.load_many(&[dsc.clone(), dsc], "", None);
    let after: Vec<(String, String)> = std::env::vars().collect();
    assert_eq!(
        before, after,
        "no variable (OMP_NUM_THREADS or other) was set or changed"
    );
}
