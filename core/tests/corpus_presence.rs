//! Says in the test output, on one line, whether the corpus of real files was found: tests
//! that need it pass without it (each notes the skip on stderr, which `cargo test` shows only
//! with `--nocapture`), so this line makes a run without the corpus visible. A plain program
//! (`harness = false`), because its output is printed whatever the test harness captures.
//! With `EPYR_REQUIRE_CORPUS=1` a missing corpus fails.

mod common;

fn main() {
    let looked_at = std::env::var_os("EPYR_CORPUS").map_or_else(
        || "../shared/corpus from the repository root (EPYR_CORPUS unset)".to_string(),
        |dir| format!("{} (EPYR_CORPUS)", std::path::Path::new(&dir).display()),
    );
    match common::corpus_dir() {
        Some(dir) => {
            let datasets = common::expected(&dir).len();
            assert!(
                datasets > 0,
                "{}: expected.json lists no dataset",
                dir.display()
            );
            println!(
                "corpus: {datasets} datasets found at {looked_at}; the corpus tests read every one"
            );
            println!("1 passed, 0 failed");
        }
        None => {
            println!(
                "corpus: NOT FOUND at {looked_at}: the corpus tests passed without reading a real \
                 file; set EPYR_CORPUS to the corpus folder, or EPYR_REQUIRE_CORPUS=1 to fail"
            );
            println!("0 passed, 0 failed, 1 skipped");
        }
    }
}
