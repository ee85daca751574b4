//! Memory monitor and memory guard. These tests change the global configuration and read the
//! process-wide byte counter, so they run one at a time (a lock) in their own test binary.

mod common;

use std::sync::Arc;

use common::{isolate_config, temp_dir, write_sample};
use epyr::accounting::library_bytes;
use epyr::config;
use epyr::{DataCache, ErrorKind, Loader, LoaderOptions};
use parking_lot::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn loader(cache: Option<&Arc<DataCache>>) -> Loader {
    Loader::new(LoaderOptions {
        chunk_size_mb: Some(1.0),
        cache_enabled: Some(cache.is_some()),
        cache: cache.cloned(),
    })
    .unwrap()
}

#[test]
fn memory_info_reports_the_process_and_the_library() {
    let _serial = SERIAL.lock();
    isolate_config();
    let m = epyr::memory_info();
    assert!(m.rss_mb > 1.0 && m.vms_mb > 1.0, "{m:?}");
    // VMS is the address space in use on Linux and macOS, which holds the resident pages; on
    // Windows it is the private commit (as psutil reports it), which may be smaller.
    assert!(cfg!(windows) || m.vms_mb >= m.rss_mb, "{m:?}");
    assert!(m.percent > 0.0 && m.percent < 100.0, "{m:?}");
    assert_eq!(m.limit_mb, 500.0);
    let dir = temp_dir("mem-info");
    let dsc = write_sample(&dir, "a", [1 << 17, 1, 1], &[false]); // 1 MiB of values
    let before = epyr::memory_info().library_mb;
    let ds = loader(None).load(&dsc, "").unwrap();
    let during = epyr::memory_info().library_mb;
    assert!(during - before >= 1.0, "{before} -> {during}");
    drop(ds);
    assert_eq!(epyr::memory_info().library_mb, before);
}

#[test]
fn library_bytes_return_to_zero_after_datasets_cache_and_readers_are_gone() {
    let _serial = SERIAL.lock();
    isolate_config();
    assert_eq!(library_bytes(), 0, "nothing held at the start");
    let dir = temp_dir("mem-zero");
    let paths: Vec<_> = (0..5)
        .map(|i| write_sample(&dir, &format!("s{i}"), [2000, 3, 1], &[true, false]))
        .collect();
    let cache = Arc::new(DataCache::new(64 << 20));
    let l = loader(Some(&cache));
    let held: Vec<_> = paths.iter().map(|p| l.load(p, "").unwrap()).collect();
    let batch = l.load_many(&paths, "n", None);
    let mut reader = l.open_reader(&paths[0], "").unwrap();
    reader.next_chunk().unwrap();
    assert!(library_bytes() > 5 * 2000 * 3 * 3 * 8);
    drop((held, batch, reader));
    assert!(library_bytes() > 0, "the cache still holds its entries");
    cache.clear();
    assert_eq!(library_bytes(), 0);
    assert_eq!(epyr::memory_info().library_mb, 0.0);
}

#[test]
fn the_guard_refuses_a_load_over_the_limit_and_the_process_stays_healthy() {
    let _serial = SERIAL.lock();
    isolate_config();
    let dir = temp_dir("mem-guard");
    let big = write_sample(&dir, "big", [1 << 18, 4, 1], &[false]); // 8 MiB of values
    let small = write_sample(&dir, "small", [1000, 1, 1], &[false]);
    config::global()
        .set("performance.memory_limit_mb", "4")
        .unwrap();
    let held_before = library_bytes();
    let result = loader(None).load(&big, "");
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MemoryLimit);
    let text = e.to_string();
    // Needed: 2^20 values (8 MiB) and the axes, 2^18 + 4 values (2 MiB).
    for part in [
        "big.DSC",
        "needs 10.0 MB",
        "holds",
        "memory_limit_mb is 4.0 MB",
        "chunked reader",
    ] {
        assert!(text.contains(part), "{part:?} missing in {text}");
    }
    // The refused load left nothing behind: its reservation is released.
    assert_eq!(library_bytes(), held_before);
    assert!(epyr::check_memory_limit().unwrap());
    // Healthy afterwards: small loads work, the big one streams, and raising the limit helps.
    assert_eq!(loader(None).load(&small, "").unwrap().points(), 1000);
    let mut reader = loader(None).open_reader(&big, "").unwrap();
    let mut n = 0;
    while let Some((_, v)) = reader.next_chunk().unwrap() {
        n += v.len();
    }
    assert_eq!(n, 1 << 20);
    config::global()
        .set("performance.memory_limit_mb", "64")
        .unwrap();
    assert_eq!(loader(None).load(&big, "").unwrap().points(), 1 << 20);
    config::global()
        .set("performance.memory_limit_mb", "500")
        .unwrap();
}

#[test]
fn the_guard_evicts_cache_entries_before_refusing() {
    let _serial = SERIAL.lock();
    isolate_config();
    let dir = temp_dir("mem-evict");
    let cache = Arc::new(DataCache::new(256 << 20));
    let l = loader(Some(&cache));
    let paths: Vec<_> = (0..3)
        .map(|i| write_sample(&dir, &format!("m{i}"), [1 << 18, 1, 1], &[false])) // 2 MiB each
        .collect();
    for p in &paths {
        l.load(p, "").unwrap();
    }
    assert_eq!(cache.stats().entries, 3);
    config::global()
        .set("performance.memory_limit_mb", "5")
        .unwrap();
    let fourth = write_sample(&dir, "m3", [1 << 18, 1, 1], &[false]);
    let ds = l.load(&fourth, "").unwrap();
    assert_eq!(ds.points(), 1 << 18);
    let s = cache.stats();
    assert!(s.evictions >= 2, "{s:?}");
    assert!(library_bytes() <= 5 << 20);
    config::global()
        .set("performance.memory_limit_mb", "500")
        .unwrap();
    drop(ds);
    cache.clear();
}

#[test]
fn the_guard_keeps_entries_that_callers_hold() {
    let _serial = SERIAL.lock();
    isolate_config();
    let dir = temp_dir("mem-held");
    let cache = Arc::new(DataCache::new(256 << 20));
    let l = loader(Some(&cache));
    // Three cached datasets of 2 MiB values and a 2 MiB axis each; the caller keeps two.
    let paths: Vec<_> = (0..4)
        .map(|i| write_sample(&dir, &format!("h{i}"), [1 << 18, 1, 1], &[false]))
        .collect();
    let kept: Vec<_> = paths[..2].iter().map(|p| l.load(p, "").unwrap()).collect();
    l.load(&paths[2], "").unwrap();
    config::global()
        .set("performance.memory_limit_mb", "10")
        .unwrap();
    // 12 MiB held, 4 MiB more needed: evicting the one free entry is not enough.
    let e = l.load(&paths[3], "").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MemoryLimit);
    let s = cache.stats();
    assert_eq!(
        (s.entries, s.evictions),
        (2, 1),
        "held entries stay cached: {s:?}"
    );
    assert!(cache.get(&paths[0], epyr::Scaling::NONE).is_some());
    config::global()
        .set("performance.memory_limit_mb", "500")
        .unwrap();
    drop(kept);
    cache.clear();
}

#[test]
fn check_and_optimize_follow_the_limit() {
    let _serial = SERIAL.lock();
    isolate_config();
    let dir = temp_dir("mem-optimize");
    let global = DataCache::global();
    global.clear();
    let l = loader(Some(global));
    for i in 0..3 {
        let p = write_sample(&dir, &format!("o{i}"), [1 << 18, 1, 1], &[false]);
        l.load(&p, "").unwrap();
    }
    assert!(epyr::check_memory_limit().unwrap());
    config::global()
        .set("performance.memory_limit_mb", "3")
        .unwrap();
    assert!(!epyr::check_memory_limit().unwrap());
    let report = epyr::optimize_memory().unwrap();
    assert!(epyr::check_memory_limit().unwrap());
    assert!(report.evicted_entries >= 2, "{report:?}");
    assert!(report.library_bytes_released >= 4 << 20, "{report:?}");
    config::global()
        .set("performance.memory_limit_mb", "0")
        .unwrap();
    assert!(epyr::check_memory_limit().unwrap(), "0 = no limit");
    config::global()
        .set("performance.memory_limit_mb", "500")
        .unwrap();
    global.clear();
}
