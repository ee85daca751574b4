//! Helpers shared by the integration tests: where the corpus is, and reading its expectations.

#![allow(dead_code)]

pub mod alloc_count;
#[cfg(unix)]
pub mod fork;
pub mod fuzz_case;
pub mod octave;
pub mod platform;

use std::path::PathBuf;

/// The repository root: the workspace folder that holds `include/epyr.h`, whichever crate's
/// tests include this file (the core's manifest is in `core/`, the C library's at the root).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if manifest.join("include/epyr.h").is_file() {
        return manifest;
    }
    manifest
        .parent()
        .map(PathBuf::from)
        .expect("the core crate lives in a folder of the repository")
}

/// Where the corpus is looked for: `EPYR_CORPUS`, else `../shared/corpus` beside the
/// repository.
pub fn corpus_location() -> PathBuf {
    std::env::var_os("EPYR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/corpus"))
}

/// The corpus folder, if it has its `expected.json`.
pub fn find_corpus() -> Option<PathBuf> {
    let dir = corpus_location();
    dir.join("expected.json").is_file().then_some(dir)
}

/// The corpus folder of a test that needs it. Such a test is ignored (`epyr_no_corpus`, set by
/// `build.rs`) where the corpus was missing when the tests were built, unless
/// `EPYR_REQUIRE_CORPUS=1`; so a missing corpus here fails the test.
pub fn corpus_dir() -> PathBuf {
    find_corpus().unwrap_or_else(|| {
        panic!(
            "corpus not found at {} (set EPYR_CORPUS; without EPYR_REQUIRE_CORPUS=1 the tests \
             that need it are ignored when it is missing at build time: touch build.rs)",
            corpus_location().display()
        )
    })
}

/// The corpus expectations (`expected.json`), one JSON object per dataset.
pub fn expected(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("read expected.json");
    serde_json::from_str::<Vec<serde_json::Value>>(&text).expect("parse expected.json")
}

/// A fresh empty temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("epyr-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The sha256 (hex) of values as float64 little-endian.
pub fn values_sha256(values: &[f64]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for v in values {
        h.update(v.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Relative closeness for sums and axis values.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// Points every test binary's global configuration at an empty temporary config folder
/// (`XDG_CONFIG_HOME` on Unix, `APPDATA` on Windows: both are set, whatever the system) and
/// clears `EPYR_PERFORMANCE_*` variables, so the user's own `config.json` and environment
/// cannot change test results. Call it first in every test that uses global state.
pub fn isolate_config() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = temp_dir("xdg");
        std::env::set_var("XDG_CONFIG_HOME", &dir);
        std::env::set_var("APPDATA", &dir);
        for (name, _) in std::env::vars() {
            if name.starts_with("EPYR_PERFORMANCE_") {
                std::env::remove_var(name);
            }
        }
    });
}

/// The cw parameters of the samples: every key a scaling option needs.
pub const CW_PARAMS: &[(&str, &str)] = &[
    ("EXPT", "CW"),
    ("AVGS", "4"),
    ("RCAG", "20"),
    ("SPTP", "0.02"),
    ("MWPW", "0.002"),
    ("STMP", "80"),
];

/// Writes a BES3T dataset with epyr's writer: `dims`, one component per entry of `complex`,
/// values `index * 0.5 + component` (exact in float64), a linear x axis, cw parameters for
/// scaling (EXPT CW, AVGS 4, RCAG 20, SPTP 0.02, MWPW 0.002, STMP 80). Returns the .DSC path.
pub fn write_sample(
    dir: &std::path::Path,
    name: &str,
    dims: [usize; 3],
    complex: &[bool],
) -> PathBuf {
    use epyr_core::{Axis, Component, Dataset, DatasetParts, FormatId, Param, Params};
    let points = dims[0] * dims[1] * dims[2];
    let components = complex
        .iter()
        .enumerate()
        .map(|(c, &cplx)| Component {
            complex: cplx,
            values: (0..points * (1 + usize::from(cplx)))
                .map(|i| i as f64 * 0.5 + c as f64)
                .collect(),
        })
        .collect();
    let axis = |n: usize, name: &str| {
        (n > 1).then(|| Axis {
            values: (0..n).map(|i| 3300.0 + i as f64).collect(),
            name: name.into(),
            unit: "G".into(),
        })
    };
    let params = [("TITL", name)]
        .iter()
        .chain(CW_PARAMS)
        .map(|(k, v)| Param {
            key: k.to_string().into(),
            value: v.to_string(),
            device: None,
        })
        .collect();
    let ds = Dataset::new(DatasetParts {
        format: FormatId::USER,
        dims,
        components,
        axes: [
            axis(dims[0], "Field"),
            axis(dims[1], "Y"),
            axis(dims[2], "Z"),
        ],
        params: Params::new(params, None),
        sources: vec![],
        warnings: vec![],
    })
    .expect("sample dataset");
    let path = dir.join(format!("{name}.DSC"));
    epyr_core::write_bes3t(&ds, &path, &epyr_core::WriteOptions::default()).expect("write sample");
    settle_files();
    path
}

/// A loader with caching on through `cache`, the configuration isolated from the user's.
pub fn loader_with(cache: &std::sync::Arc<epyr_core::DataCache>) -> epyr_core::Loader {
    isolate_config();
    epyr_core::Loader::new(epyr_core::LoaderOptions {
        cache: Some(std::sync::Arc::clone(cache)),
        cache_enabled: Some(true),
        chunk_size_mb: None,
    })
    .unwrap()
}

/// Waits until files written just now are old enough for their stamps to prove their content
/// ([`epyr_core::formats::RACY_WINDOW_SECS`]): a cache does not store data read from files changed
/// more recently than that, so a test that expects a hit right after writing must wait.
pub fn settle_files() {
    let window = std::time::Duration::from_secs_f64(epyr_core::formats::RACY_WINDOW_SECS);
    std::thread::sleep(window + std::time::Duration::from_millis(20));
}

/// Replaces the line of `key` in the descriptor with `key<TAB>value`, or removes it when `value`
/// is `None`. A key that is not in the file is added after the first line. Panics when asked to
/// remove a key that is not there, so an edit can never silently do nothing.
pub fn set_key(dsc: &std::path::Path, key: &str, value: Option<&str>) {
    let text = std::fs::read_to_string(dsc).expect("read descriptor");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines
        .iter()
        .position(|l| l.split_whitespace().next() == Some(key));
    match (at, value) {
        (Some(i), Some(v)) => lines[i] = format!("{key}\t{v}"),
        (Some(i), None) => {
            lines.remove(i);
        }
        (None, Some(v)) => lines.insert(1, format!("{key}\t{v}")),
        (None, None) => panic!("{key} is not in {}", dsc.display()),
    }
    std::fs::write(dsc, lines.join("\n") + "\n").expect("write descriptor");
}

/// Sets the length of `path` to `len` bytes: cuts it, or extends it with a hole (sparse).
pub fn set_file_len(path: &std::path::Path, len: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(len))
        .expect("truncate");
}

/// Asserts that two slices of `f64` are identical bit for bit (NaN payloads and the sign of
/// zero included), naming the first difference.
pub fn assert_bits_eq(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(i) = (0..got.len()).find(|&i| got[i].to_bits() != want[i].to_bits()) {
        panic!(
            "{what}: value {i} is {:?} ({:#018x}), expected {:?} ({:#018x})",
            got[i],
            got[i].to_bits(),
            want[i],
            want[i].to_bits()
        );
    }
}

/// Asserts that `got` (a dataset read back from written files) holds the same data as
/// `want`: dims, components (complex flags, values bit for bit) and the axes of every
/// dimension with more than one point (values bit for bit, name, unit). An axis of a 1-point
/// dimension is compared only where both give one: BES3T readers never give one.
pub fn assert_same_data(what: &str, got: &epyr_core::Dataset, want: &epyr_core::Dataset) {
    assert_eq!(got.dims(), want.dims(), "{what}: dims");
    let flags =
        |d: &epyr_core::Dataset| d.components().iter().map(|c| c.complex).collect::<Vec<_>>();
    assert_eq!(flags(got), flags(want), "{what}: component kinds");
    for (i, (g, w)) in got.components().iter().zip(want.components()).enumerate() {
        assert_bits_eq(&format!("{what}: component {i}"), &g.values, &w.values);
    }
    for dim in 0..3 {
        // An axis along a dimension of one point may be given or not: compared where both
        // reads give it.
        let one_point = want.dims()[dim] <= 1;
        let (got_axis, expected) = match (got.axis(dim), want.axis(dim)) {
            (Some(_), None) | (None, Some(_)) if one_point => (None, None),
            pair => pair,
        };
        match (got_axis, expected) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                assert_bits_eq(&format!("{what}: axis {dim}"), &g.values, &w.values);
                assert_eq!(g.name, w.name, "{what}: axis {dim} name");
                assert_eq!(g.unit, w.unit, "{what}: axis {dim} unit");
            }
            (g, w) => panic!("{what}: axis {dim} is {g:?}, expected {w:?}"),
        }
    }
}

/// The files in `dir` whose names contain `pattern`.
pub fn files_containing(dir: &std::path::Path, pattern: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.contains(pattern))
        .collect();
    names.sort();
    names
}

/// Runs the ignored test `name` of this test binary alone in a child process whose
/// configuration folder is `xdg` (`XDG_CONFIG_HOME` and `APPDATA`) and whose environment has
/// no `EPYR_PERFORMANCE_*` variable but those of `vars`, and checks that it passed. A child that
/// has not finished after `timeout` is killed and the test fails: epyr blocked.
pub fn run_child_test(
    name: &str,
    xdg: &std::path::Path,
    vars: &[(&str, &str)],
    timeout: std::time::Duration,
) {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", name, "--test-threads=1"])
        .env("XDG_CONFIG_HOME", xdg)
        .env("APPDATA", xdg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("EPYR_PERFORMANCE_")) {
        cmd.env_remove(var);
    }
    cmd.envs(vars.iter().copied());
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + timeout;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{name} did not finish within {timeout:?}: epyr blocked");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A configuration folder with `epyrtools/` in it for a child process; returns the folder and
/// the path of its config file.
pub fn child_config_dir(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let xdg = temp_dir(name);
    // The configuration folder and file names of this system (`epyrtools` under
    // `XDG_CONFIG_HOME`, `EPyRTools` under `APPDATA`), as the library names them.
    isolate_config();
    let default = epyr_core::config::default_path().unwrap();
    let folder = default.parent().and_then(|p| p.file_name()).unwrap();
    let file = xdg.join(folder).join(default.file_name().unwrap());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    (xdg, file)
}
