//! Memory monitor and memory guard. These tests change the global configuration and read the
//! process-wide byte counter, so they run one at a time (a lock) in their own test binary.

mod common;

use std::sync::Arc;

use common::alloc_count::{measure, CountingAlloc};
use common::{isolate_config, set_file_len, set_key, temp_dir, write_sample};
use epyr::accounting::library_bytes;
use epyr::config;
use epyr::{DataCache, ErrorKind, Loader, LoaderOptions};
use parking_lot::Mutex;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static SERIAL: Mutex<()> = Mutex::new(());

/// Sets `performance.memory_limit_mb` for the rest of a test and back to the default after it.
struct LimitMb;

impl LimitMb {
    fn set(mb: &str) -> LimitMb {
        config::global()
            .set("performance.memory_limit_mb", mb)
            .unwrap();
        LimitMb
    }
}

impl Drop for LimitMb {
    fn drop(&mut self) {
        config::global()
            .set("performance.memory_limit_mb", "500")
            .unwrap();
    }
}

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
fn a_refusal_under_a_limit_of_a_few_kilobytes_names_every_size_in_a_unit_that_shows_it() {
    let _serial = SERIAL.lock();
    isolate_config();
    let dir = temp_dir("mem-small-limit");
    let dsc = write_sample(&dir, "kb", [2048, 1, 1], &[false]); // 16 KiB of values + axis
    let _limit = LimitMb::set("0.004");
    let e = loader(None).load(&dsc, "").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MemoryLimit, "{e}");
    let text = e.to_string();
    // Values and axis: 2 x 2048 float64 (32 KiB) plus parameters and small blocks; the limit
    // is 4194 bytes.
    let needs = text
        .split("needs ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no size after `needs` in {text}"));
    assert!(needs.ends_with(" kB"), "needed size {needs:?} in {text}");
    let kb: f64 = needs.trim_end_matches(" kB").parse().unwrap();
    assert!(
        (32.0..40.0).contains(&kb),
        "needed size {needs:?} in {text}"
    );
    assert!(
        text.contains("memory_limit_mb is 0.004 (4.10 kB)"),
        "limit not shown in {text}"
    );
    assert!(!text.contains("0.0 MB"), "{text}");
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
        "memory_limit_mb is 4 (4.00 MB)",
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

/// Points of the sparse int8 dataset: 256 MiB on disk (a hole), 2 GiB as f64, and 2 GiB for
/// its x axis.
const SPARSE_POINTS: usize = 1 << 28;

/// Writes a dataset of [`SPARSE_POINTS`] int8 points in a sparse data file, with a linear x
/// axis from 3000 to 4000.
fn sparse_dataset(dir: &std::path::Path) -> std::path::PathBuf {
    let dsc = write_sample(dir, "sparse", [1000, 1, 1], &[false]);
    for (key, value) in [
        ("IRFMT", "C".to_string()),
        ("XPTS", SPARSE_POINTS.to_string()),
        ("XTYP", "IDX".into()),
        ("XMIN", "3000".into()),
        ("XWID", "1000".into()),
    ] {
        set_key(&dsc, key, Some(&value));
    }
    set_file_len(&dsc.with_extension("DTA"), SPARSE_POINTS as u64);
    dsc
}

#[test]
fn describe_the_chunked_reader_and_a_refused_load_allocate_nothing_proportional_to_the_points() {
    let _serial = SERIAL.lock();
    isolate_config();
    let dir = temp_dir("mem-sparse");
    let dsc = sparse_dataset(&dir);
    let l = loader(None); // 1 MB chunks
    let bound = 4 << 20;
    let within = |what: &str, stats: common::alloc_count::AllocStats| {
        assert!(
            stats.largest < bound && stats.peak_live < bound,
            "{what}: {stats:?}, more than {bound} bytes for {SPARSE_POINTS} points"
        );
    };

    let (plan, stats) = measure(|| l.describe(&dsc, "").unwrap());
    within("describe", stats);
    let x = plan.axes[0].as_ref().expect("x axis");
    assert_eq!((x.len, x.name.as_str()), (SPARSE_POINTS, "Field"));

    // A reader holds one chunk of values, and its caller one chunk of axis.
    let (_, stats) = measure(|| {
        let mut reader = l.open_reader(&dsc, "").unwrap();
        let (first, n) = {
            let (first, values) = reader.next_chunk().unwrap().unwrap();
            (first, values.len())
        };
        let mut axis = vec![0.0; n];
        reader.read_axis(0, first, &mut axis).unwrap();
        assert_eq!((axis[0], n), (3000.0, 1 << 17));
        let mut last = [0.0];
        reader.read_axis(0, SPARSE_POINTS - 1, &mut last).unwrap();
        assert_eq!(last[0], 4000.0, "the last value is exactly XMIN + XWID");
        let e = reader.read_axis(0, SPARSE_POINTS, &mut last).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    });
    within("chunked reader", stats);

    // Values (2 GiB) and axis (2 GiB) are counted before either is allocated.
    let _limit = LimitMb::set("500");
    let (e, stats) = measure(|| l.load(&dsc, "").unwrap_err());
    within("refused load", stats);
    assert_eq!(e.kind(), ErrorKind::MemoryLimit, "{e}");
    assert!(e.to_string().contains("needs 4.00 GB"), "{e}");
    assert_eq!(library_bytes(), 0, "the refusal holds nothing");
}

#[test]
fn a_device_name_is_held_once_however_many_entries_share_it() {
    let _serial = SERIAL.lock();
    isolate_config();
    let dir = temp_dir("mem-device");
    let dsc = write_sample(&dir, "dvc", [100, 1, 1], &[false]);
    // A 16 KiB device name with 10,000 entries: 160 MB if every entry had its own copy.
    let name = "d".repeat(16 << 10);
    let mut text = std::fs::read_to_string(&dsc).unwrap();
    text.push_str(&format!(".DVC     {name}, 1.0\n"));
    for i in 0..10_000 {
        text.push_str(&format!("K{i} {i}\n"));
    }
    std::fs::write(&dsc, text).unwrap();
    let (ds, stats) = measure(|| loader(None).load(&dsc, "").unwrap());
    assert!(stats.peak_live < 8 << 20, "{stats:?}");
    let entries = ds.params().entries();
    assert_eq!(
        entries.last().unwrap().device.as_deref(),
        Some(name.as_str())
    );
    assert_eq!(
        entries.iter().filter(|p| p.device.is_some()).count(),
        10_000
    );
    // The dataset counts what it keeps: the name once, not 10,000 times.
    assert!(
        ds.heap_bytes() >= stats.live && ds.heap_bytes() < 8 << 20,
        "heap_bytes {} for {stats:?}",
        ds.heap_bytes()
    );
    assert_eq!(library_bytes(), ds.heap_bytes());
}

#[test]
fn the_guard_counts_the_bookkeeping_of_many_components() {
    let _serial = SERIAL.lock();
    isolate_config();
    let dir = temp_dir("mem-components");
    // 200,000 real components of one point each: 1.6 MB of values, but each component is a
    // table slot and a heap block of its own, and IKKF/IRFMT are long texts.
    const K: usize = 200_000;
    let dsc = write_sample(&dir, "many", [1, 1, 1], &[false]);
    set_key(&dsc, "IKKF", Some(&vec!["REAL"; K].join(",")));
    set_key(&dsc, "IRFMT", Some(&vec!["D"; K].join(",")));
    set_file_len(&dsc.with_extension("DTA"), (K * 8) as u64);

    let (ds, stats) = measure(|| loader(None).load(&dsc, "").unwrap());
    assert_eq!(ds.components().len(), K);
    assert!(
        ds.heap_bytes() >= stats.live,
        "heap_bytes {} counts less than the {} bytes the dataset keeps",
        ds.heap_bytes(),
        stats.live
    );
    assert_eq!(library_bytes(), ds.heap_bytes());
    let held = ds.heap_bytes();
    drop(ds);

    // Under a limit above the values but below what the dataset holds, the load is refused.
    let limit_mb = (held as f64 / (1 << 20) as f64 - 1.0).floor();
    assert!(limit_mb * (1 << 20) as f64 > (K * 8) as f64, "{held}");
    let _limit = LimitMb::set(&limit_mb.to_string());
    let e = loader(None).load(&dsc, "").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MemoryLimit, "{e}");
    assert_eq!(library_bytes(), 0);
}
