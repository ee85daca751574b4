//! The documentation (`README.md`, `docs/*.md`) and the examples it points to, checked as a
//! newcomer would use them:
//!
//! - every fenced code block is either run by a test or marked as an excerpt with the word
//!   `excerpt` in its info string (```` ```sh excerpt ````): `sh` blocks run here in a sandbox
//!   (a temporary folder with the sample spectra; `sh repo` blocks at the repository root, for
//!   the commands that build there), `c` blocks are built against the installed library through
//!   pkg-config and run, `matlab` blocks run under GNU Octave, `python` blocks are run by
//!   `python/tests/test_documentation.py` (in the package's virtual environment, through
//!   `tests/python_package.rs`); a block of any other language must be marked;
//! - every relative link resolves to a file of the repository (and its anchor to a heading),
//!   and every repository path named in inline code exists;
//! - every function of `include/epyr.h` is named in `docs/c-abi.md`;
//! - the examples (`cli/examples/first_look.sh`, `matlab/examples/first_look.m`) run and write
//!   their outputs; `make install` ships both licence files.

mod common;

use common::repo_root;
use common::shared::octave::run_bounded;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A fenced code block of a Markdown page.
#[derive(Debug)]
struct Block {
    /// The page, relative to the repository root.
    page: String,
    /// The line of the opening fence (1-based).
    line: usize,
    /// The first word of the info string.
    lang: String,
    /// The other words of the info string (`excerpt`, `repo`).
    words: Vec<String>,
    /// The content, without the fence's indentation.
    text: String,
}

impl Block {
    fn has(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }

    fn at(&self) -> String {
        format!("{}:{}", self.page, self.line)
    }
}

/// The languages whose blocks a test runs (see the module documentation).
const RUN: [&str; 4] = ["sh", "c", "matlab", "python"];

/// README.md and every page of docs/, relative to the repository root.
fn pages() -> Vec<String> {
    let mut pages = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(repo_root().join("docs"))
        .expect("read docs/")
        .map(|e| {
            e.expect("docs/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn read_page(page: &str) -> String {
    std::fs::read_to_string(repo_root().join(page)).unwrap_or_else(|e| panic!("read {page}: {e}"))
}

/// The fenced blocks of a page (fences of three backticks, possibly indented).
fn blocks_of(page: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, usize, String, Vec<String>, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match open.as_mut() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let mut words = info.split_whitespace().map(str::to_string);
                    let lang = words.next().unwrap_or_default();
                    open = Some((i + 1, indent, lang, words.collect(), String::new()));
                }
            }
            Some((_, fence_indent, _, _, body)) => {
                if trimmed == "```" {
                    let (line, _, lang, words, text) = open.take().expect("an open block");
                    blocks.push(Block {
                        page: page.to_string(),
                        line,
                        lang,
                        words,
                        text,
                    });
                } else {
                    let cut = indent.min(*fence_indent);
                    body.push_str(&line[cut..]);
                    body.push('\n');
                }
            }
        }
    }
    if let Some((line, ..)) = open {
        panic!("{page}:{line}: a code block that is never closed");
    }
    blocks
}

/// Every fenced block of every page.
fn all_blocks() -> Vec<Block> {
    pages()
        .iter()
        .flat_map(|page| blocks_of(page, &read_page(page)))
        .collect()
}

/// The blocks of one language that a test runs (not excerpts).
fn runnable(lang: &str) -> Vec<Block> {
    all_blocks()
        .into_iter()
        .filter(|b| b.lang == lang && !b.has("excerpt"))
        .collect()
}

#[test]
fn every_code_block_of_the_docs_is_run_by_a_test_or_marked_excerpt() {
    let blocks = all_blocks();
    let unrun: Vec<String> = blocks
        .iter()
        .filter(|b| !b.has("excerpt") && !RUN.contains(&b.lang.as_str()))
        .map(|b| {
            format!(
                "{}: a ```{} block that no test runs: make it one of {RUN:?} or mark it \
                 ```{} excerpt",
                b.at(),
                b.lang,
                b.lang
            )
        })
        .collect();
    assert!(unrun.is_empty(), "{}", unrun.join("\n"));
    for lang in RUN {
        assert!(
            blocks.iter().any(|b| b.lang == lang && !b.has("excerpt")),
            "no runnable ```{lang} block found: the parser or the pages are wrong"
        );
    }
}

/// The blocks of the fixture below, parsed: a page with one unclosed and two closed blocks.
#[test]
fn the_block_parser_finds_info_words_indented_fences_and_unclosed_blocks() {
    let page = "text\n```sh excerpt\nls\n```\n  ```c\n  int x;\n  ```\n";
    let blocks = blocks_of("p.md", page);
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    assert!(blocks[0].has("excerpt") && blocks[0].lang == "sh" && blocks[0].line == 2);
    assert_eq!(
        (blocks[1].lang.as_str(), blocks[1].text.as_str()),
        ("c", "int x;\n")
    );
    let unclosed = std::panic::catch_unwind(|| blocks_of("p.md", "```python\nx = 1\n"));
    assert!(unclosed.is_err(), "an unclosed block is an error");
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, blanks as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a page's headings (outside code blocks), with GitHub's `-1`, `-2` suffixes
/// for repeated headings.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in prose_lines(text) {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let base = slug(heading.trim_start_matches('#'));
        let mut anchor = base.clone();
        let mut n = 0;
        while !found.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
    }
    found
}

/// The lines of a page outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
        } else if !inside {
            lines.push(line);
        }
    }
    lines
}

/// A line with its inline code spans removed, and the spans.
fn split_code_spans(line: &str) -> (String, Vec<&str>) {
    let mut prose = String::new();
    let mut spans = Vec::new();
    let mut parts = line.split('`');
    prose.push_str(parts.next().unwrap_or_default());
    while let Some(code) = parts.next() {
        spans.push(code);
        prose.push_str(parts.next().unwrap_or_default());
    }
    (prose, spans)
}

/// The targets of the inline links `[text](target)` of a line of prose.
fn link_targets(prose: &str) -> Vec<&str> {
    prose
        .match_indices("](")
        .filter_map(|(at, _)| {
            let rest = &prose[at + 2..];
            rest.find(')').map(|end| rest[..end].trim())
        })
        .collect()
}

/// Why a relative link of `page` does not resolve, if it does not.
fn broken_link(page: &str, target: &str) -> Option<String> {
    let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
    let base = Path::new(page).parent().unwrap_or(Path::new(""));
    let path = if file.is_empty() {
        repo_root().join(page)
    } else {
        repo_root().join(base).join(file)
    };
    if !path.exists() {
        return Some(format!(
            "{page}: link to {target}: {} does not exist",
            path.display()
        ));
    }
    if anchor.is_empty() {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    (!anchors(&text).contains(anchor)).then(|| {
        format!("{page}: link to {target}: no heading with the anchor #{anchor} in {file}")
    })
}

#[test]
fn every_relative_link_of_the_docs_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read_page(&page);
        for line in prose_lines(&text) {
            let (prose, _) = split_code_spans(line);
            for target in link_targets(&prose) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                broken.extend(broken_link(&page, target));
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: the parser is wrong"
    );
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_link_checker_finds_missing_files_and_anchors() {
    assert_eq!(
        slug(" The C ABI: `epyr_x` & more"),
        "the-c-abi-epyr_x--more"
    );
    assert!(broken_link("README.md", "docs/c-abi.md#error-codes").is_none());
    assert!(broken_link("README.md", "#prerequisites").is_none());
    assert!(broken_link("docs/python.md", "c-abi.md").is_none());
    assert!(broken_link("README.md", "docs/no-such-page.md").is_some());
    assert!(broken_link("README.md", "docs/c-abi.md#no-such-heading").is_some());
    let (prose, spans) = split_code_spans("a [x](y.md) `[z](w.md)` b");
    assert_eq!(
        (link_targets(&prose), spans),
        (vec!["y.md"], vec!["[z](w.md)"])
    );
}

/// Folders of the repository whose paths the pages name in inline code.
const TRACKED: [&str; 11] = [
    "src/",
    "core/",
    "cli/",
    "python/",
    "matlab/",
    "examples-c/",
    "include/",
    "tests/",
    "docs/",
    "benches/",
    ".ci/",
];

/// Whether inline code is a path into the repository worth checking: it starts with a tracked
/// folder and holds only path characters (no placeholder such as `<target>` or `...`).
fn repo_path(code: &str) -> Option<&str> {
    let path = code.split_whitespace().next()?;
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.' | '+'));
    (plain && !path.contains("..") && TRACKED.iter().any(|t| path.starts_with(t))).then_some(path)
}

#[test]
fn every_repository_path_the_docs_name_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read_page(&page);
        for line in prose_lines(&text) {
            for path in split_code_spans(line).1.into_iter().filter_map(repo_path) {
                checked += 1;
                if !repo_root().join(path).exists() {
                    missing.push(format!("{page}: `{path}` does not exist"));
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} paths found: the parser is wrong"
    );
    missing.dedup();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The functions `include/epyr.h` declares.
fn header_functions() -> BTreeSet<String> {
    let header = std::fs::read_to_string(repo_root().join("include/epyr.h")).expect("read epyr.h");
    header
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()) && !l.starts_with("typedef"))
        .filter_map(|l| {
            let name_end = l.find('(')?;
            let start = l[..name_end].rfind(|c: char| !(c.is_alphanumeric() || c == '_'))?;
            Some(l[start + 1..name_end].to_string())
        })
        .filter(|name| name.starts_with("epyr_"))
        .collect()
}

#[test]
fn every_function_of_the_header_is_named_in_the_c_abi_page() {
    let functions = header_functions();
    assert!(
        functions.len() > 50,
        "only {} functions found",
        functions.len()
    );
    let page = read_page("docs/c-abi.md");
    let named: BTreeSet<&str> = split_code_spans(&page)
        .1
        .into_iter()
        .map(|code| code.split('(').next().unwrap_or_default())
        .collect();
    let missing: Vec<&String> = functions
        .iter()
        .filter(|f| !named.contains(f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "functions of include/epyr.h not named in docs/c-abi.md: {missing:?}"
    );
}

/// Copies the files of `from` into `to` (one level, files only), renamed from `stem.*` to
/// `new_stem.*` when `rename` is given.
fn copy_samples(from: &Path, to: &Path, rename: Option<(&str, &str)>) {
    std::fs::create_dir_all(to).expect("create a sandbox folder");
    for entry in std::fs::read_dir(from).expect("read the samples") {
        let path = entry.expect("a sample").path();
        let name = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let name = match rename {
            Some((stem, new)) if name.starts_with(&format!("{stem}.")) => {
                name.replacen(stem, new, 1)
            }
            Some(_) => continue,
            None => name,
        };
        std::fs::copy(&path, to.join(name)).expect("copy a sample");
    }
}

/// A fresh folder where the documented commands run as in a clone: `examples-c/data` (the
/// samples), and for the reference pages' generic names `spectrum.DSC` (the cw sample),
/// `map.DSC` (the 2-D sample) and a folder `data/` of samples; `matlab` links to the
/// repository's gateway.
fn sandbox(name: &str) -> PathBuf {
    let dir = common::temp_dir(name);
    let samples = repo_root().join("examples-c/data");
    copy_samples(&samples, &dir.join("examples-c/data"), None);
    copy_samples(&samples, &dir.join("data"), None);
    copy_samples(&samples, &dir, Some(("nitroxide_cw", "spectrum")));
    copy_samples(&samples, &dir, Some(("pulse_2d", "map")));
    #[cfg(unix)]
    std::os::unix::fs::symlink(repo_root().join("matlab"), dir.join("matlab"))
        .expect("link matlab/ into the sandbox");
    dir
}

/// A shell with `epyr` on `PATH`, a home and configuration folder of its own, and cargo's
/// target folder; runs in `dir`.
fn shell(dir: &Path, home: &Path) -> Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_epyr"))
        .parent()
        .expect("bin folder");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let mut sh = Command::new("sh");
    sh.arg("-e")
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).expect("a PATH"))
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("CARGO", env!("CARGO"))
        .env("CARGO_TARGET_DIR", common::target_dir());
    sh
}

/// Runs `cmd`, bounded in time; panics with `what` and the output when it fails.
fn run_checked(cmd: &mut Command, what: &str) -> String {
    let (ok, log) = run_bounded(cmd, Duration::from_secs(900));
    assert!(ok, "{what} failed:\n{log}");
    log
}

#[test]
#[cfg_attr(not(unix), ignore = "the documented commands are POSIX shell")]
fn every_shell_block_of_the_docs_runs() {
    let blocks = runnable("sh");
    assert!(!blocks.is_empty());
    for block in blocks {
        let home = common::temp_dir("docs-home");
        let dir = if block.has("repo") {
            repo_root()
        } else {
            sandbox("docs-sh")
        };
        let log = run_checked(
            shell(&dir, &home).arg("-c").arg(&block.text),
            &format!("the ```sh block at {}", block.at()),
        );
        eprintln!("{}: ok\n{log}", block.at());
    }
}

#[test]
#[cfg_attr(not(unix), ignore = "the example is a POSIX shell script")]
fn the_command_line_example_converts_and_plots_the_sample() {
    let dir = sandbox("docs-cli-example");
    let home = common::temp_dir("docs-cli-home");
    let script = repo_root().join("cli/examples/first_look.sh");
    let log = run_checked(
        shell(&dir, &home).arg(&script),
        "cli/examples/first_look.sh",
    );
    let png = std::fs::read(dir.join("first_look/nitroxide_cw.png")).expect("the plot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let csv = std::fs::read_to_string(dir.join("first_look/nitroxide_cw.csv")).expect("the CSV");
    let rows = csv.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(
        rows,
        sample_points() + 1,
        "a header line and one row per point"
    );
    assert!(log.contains("nitroxide_cw"), "{log}");
}

/// The number of points of the cw sample, read from its descriptor's `XPTS` line.
fn sample_points() -> usize {
    let dsc = std::fs::read(repo_root().join("examples-c/data/nitroxide_cw.DSC")).expect("DSC");
    let text = String::from_utf8_lossy(&dsc);
    text.lines()
        .find_map(|l| l.strip_prefix("XPTS"))
        .and_then(|v| v.trim().parse().ok())
        .expect("XPTS in the sample")
}

/// `make -C examples-c <args>` with cargo's target folder.
fn make_examples(args: &[&str]) -> Command {
    let mut cmd = Command::new("make");
    cmd.arg("-C")
        .arg(repo_root().join("examples-c"))
        .args(args)
        .env("CARGO", env!("CARGO"))
        .env("CARGO_TARGET_DIR", common::target_dir());
    cmd
}

/// Builds the release library with the examples' Makefile; returns its folder.
fn release_library() -> PathBuf {
    run_checked(&mut make_examples(&["lib"]), "make -C examples-c lib");
    common::target_dir().join("release")
}

/// Builds the release library and installs it, with the header, the pkg-config and CMake
/// files and the licences, into `prefix`.
fn install_library(prefix: &Path) {
    release_library();
    let prefix_arg = format!("PREFIX={}", prefix.display());
    run_checked(
        &mut make_examples(&["install", &prefix_arg]),
        "make -C examples-c install",
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "make install installs the Linux library"
)]
fn every_c_block_of_the_docs_builds_with_pkg_config_against_the_installed_library_and_runs() {
    let prefix = common::temp_dir("docs-c-prefix");
    install_library(&prefix);
    let pkgconfig = prefix.join("lib/pkgconfig");
    for block in runnable("c") {
        let dir = sandbox("docs-c");
        let home = common::temp_dir("docs-c-home");
        std::fs::write(dir.join("first.c"), &block.text).expect("write first.c");
        let build = "cc -std=c99 -Wall -Wextra -Werror -pedantic first.c \
                     $(pkg-config --cflags --libs epyr) \
                     -Wl,-rpath,$(pkg-config --variable=libdir epyr) -o first && ./first";
        let log = run_checked(
            shell(&dir, &home)
                .env("PKG_CONFIG_PATH", &pkgconfig)
                .env_remove("LD_LIBRARY_PATH")
                .arg("-c")
                .arg(build),
            &format!("the ```c block at {}", block.at()),
        );
        assert!(log.contains("points"), "{}: {log}", block.at());
    }
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "make install installs the Linux library"
)]
fn make_install_ships_both_licence_files() {
    let prefix = common::temp_dir("docs-licence-prefix");
    install_library(&prefix);
    for name in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let installed = prefix.join("share/licenses/epyr").join(name);
        let shipped = std::fs::read(&installed)
            .unwrap_or_else(|e| panic!("{} not installed: {e}", installed.display()));
        assert_eq!(
            shipped,
            std::fs::read(repo_root().join(name)).expect("the repository's licence"),
            "{name} installed differs from the repository's"
        );
    }
}

/// GNU Octave without a window system, in `dir`, with a home of its own.
fn octave(dir: &Path, home: &Path, code: &str) -> Command {
    let mut cmd = Command::new("octave");
    cmd.args([
        "--no-gui",
        "--no-window-system",
        "--norc",
        "-q",
        "--eval",
        code,
    ])
    .current_dir(dir)
    .env("HOME", home)
    .env("XDG_CONFIG_HOME", home.join(".config"));
    cmd
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the Octave gateway is built and tested from the Linux side"
)]
#[cfg_attr(
    all(target_os = "linux", epyr_no_octave),
    ignore = "octave, mkoctfile or EasySpin's eprload was not found when the tests were built (EPYR_REQUIRE_OCTAVE=1 to fail instead)"
)]
fn every_matlab_block_of_the_docs_and_the_matlab_example_run_under_octave() {
    let libdir = format!("LIBDIR={}", release_library().display());
    run_checked(
        Command::new("make")
            .arg("-C")
            .arg(repo_root().join("matlab"))
            .args([libdir.as_str(), "all"]),
        "make -C matlab",
    );
    let home = common::temp_dir("docs-octave-home");
    for block in runnable("matlab") {
        let dir = sandbox("docs-matlab");
        run_checked(
            &mut octave(&dir, &home, &block.text),
            &format!("the ```matlab block at {}", block.at()),
        );
    }
    let dir = common::temp_dir("docs-matlab-example");
    let examples = repo_root().join("matlab/examples");
    let code = format!("addpath('{}'); first_look", examples.display());
    let log = run_checked(
        &mut octave(&dir, &home, &code),
        "matlab/examples/first_look.m",
    );
    assert!(
        log.contains(&format!("{} points", sample_points())),
        "{log}"
    );
    let png = std::fs::read(dir.join("first_look.png")).expect("the plot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
}

#[test]
fn the_readme_and_the_formats_page_name_every_format_the_command_reads() {
    let out = common::run_ok(common::epyr().args(["formats", "--json"]));
    let formats: serde_json::Value = serde_json::from_str(&out).expect("formats JSON");
    let ids: Vec<&str> = formats["read"]
        .as_array()
        .expect("a list of formats read")
        .iter()
        .map(|f| f["id"].as_str().expect("a format id"))
        .collect();
    assert!(ids.len() > 10, "{ids:?}");
    for page in ["README.md", "docs/formats.md"] {
        let text = read_page(page);
        let named: BTreeSet<&str> = split_code_spans(&text).1.into_iter().collect();
        let missing: Vec<&&str> = ids.iter().filter(|id| !named.contains(**id)).collect();
        assert!(
            missing.is_empty(),
            "{page} does not name the formats {missing:?}"
        );
    }
}
