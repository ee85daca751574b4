//! The Bruker formats: BES3T (Xepr, Xenon: `.DSC` + `.DTA`) and ESP/WinEPR (`.par` + `.spc`),
//! following the reading specification of the Bruker formats; their shared pieces: the
//! parameter-file reader and the BES3T number-type letters (which the writer uses too).

mod bes3t;
mod esp;

use std::path::Path;

pub use bes3t::Bes3t;
pub use esp::Esp;

use super::{text, ByteOrder, NumberType, Recorder};
use crate::dataset::Params;
use crate::error::{Error, Result};

/// Reads a descriptor or parameter file through `rec` and parses it with `parse` (one of the
/// limited parsers of [`text`]), refusing a file with more than [`text::MAX_ENTRIES`] entries.
fn read_params(
    rec: &mut Recorder,
    path: &Path,
    role: &str,
    parse: fn(&[u8], usize) -> Option<Params>,
) -> Result<Params> {
    let bytes = rec.read_text(path, role)?;
    parse(&bytes, text::MAX_ENTRIES).ok_or_else(|| {
        Error::format(
            path,
            format!(
                "{role} has more than {} key/value lines; real ones have a few hundred",
                text::MAX_ENTRIES
            ),
        )
    })
}

/// The BES3T letter of a number type (`C`, `S`, `I`, `F`, `D`).
pub const fn bes3t_letter(ty: NumberType) -> char {
    match ty {
        NumberType::I8 => 'C',
        NumberType::I16 => 'S',
        NumberType::I32 => 'I',
        NumberType::F32 => 'F',
        NumberType::F64 => 'D',
    }
}

/// The number type of a BES3T letter, any case.
pub fn bes3t_number(letter: &str) -> Option<NumberType> {
    match letter.trim().to_ascii_uppercase().as_str() {
        "C" => Some(NumberType::I8),
        "S" => Some(NumberType::I16),
        "I" => Some(NumberType::I32),
        "F" => Some(NumberType::F32),
        "D" => Some(NumberType::F64),
        _ => None,
    }
}

/// The BES3T name of a byte order (`BIG`, `LIT`).
pub const fn bes3t_order_name(order: ByteOrder) -> &'static str {
    match order {
        ByteOrder::Big => "BIG",
        ByteOrder::Little => "LIT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bes3t_letters_round_trip() {
        for ty in [
            NumberType::I8,
            NumberType::I16,
            NumberType::I32,
            NumberType::F32,
            NumberType::F64,
        ] {
            assert_eq!(bes3t_number(&bes3t_letter(ty).to_string()), Some(ty));
            assert_eq!(
                bes3t_number(&bes3t_letter(ty).to_ascii_lowercase().to_string()),
                Some(ty)
            );
        }
        assert_eq!(bes3t_number("A"), None);
    }
}
