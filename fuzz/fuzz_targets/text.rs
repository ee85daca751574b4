//! Fuzz target: the descriptor and parameter text parsers (`check_text_input` in
//! `core/tests/common/fuzz_case.rs`).
#![no_main]

#[path = "../../core/tests/common/mod.rs"]
mod common;

use common::fuzz_case::{check_text_input, process_dir};

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    check_text_input(input, process_dir());
});
