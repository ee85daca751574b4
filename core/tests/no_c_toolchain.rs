//! The core crate builds and tests without a C toolchain beyond the linker rustc uses: nothing
//! in its dependency tree (normal, build or dev) compiles C or C++ (`cc`, `cmake` and the
//! like), and none of its tests runs a C compiler. The C ABI crate and the hosts, which do,
//! test in the workspace root.

use std::path::Path;
use std::process::Command;

/// Crates that compile C or C++ code at build time.
const C_BUILDERS: [&str; 4] = ["cc", "cmake", "pkg-config", "bindgen"];

#[test]
#[cfg_attr(
    windows,
    ignore = "runs cargo tree, a program of the building system: checked where the tests are built (Linux)"
)]
fn no_dependency_of_the_core_compiles_c() {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "-p",
            "epyr-core",
            "--edges",
            "normal,build,dev",
            "--prefix",
            "none",
            "--offline",
        ])
        .output()
        .expect("run cargo tree");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("epyr-core"), "{text}");
    let builders: Vec<&str> = text
        .lines()
        .filter(|line| {
            let name = line.split(' ').next().unwrap_or("");
            C_BUILDERS.contains(&name)
        })
        .collect();
    assert!(
        builders.is_empty(),
        "the core's dependencies compile C: {builders:?}"
    );
}

#[test]
fn no_test_of_the_core_runs_a_c_compiler() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut offenders = Vec::new();
    for entry in walk(&tests) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        for tool in [
            "\"gcc\"",
            "\"cc\"",
            "\"g++\"",
            "\"clang\"",
            "\"make\"",
            "\"cmake\"",
        ] {
            if text.contains(&format!("Command::new({tool}")) {
                offenders.push(format!("{} runs {tool}", entry.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

/// Every `.rs` file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
