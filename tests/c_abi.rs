//! The C ABI as its hosts see it: the committed header matches the code and compiles as C and
//! C++; the shared library exports only `epyr_` symbols; the C and C++ examples build against
//! it and give the right output, also under valgrind memcheck; a Python ctypes script calls
//! every export with good and bad arguments; the installed copy works through pkg-config.
//!
//! Tools these tests need (gcc, g++, make, valgrind, python3, pkg-config, nm) are required: a
//! missing one fails the test with a message saying which.

#[path = "../core/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use epyr_core::{Axis, Component, Dataset, DatasetParts, ErrorKind, FormatId, Param, Params};

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target folder: `CARGO_TARGET_DIR` (relative to the root) or `target/`.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => root().join(d),
        _ => root().join("target"),
    }
}

/// A folder of this test binary's own inside the target folder.
fn work_dir(name: &str) -> PathBuf {
    let dir = target_dir().join("c-abi-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create work dir");
    dir
}

/// Runs a command; a missing program is a failure that names it.
fn run(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "FAILED: required tool not found: {shown}: {e}. The C ABI tests need gcc, g++, make, \
             valgrind, python3, pkg-config and nm (binutils) installed."
        ),
        Err(e) => panic!("cannot run {shown}: {e}"),
    }
}

/// Runs a command that must succeed; returns its stdout.
fn run_ok(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = run(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{shown} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    stdout
}

/// The generated header, as cbindgen makes it from `src/` with `cbindgen.toml`.
fn generated_header() -> String {
    let config = cbindgen::Config::from_file(root().join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root().join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut bytes = Vec::new();
    bindings.write(&mut bytes);
    String::from_utf8(bytes).expect("header is UTF-8")
}

fn committed_header() -> String {
    std::fs::read_to_string(root().join("include/epyr.h")).expect("read include/epyr.h")
}

#[test]
fn header_is_current() {
    let fresh = generated_header();
    let path = root().join("include/epyr.h");
    if std::env::var("EPYR_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &fresh).expect("write include/epyr.h");
    }
    let committed = committed_header();
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or(
                committed.lines().count().min(fresh.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "include/epyr.h is stale (first difference at line {line}); regenerate it with \
             EPYR_BLESS=1 cargo test --test c_abi header_is_current"
        );
    }
}

#[test]
fn every_function_handing_out_a_pointer_into_a_handle_forbids_freeing_it_meanwhile() {
    // A declaration with a `const double **` out-parameter points the caller into a handle's
    // memory; its doc comment (the comment just before it) must say not to free the handle
    // while another thread uses it.
    let header = committed_header();
    let mut checked = Vec::new();
    for (at, _) in header.match_indices("const double **") {
        let comment_start = header[..at].rfind("/**").expect("a doc comment");
        let comment_end = comment_start + header[comment_start..at].find("*/").unwrap();
        let comment = &header[comment_start..comment_end];
        let name = header[comment_end..at]
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .find(|w| w.starts_with("epyr_"))
            .expect("a function name");
        let flat = comment
            .replace("\n *", " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("must not free") && flat.contains("while another thread uses it"),
            "{name}: its doc comment does not say that the handle must not be freed while \
             another thread uses it:\n{comment}"
        );
        checked.push(name.to_string());
    }
    for name in [
        "epyr_dataset_values",
        "epyr_dataset_axis",
        "epyr_reader_next_chunk",
    ] {
        assert!(
            checked.iter().any(|c| c == name),
            "{name} not found: {checked:?}"
        );
    }
}

/// Builds the library with `cargo build --lib` and the given extra arguments; returns the
/// folder of the artifacts.
fn cargo_build(args: &[&str], profile_dir: &str) -> PathBuf {
    run_ok(
        Command::new(env!("CARGO"))
            .current_dir(root())
            .args(["build", "--lib", "--quiet"])
            .args(args),
    );
    let dir = target_dir().join(profile_dir);
    assert!(
        dir.join("libepyr.so").is_file(),
        "no libepyr.so in {}",
        dir.display()
    );
    dir
}

/// The normal release build (what `make -C examples-c` and users get), built once.
fn release_lib() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| cargo_build(&["--release"], "release"))
}

/// The build with the test-only exports (`test-hooks`), in its own profile folder.
fn hooks_lib() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        cargo_build(
            &["--profile", "ffi-hooks", "--features", "test-hooks"],
            "ffi-hooks",
        )
    })
}

/// The dynamic symbols a shared library defines.
fn exported_symbols(lib: &Path) -> Vec<String> {
    let out = run_ok(Command::new("nm").args(["-D", "--defined-only"]).arg(lib));
    out.lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .map(str::to_string)
        .collect()
}

/// The functions the header declares.
fn header_functions() -> Vec<String> {
    let mut header = committed_header();
    while let Some(start) = header.find("/*") {
        let end = header[start..]
            .find("*/")
            .map_or(header.len(), |e| start + e + 2);
        header.replace_range(start..end, "");
    }
    let mut names: Vec<String> = header
        .split(';')
        .filter_map(|decl| {
            let decl = decl.trim_start();
            let open = decl.find('(')?;
            let name = decl[..open]
                .rsplit(|c: char| !c.is_alphanumeric() && c != '_')
                .next()?;
            (name.starts_with("epyr_") && !decl.starts_with("typedef")).then(|| name.to_string())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
fn shared_library_exports_exactly_the_header_functions() {
    let mut symbols = exported_symbols(&release_lib().join("libepyr.so"));
    symbols.sort();
    let foreign: Vec<&String> = symbols.iter().filter(|s| !s.starts_with("epyr_")).collect();
    assert!(
        foreign.is_empty(),
        "symbols without the epyr_ prefix: {foreign:?}"
    );
    assert!(
        !symbols.iter().any(|s| s == "epyr_test_panic"),
        "the test hook is in the normal build"
    );
    let declared = header_functions();
    assert!(declared.len() > 40, "header parse found only {declared:?}");
    assert_eq!(symbols, declared, "exports and header declarations differ");

    let hooks = exported_symbols(&hooks_lib().join("libepyr.so"));
    assert!(
        hooks.iter().any(|s| s == "epyr_test_panic"),
        "test-hooks build lacks the hook"
    );
    assert!(hooks.iter().all(|s| s.starts_with("epyr_")), "{hooks:?}");
}

/// A parameter of a sample dataset.
fn param(key: &str, value: &str) -> Param {
    Param {
        key: key.to_string().into(),
        value: value.into(),
        device: None,
    }
}

/// `first + width * i / (n - 1)` for `i` in `0..n`.
fn linear(first: f64, width: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| first + width * i as f64 / (n - 1) as f64)
        .collect()
}

/// A 1-D CW spectrum like `examples-c/data/nitroxide_cw`: 1024 points, field axis in G, the
/// derivative of three Lorentzian lines, typical parameters.
fn nitroxide_cw() -> Dataset {
    let field = linear(3300.0, 100.0, 1024);
    let values = field
        .iter()
        .map(|&b| {
            [-15.0, 0.0, 15.0]
                .iter()
                .map(|&shift| {
                    let x = (b - 3350.0 - shift) / 1.2;
                    -2.0 * x / (1.0 + x * x).powi(2) * 1000.0
                })
                .sum()
        })
        .collect();
    Dataset::new(DatasetParts {
        format: FormatId::USER,
        dims: [1024, 1, 1],
        components: vec![Component {
            complex: false,
            values,
        }],
        axes: [
            Some(Axis {
                values: field,
                name: "Magnetic Field".into(),
                unit: "G".into(),
            }),
            None,
            None,
        ],
        params: Params::new(
            vec![
                param("TITL", "nitroxide CW (sample written by epyr)"),
                param("IRNAM", "Intensity"),
                param("MWFQ", "9.4e9"),
                param("MWPW", "0.002"),
                param("AVGS", "4"),
                param("RCAG", "60"),
                param("SPTP", "0.02048"),
                param("Temperature", "293 K"),
            ],
            None,
        ),
        sources: vec![],
        warnings: vec![],
    })
    .expect("sample dataset")
}

/// A 2-D complex pulse dataset like `examples-c/data/pulse_2d`: 256 x 16, a time axis in ns
/// and a nonlinear y axis (written to a `.YGF` file).
fn pulse_2d() -> Dataset {
    let (nx, ny) = (256, 16);
    let mut values = Vec::with_capacity(2 * nx * ny);
    for y in 0..ny {
        for x in 0..nx {
            let t = x as f64 * 4.0;
            let decay = (-t / (300.0 + 40.0 * y as f64)).exp();
            values.push((decay * (t / 50.0).cos() * 512.0).round());
            values.push((decay * (t / 50.0).sin() * 512.0).round());
        }
    }
    let y_axis = (0..ny).map(|y| 100.0 * (1.0 + (y * y) as f64)).collect();
    Dataset::new(DatasetParts {
        format: FormatId::USER,
        dims: [nx, ny, 1],
        components: vec![Component {
            complex: true,
            values,
        }],
        axes: [
            Some(Axis {
                values: linear(0.0, 4.0 * (nx - 1) as f64, nx),
                name: "Time".into(),
                unit: "ns".into(),
            }),
            Some(Axis {
                values: y_axis,
                name: "tau".into(),
                unit: "ns".into(),
            }),
            None,
        ],
        params: Params::new(
            vec![param("TITL", "pulse 2D"), param("MWFQ", "9.7e9")],
            None,
        ),
        sources: vec![],
        warnings: vec![],
    })
    .expect("sample dataset")
}

/// Sample files for the examples: the bundled ones where present (examples-c/data), else
/// equivalent files written by epyr into the target folder. Returns (nitroxide_cw, pulse_2d).
fn samples() -> &'static (PathBuf, PathBuf) {
    static SAMPLES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let bundled = root().join("examples-c/data");
        let cw = bundled.join("nitroxide_cw.DSC");
        let pulse = bundled.join("pulse_2d.DSC");
        if cw.is_file() && pulse.is_file() {
            return (cw, pulse);
        }
        let dir = work_dir("samples");
        let options = epyr_core::WriteOptions::default();
        epyr_core::write_bes3t(&nitroxide_cw(), &dir.join("nitroxide_cw"), &options).unwrap();
        epyr_core::write_bes3t(&pulse_2d(), &dir.join("pulse_2d"), &options).unwrap();
        (dir.join("nitroxide_cw.DSC"), dir.join("pulse_2d.DSC"))
    })
}

/// Builds the examples with the Makefile into their own folder (after the release library).
fn examples() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        release_lib();
        let build = work_dir("examples");
        run_ok(
            Command::new("make")
                .arg("-C")
                .arg(root().join("examples-c"))
                .arg(format!("BUILD={}", build.display()))
                .arg("examples"),
        );
        build
    })
}

/// A command with a clean environment for epyr: a configuration folder of its own (no user
/// config file) and no `EPYR_PERFORMANCE_*` variables.
fn hermetic(program: impl AsRef<std::ffi::OsStr>, config_dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("EPYR_PERFORMANCE_") {
            cmd.env_remove(&name);
        }
    }
    cmd.env("XDG_CONFIG_HOME", config_dir);
    // cargo test puts target/debug on the library path; the examples must use the release
    // library they were linked with.
    cmd.env("LD_LIBRARY_PATH", release_lib());
    cmd
}

/// Runs an example program, plain or under valgrind memcheck; returns its stdout.
fn run_example(name: &str, args: &[&Path], valgrind: bool, cwd: &Path) -> String {
    let program = examples().join(name);
    let mut cmd = if valgrind {
        let mut c = hermetic("valgrind", cwd);
        c.args([
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=1",
        ])
        .arg(&program);
        c
    } else {
        hermetic(&program, cwd)
    };
    let out = run(cmd.args(args).current_dir(cwd));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name} {}failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        if valgrind { "under valgrind " } else { "" },
        out.status
    );
    if valgrind {
        let clean_heap = stderr.contains("All heap blocks were freed")
            || (stderr.contains("definitely lost: 0 bytes in 0 blocks")
                && stderr.contains("indirectly lost: 0 bytes in 0 blocks"));
        assert!(
            clean_heap && stderr.contains("ERROR SUMMARY: 0 errors"),
            "{name}: valgrind reports errors or leaks:\n{stderr}"
        );
    }
    stdout
}

/// The value after `label` on the line that starts with it.
fn field<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no line {label:?} in:\n{out}"))
        .trim()
}

/// Checks the demo's output against the dataset as the Rust API reads it.
fn check_demo(out: &str, sample: &Path) {
    let ds = epyr_core::load(sample, "").unwrap();
    let [nx, ny, nz] = ds.dims();
    assert_eq!(field(out, "dims:"), format!("{nx} x {ny} x {nz}"), "{out}");
    assert!(
        out.contains(&format!("epyr {}", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    let values = &ds.components()[0].values;
    let first: Vec<f64> = field(out, "values:")
        .split_once("first:")
        .expect("first values")
        .1
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(first, values[..first.len().min(5)].to_vec(), "{out}");
    assert_eq!(
        field(out, "parameters:"),
        ds.params().len().to_string(),
        "{out}"
    );
    let packed_bytes: usize = ds
        .params()
        .entries()
        .iter()
        .map(|p| p.key.len() + p.value.len() + p.device.as_deref().map_or(0, str::len) + 3)
        .sum();
    assert_eq!(
        field(out, "parameters in one call:"),
        format!("{packed_bytes} bytes"),
        "{out}"
    );
    let first = &ds.params().entries()[0];
    assert!(
        out.contains(&format!("  {:<8} = {}", first.key, first.value)),
        "{out}"
    );
    let axis = ds.axis(0).expect("x axis");
    assert!(
        out.contains(&format!("axis x: {} [{}]", axis.name, axis.unit)),
        "{out}"
    );
    assert_eq!(field(out, "second load:"), "cache hit, same data", "{out}");
    assert!(
        field(out, "cache:").starts_with("entries=1 hits=1 misses=1"),
        "{out}"
    );
    assert!(out.contains("\"cache\""), "performance info JSON: {out}");
}

/// A BES3T file of 2-D float64 data for the stream example: 16 MB of values.
fn big_file(dir: &Path) -> (PathBuf, f64, usize) {
    let (nx, ny) = (2048, 1024);
    let values: Vec<f64> = (0..nx * ny)
        .map(|i| ((i * 7919) % 4001) as f64 * 0.25)
        .collect();
    let ds = Dataset::new(DatasetParts {
        format: FormatId::USER,
        dims: [nx, ny, 1],
        components: vec![Component {
            complex: false,
            values: values.clone(),
        }],
        axes: [None, None, None],
        params: Params::default(),
        sources: vec![],
        warnings: vec![],
    })
    .unwrap();
    let base = dir.join("big");
    epyr_core::write_bes3t(&ds, &base, &epyr_core::WriteOptions::default()).unwrap();
    // Summed in file order, as the example sums.
    let sum = values.iter().fold(0.0, |acc, v| acc + v);
    (base.with_extension("DSC"), sum, nx * ny)
}

/// Checks the stream example's output: the three sums equal the Rust sum, many chunks, and
/// the memory epyr held stayed near one chunk while the file is 16 MB.
fn check_stream(out: &str, sum: f64, values: usize, chunk_mb: f64) {
    assert_eq!(field(out, "values:"), values.to_string(), "{out}");
    assert_eq!(field(out, "sum:").parse::<f64>().unwrap(), sum, "{out}");
    assert_eq!(
        field(out, "sum (reader buffer):").parse::<f64>().unwrap(),
        sum,
        "{out}"
    );
    assert_eq!(field(out, "last row:"), "matches the stream", "{out}");
    let chunks: usize = field(out, "chunks:").parse().unwrap();
    assert!(chunks >= 16, "{chunks} chunks: {out}");
    let peak: f64 = field(out, "peak MB held by epyr while streaming:")
        .parse()
        .unwrap();
    assert!(
        peak > 0.0 && peak <= 2.0 * chunk_mb + 0.1,
        "peak {peak} MB for chunks of {chunk_mb} MB: {out}"
    );
}

fn check_threads(out: &str, files: usize) {
    assert_eq!(field(out, "errors:"), "0", "{out}");
    assert_eq!(field(out, "all threads share the data:"), "yes", "{out}");
    assert_eq!(
        field(out, "message read through the handle on another thread:"),
        "yes",
        "{out}"
    );
    let loads = 4 * 8 * files;
    assert_eq!(
        field(out, "threads:"),
        format!("4, loads: {loads}"),
        "{out}"
    );
    // Every load is a lookup, the 32 loads of missing files too.
    assert_eq!(
        field(out, "cache:"),
        format!(
            "entries={files} lookups={} evictions=0 invalidations=0",
            loads + 32
        ),
        "{out}"
    );
}

fn check_raii(out: &str, sample: &Path) {
    let ds = epyr_core::load(sample, "").unwrap();
    let n = ds.components()[0].values.len();
    assert!(
        field(out, "values:").starts_with(&format!("{n}, first:")),
        "{out}"
    );
    assert_eq!(
        field(out, "after the loader is gone:"),
        format!("{n} values"),
        "{out}"
    );
    assert!(
        field(out, "caught: status").contains("NO_SUCH_KEY"),
        "{out}"
    );
    assert!(
        field(out, "streamed:").starts_with(&format!("{n} values")),
        "{out}"
    );
    assert!(out.contains("caught: EPYR_ERR_NOT_FOUND"), "{out}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
fn examples_give_the_right_output() {
    let (cw, pulse) = samples();
    let dir = work_dir("run");
    check_demo(&run_example("demo", &[cw], false, &dir), cw);
    check_raii(&run_example("raii", &[pulse], false, &dir), pulse);
    check_threads(&run_example("threads", &[cw, pulse], false, &dir), 2);
    let (big, sum, values) = big_file(&dir);
    let out = run_example("stream", &[&big, Path::new("0.5")], false, &dir);
    check_stream(&out, sum, values, 0.5);
    // Without arguments it writes its own 64 MB dataset with the writer, then streams it.
    let out = run_example("stream", &[], false, &dir);
    assert!(out.contains("wrote stream_big.DSC/.DTA"), "{out}");
    assert_eq!(field(&out, "values:"), (4096 * 2048).to_string(), "{out}");
    // The quickstart target, on the sample this test uses.
    let out = run_ok(
        hermetic("make", &dir)
            .arg("-C")
            .arg(root().join("examples-c"))
            .arg(format!("BUILD={}", dir.join("build").display()))
            .arg(format!("SAMPLE={}", cw.display()))
            .arg("demo"),
    );
    check_demo(&out, cw);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The error-path example: every call gave the status it expects (the program counts).
fn check_errors(out: &str) {
    let last = out.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error paths: ") && last.ends_with(" checked, 0 wrong"),
        "{out}"
    );
    let checked: usize = last["error paths: ".len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(checked >= 20, "{out}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
fn examples_are_clean_under_valgrind() {
    let (cw, pulse) = samples();
    let dir = work_dir("valgrind");
    check_demo(&run_example("demo", &[cw], true, &dir), cw);
    check_raii(&run_example("raii", &[pulse], true, &dir), pulse);
    check_threads(&run_example("threads", &[cw, pulse], true, &dir), 2);
    check_errors(&run_example("errors", &[cw, &dir], true, &dir));
    let (big, sum, values) = big_file(&dir);
    check_stream(
        &run_example("stream", &[&big, Path::new("0.5")], true, &dir),
        sum,
        values,
        0.5,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
fn ctypes_calls_every_function_with_good_and_bad_arguments() {
    let (cw, pulse) = samples();
    let work = work_dir("ctypes");
    let config = work.join("xdg");
    std::fs::create_dir_all(&config).unwrap();
    let stdout = run_ok(
        hermetic("python3", &config)
            .arg(root().join("tests/ctypes_abi.py"))
            .env("EPYR_LIB", release_lib().join("libepyr.so"))
            .env("EPYR_HOOKS_LIB", hooks_lib().join("libepyr.so"))
            .env("EPYR_HEADER", root().join("include/epyr.h"))
            .env("EPYR_VERSION", env!("CARGO_PKG_VERSION"))
            .env("EPYR_CW", cw)
            .env("EPYR_2D", pulse)
            .env("EPYR_WORK", &work),
    );
    assert!(
        stdout.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// `make -C examples-c install` into a fresh prefix, which is then moved elsewhere: everything
/// below must work from where the tree ends up (relocatable pkg-config and CMake files).
/// Returns the prefix the tree was moved to.
fn installed_tree() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        release_lib();
        let staging = work_dir("install-staging");
        run_ok(
            Command::new("make")
                .arg("-C")
                .arg(root().join("examples-c"))
                .arg(format!("PREFIX={}", staging.join("usr").display()))
                .arg(format!("BUILD={}", staging.join("build").display()))
                .arg("install"),
        );
        let moved = work_dir("install-moved").join("opt-epyr");
        std::fs::rename(staging.join("usr"), &moved).expect("move the installed tree");
        moved
    })
}

/// A program from the installed tree: no library path set, so the program must find the
/// library by itself (its rpath) or have it linked in.
fn run_installed(program: &Path, args: &[&Path]) -> String {
    let config = program.with_extension("config");
    std::fs::create_dir_all(&config).unwrap();
    run_ok(
        hermetic(program, &config)
            .env_remove("LD_LIBRARY_PATH")
            .args(args),
    )
}

/// The libraries `readelf -d` says a program or library needs, and its soname.
fn dynamic_section(file: &Path) -> (Vec<String>, Option<String>) {
    let out = run_ok(Command::new("readelf").arg("-d").arg(file));
    let inside = |line: &str| {
        line.split_once('[')?
            .1
            .split_once(']')
            .map(|(v, _)| v.to_string())
    };
    let needed = out
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(inside)
        .collect();
    let soname = out
        .lines()
        .find(|l| l.contains("(SONAME)"))
        .and_then(inside);
    (needed, soname)
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
fn the_installed_libraries_carry_a_soname_the_version_links_and_no_debug_information() {
    let lib = installed_tree().join("lib");
    let version = env!("CARGO_PKG_VERSION");
    let abi = header_define(&committed_header(), "EPYR_ABI_VERSION");
    let real = format!("libepyr.so.{version}");
    let soname = format!("libepyr.so.{abi}");
    assert!(lib.join(&real).is_file(), "{real} not installed");
    for (link, target) in [
        (soname.as_str(), real.as_str()),
        ("libepyr.so", soname.as_str()),
    ] {
        let points_to =
            std::fs::read_link(lib.join(link)).unwrap_or_else(|e| panic!("{link}: {e}"));
        assert_eq!(points_to, Path::new(target), "{link}");
    }
    assert_eq!(dynamic_section(&lib.join(&real)).1, Some(soname));
    for file in [real.as_str(), "libepyr.a"] {
        let sections = run_ok(
            Command::new("readelf")
                .args(["-S", "-W"])
                .arg(lib.join(file)),
        );
        assert!(
            !sections.contains(".debug_info"),
            "{file} was installed with its debug information"
        );
    }
    for file in [
        "lib/libepyr.a",
        "include/epyr.h",
        "lib/pkgconfig/epyr.pc",
        "lib/pkgconfig/epyr-static.pc",
        "lib/cmake/epyr/epyrConfig.cmake",
        "lib/cmake/epyr/epyrConfigVersion.cmake",
    ] {
        assert!(
            installed_tree().join(file).is_file(),
            "{file} not installed"
        );
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
fn a_staged_install_with_its_own_libdir_finds_its_files_relative_to_itself() {
    release_lib();
    let stage = work_dir("install-staged");
    run_ok(
        Command::new("make")
            .arg("-C")
            .arg(root().join("examples-c"))
            .arg(format!("DESTDIR={}", stage.display()))
            .args(["PREFIX=/opt/epyr", "LIBDIR=/opt/epyr/lib64"])
            .arg("install"),
    );
    let lib = stage.join("opt/epyr/lib64");
    let pc = run_ok(
        Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", lib.join("pkgconfig"))
            .args(["--variable=includedir", "epyr"]),
    );
    let includedir = PathBuf::from(pc.trim());
    assert!(
        includedir.join("epyr.h").is_file(),
        "includedir {} has no epyr.h",
        includedir.display()
    );
    let libdir = run_ok(
        Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", lib.join("pkgconfig"))
            .args(["--variable=libdir", "epyr"]),
    );
    assert!(
        Path::new(libdir.trim()).join("libepyr.a").is_file(),
        "{libdir}"
    );
    let cmake = std::fs::read_to_string(lib.join("cmake/epyr/epyrConfig.cmake")).unwrap();
    assert!(
        cmake.contains("${CMAKE_CURRENT_LIST_DIR}/../../..") && cmake.contains("/lib64\")"),
        "{cmake}"
    );
    let _ = std::fs::remove_dir_all(&stage);
}

/// `pkg-config` of a module of the installed tree.
fn pkg_config(module: &str, args: &[&str]) -> String {
    run_ok(
        Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", installed_tree().join("lib/pkgconfig"))
            .args(args)
            .arg(module),
    )
    .trim()
    .to_string()
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
fn a_program_links_shared_and_static_through_pkg_config_and_runs_without_a_library_path() {
    let (cw, _) = samples();
    let dir = work_dir("pkg-config-programs");
    assert_eq!(
        pkg_config("epyr", &["--modversion"]),
        env!("CARGO_PKG_VERSION")
    );
    // The README's commands: the shared library with an rpath to where pkg-config found it.
    let libdir = pkg_config("epyr", &["--variable=libdir"]);
    let shared = dir.join("demo-shared");
    run_ok(
        Command::new("gcc")
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o"])
            .arg(&shared)
            .arg(root().join("examples-c/demo.c"))
            .args(pkg_config("epyr", &["--cflags", "--libs"]).split_whitespace())
            .arg(format!("-Wl,-rpath,{libdir}")),
    );
    let (needed, _) = dynamic_section(&shared);
    assert!(needed.contains(&"libepyr.so.1".to_string()), "{needed:?}");
    check_demo(&run_installed(&shared, &[cw]), cw);
    // Static: libepyr.a linked in, nothing of epyr needed at run time.
    let fixed = dir.join("demo-static");
    run_ok(
        Command::new("gcc")
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o"])
            .arg(&fixed)
            .arg(root().join("examples-c/demo.c"))
            .args(pkg_config("epyr-static", &["--cflags", "--libs"]).split_whitespace()),
    );
    let (needed, _) = dynamic_section(&fixed);
    assert!(!needed.iter().any(|n| n.contains("epyr")), "{needed:?}");
    check_demo(&run_installed(&fixed, &[cw]), cw);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
#[cfg_attr(
    all(not(windows), epyr_no_cmake),
    ignore = "cmake was not on PATH when the tests were built (EPYR_REQUIRE_TOOLS=1 to fail instead)"
)]
fn find_package_gives_shared_and_static_targets_to_a_cmake_project() {
    assert!(
        run_probe("cmake").is_some(),
        "cmake is not installed (without EPYR_REQUIRE_TOOLS=1 this test is ignored where cmake \
         was not on PATH when the tests were built: touch build.rs)"
    );
    let (_, pulse) = samples();
    let project = work_dir("cmake-project");
    std::fs::write(
        project.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.16)\n\
             project(epyr_user CXX)\n\
             find_package(epyr {version} REQUIRED)\n\
             add_executable(raii_shared {src})\n\
             target_link_libraries(raii_shared PRIVATE epyr::epyr)\n\
             add_executable(raii_static {src})\n\
             target_link_libraries(raii_static PRIVATE epyr::epyr_static)\n",
            version = env!("CARGO_PKG_VERSION"),
            src = root().join("examples-c/raii.cpp").display()
        ),
    )
    .unwrap();
    let build = project.join("build");
    run_ok(
        Command::new("cmake")
            .arg("-S")
            .arg(&project)
            .arg("-B")
            .arg(&build)
            .arg(format!(
                "-DCMAKE_PREFIX_PATH={}",
                installed_tree().display()
            )),
    );
    run_ok(Command::new("cmake").arg("--build").arg(&build));
    for program in ["raii_shared", "raii_static"] {
        check_raii(&run_installed(&build.join(program), &[pulse]), pulse);
    }
    let (needed, _) = dynamic_section(&build.join("raii_static"));
    assert!(!needed.iter().any(|n| n.contains("epyr")), "{needed:?}");
    // A version this package cannot satisfy is refused.
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.16)\nproject(p C)\nfind_package(epyr 99 REQUIRED)\n",
    )
    .unwrap();
    let out = run(Command::new("cmake")
        .arg("-S")
        .arg(&project)
        .arg("-B")
        .arg(project.join("build-99"))
        .arg(format!(
            "-DCMAKE_PREFIX_PATH={}",
            installed_tree().display()
        )));
    assert!(!out.status.success(), "find_package(epyr 99) was satisfied");
    let _ = std::fs::remove_dir_all(&project);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
#[cfg_attr(
    all(not(windows), epyr_no_macos_libs),
    ignore = "no macOS build given: link it with .ci/macos-dylib and set EPYR_MACOS_LIBS to the folders it prints (EPYR_REQUIRE_TOOLS=1 to fail instead)"
)]
fn the_macos_libraries_link_and_export_every_header_function() {
    let folders = std::env::var_os("EPYR_MACOS_LIBS").expect(
        "EPYR_MACOS_LIBS (the folders .ci/macos-dylib prints, separated by ':') is not set",
    );
    let mut wanted = header_functions();
    wanted.sort();
    for folder in std::env::split_paths(&folders) {
        let dylib = folder.join("libepyr.dylib");
        let bytes = std::fs::read(&dylib).unwrap_or_else(|e| panic!("{}: {e}", dylib.display()));
        // MH_MAGIC_64, little-endian: a 64-bit Mach-O file (arm64 or x86_64).
        assert_eq!(
            bytes[..4],
            [0xcf, 0xfa, 0xed, 0xfe],
            "{} is not Mach-O",
            dylib.display()
        );
        let symbols = run_ok(
            Command::new("llvm-nm")
                .args(["--extern-only", "--defined-only", "--just-symbol-name"])
                .arg(&dylib),
        );
        // Mach-O names carry a leading underscore. zig's linker does not apply rustc's list of
        // exported symbols, so Rust's own symbols are exported too (the README says so): the
        // check is that every C function is there and no other `epyr_` name is.
        let exported: Vec<&str> = symbols
            .lines()
            .filter_map(|s| s.trim().strip_prefix("_epyr_"))
            .collect();
        let mut exported: Vec<String> = exported.iter().map(|s| format!("epyr_{s}")).collect();
        exported.sort();
        assert_eq!(exported, wanted, "{}: epyr_ exports", dylib.display());
        assert!(folder.join("libepyr.a").is_file(), "{}", folder.display());
    }
}

/// Whether `program --version` runs; `None` where it is not installed.
fn run_probe(program: &str) -> Option<Output> {
    Command::new(program).arg("--version").output().ok()
}

/// The highest `GLIBC_x.y` symbol version a shared library needs, from `objdump -T`.
fn highest_glibc_version(lib: &Path) -> (u32, u32) {
    let symbols = run_ok(Command::new("objdump").arg("-T").arg(lib));
    symbols
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter_map(|word| word.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .max()
        .expect("the library needs glibc symbols")
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
#[cfg_attr(
    all(not(windows), epyr_no_old_glibc_lib),
    ignore = "no old-glibc build given: build it with .ci/old-glibc and set EPYR_GLIBC_2_17_LIB to its libepyr.so (EPYR_REQUIRE_TOOLS=1 to fail instead)"
)]
fn the_old_glibc_build_needs_at_most_glibc_2_17() {
    let normal = highest_glibc_version(&release_lib().join("libepyr.so"));
    eprintln!("the normal build needs glibc {}.{}", normal.0, normal.1);
    let old = std::env::var_os("EPYR_GLIBC_2_17_LIB")
        .expect("EPYR_GLIBC_2_17_LIB (the libepyr.so that .ci/old-glibc builds) is not set");
    let needed = highest_glibc_version(Path::new(&old));
    assert!(
        needed <= (2, 17),
        "{}: needs glibc {}.{}, more than 2.17",
        Path::new(&old).display(),
        needed.0,
        needed.1
    );
    let (_, soname) = dynamic_section(Path::new(&old));
    assert_eq!(soname.as_deref(), Some("libepyr.so.1"));
    // It works, not only links: the demo built against it reads the sample right.
    let (cw, _) = samples();
    let dir = work_dir("old-glibc");
    std::fs::copy(&old, dir.join("libepyr.so.1")).unwrap();
    std::fs::copy(&old, dir.join("libepyr.so")).unwrap();
    let demo = dir.join("demo");
    run_ok(
        Command::new("gcc")
            .args(["-std=c99", "-o"])
            .arg(&demo)
            .arg(root().join("examples-c/demo.c"))
            .arg(format!("-I{}", root().join("include").display()))
            .arg(format!("-L{}", dir.display()))
            .arg(format!("-Wl,-rpath,{}", dir.display()))
            .arg("-lepyr"),
    );
    check_demo(&run_installed(&demo, &[cw]), cw);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
fn header_compiles_as_c99_and_cpp11() {
    let dir = work_dir("header");
    let c = dir.join("use.c");
    std::fs::write(
        &c,
        "#include <epyr.h>\nint main(void) { return epyr_abi_version() == EPYR_ABI_VERSION ? EPYR_OK : 1; }\n",
    )
    .unwrap();
    let include = root().join("include");
    run_ok(
        Command::new("gcc")
            .args([
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
                "-I",
            ])
            .arg(&include)
            .arg(&c),
    );
    run_ok(
        Command::new("g++")
            .args([
                "-std=c++11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
                "-x",
                "c++",
                "-I",
            ])
            .arg(&include)
            .arg(&c),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The value of `#define name value` in the header.
fn header_define(header: &str, name: &str) -> String {
    header
        .lines()
        .find_map(|l| l.strip_prefix(&format!("#define {name} ")))
        .unwrap_or_else(|| panic!("no #define {name} in include/epyr.h"))
        .trim()
        .to_string()
}

#[test]
fn header_versions_and_codes_match_cargo_and_error_kinds() {
    let header = committed_header();
    for (name, value) in [
        ("EPYR_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("EPYR_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("EPYR_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
        ("EPYR_ABI_VERSION", "1"),
        ("EPYR_OK", "0"),
    ] {
        assert_eq!(header_define(&header, name), value, "{name}");
    }
    let kinds = [
        ("EPYR_ERR_NULL_ARG", ErrorKind::NullArgument),
        ("EPYR_ERR_INVALID_ARG", ErrorKind::InvalidArgument),
        ("EPYR_ERR_IO", ErrorKind::Io),
        ("EPYR_ERR_NOT_FOUND", ErrorKind::NotFound),
        ("EPYR_ERR_FORMAT", ErrorKind::Format),
        ("EPYR_ERR_UNSUPPORTED", ErrorKind::Unsupported),
        ("EPYR_ERR_SCALING", ErrorKind::Scaling),
        ("EPYR_ERR_MEMORY_LIMIT", ErrorKind::MemoryLimit),
        ("EPYR_ERR_CONFIG", ErrorKind::Config),
        ("EPYR_ERR_BUFFER_TOO_SMALL", ErrorKind::BufferTooSmall),
        ("EPYR_ERR_PANIC", ErrorKind::Panic),
        ("EPYR_ERR_FILE_CHANGED", ErrorKind::FileChanged),
        ("EPYR_ERR_EXISTS", ErrorKind::AlreadyExists),
    ];
    let defined = header
        .lines()
        .filter(|l| l.starts_with("#define EPYR_ERR_"))
        .count();
    assert_eq!(defined, kinds.len(), "every EPYR_ERR_ code is checked here");
    for (name, kind) in kinds {
        assert_eq!(
            header_define(&header, name),
            kind.code().to_string(),
            "{name}"
        );
    }
    assert_eq!(epyr::general::epyr_abi_version(), epyr::EPYR_ABI_VERSION);
}

// ---------------------------------------------------------------------------------------------
// The Windows DLL, checked from Linux: built with MinGW, its examples run under Wine.

/// A Windows target whose DLL and examples are checked from Linux, named by
/// `EPYR_C_TARGET` (`x86_64-pc-windows-gnu` or `i686-pc-windows-gnu`; `.ci/windows` sets it).
struct WindowsTarget {
    triple: String,
    /// The MinGW tool prefix, e.g. `x86_64-w64-mingw32-`.
    tools: &'static str,
}

impl WindowsTarget {
    /// The target named by `EPYR_C_TARGET`.
    fn from_env() -> WindowsTarget {
        let triple = std::env::var("EPYR_C_TARGET").unwrap_or_default();
        let tools = match triple.as_str() {
            "x86_64-pc-windows-gnu" => "x86_64-w64-mingw32-",
            "i686-pc-windows-gnu" => "i686-w64-mingw32-",
            other => panic!(
                "EPYR_C_TARGET is {other:?}: expected x86_64-pc-windows-gnu or i686-pc-windows-gnu"
            ),
        };
        WindowsTarget { triple, tools }
    }

    /// The folder with epyr.dll, libepyr.dll.a and epyr.lib (`make -C examples-c windows`).
    fn libs(&self) -> PathBuf {
        run_ok(
            Command::new("make")
                .arg("-C")
                .arg(root().join("examples-c"))
                .arg(format!("TARGET={}", self.triple))
                .arg("windows"),
        );
        target_dir().join(&self.triple).join("release")
    }

    /// Builds one example with MinGW against the import library; returns the `.exe`.
    fn build_example(&self, libs: &Path, out: &Path, source: &str) -> PathBuf {
        let cpp = source.ends_with(".cpp");
        let exe = out
            .join(source.split('.').next().unwrap())
            .with_extension("exe");
        let (compiler, standard) = if cpp {
            ("g++", "-std=c++11")
        } else {
            ("gcc", "-std=c99")
        };
        let mut cmd = Command::new(format!("{}{compiler}", self.tools));
        cmd.args([
            standard,
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-I",
        ])
        .arg(root().join("include"))
        .arg("-o")
        .arg(&exe)
        .arg(root().join("examples-c").join(source))
        .arg("-L")
        .arg(libs)
        .args(["-lepyr", "-static-libgcc"]);
        if cpp {
            cmd.arg("-static-libstdc++");
        }
        // winpthreads as a static library, so that no MinGW DLL is needed.
        cmd.args(["-Wl,-Bstatic", "-lpthread", "-Wl,-Bdynamic"]);
        run_ok(&mut cmd);
        exe
    }

    /// The DLLs a Windows binary imports, as `objdump -p` lists them.
    fn imported_dlls(&self, binary: &Path) -> Vec<String> {
        run_ok(
            Command::new(format!("{}objdump", self.tools))
                .arg("-p")
                .arg(binary),
        )
        .lines()
        .filter_map(|l| l.trim().strip_prefix("DLL Name: "))
        .map(|n| n.to_ascii_lowercase())
        .collect()
    }

    /// The names a DLL exports, as `objdump -p` lists them.
    fn exported(&self, dll: &Path) -> Vec<String> {
        let out = run_ok(
            Command::new(format!("{}objdump", self.tools))
                .arg("-p")
                .arg(dll),
        );
        let table = out
            .split("[Ordinal/Name Pointer] Table")
            .nth(1)
            .expect("an export table");
        let mut names: Vec<String> = table
            .lines()
            .skip(1)
            .map_while(|l| l.trim().split_once("] ").map(|(_, name)| name.to_string()))
            .collect();
        names.sort();
        names
    }
}

/// Runs a Windows program under Wine (`.ci/wine-run`) with `epyr.dll` found through
/// `WINEPATH`; returns its stdout.
fn run_under_wine(exe: &Path, libs: &Path, args: &[&Path], cwd: &Path) -> String {
    let mut cmd = hermetic(root().join(".ci/wine-run"), cwd);
    cmd.env("WINEPATH", libs)
        .arg(exe)
        .args(args)
        .current_dir(cwd);
    run_ok(&mut cmd)
}

/// DLLs that are part of every Windows installation (no MinGW runtime to ship).
const SYSTEM_DLLS: &[&str] = &[
    "kernel32.dll",
    "ntdll.dll",
    "msvcrt.dll",
    "advapi32.dll",
    "ws2_32.dll",
    "userenv.dll",
    "bcryptprimitives.dll",
    "user32.dll",
];

#[test]
#[cfg_attr(
    windows,
    ignore = "a Windows process cannot start the Linux compilers and tools; the Windows DLL and C examples are checked from Linux (MinGW, Wine, objdump)"
)]
#[cfg_attr(
    all(not(windows), epyr_no_windows_target),
    ignore = "the Windows DLL checks need MinGW and Wine: set EPYR_C_TARGET=x86_64-pc-windows-gnu (or i686-pc-windows-gnu), as .ci/windows does"
)]
fn windows_dll_exports_the_header_and_its_examples_give_the_right_output_under_wine() {
    let target = WindowsTarget::from_env();
    let libs = target.libs();
    for file in ["epyr.dll", "libepyr.dll.a", "epyr.lib"] {
        assert!(libs.join(file).is_file(), "no {file} in {}", libs.display());
    }
    let dll = libs.join("epyr.dll");
    assert_eq!(
        target.exported(&dll),
        header_functions(),
        "exports and header differ"
    );
    let foreign: Vec<String> = target
        .imported_dlls(&dll)
        .into_iter()
        .filter(|d| !SYSTEM_DLLS.contains(&d.as_str()) && !d.starts_with("api-ms-win-"))
        .collect();
    assert!(
        foreign.is_empty(),
        "epyr.dll needs non-system DLLs: {foreign:?}"
    );

    let dir = work_dir(&format!("wine-{}", target.triple));
    let (cw, pulse) = samples();
    let exe = |source: &str| {
        let exe = target.build_example(&libs, &dir, source);
        let needs: Vec<String> = target
            .imported_dlls(&exe)
            .into_iter()
            .filter(|d| d != "epyr.dll" && !SYSTEM_DLLS.contains(&d.as_str()))
            .collect();
        assert!(needs.is_empty(), "{source} needs MinGW DLLs: {needs:?}");
        exe
    };
    let demo = exe("demo.c");
    check_demo(&run_under_wine(&demo, &libs, &[cw], &dir), cw);
    check_raii(
        &run_under_wine(&exe("raii.cpp"), &libs, &[pulse], &dir),
        pulse,
    );
    check_threads(
        &run_under_wine(&exe("threads.c"), &libs, &[cw, pulse], &dir),
        2,
    );
    check_errors(&run_under_wine(&exe("errors.c"), &libs, &[cw, &dir], &dir));
    let (big, sum, values) = big_file(&dir);
    let stream = exe("stream.c");
    check_stream(
        &run_under_wine(&stream, &libs, &[&big, Path::new("0.5")], &dir),
        sum,
        values,
        0.5,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
