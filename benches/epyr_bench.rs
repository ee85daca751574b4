//! epyr's benchmarks: every figure next to a baseline measured in the same run (these machines
//! are shared and noisy, so the ratio is what counts). Run with `cargo bench`; choose groups
//! with `cargo bench -- corpus targets` (default: all).
//!
//! Each timing is the median of repeated runs after a warm-up; the table prints the figure,
//! the baseline, their ratio, the target and pass/miss.

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
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
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
        let open = dir.join(e["open"].as_str().unwrap());
        let files: Vec<PathBuf> = e["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| dir.join(f.as_str().unwrap()))
            .collect();
        let bytes: u64 = files
            .iter()
            .map(|f| std::fs::metadata(f).unwrap().len())
            .sum();
        let load = median(
            || {
                black_box(epyr::load(&open, "").unwrap());
            },
            20,
            budget,
        );
        let read = median(
            || {
                for f in &files {
                    black_box(std::fs::read(f).unwrap());
                }
            },
            20,
            budget,
        );
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
            black_box(epyr::formats::text::parse_dsc(black_box(&text)));
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
}

fn main() {
    let groups: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |g: &str| groups.is_empty() || groups.iter().any(|x| x == g);
    if wants("corpus") {
        corpus_group();
    }
}
