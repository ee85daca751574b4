//! The `<Curve>` nodes of an MS5000 file as eprload reads them: each named by its `YType`
//! (`BField_Raw` for a `BField` of `Mode="Raw"`), its base64 text decoded by eprload's rule, its
//! values sampled at the times `XOffset + i * XSlope`.
//!
//! eprload's rule: every value is a little-endian double encoded on its own in 12 characters
//! (11 and one `=`); eprload reads `=` as `A`, decodes the text (9 bytes per 12 characters)
//! and drops every ninth byte. Its decoder (Apache Commons Codec) also takes the URL-safe `-`
//! and `_` for `+` and `/`. Any other character, or a text whose length is not a multiple of
//! 12, makes eprload fail ("inconsistent" counts); so it does here, with the position.

use std::path::Path;

use base64::engine::general_purpose::NO_PAD;
use base64::{DecodeError, DecodeSliceError, Engine};

use super::document::Node;
use crate::error::{Error, Result};
use crate::formats::keys::{cannot_allocate, leading_number};

/// Base64 characters per value.
const CHARS_PER_VALUE: usize = 12;

/// Bytes a value's characters decode to (the ninth is dropped).
const BYTES_PER_VALUE: usize = 9;

/// Values decoded per block (the block buffers live on the stack).
const BLOCK_VALUES: usize = 512;

/// A curve with data, as eprload keeps it in `pars.Curves`.
#[derive(Debug)]
pub(super) struct Curve {
    /// eprload's name: the `YType`, or `BField_Raw` for a `BField` curve of `Mode="Raw"`.
    pub name: String,
    /// The values.
    pub values: Vec<f64>,
    /// The time (or other abscissa) of the first value: `XOffset`.
    pub offset: f64,
    /// The step between values: `XSlope`.
    pub slope: f64,
    /// What the values are: the `YType`.
    pub y_name: String,
    /// The unit of the values: the `YUnit` (possibly empty).
    pub y_unit: String,
    /// What the abscissa is: the `XType` (possibly empty).
    pub x_name: String,
    /// The unit of the abscissa: the `XUnit` (possibly empty).
    pub x_unit: String,
}

impl Curve {
    /// The abscissa of value `i`, `XOffset + i * XSlope` (eprload's
    /// `XOffset + (0:n-1)*XSlope`).
    pub fn time(&self, i: usize) -> f64 {
        self.offset + i as f64 * self.slope
    }

    /// The abscissa of every value ([`Curve::time`]).
    pub fn times(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        (0..self.values.len()).map(|i| self.time(i))
    }
}

/// eprload's name of the curve `node` (number `index` from 1 in messages): its `YType`, with
/// `_Raw` added to a `BField` of `Mode="Raw"` (files can hold the field twice). Both
/// attributes are required, as eprload reads them for every curve.
pub(super) fn curve_name(node: &Node<'_>, index: usize, path: &Path) -> Result<String> {
    let need = |name: &str| {
        node.attribute(name).ok_or_else(|| {
            Error::format(
                path,
                format!("<Curve> number {index} has no {name} attribute"),
            )
        })
    };
    let y_type = need("YType")?;
    let mode = need("Mode")?;
    Ok(if y_type == "BField" && mode == "Raw" {
        "BField_Raw".to_string()
    } else {
        y_type.to_string()
    })
}

/// Every curve with text, decoded, in file order (eprload keeps them all in `pars.Curves`;
/// its abscissa rules take the last one of a name).
pub(super) fn decode_curves(nodes: &[Node<'_>], path: &Path) -> Result<Vec<Curve>> {
    let mut curves = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let name = curve_name(node, i + 1, path)?;
        if node.text.is_empty() {
            continue;
        }
        let what = format!("<Curve> number {} ({name})", i + 1);
        let (offset, slope) = sampling(node, &what, path)?;
        let text = node.text.as_bytes();
        let bad = |e: String| Error::format(path, format!("{what}: {e}"));
        let values = decode_values(text)
            .map_err(bad)?
            .ok_or_else(|| cannot_allocate(path, &what))?;
        let text_of = |key: &str| node.attribute(key).unwrap_or_default().to_string();
        curves.push(Curve {
            name,
            values,
            offset,
            slope,
            y_name: text_of("YType"),
            y_unit: text_of("YUnit"),
            x_name: text_of("XType"),
            x_unit: text_of("XUnit"),
        });
    }
    Ok(curves)
}

/// `XOffset` and `XSlope` of a curve with text (`what` names it), after checking that its
/// `Compression` is `Base64`, as eprload does.
fn sampling(node: &Node<'_>, what: &str, path: &Path) -> Result<(f64, f64)> {
    let attribute = |key: &str| {
        node.attribute(key)
            .ok_or_else(|| Error::format(path, format!("{what} has no {key} attribute")))
    };
    let compression = attribute("Compression")?;
    if compression != "Base64" {
        return Err(Error::format(
            path,
            format!("{what}: Compression is {compression:?}, eprload reads \"Base64\" only"),
        ));
    }
    let number = |key: &str| -> Result<f64> {
        let raw = attribute(key)?;
        leading_number(raw).ok_or_else(|| {
            Error::format(
                path,
                format!("{what}: {key} is {raw:?}, expected a finite number"),
            )
        })
    };
    Ok((number("XOffset")?, number("XSlope")?))
}

/// The standard-alphabet decoder without padding: AVX2 or NEON where the processor has them.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn engine() -> impl Engine {
    base64::engine::Simd::standard(NO_PAD)
}

/// The standard-alphabet decoder without padding.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn engine() -> impl Engine {
    base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, NO_PAD)
}

/// Decodes base64 text by eprload's rule (see the module): one double per 12 characters.
/// `Err` names what is wrong with the text; `Ok(None)` when the memory for the values cannot
/// be had.
pub(super) fn decode_values(text: &[u8]) -> std::result::Result<Option<Vec<f64>>, String> {
    let mut values = Vec::new();
    if values
        .try_reserve_exact(text.len() / CHARS_PER_VALUE)
        .is_err()
    {
        return Ok(None);
    }
    decode_each(text, |v| values.push(v))?;
    Ok(Some(values))
}

/// Decodes base64 text by eprload's rule, giving each value to `each` in order.
fn decode_each(text: &[u8], mut each: impl FnMut(f64)) -> std::result::Result<(), String> {
    if text.len() % CHARS_PER_VALUE != 0 {
        return Err(format!(
            "{} base64 characters, not a multiple of {CHARS_PER_VALUE} (one little-endian \
             double per {CHARS_PER_VALUE} characters)",
            text.len()
        ));
    }
    let engine = engine();
    let mut chars = [0u8; CHARS_PER_VALUE * BLOCK_VALUES];
    let mut bytes = [0u8; BYTES_PER_VALUE * BLOCK_VALUES];
    for (block_index, block) in text.chunks(CHARS_PER_VALUE * BLOCK_VALUES).enumerate() {
        let chars = &mut chars[..block.len()];
        for (c, &t) in chars.iter_mut().zip(block) {
            *c = match t {
                b'=' => b'A',
                b'-' => b'+',
                b'_' => b'/',
                other => other,
            };
        }
        let len = engine
            .decode_slice(&*chars, &mut bytes)
            .map_err(|e| match e {
                DecodeSliceError::DecodeError(DecodeError::InvalidByte(at, byte)) => format!(
                    "byte {byte:#04x} ({:?}) at position {} of the text is not a base64 \
                     character",
                    char::from(byte),
                    block_index * CHARS_PER_VALUE * BLOCK_VALUES + at
                ),
                other => format!("base64 text not decodable: {other}"),
            })?;
        for value in bytes[..len].chunks_exact(BYTES_PER_VALUE) {
            let mut le = [0u8; 8];
            le.copy_from_slice(&value[..8]);
            each(f64::from_le_bytes(le));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `value` as MS5000 files store it: standard base64 of its 8 little-endian bytes.
    fn encoded(value: f64) -> String {
        base64::engine::general_purpose::STANDARD.encode(value.to_le_bytes())
    }

    #[test]
    fn every_twelve_characters_are_one_double_with_eprloads_alphabet() {
        let values = [
            0.0,
            -1.5,
            313.000_346_679_687_5,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        let text: String = values.iter().map(|&v| encoded(v)).collect();
        assert_eq!(text.len(), 12 * values.len());
        let decoded = decode_values(text.as_bytes()).unwrap().unwrap();
        assert_eq!(
            decoded.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        // Commons Codec reads the URL-safe alphabet too; the twelfth character is dropped.
        let url_safe = encoded(-2.0e-300).replace('+', "-").replace('/', "_");
        let twelfth = format!("{}Q", &encoded(7.25)[..11]);
        let text = format!("{url_safe}{twelfth}");
        assert_eq!(
            decode_values(text.as_bytes()).unwrap().unwrap(),
            [-2.0e-300, 7.25]
        );
    }

    #[test]
    fn a_text_of_the_wrong_length_or_with_foreign_characters_is_refused_with_the_position() {
        let e = decode_values(b"AAAAAAAAAAA=AAAA").unwrap_err();
        assert!(e.contains("16 base64 characters"), "{e}");
        let mut text = encoded(1.0).repeat(600);
        text.replace_range(12 * 550 + 3..12 * 550 + 4, "\n");
        let e = decode_values(text.as_bytes()).unwrap_err();
        assert!(e.contains(&format!("position {}", 12 * 550 + 3)), "{e}");
    }
}
