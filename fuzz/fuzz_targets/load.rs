//! Fuzz target: the full load path (files written from the input, loaded by `epyr_core::load`, a
//! `Loader` without cache and a `ChunkedReader`, compared bit for bit; `check_load_input` in
//! `core/tests/common/fuzz_case.rs`).
#![no_main]

#[path = "../../core/tests/common/mod.rs"]
mod common;

use common::fuzz_case::{check_load_input, process_dir};

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    check_load_input(input, process_dir());
});
