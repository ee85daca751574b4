//! Fuzz target: the entry limit the readers apply to the text parsers (texts repeated to about
//! `MAX_ENTRIES` entries; `check_entry_limit_input` in `core/tests/common/fuzz_case.rs`).
#![no_main]

#[path = "../../core/tests/common/mod.rs"]
mod common;

use common::fuzz_case::{check_entry_limit_input, process_dir};

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    check_entry_limit_input(input, process_dir());
});
