//! `epyr batch-convert` over a copy of the corpus with a bad file and an unreadable one: the
//! exit status, the summary, every other dataset converted, a second run that converts nothing
//! and a third that converts only the dataset that changed; the memory budget held; Ctrl-C
//! leaving no partial file.

mod common;

use std::path::Path;
use std::process::Stdio;

use common::{epyr, run, tree};
use serde_json::Value;

/// Runs `batch-convert --json` and returns the exit code and the summary.
fn batch(dir: &Path, extra: &[&str]) -> (i32, Value) {
    batch_as(false, dir, extra)
}

/// [`batch`], run as user `nobody` when `drop_root` (see [`common::epyr_dropping_root`]).
fn batch_as(drop_root: bool, dir: &Path, extra: &[&str]) -> (i32, Value) {
    let out = run(common::epyr_dropping_root(drop_root)
        .arg("batch-convert")
        .arg(dir)
        .args(["--recursive", "--json", "--progress", "none"])
        .args(extra));
    let text = String::from_utf8_lossy(&out.stdout);
    let summary: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "summary is not JSON ({e}):\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), summary)
}

fn failed_paths(summary: &Value) -> Vec<String> {
    summary["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built"
)]
fn a_batch_goes_past_bad_files_and_a_second_run_converts_only_what_changed() {
    let corpus = common::corpus_dir();
    let dir = common::temp_dir("batch-corpus");
    let data = dir.join("data");
    let entries = common::copy_bruker_corpus(&corpus, &data);
    std::fs::write(data.join("bad.DSC"), "DSRC EXP\nXPTS 1000000\nIRFMT D\n").unwrap();
    std::fs::write(data.join("bad.DTA"), [0u8; 64]).unwrap();
    std::fs::write(data.join("notes.txt"), "not a dataset").unwrap();
    let locked = data.join("easyspin/E580_Xepr26b6_cwX_WillMyers.DTA");
    let unreadable = common::shared::platform::Unreadable::new(&locked);
    // Root reads the file anyway: the command then runs as `nobody`, in a folder it may write.
    let drop_root = std::fs::read(&locked).is_ok();
    if drop_root {
        make_writable_for_everyone(&dir);
    }
    let out = dir.join("out");
    let to = ["--to", "csv,json", "-o", out.to_str().unwrap()];
    let batch = |extra: &[&str]| batch_as(drop_root, &data, extra);
    let (code, summary) = batch(&to);
    let failed = failed_paths(&summary);
    assert_eq!(code, 1, "a failure makes the status 1: {summary}");
    assert_eq!(failed.len(), 2, "{summary}");
    assert!(failed.iter().any(|p| p.ends_with("bad.DSC")), "{summary}");
    assert!(failed.iter().any(|p| p.contains("E580")), "{summary}");
    let reasons = summary["failed"].to_string();
    assert!(
        reasons.contains("bad.DSC") && reasons.contains("E580_Xepr26b6_cwX_WillMyers"),
        "the reasons name the files: {reasons}"
    );
    let converted = summary["converted"].as_u64().unwrap() as usize;
    assert_eq!(converted, entries.len() - 1, "{summary}");
    assert_eq!(
        summary["files_written"].as_u64().unwrap() as usize,
        2 * converted
    );
    assert!(
        summary["not_datasets"].as_u64().unwrap() >= 1,
        "notes.txt: {summary}"
    );
    let written = tree(&out);
    assert!(
        written.contains(&"easyspin/strong1.csv".to_string()),
        "sub-folders mirrored: {written:?}"
    );
    assert!(
        written.iter().all(|n| !n.contains("epyr-tmp")),
        "{written:?}"
    );

    let (code, again) = batch(&to);
    assert_eq!(again["converted"], 0, "nothing changed: {again}");
    assert_eq!(again["up_to_date"].as_u64().unwrap() as usize, converted);
    assert_eq!(code, 1, "the bad file still fails");

    std::thread::sleep(std::time::Duration::from_millis(20));
    let touched = data.join("easyspin/strong1.dsc");
    let text = std::fs::read(&touched).unwrap();
    std::fs::write(&touched, text).unwrap();
    let (_, third) = batch(&to);
    assert_eq!(
        third["converted"], 1,
        "only the dataset that changed: {third}"
    );
    let (_, forced) = batch(&[&to[..], &["--force"]].concat());
    assert_eq!(forced["converted"].as_u64().unwrap() as usize, converted);
    // Closes the exclusive handle (Windows) or restores the permissions before the cleanup.
    drop(unreadable);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Lets every user write into `dir` (for a command run as `nobody`).
fn make_writable_for_everyone(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[test]
fn the_memory_held_stays_within_the_budget_and_a_dataset_too_large_fails_alone() {
    let dir = common::temp_dir("batch-budget");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    // 40 datasets of 64 000 points (512 kB of values each, about 1.5 MB to write as BES3T)
    // and one of 640 000 points (5 MB, 15 MB to write) under a 4 MB budget, on 4 workers.
    for i in 0..40 {
        common::shared::write_sample(&data, &format!("s{i:02}"), [64_000, 1, 1], &[false]);
    }
    common::shared::write_sample(&data, "large", [640_000, 1, 1], &[false]);
    let (code, summary) = batch(
        &data,
        &[
            "--to",
            "bes3t",
            "-j",
            "4",
            "--set",
            "performance.memory_limit_mb=4",
        ],
    );
    assert_eq!(code, 1, "{summary}");
    let failed = summary["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{summary}");
    let reason = failed[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("large") && reason.contains("memory"),
        "{reason}"
    );
    assert_eq!(summary["converted"], 40, "{summary}");
    let peak = summary["peak_held_bytes"].as_u64().unwrap();
    let budget = summary["budget_bytes"].as_u64().unwrap();
    assert!(
        budget <= 4 << 20 && peak <= budget,
        "peak {peak} of {budget}"
    );
    assert!(
        peak > 1 << 20,
        "the workers did run side by side: peak {peak}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg_attr(windows, ignore = "sends SIGINT with kill(1)")]
fn ctrl_c_stops_the_batch_and_leaves_no_partial_file() {
    let dir = common::temp_dir("batch-sigint");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for i in 0..300 {
        common::shared::write_sample(&data, &format!("s{i:03}"), [20_000, 1, 1], &[true]);
    }
    let out = dir.join("out");
    let child = epyr()
        .arg("batch-convert")
        .arg(&data)
        .args([
            "--to",
            "csv,hdf5,bes3t",
            "-j",
            "2",
            "--progress",
            "lines",
            "-o",
        ])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until some outputs exist, then interrupt.
    let start = std::time::Instant::now();
    while tree(&out).len() < 10 && start.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    let files = tree(&out);
    let csvs: Vec<&String> = files.iter().filter(|f| f.ends_with(".csv")).collect();
    assert!(
        !csvs.is_empty() && csvs.len() < 300,
        "stopped part-way: {} CSVs",
        csvs.len()
    );
    for f in &files {
        assert!(!f.contains("epyr-tmp"), "temporary file left: {f}");
    }
    for csv in csvs {
        let text = std::fs::read_to_string(out.join(csv)).unwrap();
        let rows = text.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(rows, 1 + 20_000, "{csv} is whole");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
