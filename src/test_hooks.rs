//! Test-only exports (cargo feature `test-hooks`, never in a normal build): they let the tests
//! prove that a panic inside an entry point is caught at the boundary.

use super::boundary::status;

/// Panics inside the boundary with a known message; returns `EPYR_ERR_PANIC`.
#[no_mangle]
pub extern "C" fn epyr_test_panic() -> i32 {
    status(|| panic!("epyr_test_panic was called"))
}
