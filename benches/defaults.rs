//! The `defaults` group: what users get without configuring anything (a loader over the global
//! cache, caching on) against the same loads with caching off, in one run. Every timed load of
//! rows D1-D5 is a first load: the global cache is cleared before it, outside the clock; the
//! two configurations alternate, so both see the same machine state. The files are written
//! first and measured once they are older than the window in which a write through a memory
//! map can go unseen by their stamps (70 s by default on Linux): younger files are
//! fingerprinted by content on every first load, which the `hit` group measures.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use epyr_core::{ByteOrder, DataCache, Loader, LoaderOptions, NumberType};

use super::{
    cw_params, median_per_call, print_table, ramp_dataset, us, wait_until_settled, write,
    write_esp_1024, Row,
};

/// The median of `rounds` first loads of `path` with caching off and through `on` (whose cache
/// `cache` is cleared before each), alternating.
fn first_loads(on: &Loader, cache: &DataCache, off: &Loader, path: &Path) -> (Duration, Duration) {
    let rounds = 401;
    let mut cached = Vec::with_capacity(rounds);
    let mut uncached = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        let ds = off.load(black_box(path), "").unwrap();
        uncached.push(t.elapsed());
        drop(ds);
        cache.clear();
        let t = Instant::now();
        let ds = on.load(black_box(path), "").unwrap();
        cached.push(t.elapsed());
        drop(ds);
    }
    cached.sort_unstable();
    uncached.sort_unstable();
    (cached[rounds / 2], uncached[rounds / 2])
}

/// A row comparing a figure of the default configuration with caching off: the target is at
/// most caching off plus `slack_us` or `slack_percent`, whichever is larger.
fn against_off(
    figure: String,
    on: Duration,
    off: Duration,
    slack_us: f64,
    slack_percent: f64,
) -> Row {
    let (on_us, off_us) = (on.as_secs_f64() * 1e6, off.as_secs_f64() * 1e6);
    let allowed = off_us + slack_us.max(off_us * slack_percent / 100.0);
    Row {
        figure,
        value: us(on),
        baseline: format!("caching off {}", us(off)),
        ratio: format!("{:.2} x", on_us / off_us),
        target: format!("<= {allowed:.1} µs"),
        verdict: if on_us <= allowed { "pass" } else { "MISS" },
    }
}

/// The cw sample written `depth` folders below `root` (folders `d1/d2/...`); returns its
/// path relative to `root`.
fn nested_sample(root: &Path, depth: usize) -> PathBuf {
    let relative: PathBuf = (1..=depth).map(|i| format!("d{i}")).collect();
    let folder = root.join(&relative);
    std::fs::create_dir_all(&folder).unwrap();
    let ds = ramp_dataset(1024, 1, cw_params());
    write(&ds, &folder.join("cw.DSC"), NumberType::F64, ByteOrder::Big);
    relative.join("cw.DSC")
}

/// Rows D1-D4: first loads and hits of a 1024-point file 2 and 12 folders deep, by its
/// absolute and its relative path (the current folder is `root`).
fn depth_rows(
    root: &Path,
    nested: &[(usize, PathBuf)],
    on: &Loader,
    off: &Loader,
    rows: &mut Vec<Row>,
) {
    let global = DataCache::global();
    for (depth, relative) in nested {
        let (depth, relative) = (*depth, relative.clone());
        let absolute = root.join(&relative);
        for (kind, path) in [("absolute", &absolute), ("relative", &relative)] {
            let (t_on, t_off) = first_loads(on, global, off, path);
            rows.push(against_off(
                format!("D1. first load, cw 1,024 points, {depth} folders deep, {kind}"),
                t_on,
                t_off,
                1.0,
                10.0,
            ));
            on.load(path, "").unwrap();
            let hit = median_per_call(
                || {
                    black_box(on.load(black_box(path), "").unwrap());
                },
                200,
                Duration::from_millis(400),
            );
            let dta = absolute.with_extension("DTA");
            let stats = median_per_call(
                || {
                    black_box(std::fs::metadata(black_box(path)).unwrap());
                    black_box(std::fs::metadata(black_box(&dta)).unwrap());
                },
                200,
                Duration::from_millis(300),
            );
            rows.push(against_stats(depth, kind, hit, stats));
        }
    }
}

/// Row D2: a validated hit against the two `stat`s of its files (the floor of a stat-based
/// check): at most the two stats plus 0.6 µs of bookkeeping.
fn against_stats(depth: usize, kind: &str, hit: Duration, stats: Duration) -> Row {
    let allowed = stats.as_secs_f64() * 1e6 + 0.6;
    let v = hit.as_secs_f64() * 1e6;
    Row {
        figure: format!("D2. validated hit, {depth} folders deep, {kind}"),
        value: us(hit),
        baseline: format!("2 x stat {}", us(stats)),
        ratio: format!("{:.2} x", v / (stats.as_secs_f64() * 1e6)),
        target: format!("<= {allowed:.2} µs"),
        verdict: if v <= allowed { "pass" } else { "MISS" },
    }
}

/// `count` copies of the cw sample in one folder.
fn small_files(root: &Path, count: usize) -> Vec<PathBuf> {
    let folder = root.join("many");
    std::fs::create_dir_all(&folder).unwrap();
    let ds = ramp_dataset(1024, 1, cw_params());
    let first = folder.join("f0000.DSC");
    write(&ds, &first, NumberType::F64, ByteOrder::Big);
    let mut paths = vec![first.clone()];
    for i in 1..count {
        let p = folder.join(format!("f{i:04}.DSC"));
        std::fs::copy(&first, &p).unwrap();
        std::fs::copy(first.with_extension("DTA"), p.with_extension("DTA")).unwrap();
        paths.push(p);
    }
    paths
}

/// The medians of `runs` passes of `a` and of `b`, alternating (so that both see the same
/// machine state), with `before_a` run outside the clock before each pass of `a`.
fn medians_alternating(
    runs: usize,
    mut before_a: impl FnMut(),
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (Duration, Duration) {
    let mut times_a = Vec::with_capacity(runs);
    let mut times_b = Vec::with_capacity(runs);
    for _ in 0..runs {
        before_a();
        let t = Instant::now();
        a();
        times_a.push(t.elapsed());
        let t = Instant::now();
        b();
        times_b.push(t.elapsed());
    }
    times_a.sort_unstable();
    times_b.sort_unstable();
    (times_a[runs / 2], times_b[runs / 2])
}

/// Rows D4-D5: `load_many` of 2,000 small files with the defaults (the global cache cleared
/// before each run) and with caching off, and a sequential pass through a cache smaller than
/// the working set (every load a miss that evicts) against caching off.
fn many_rows(paths: &[PathBuf], on: &Loader, off: &Loader, rows: &mut Vec<Row>) {
    let global = DataCache::global();
    let batch = |loader: &Loader| {
        let results = loader.load_many(paths, "", None);
        assert!(results.iter().all(|r| r.is_ok()));
        black_box(results);
    };
    let (t_on, t_off) = medians_alternating(11, || global.clear(), || batch(on), || batch(off));
    let mut row = against_off(
        "D4. load_many of 2,000 small files (defaults vs caching off)".into(),
        t_on,
        t_off,
        0.0,
        10.0,
    );
    row.value = format!("{:.1} ms", t_on.as_secs_f64() * 1e3);
    row.baseline = format!("caching off {:.1} ms", t_off.as_secs_f64() * 1e3);
    row.target = "<= caching off + 10 %".into();
    rows.push(row);

    let entry_bytes = 16 * 1024 + 4096;
    let small = std::sync::Arc::new(DataCache::new(8 * entry_bytes));
    let thrashing = Loader::new(LoaderOptions {
        cache: Some(std::sync::Arc::clone(&small)),
        cache_enabled: Some(true),
        ..Default::default()
    })
    .unwrap();
    let pass = |loader: &Loader| {
        for p in paths {
            black_box(loader.load(p, "").unwrap());
        }
    };
    let (t_thrash, t_plain) = medians_alternating(11, || {}, || pass(&thrashing), || pass(off));
    assert!(small.stats().evictions > 0, "the small cache evicted");
    let per_file = |d: Duration| d / paths.len() as u32;
    rows.push(against_off(
        "D5. loop over 2,000 files through a cache of 8 entries (each a miss that evicts), per file"
            .into(),
        per_file(t_thrash),
        per_file(t_plain),
        0.0,
        10.0,
    ));
}

/// The `defaults` group.
pub fn defaults_group() {
    let root = std::env::temp_dir().join(format!("epyr-bench-defaults-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    std::env::set_var("XDG_CONFIG_HOME", &root);
    let config = epyr_core::config::global();
    config.clear_runtime();
    let on = Loader::with_defaults().unwrap();
    assert!(on.cache().is_some(), "the defaults cache");
    let off = Loader::new(LoaderOptions {
        cache_enabled: Some(false),
        ..Default::default()
    })
    .unwrap();
    let before = std::env::current_dir().unwrap();
    std::env::set_current_dir(&root).unwrap();
    let nested: Vec<(usize, PathBuf)> = [2, 12]
        .into_iter()
        .map(|d| (d, nested_sample(&root, d)))
        .collect();
    let esp = write_esp_1024(&root);
    let many = small_files(&root, 2000);
    wait_until_settled(&many[many.len() - 1]);
    let mut rows = Vec::new();
    depth_rows(&root, &nested, &on, &off, &mut rows);
    let (t_on, t_off) = first_loads(&on, DataCache::global(), &off, &esp);
    rows.push(against_off(
        "D3. first load, ESP 1,024 points".into(),
        t_on,
        t_off,
        1.0,
        10.0,
    ));
    many_rows(&many, &on, &off, &mut rows);
    std::env::set_current_dir(before).unwrap();
    print_table(
        "The default configuration (global cache on) against caching off",
        &rows,
    );
    let _ = std::fs::remove_dir_all(&root);
}
