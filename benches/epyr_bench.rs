//! epyr's benchmarks: every figure next to a baseline measured in the same run (these machines
//! are shared and noisy, so the ratio is what counts). Run with `cargo bench`; choose groups
//! with `cargo bench -- corpus targets defaults hit` (default: all).
//!
//! Each timing is the median of repeated runs after a warm-up; the table prints the figure,
//! the baseline, their ratio, the target and pass/miss.

mod defaults;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Runs `f` repeatedly (after one warm-up call) until `budget` has passed and at least
/// `min_runs` runs were made; returns the median duration of one run.
fn median<F: FnMut()>(mut f: F, min_runs: usize, budget: Duration) -> Duration {
    f();
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < min_runs || (start.elapsed() < budget && times.len() < 100_000) {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    times.sort_unstable();
    times[times.len() / 2]
}

/// Like [`median`] for very short operations: times batches of `batch` calls and divides.
fn median_per_call<F: FnMut()>(mut f: F, batch: usize, budget: Duration) -> Duration {
    median(
        || {
            for _ in 0..batch {
                f();
            }
        },
        15,
        budget,
    ) / batch as u32
}

/// One line of the result table.
struct Row {
    figure: String,
    value: String,
    baseline: String,
    ratio: String,
    target: String,
    verdict: &'static str,
}

fn us(d: Duration) -> String {
    let v = d.as_secs_f64() * 1e6;
    if v < 10.0 {
        format!("{v:.2} µs")
    } else {
        format!("{v:.1} µs")
    }
}

fn print_table(title: &str, rows: &[Row]) {
    println!("\n## {title}\n");
    println!("| figure | value | baseline (same run) | ratio | target | result |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.figure, r.value, r.baseline, r.ratio, r.target, r.verdict
        );
    }
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("EPYR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.join("expected.json").is_file().then_some(dir)
}

/// The file to open of the expectation `e`, its files and their total size.
fn dataset_files(dir: &std::path::Path, e: &serde_json::Value) -> (PathBuf, Vec<PathBuf>, u64) {
    let open = dir.join(e["open"].as_str().unwrap());
    let files: Vec<PathBuf> = e["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| dir.join(f.as_str().unwrap()))
        .collect();
    let bytes = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    (open, files, bytes)
}

/// The median times of an uncached load of `open` and of `std::fs::read` of `files` (at least
/// `runs` runs each within `budget`).
fn load_and_read(
    open: &std::path::Path,
    files: &[PathBuf],
    runs: usize,
    budget: Duration,
) -> (Duration, Duration) {
    let load = median(
        || {
            black_box(epyr_core::load(open, "").unwrap());
        },
        runs,
        budget,
    );
    let read = median(
        || {
            for f in files {
                black_box(std::fs::read(f).unwrap());
            }
        },
        runs,
        budget,
    );
    (load, read)
}

/// Issue 2: uncached load time of every corpus dataset next to `std::fs::read` of its files,
/// and the parse time of the 1 MB descriptor next to reading it.
fn corpus_group() {
    let Some(dir) = corpus_dir() else {
        println!("\ncorpus group: no corpus found (set EPYR_CORPUS)");
        return;
    };
    let expected: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let budget = Duration::from_millis(150);
    let mut rows = Vec::new();
    for e in &expected {
        let (open, files, bytes) = dataset_files(&dir, e);
        let (load, read) = load_and_read(&open, &files, 20, budget);
        rows.push(Row {
            figure: format!("load {} ({} kB)", e["id"].as_str().unwrap(), bytes / 1024),
            value: us(load),
            baseline: format!("fs::read {}", us(read)),
            ratio: format!("{:.2}", load.as_secs_f64() / read.as_secs_f64()),
            target: "—".into(),
            verdict: "info",
        });
    }
    let dsc = dir.join("deerlab/data_multi_lab5.DSC");
    let text = std::fs::read(&dsc).unwrap();
    let parse = median(
        || {
            black_box(epyr_core::formats::text::parse_dsc(black_box(&text)));
        },
        20,
        Duration::from_millis(500),
    );
    let read = median(
        || {
            black_box(std::fs::read(&dsc).unwrap());
        },
        20,
        Duration::from_millis(500),
    );
    rows.push(Row {
        figure: format!("parse 1 MB descriptor ({} kB)", text.len() / 1024),
        value: us(parse),
        baseline: format!("fs::read {}", us(read)),
        ratio: format!("{:.2}", parse.as_secs_f64() / read.as_secs_f64()),
        target: "—".into(),
        verdict: "info",
    });
    print_table("Corpus loads (issue 2)", &rows);
    other_formats_rows(&dir);
}

/// Issue 17: uncached load time of every dataset of `expected-formats.json` whose format epyr
/// reads, next to `std::fs::read` of its files. Binary formats (values read from the file)
/// target at most 3 x the read; text formats (values decoded once) at least 200 MB/s of file
/// text.
fn other_formats_rows(dir: &std::path::Path) {
    let Ok(text) = std::fs::read_to_string(dir.join("expected-formats.json")) else {
        println!("\nno expected-formats.json in the corpus");
        return;
    };
    let expected: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let budget = Duration::from_millis(300);
    let mut rows = Vec::new();
    for e in &expected {
        let format = e["format"].as_str().unwrap();
        if epyr_core::formats::by_id(format).is_none() {
            continue;
        }
        let (open, files, bytes) = dataset_files(dir, e);
        let plan = epyr_core::formats::Plan::open(&open, epyr_core::formats::Scaling::NONE);
        let decoded = matches!(
            plan.unwrap().layout.values,
            epyr_core::formats::ValueSource::Decoded(_)
        );
        let (load, read) = load_and_read(&open, &files, 10, budget);
        let ratio = load.as_secs_f64() / read.as_secs_f64();
        let mb_s = bytes as f64 / 1e6 / load.as_secs_f64();
        let (target, pass) = if decoded {
            (">= 200 MB/s of text", mb_s >= 200.0)
        } else {
            ("<= 3 x read", ratio <= 3.0)
        };
        rows.push(Row {
            figure: format!(
                "load {} ({format}, {} kB)",
                e["id"].as_str().unwrap(),
                bytes / 1024
            ),
            value: format!("{} ({mb_s:.0} MB/s)", us(load)),
            baseline: format!("fs::read {}", us(read)),
            ratio: format!("{ratio:.2}"),
            target: target.into(),
            verdict: if pass { "pass" } else { "MISS" },
        });
    }
    print_table("Corpus loads, the other formats (issue 17)", &rows);
}

/// A dataset of `nx * ny` real values `(i % 1000) - 500` (exact in every number type).
fn ramp_dataset(nx: usize, ny: usize, params: Vec<epyr_core::Param>) -> epyr_core::Dataset {
    let values = (0..nx * ny).map(|i| (i % 1000) as f64 - 500.0).collect();
    epyr_core::Dataset::new(epyr_core::DatasetParts {
        format: epyr_core::FormatId::USER,
        dims: [nx, ny, 1],
        components: vec![epyr_core::Component {
            complex: false,
            values,
        }],
        axes: [
            Some(epyr_core::Axis {
                values: (0..nx).map(|i| 3300.0 + i as f64 * 0.125).collect(),
                name: "Field".into(),
                unit: "G".into(),
            }),
            None,
            None,
        ],
        params: epyr_core::Params::new(params, None),
        sources: vec![],
        warnings: vec![],
    })
    .unwrap()
}

fn write(
    ds: &epyr_core::Dataset,
    path: &std::path::Path,
    number: epyr_core::NumberType,
    order: epyr_core::ByteOrder,
) {
    epyr_core::write_bes3t(ds, path, &epyr_core::WriteOptions { number, order }).unwrap();
}

fn param(key: &str, value: String) -> epyr_core::Param {
    epyr_core::Param {
        key: key.to_string().into(),
        value,
        device: None,
    }
}

/// Bandwidth ratio of an operation against memcpy of the same output bytes (1.0 = as fast as
/// memcpy).
fn throughput_row(figure: &str, op: Duration, copy: Duration, bytes: usize, target: f64) -> Row {
    let ratio = copy.as_secs_f64() / op.as_secs_f64();
    let gbs = |d: Duration| bytes as f64 / d.as_secs_f64() / 1e9;
    Row {
        figure: figure.into(),
        value: format!("{:.1} ms ({:.2} GB/s)", op.as_secs_f64() * 1e3, gbs(op)),
        baseline: format!(
            "memcpy {:.1} ms ({:.2} GB/s)",
            copy.as_secs_f64() * 1e3,
            gbs(copy)
        ),
        ratio: format!("{ratio:.2} x memcpy"),
        target: format!(">= {target} x"),
        verdict: if ratio >= target { "pass" } else { "MISS" },
    }
}

fn latency_row(figure: &str, value: Duration, baseline: String, target_us: f64) -> Row {
    let v = value.as_secs_f64() * 1e6;
    Row {
        figure: figure.into(),
        value: us(value),
        baseline,
        ratio: "—".into(),
        target: format!("<= {target_us} µs"),
        verdict: if v <= target_us { "pass" } else { "MISS" },
    }
}

/// A small cw dataset (1024 float64 points) in `dir`; returns its descriptor.
fn write_cw1024(dir: &std::path::Path) -> PathBuf {
    use epyr_core::{ByteOrder, NumberType};
    let cw = dir.join("cw1024.DSC");
    write(
        &ramp_dataset(1024, 1, cw_params()),
        &cw,
        NumberType::F64,
        ByteOrder::Big,
    );
    cw
}

/// A loader with a cache of its own.
fn cached_loader() -> epyr_core::Loader {
    epyr_core::Loader::new(epyr_core::LoaderOptions {
        cache: Some(std::sync::Arc::new(epyr_core::DataCache::new(64 << 20))),
        cache_enabled: Some(true),
        ..Default::default()
    })
    .unwrap()
}

/// The median time of a load of `cw` through `cached` (a validated hit once it is stored).
fn hit_latency(cached: &epyr_core::Loader, cw: &std::path::Path) -> Duration {
    median_per_call(
        || {
            black_box(cached.load(black_box(cw), "").unwrap());
        },
        200,
        Duration::from_millis(500),
    )
}

/// The median time of a `stat` of each file of the dataset `cw`: the least a validated hit
/// costs.
fn two_stats(cw: &std::path::Path) -> Duration {
    let dta = cw.with_extension("DTA");
    median_per_call(
        || {
            black_box(std::fs::metadata(black_box(cw)).unwrap());
            black_box(std::fs::metadata(black_box(&dta)).unwrap());
        },
        200,
        Duration::from_millis(300),
    )
}

/// Sleeps until the files of the dataset `cw` changed longer ago than the window in which a
/// write through a memory map may leave their stamps unchanged: from then on a hit checks the
/// stamps only.
pub(crate) fn wait_until_settled(cw: &std::path::Path) {
    let window = epyr_core::formats::unseen_write_window_secs();
    assert!(
        window.is_finite(),
        "periodic writeback is off: files never settle"
    );
    let changed = std::fs::metadata(cw.with_extension("DTA"))
        .and_then(|m| m.modified())
        .unwrap();
    let settled = changed + Duration::from_secs_f64(window + 1.0);
    if let Ok(left) = settled.duration_since(std::time::SystemTime::now()) {
        eprintln!("waiting {left:.0?} until the files are older than the {window} s window");
        std::thread::sleep(left);
    }
}

/// The validated cache hit, of files changed just now (their content is re-checked by hash:
/// a write through a memory map could have changed them unseen by their stamps) and of the
/// same files once older than that window (stamps only). Waits for the window (70 s by
/// default on Linux).
fn hit_group() {
    let dir = std::env::temp_dir().join(format!("epyr-bench-hit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_var("XDG_CONFIG_HOME", &dir);
    let cw = write_cw1024(&dir);
    // Past the racy window, so that the first load is stored.
    std::thread::sleep(Duration::from_millis(100));
    let cached = cached_loader();
    cached.load(&cw, "").unwrap();
    let young = hit_latency(&cached, &cw);
    wait_until_settled(&cw);
    let old = hit_latency(&cached, &cw);
    let stats = format!("2 x stat of the files {}", us(two_stats(&cw)));
    let rows = [
        latency_row(
            "validated hit, files changed just now (stamps + content hash)",
            young,
            stats.clone(),
            20.0,
        ),
        latency_row(
            "validated hit, files older than the window (stamps only)",
            old,
            stats,
            2.0,
        ),
    ];
    print_table("Cache hit", &rows);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 5: the performance targets.
fn targets_group() {
    use epyr_core::{ByteOrder, NumberType};
    let dir = std::env::temp_dir().join(format!("epyr-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_var("XDG_CONFIG_HOME", &dir);
    let mut rows = Vec::new();
    let (nx, ny) = (4096, 8192);
    let bytes = nx * ny * 8;
    let loader = epyr_core::Loader::new(epyr_core::LoaderOptions {
        cache_enabled: Some(false),
        ..Default::default()
    })
    .unwrap();
    let config = epyr_core::config::global();
    config.set("performance.memory_limit_mb", "0").unwrap();
    // The file of the cache hit (4), written first so that it is old by then.
    let cw = write_cw1024(&dir);
    // Decode with every core: the configured default (half the cores) is 1 on a 2-core machine.
    let cores = epyr_core::config::cpu_count().to_string();
    config.set("performance.threads", &cores).unwrap();

    let big = ramp_dataset(nx, ny, vec![]);
    let f64_path = dir.join("big_f64.DSC");
    let f32_path = dir.join("big_f32.DSC");
    let i32_path = dir.join("big_i32.DSC");
    write(&big, &f64_path, NumberType::F64, ByteOrder::Big);
    write(&big, &f32_path, NumberType::F32, ByteOrder::Little);
    write(&big, &i32_path, NumberType::I32, ByteOrder::Big);
    drop(big);

    let src = vec![1.0f64; nx * ny];
    let mut dst = vec![0.0f64; nx * ny];
    let runs = 9;
    let budget = Duration::from_secs(3);
    let copy = median(
        || {
            dst.copy_from_slice(black_box(&src));
            black_box(&dst);
        },
        runs,
        budget,
    );
    drop(src);
    let load = |p: &PathBuf| {
        median(
            || {
                black_box(loader.load(p, "").unwrap());
            },
            runs,
            budget,
        )
    };
    rows.push(throughput_row(
        "1. load 256 MB float64 BIG into a new dataset",
        load(&f64_path),
        copy,
        bytes,
        0.45,
    ));
    let into = median(
        || {
            loader.load_into(&f64_path, "", &mut dst).unwrap();
            black_box(&dst);
        },
        runs,
        budget,
    );
    rows.push(throughput_row(
        "2. load_into a used buffer, 256 MB float64 BIG",
        into,
        copy,
        bytes,
        0.8,
    ));
    rows.push(c_abi_row(&f64_path, &loader, &cores));
    rows.push(throughput_row(
        "3a. load float32 LIT (256 MB out)",
        load(&f32_path),
        copy,
        bytes,
        0.4,
    ));
    rows.push(throughput_row(
        "3b. load int32 BIG (256 MB out)",
        load(&i32_path),
        copy,
        bytes,
        0.4,
    ));
    drop(dst);

    // 4. validated cache hit through a loader, of files older than the window of writes
    // through a memory map (written before the loads above, waited for if still needed).
    wait_until_settled(&cw);
    let cached = cached_loader();
    cached.load(&cw, "").unwrap();
    rows.push(latency_row(
        "4. validated cache hit (2 files re-checked)",
        hit_latency(&cached, &cw),
        format!("2 x stat of the files {}", us(two_stats(&cw))),
        2.0,
    ));

    // 5. memory_info and config get.
    let mi = median_per_call(
        || {
            black_box(epyr_core::memory_info());
        },
        200,
        Duration::from_millis(300),
    );
    rows.push(latency_row("5a. memory_info", mi, "—".into(), 10.0));
    let cg = median_per_call(
        || {
            black_box(
                epyr_core::config::global()
                    .get("performance.cache_size_mb")
                    .unwrap(),
            );
        },
        1000,
        Duration::from_millis(300),
    );
    rows.push(latency_row("5b. config get", cg, "—".into(), 1.0));

    // 6. uncached small loads.
    let esp = write_esp_1024(&dir);
    for (name, path, files) in [
        (
            "6a. uncached load, 1024-point cw BES3T",
            &cw,
            vec![cw.clone(), cw.with_extension("DTA")],
        ),
        (
            "6b. uncached load, 1024-point ESP",
            &esp,
            vec![esp.clone(), esp.with_extension("spc")],
        ),
    ] {
        let t = median(
            || {
                black_box(loader.load(path, "").unwrap());
            },
            50,
            Duration::from_millis(300),
        );
        let r = median(
            || {
                for f in &files {
                    black_box(std::fs::read(f).unwrap());
                }
            },
            50,
            Duration::from_millis(300),
        );
        rows.push(latency_row(name, t, format!("fs::read {}", us(r)), 30.0));
    }

    // 7. a dataset with a 1 MB descriptor.
    let mut params = cw_params();
    for i in 0..270 {
        let list: Vec<String> = (0..1000)
            .map(|k| ((k * 7 + i) % 1000).to_string())
            .collect();
        params.push(param(&format!("Psd{i}"), list.join(",")));
    }
    let heavy = dir.join("heavy.DSC");
    write(
        &ramp_dataset(1024, 1, params),
        &heavy,
        NumberType::F64,
        ByteOrder::Big,
    );
    let dsc_len = std::fs::metadata(&heavy).unwrap().len();
    let t = median(
        || {
            black_box(loader.load(&heavy, "").unwrap());
        },
        20,
        Duration::from_millis(500),
    );
    let r = median(
        || {
            black_box(std::fs::read(&heavy).unwrap());
            black_box(std::fs::read(heavy.with_extension("DTA")).unwrap());
        },
        20,
        Duration::from_millis(500),
    );
    rows.push(latency_row(
        &format!("7. load with a {} kB descriptor", dsc_len / 1024),
        t,
        format!("fs::read {}", us(r)),
        1500.0,
    ));

    // 8. chunked streaming of a 1 GB dataset, and its peak memory in a child process.
    let gb = dir.join("one_gb.DSC");
    write(
        &ramp_dataset(16384, 8192, vec![]),
        &gb,
        NumberType::F64,
        ByteOrder::Big,
    );
    let gb_bytes = 16384 * 8192 * 8;
    let streamer = epyr_core::Loader::new(epyr_core::LoaderOptions {
        cache_enabled: Some(false),
        chunk_size_mb: Some(10.0),
        ..Default::default()
    })
    .unwrap();
    let stream = median(
        || {
            black_box(stream_all(&streamer, &gb));
        },
        3,
        Duration::from_secs(5),
    );
    let src = vec![1.0f64; gb_bytes / 8];
    let mut dst = vec![0.0f64; gb_bytes / 8];
    let copy_gb = median(
        || {
            dst.copy_from_slice(black_box(&src));
            black_box(&dst);
        },
        3,
        Duration::from_secs(3),
    );
    drop((src, dst));
    rows.push(throughput_row(
        "8a. chunked streaming of 1 GB, 10 MB chunks",
        stream,
        copy_gb,
        gb_bytes,
        0.4,
    ));
    rows.push(child_peak_row(&gb));

    // 9. load_many of 2,000 small files, 2 threads against 1.
    let many_dir = dir.join("many");
    std::fs::create_dir_all(&many_dir).unwrap();
    let mut many = Vec::new();
    for i in 0..2000 {
        let p = many_dir.join(format!("f{i:04}.DSC"));
        std::fs::copy(&cw, &p).unwrap();
        std::fs::copy(cw.with_extension("DTA"), p.with_extension("DTA")).unwrap();
        many.push(p);
    }
    // The datasets are dropped after the clock stops: freeing them is the caller's work.
    let batch = |threads: &str| {
        config.set("performance.threads", threads).unwrap();
        let mut times: Vec<Duration> = (0..11)
            .map(|_| {
                let t = Instant::now();
                let results = loader.load_many(&many, "", None);
                let elapsed = t.elapsed();
                assert!(results.iter().all(|r| r.is_ok()));
                drop(black_box(results));
                elapsed
            })
            .collect();
        times.sort_unstable();
        times[times.len() / 2]
    };
    let one = batch("1");
    let two = batch("2");
    let speedup = one.as_secs_f64() / two.as_secs_f64();
    rows.push(Row {
        figure: "9. load_many of 2,000 small files, 2 threads".into(),
        value: format!("{:.1} ms", two.as_secs_f64() * 1e3),
        baseline: format!("1 thread {:.1} ms", one.as_secs_f64() * 1e3),
        ratio: format!("{speedup:.2} x"),
        target: ">= 1.6 x".into(),
        verdict: if speedup >= 1.6 { "pass" } else { "MISS" },
    });
    config.set("performance.threads", &cores).unwrap();

    print_table("Targets (issue 5)", &rows);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Row 10: load + values of the 256 MB file from a C program against the same Rust calls,
/// alternating three times so both see the same machine state.
fn c_abi_row(path: &std::path::Path, loader: &epyr_core::Loader, threads: &str) -> Row {
    let exe = std::env::current_exe().unwrap();
    let release = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .to_path_buf();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let program = release.join("c_abi_load");
    let built = std::process::Command::new("cc")
        .args([
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-o",
        ])
        .arg(&program)
        .arg(root.join("benches/c_abi_load.c"))
        .arg(format!("-I{}", root.join("include").display()))
        .arg(format!("-L{}", release.display()))
        .arg(format!("-Wl,-rpath,{}", release.display()))
        .arg("-lepyr")
        .status();
    let mut row = Row {
        figure: "10. C ABI: load + values of the 256 MB file from a C program".into(),
        value: "not measured".into(),
        baseline: "the Rust calls in the same run".into(),
        ratio: "—".into(),
        target: "overhead <= 2 %".into(),
        verdict: "MISS",
    };
    if !built.is_ok_and(|s| s.success()) || !release.join("libepyr.so").exists() {
        row.value = "not measured: cc or libepyr.so missing".into();
        return row;
    }
    let mut c_times = Vec::new();
    let mut rust_times = Vec::new();
    for _ in 0..3 {
        let out = std::process::Command::new(&program)
            .arg(path)
            .arg("5")
            .arg(threads)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(ns) = text
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse::<u64>().ok())
        else {
            row.value = format!("C program failed: {}", String::from_utf8_lossy(&out.stderr));
            return row;
        };
        c_times.push(Duration::from_nanos(ns));
        rust_times.push(median(
            || {
                let ds = loader.load(path, "").unwrap();
                black_box(ds.components()[0].values.as_ptr());
            },
            5,
            Duration::from_millis(1),
        ));
    }
    c_times.sort_unstable();
    rust_times.sort_unstable();
    let (c, rust) = (c_times[1], rust_times[1]);
    let overhead = c.as_secs_f64() / rust.as_secs_f64() - 1.0;
    row.value = format!("{:.1} ms", c.as_secs_f64() * 1e3);
    row.baseline = format!("Rust {:.1} ms", rust.as_secs_f64() * 1e3);
    row.ratio = format!("{:+.1} %", overhead * 100.0);
    row.verdict = if overhead <= 0.02 { "pass" } else { "MISS" };
    row
}

/// Streams the whole dataset; returns the number of values seen.
fn stream_all(loader: &epyr_core::Loader, path: &std::path::Path) -> usize {
    let mut reader = loader.open_reader(path, "").unwrap();
    let mut n = 0;
    while let Some((_, values)) = reader.next_chunk().unwrap() {
        n += values.len();
    }
    n
}

/// The peak resident size of this process in bytes (`VmHWM`).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Child mode: stream the dataset once with 10 MB chunks and print the growth of the peak
/// resident size.
fn stream_child(path: &std::path::Path) {
    let loader = epyr_core::Loader::new(epyr_core::LoaderOptions {
        cache_enabled: Some(false),
        chunk_size_mb: Some(10.0),
        ..Default::default()
    })
    .unwrap();
    let before = peak_rss();
    black_box(stream_all(&loader, path));
    println!("peak-growth {}", peak_rss() - before);
}

/// Runs [`stream_child`] in a fresh process and checks the peak growth against 2 chunks + 16 MB.
fn child_peak_row(path: &std::path::Path) -> Row {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--stream-child")
        .arg(path)
        .env(
            "EPYR_PERFORMANCE_THREADS",
            epyr_core::config::cpu_count().to_string(),
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let growth: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("peak-growth "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(u64::MAX);
    let limit = 2 * 10 * (1 << 20) + (16 << 20);
    Row {
        figure: "8b. peak RSS growth while streaming 1 GB (child process)".into(),
        value: format!("{:.1} MB", growth as f64 / (1 << 20) as f64),
        baseline: "—".into(),
        ratio: "—".into(),
        target: "<= 2 x chunk + 16 MB = 36 MB".into(),
        verdict: if growth <= limit { "pass" } else { "MISS" },
    }
}

/// Parameters of a cw spectrum (for scaling and realistic descriptors).
fn cw_params() -> Vec<epyr_core::Param> {
    [
        ("EXPT", "CW"),
        ("MWFQ", "9.5e9"),
        ("AVGS", "4"),
        ("RCAG", "40"),
        ("TITL", "bench"),
    ]
    .iter()
    .map(|(k, v)| param(k, v.to_string()))
    .collect()
}

/// An ESP (int32 big-endian) 1024-point file pair, written directly (the writer writes BES3T).
fn write_esp_1024(dir: &std::path::Path) -> PathBuf {
    let par = dir.join("esp1024.par");
    std::fs::write(
        &par,
        "JSS 2\rJEX field-sweep\rRES 1024\rHCF 3480.0\rHSW 100.0\rGST 3430.0\rGSI 100.0\rJSD 4\rRRG 2.0e+04\r",
    )
    .unwrap();
    let data: Vec<u8> = (0..1024i32).flat_map(|i| (i - 512).to_be_bytes()).collect();
    std::fs::write(dir.join("esp1024.spc"), data).unwrap();
    par
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--stream-child") {
        stream_child(std::path::Path::new(&args[i + 1]));
        return;
    }
    let groups: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |g: &str| groups.is_empty() || groups.iter().any(|x| x == g);
    if wants("corpus") {
        corpus_group();
    }
    if wants("targets") {
        targets_group();
    }
    if wants("defaults") {
        defaults::defaults_group();
    }
    if wants("hit") {
        hit_group();
    }
}
