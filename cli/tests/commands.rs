//! Every command's `--help`, `--version`, shell completions, `formats`, `info`, `validate` and
//! `config` as a user runs them: output, JSON for scripts and exit statuses.

mod common;

use common::{epyr, run, run_ok};
use serde_json::Value;

const COMMANDS: [&[&str]; 13] = [
    &[],
    &["info"],
    &["convert"],
    &["batch-convert"],
    &["plot"],
    &["validate"],
    &["config"],
    &["config", "show"],
    &["config", "get"],
    &["config", "set"],
    &["config", "save"],
    &["formats"],
    &["completions"],
];

#[test]
fn every_command_has_help_and_the_version_is_the_crates() {
    for command in COMMANDS {
        let text = run_ok(epyr().args(command).arg("--help"));
        assert!(text.contains("Usage: epyr"), "{command:?}:\n{text}");
        assert!(text.lines().count() > 3, "{command:?}:\n{text}");
    }
    let text = run_ok(epyr().args(["config", "path", "--help"]));
    assert!(text.contains("Usage: epyr config path"), "{text}");
    let version = run_ok(epyr().arg("--version"));
    assert_eq!(
        version.trim(),
        format!("epyr {}", env!("CARGO_PKG_VERSION"))
    );
    let out = run(epyr().arg("convert"));
    assert_eq!(out.status.code(), Some(2), "a usage error is status 2");
}

#[test]
#[cfg_attr(windows, ignore = "uses sh and head")]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = common::temp_dir("cli-pipe");
    // More output than a pipe holds (64 kB), so that writes fail once head has exited.
    for i in 0..150 {
        common::shared::write_sample(&dir, &format!("s{i}"), [4, 1, 1], &[false]);
    }
    let epyr = env!("CARGO_BIN_EXE_epyr");
    for command in ["info", "completions"] {
        let arg = if command == "info" {
            dir.display().to_string()
        } else {
            "bash".into()
        };
        let script = format!("'{epyr}' {command} '{arg}' | head -1; exit ${{PIPESTATUS[0]}}");
        let out = run(std::process::Command::new("bash").args(["-c", &script]));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{command}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completion_scripts_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run_ok(epyr().args(["completions", shell]));
        for command in ["batch-convert", "validate", "completions"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
}

#[test]
fn formats_lists_what_the_core_reads_and_what_this_build_writes() {
    let doc: Value = serde_json::from_str(&run_ok(epyr().args(["formats", "--json"]))).unwrap();
    let ids: Vec<&str> = doc["read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"bruker-bes3t") && ids.contains(&"bruker-esp"),
        "{doc}"
    );
    let writes: Vec<&str> = doc["write"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(writes, ["csv", "json", "hdf5", "bes3t"]);
    let text = run_ok(epyr().arg("formats"));
    assert!(
        text.contains(".DSC (descriptor)")
            && text.contains(".SPC (data file)")
            && text.contains("JEOL"),
        "{text}"
    );
}

#[test]
fn info_and_validate_describe_datasets_and_fail_on_bad_ones() {
    let dir = common::temp_dir("cli-info");
    let good = common::shared::write_sample(&dir, "good", [16, 4, 1], &[true]);
    std::fs::write(dir.join("bad.DSC"), "XPTS 10\nIRFMT D\n").unwrap();
    std::fs::write(dir.join("bad.DTA"), [0u8; 8]).unwrap();
    let text = run_ok(epyr().arg("info").arg(&good));
    for needle in [
        "bruker-bes3t",
        "16 x 4 x 1",
        "complex",
        "temperature",
        "80 K",
        "[STMP]",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    let out = run(epyr().arg("info").arg(&dir).args(["--json", "--params"]));
    assert_eq!(out.status.code(), Some(1), "one dataset fails");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = doc.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let bad = list
        .iter()
        .find(|d| d["path"].as_str().unwrap().ends_with("bad.DSC"))
        .unwrap();
    assert!(
        bad["error"].as_str().unwrap().contains("bad.DTA"),
        "names the file: {bad}"
    );
    let good_doc = list.iter().find(|d| d["error"].is_null()).unwrap();
    assert_eq!(good_doc["common"]["microwave_power"]["unit"], "mW");
    assert!(good_doc["parameters"].as_array().unwrap().len() > 5);

    let out = run(epyr().arg("validate").arg(&dir).arg("--json"));
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["ok"], 1);
    assert_eq!(doc["summary"]["error"], 1);
    let out = run(epyr().arg("validate").arg(&good));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Extra bytes after the data: a reader warning, a failure only with --strict.
    let dta = good.with_extension("DTA");
    let mut bytes = std::fs::read(&dta).unwrap();
    bytes.extend_from_slice(&[0; 16]);
    std::fs::write(&dta, bytes).unwrap();
    assert_eq!(
        run(epyr().arg("validate").arg(&good)).status.code(),
        Some(0)
    );
    let out = run(epyr().arg("validate").arg(&good).arg("--strict"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("WARN"));
    let out = run(epyr().arg("info").arg(dir.join("missing.DSC")));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.DSC"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn convert_never_replaces_the_files_of_the_dataset_it_converts() {
    let dir = common::temp_dir("cli-own-files");
    let source = common::shared::write_sample(&dir, "own", [8, 1, 1], &[false]);
    let before = std::fs::read(&source).unwrap();
    for force in [false, true] {
        let mut cmd = epyr();
        cmd.arg("convert")
            .arg(&source)
            .args(["--to", "bes3t", "-o"])
            .arg(&dir);
        if force {
            cmd.arg("--force");
        }
        let out = run(&mut cmd);
        assert_eq!(out.status.code(), Some(1), "force {force}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("own.DSC"), "{stderr}");
    }
    assert_eq!(
        std::fs::read(&source).unwrap(),
        before,
        "the source is untouched"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_shows_each_value_with_its_source_and_set_writes_the_file() {
    let xdg = common::temp_dir("cli-config-cmd");
    // The Python package's folder name: `EPyRTools` under %APPDATA% on Windows.
    let folder = if cfg!(windows) {
        "EPyRTools"
    } else {
        "epyrtools"
    };
    let file = xdg.join(folder).join("config.json");
    let cmd = || {
        let mut c = epyr();
        c.env("XDG_CONFIG_HOME", &xdg).env("APPDATA", &xdg);
        c
    };
    let path = run_ok(cmd().args(["config", "path"]));
    assert_eq!(path.trim(), file.display().to_string());
    let show = |c: &mut std::process::Command| -> Value {
        serde_json::from_str(&run_ok(c.args(["config", "show", "--json"]))).unwrap()
    };
    let key = |doc: &Value, k: &str| -> Value {
        doc["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == k)
            .unwrap()
            .clone()
    };
    let doc = show(&mut cmd());
    assert_eq!(key(&doc, "performance.cache_size_mb")["source"], "default");
    assert_eq!(key(&doc, "performance.cache_size_mb")["value"], 100);

    run_ok(cmd().args(["config", "set", "performance.cache_size_mb", "42"]));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved["performance"]["cache_size_mb"], 42);
    let doc = show(
        cmd()
            .env("EPYR_PERFORMANCE_THREADS", "3")
            .args(["--set", "performance.chunk_size_mb=2"]),
    );
    assert_eq!(key(&doc, "performance.cache_size_mb")["source"], "file");
    assert_eq!(key(&doc, "performance.cache_size_mb")["value"], 42);
    assert_eq!(key(&doc, "performance.threads")["source"], "environment");
    assert_eq!(
        key(&doc, "performance.threads")["origin"],
        "EPYR_PERFORMANCE_THREADS"
    );
    assert_eq!(key(&doc, "performance.chunk_size_mb")["source"], "set");
    let value = run_ok(cmd().args(["config", "get", "performance.cache_size_mb"]));
    assert_eq!(value.trim(), "42");

    let out = run(cmd().args(["config", "set", "performance.cache_size_mb", "-5"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-5"));
    let out = run(cmd()
        .env("EPYR_PERFORMANCE_CACHE_ENABLED", "maybe")
        .args(["config", "show"]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unusable value is shown and fails"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("maybe"));
    run_ok(cmd().args(["--set", "performance.threads=2", "config", "save"]));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved["performance"]["threads"], 2);
    assert_eq!(
        saved["performance"]["cache_size_mb"], 42,
        "the file's own value is kept"
    );
    std::fs::remove_dir_all(&xdg).unwrap();
}
