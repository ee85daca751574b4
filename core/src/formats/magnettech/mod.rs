//! The Magnettech formats, following EasySpin's `eprload_MagnettechBinary` and
//! `eprload_MagnettechXML`: the binary `.spe` files of the older spectrometers (MiniScope MS400
//! and before; int16 values and a 64-byte trailer, read by positioned reads) and the XML files
//! of the MS5000 (`<ESRXmlFile>` with base64 curves, decoded once when the plan is made).

mod curves;
mod document;
mod field;
mod spe;
mod xml;

pub use spe::MagnettechSpe;
pub use xml::MagnettechXml;
