//! epyr against the Rust EPR reader openreadout-epr on the same files, in one run: the bundled
//! 1,024-point cw BES3T sample (`examples-c/data/nitroxide_cw`), a 1,024-point ESP file and
//! 2,000 copies of the sample in one folder. Every epyr figure is given in the default configuration (a loader over the
//! global cache, caching on; each timed load a first load: the cache is cleared before it,
//! outside the clock) and with caching off. A load is the whole dataset: values, axes and
//! parameters (for openreadout-epr: open, `info` and every sample of every trace).
//!
//! Run: `cargo run --release --manifest-path benches/peer/Cargo.toml`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use epyr_core::{DataCache, Loader, LoaderOptions};
use openreadout_core::FormatReader;

/// A 1,024-point ESP (int32 big-endian) file pair.
fn write_esp(dir: &Path) -> PathBuf {
    let par = dir.join("esp1024.par");
    std::fs::write(
        &par,
        "JSS 2\rJEX field-sweep\rRES 1024\rHCF 3480.0\rHSW 100.0\rGST 3430.0\rGSI 100.0\r",
    )
    .unwrap();
    let data: Vec<u8> = (0..1024i32).flat_map(|i| (i - 512).to_be_bytes()).collect();
    std::fs::write(dir.join("esp1024.spc"), data).unwrap();
    par
}

/// Reads the whole dataset at `path` with openreadout-epr: open, headers, every sample.
fn peer_load(reader: &dyn FormatReader, path: &Path) -> usize {
    let mut ds = reader.open(path).unwrap();
    let info = ds.info().unwrap();
    let mut n = 0;
    for t in &info.traces {
        for sweep in 0..t.sweep_count {
            let trace = ds.read_trace(t.index, sweep, 0, t.sample_count).unwrap();
            n += black_box(trace)
                .channels
                .iter()
                .map(Vec::len)
                .sum::<usize>();
        }
    }
    n
}

/// The median time of `f`, run `rounds` times with `before` outside the clock.
fn median(rounds: usize, mut before: impl FnMut(), mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            before();
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort_unstable();
    times[rounds / 2]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// One row: epyr defaults, epyr caching off, the peer, and the peer's time over epyr's.
fn row(
    name: &str,
    defaults: Duration,
    off: Duration,
    peer: Duration,
    unit: fn(Duration) -> String,
) {
    println!(
        "| {name} | {} | {} | {} | {:.2} x | {:.2} x |",
        unit(defaults),
        unit(off),
        unit(peer),
        peer.as_secs_f64() / defaults.as_secs_f64(),
        peer.as_secs_f64() / off.as_secs_f64()
    );
}

fn main() {
    let dir = std::env::temp_dir().join(format!("epyr-peer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_var("XDG_CONFIG_HOME", &dir);
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples-c/data/nitroxide_cw");
    let cw = dir.join("cw.DSC");
    std::fs::copy(sample.with_extension("DSC"), &cw).unwrap();
    std::fs::copy(sample.with_extension("DTA"), cw.with_extension("DTA")).unwrap();
    let esp = write_esp(&dir);
    let many_dir = dir.join("many");
    std::fs::create_dir_all(&many_dir).unwrap();
    let many: Vec<PathBuf> = (0..2000)
        .map(|i| {
            let p = many_dir.join(format!("f{i:04}.DSC"));
            std::fs::copy(&cw, &p).unwrap();
            std::fs::copy(cw.with_extension("DTA"), p.with_extension("DTA")).unwrap();
            p
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200)); // older than epyr's racy window
    let defaults = Loader::with_defaults().unwrap();
    let off = Loader::new(LoaderOptions {
        cache_enabled: Some(false),
        ..Default::default()
    })
    .unwrap();
    let global = DataCache::global();
    let clear = || global.clear();
    println!("| dataset | epyr, defaults (cache on, first loads) | epyr, caching off | openreadout-epr | peer / epyr defaults | peer / epyr off |");
    println!("|---|---|---|---|---|---|");
    for (name, path, reader) in [
        (
            "cw BES3T, 1,024 points",
            &cw,
            &openreadout_epr::Bes3tReader as &dyn FormatReader,
        ),
        ("ESP, 1,024 points", &esp, &openreadout_epr::EspReader),
    ] {
        let d = median(2001, clear, || {
            drop(black_box(defaults.load(path, "").unwrap()))
        });
        let o = median(2001, || {}, || drop(black_box(off.load(path, "").unwrap())));
        let p = median(
            2001,
            || {},
            || {
                black_box(peer_load(reader, path));
            },
        );
        row(name, d, o, p, us);
    }
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    let pass = |loader: &Loader| {
        for p in &many {
            drop(black_box(loader.load(p, "").unwrap()));
        }
    };
    let d = median(11, clear, || pass(&defaults));
    let o = median(11, || {}, || pass(&off));
    let p = median(
        11,
        || {},
        || {
            for f in &many {
                black_box(peer_load(&openreadout_epr::Bes3tReader, f));
            }
        },
    );
    row("2,000 small BES3T files, one pass", d, o, p, ms);
    let _ = std::fs::remove_dir_all(&dir);
}
