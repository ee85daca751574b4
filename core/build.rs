//! Sets the `cfg`s that gate the core's tests on what this machine has (the corpus, Wine):
//! see `build_gates.rs` at the repository root.

fn main() {
    shared_test_gates();
}

include!("../build_gates.rs");
