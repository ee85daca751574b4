//! Says in the test output, on one line, whether the corpus of real files was found (the
//! tests that need it are ignored, with the reason, when it was missing at build time). A plain program
//! (`harness = false`), because its output is printed whatever the test harness captures.
//! With `EPYR_REQUIRE_CORPUS=1` a missing corpus fails.

mod common;

fn main() {
    let looked_at = std::env::var_os("EPYR_CORPUS").map_or_else(
        || "../shared/corpus from the repository root (EPYR_CORPUS unset)".to_string(),
        |dir| format!("{} (EPYR_CORPUS)", std::path::Path::new(&dir).display()),
    );
    match common::find_corpus() {
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
            assert!(
                std::env::var("EPYR_REQUIRE_CORPUS").as_deref() != Ok("1"),
                "corpus not found at {looked_at} and EPYR_REQUIRE_CORPUS=1"
            );
            println!(
                "corpus: NOT FOUND at {looked_at}: the tests that read it are ignored if it was \
                 missing when they were built; set EPYR_CORPUS to the corpus folder, or \
                 EPYR_REQUIRE_CORPUS=1 to fail"
            );
            println!("0 passed, 0 failed, 1 skipped");
        }
    }
}
