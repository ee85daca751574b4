//! Concurrency stress (regression test for bug 7 of the Python original: not thread-safe):
//! 8 threads, 12,000 mixed operations (load, get, clear, resize, stats,
//! config set, chunked read) on one shared cache, with files rewritten underneath. Invariants:
//! total <= max in every stats snapshot, hits + misses = lookups made, every loaded dataset
//! equals the file it came from, and the run ends within a bound (no deadlock).

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use common::{isolate_config, temp_dir, write_sample};
use epyr_core::{config, DataCache, ErrorKind, Loader, LoaderOptions, Scaling};

const THREADS: usize = 8;
const OPS_PER_THREAD: usize = 1500;

/// A small deterministic generator (xorshift), one per thread.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The offset of version B of a data file: every value of version A plus this.
const B_OFFSET: f64 = 1000.0;

/// Makes the two versions of each data file: `.A` (as written) and `.B` (every value plus
/// [`B_OFFSET`]); the live `.DTA` starts as version A.
fn make_versions(dsc: &Path) {
    let dta = dsc.with_extension("DTA");
    let a = std::fs::read(&dta).unwrap();
    let b: Vec<u8> = a
        .chunks_exact(8)
        .flat_map(|c| (f64::from_be_bytes(c.try_into().unwrap()) + B_OFFSET).to_be_bytes())
        .collect();
    std::fs::write(dsc.with_extension("A"), a).unwrap();
    std::fs::write(dsc.with_extension("B"), b).unwrap();
}

/// Replaces the data file by version A or B, the way acquisition software saves a file:
/// write a temporary file, rename it over the old one.
fn replace_with_version(dsc: &Path, version: &str, thread: usize) {
    let tmp = dsc.with_extension(format!("tmp{thread}"));
    std::fs::copy(dsc.with_extension(version), &tmp).unwrap();
    common::platform::rename_over(&tmp, &dsc.with_extension("DTA")).unwrap();
}

/// Asserts that the values are wholly version A or wholly version B of the sample values
/// (`index * 0.5`, divided by `div`), never a mix.
fn assert_one_version(values: &[f64], div: f64) {
    let offset = if values[0] == 0.0 {
        0.0
    } else {
        B_OFFSET / div
    };
    for (i, v) in values.iter().enumerate() {
        assert_eq!(
            *v,
            i as f64 * 0.5 / div + offset,
            "value {i}: mixed or wrong data"
        );
    }
}

fn run(paths: Arc<Vec<PathBuf>>, cache: Arc<DataCache>, lookups: Arc<AtomicU64>) -> usize {
    let loader = Loader::new(LoaderOptions {
        chunk_size_mb: Some(0.001),
        cache_enabled: Some(true),
        cache: Some(Arc::clone(&cache)),
    })
    .unwrap();
    let mut checked = 0;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (paths, cache, lookups, loader) = (&paths, &cache, &lookups, &loader);
                s.spawn(move || {
                    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
                    let mut checked = 0;
                    for _ in 0..OPS_PER_THREAD {
                        let path = &paths[(rng.next() % paths.len() as u64) as usize];
                        match rng.next() % 100 {
                            0..=44 => {
                                let scaling = if rng.next() % 2 == 0 { "" } else { "n" };
                                lookups.fetch_add(1, Ordering::Relaxed);
                                match loader.load(path, scaling) {
                                    Ok(ds) => {
                                        // Divided by AVGS 4 for 'n'.
                                        let div = if scaling.is_empty() { 1.0 } else { 4.0 };
                                        assert_one_version(&ds.components()[0].values, div);
                                        checked += 1;
                                    }
                                    // A file replaced during the read: refused, never mixed.
                                    Err(e) => assert_eq!(e.kind(), ErrorKind::FileChanged, "{e}"),
                                }
                            }
                            45..=69 => {
                                lookups.fetch_add(1, Ordering::Relaxed);
                                if let Some(ds) = cache.get(path, Scaling::NONE) {
                                    assert_one_version(&ds.components()[0].values, 1.0);
                                }
                            }
                            70..=79 => {
                                let s = cache.stats();
                                assert!(s.total_bytes <= s.max_bytes, "{s:?}");
                            }
                            80..=84 => cache.resize(((rng.next() % 4) as usize + 1) << 18),
                            85..=87 => cache.clear(),
                            88..=89 => {
                                let version = if rng.next() % 2 == 0 { "A" } else { "B" };
                                replace_with_version(path, version, t);
                            }
                            90..=93 => {
                                let v = (rng.next() % 3).to_string();
                                config::global().set("performance.threads", &v).unwrap();
                            }
                            _ => {
                                let mut r = loader.open_reader(path, "").unwrap();
                                let mut n = 0;
                                loop {
                                    match r.next_chunk() {
                                        Ok(Some((_, v))) => n += v.len(),
                                        Ok(None) => {
                                            assert_eq!(n, r.total_points() * r.values_per_point());
                                            break;
                                        }
                                        Err(e) => {
                                            assert_eq!(e.kind(), ErrorKind::FileChanged, "{e}");
                                            break;
                                        }
                                    }
                                }
                            }
                        }
                    }
                    checked
                })
            })
            .collect();
        for h in handles {
            checked += h.join().unwrap();
        }
    });
    checked
}

#[test]
fn regression_7_eight_threads_of_mixed_operations_keep_the_invariants() {
    isolate_config();
    let dir = temp_dir("stress");
    let paths: Arc<Vec<PathBuf>> = Arc::new(
        (0..6)
            .map(|i| {
                let dsc = write_sample(&dir, &format!("s{i}"), [2000 + 500 * i, 4, 1], &[false]);
                make_versions(&dsc);
                dsc
            })
            .collect(),
    );
    let cache = Arc::new(DataCache::new(1 << 20));
    let lookups = Arc::new(AtomicU64::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    {
        let (paths, cache, lookups) =
            (Arc::clone(&paths), Arc::clone(&cache), Arc::clone(&lookups));
        std::thread::spawn(move || {
            let checked = run(paths, cache, lookups);
            let _ = done_tx.send(checked);
        });
    }
    // A bound far above the few seconds the run takes: reaching it means a deadlock.
    let checked = done_rx
        .recv_timeout(Duration::from_secs(300))
        .expect("stress run did not finish: deadlock or panic in a worker");
    assert!(checked > 1000, "{checked} loads checked");
    let s = cache.stats();
    assert!(s.total_bytes <= s.max_bytes);
    assert_eq!(s.hits + s.misses, lookups.load(Ordering::Relaxed));
    assert!(s.invalidations > 0, "replaced files were noticed: {s:?}");
    // After the writers stopped, the cache serves exactly what the files hold now.
    let fresh = Loader::new(LoaderOptions {
        cache_enabled: Some(false),
        ..LoaderOptions::default()
    })
    .unwrap();
    let cached = Loader::new(LoaderOptions {
        cache: Some(Arc::clone(&cache)),
        cache_enabled: Some(true),
        chunk_size_mb: None,
    })
    .unwrap();
    for p in paths.iter() {
        assert_eq!(*cached.load(p, "").unwrap(), *fresh.load(p, "").unwrap());
    }
    config::global().set("performance.threads", "0").unwrap();
}
