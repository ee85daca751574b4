//! Running a fuzz property over loads with proptest, for the fuzz tests (they include this
//! file by path: the C-ABI crate's tests share `common/` but have no proptest).

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

/// Runs `test` (a load that says whether it succeeded) on `default_cases` values of `strategy`
/// (`PROPTEST_CASES` overrides), panicking with `name` and the failing input on a failure.
/// Failing inputs are kept in `persistence` (relative to the crate, where cargo runs tests)
/// and tried first on later runs. Returns how many loads succeeded and how many ran.
pub fn run_loads<S: Strategy>(
    name: &str,
    persistence: &'static str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) -> (usize, u32)
where
    S::Value: std::fmt::Debug,
{
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(persistence))),
        ..Config::default()
    };
    let loaded = AtomicUsize::new(0);
    let outcome = TestRunner::new(config).run(&strategy, |value| {
        if test(value)? {
            loaded.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{name}: {e}");
    }
    (loaded.load(Ordering::Relaxed), cases)
}
