//! Fuzz target: the full load path of every format of the format table (the format named at
//! the start of the input, its member and companion files written from the input, loaded by
//! `epyr_core::load`, a `Loader` without cache and a `ChunkedReader`, compared bit for bit;
//! `check_format_input` in `core/tests/common/fuzz_case.rs`).
#![no_main]

#[path = "../../core/tests/common/mod.rs"]
mod common;

use common::fuzz_case::{check_format_input, process_dir};

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    check_format_input(input, process_dir());
});
