//! The JEOL reader (JES-FA and JES-X3 files, no extension), following eprload's
//! `eprload_jeol`: a file is recognised by its process type, the C string in its first 16
//! bytes (`cAcqu`, `endor`, `spin`, `pAcqu`, `cidep`, `sod`, `iso`, `ani`); little-endian
//! header blocks ([`layout`]) become the parameters `Header.xStart`, `ProcessPara.xArea(3).left`
//! (eprload's nested struct paths); the data are one float32 channel, or two for complex data
//! (read as planar values); x is `xOffset + linspace(0, xRange, n)`.

mod layout;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use layout::{block_size, Field, AREA, GROUP_COUNT, LINE, PROCESS, PROCESS_SIZE, PROCESS_TAIL};

use super::header::{c_string, read_header, Fields};
use super::keys::{check_data_len, no_scaling};
use super::{
    text, AxisPlan, AxisValues, BinaryValues, ByteOrder, DataLayout, Format, Member, NumberType,
    Plan, Recorder, Scaling, Signature, ValueSource,
};
use crate::dataset::{Param, Params, ValueKind};
use crate::error::{Error, ErrorKind, Result};

/// The process types eprload recognises a JEOL file by (the start of its first 16 bytes).
const PROCESS_TYPES: [&[u8]; 8] = [
    b"spin", b"cAcqu", b"endor", b"pAcqu", b"cidep", b"sod", b"iso", b"ani",
];

/// Bytes of the process type field at the start of the file.
const TYPE_LEN: usize = 16;

/// JEOL (JES-FA, JES-X3): one binary file, recognised by content.
#[derive(Debug)]
pub struct Jeol;

impl Format for Jeol {
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::jeol_metadata(params)
    }

    fn id(&self) -> &'static str {
        "jeol"
    }

    fn name(&self) -> &'static str {
        "JEOL"
    }

    fn vendor(&self) -> &'static str {
        "JEOL"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &[],
        }]
    }

    /// The first 16 bytes hold a C string (a NUL ends it, as in every JEOL file) that starts
    /// with one of the process types eprload recognises.
    fn signature(&self, head: &[u8]) -> Signature {
        match process_type(head) {
            Some(_) => Signature::Matches,
            None => Signature::Contradicts,
        }
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        let [path] = members else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("JEOL needs one data file, {} files given", members.len()),
            ));
        };
        no_scaling(path, scaling, self.name())?;
        let (file, stamp) = rec.open(path, "data file")?;
        rec.members_recorded(members);
        let head = read_header(&file, path, stamp.len(), TYPE_LEN, "the process type")?;
        let Some(kind) = process_type(&head) else {
            return Err(Error::unsupported(
                path,
                format!(
                    "first 16 bytes {:?}: not a JEOL process type eprload reads (a C string \
                     starting with spin, cAcqu, endor, pAcqu, cidep, sod, iso or ani)",
                    text::latin1(&head).escape_debug().to_string()
                ),
            ));
        };
        let endor = kind == b"endor";
        let offset = data_offset(endor);
        let head = read_header(&file, path, stamp.len(), offset, "the JEOL header blocks")?;
        let params = header_params(&head, endor);
        let mut warnings = Vec::new();
        let data = data_layout(&params, path)?;
        let channels = 1 + u64::from(data.complex);
        check_data_len(
            path,
            stamp.len(),
            offset as u64 + data.points as u64 * 4 * channels,
            &format!(
                "a header of {offset} bytes and {channels} float32 channels of {} points",
                data.points
            ),
            &mut warnings,
        )?;
        let x = (data.points > 1).then(|| AxisPlan {
            len: data.points,
            name: String::new(),
            unit: params.get("Header.xUnit").unwrap_or("").to_string(),
            values: AxisValues::Linspace {
                offset: data.x_offset,
                scale: 1.0,
                start: 0.0,
                end: data.x_range,
            },
        });
        Ok(Plan {
            format: &Jeol,
            layout: DataLayout {
                dims: [data.points, 1, 1],
                complex: vec![data.complex],
                values: ValueSource::File(BinaryValues {
                    path: path.clone(),
                    file: Some(Arc::new(file)),
                    stamp,
                    number: NumberType::F32,
                    order: ByteOrder::Little,
                    offset: offset as u64,
                    planar: data.complex,
                }),
            },
            axes: [x, None, None],
            params,
            warnings,
            scale: Vec::new(),
            provenance: rec.provenance(),
        })
    }
}

/// The process type of a file starting with `head`, if it is one eprload recognises.
fn process_type(head: &[u8]) -> Option<&[u8]> {
    let field = &head[..head.len().min(TYPE_LEN)];
    let name = &field[..field.iter().position(|&b| b == 0)?];
    PROCESS_TYPES
        .iter()
        .any(|p| name.starts_with(p))
        .then_some(name)
}

/// Where the data block starts: after the header blocks (none of the process types eprload
/// recognises has a CALCULATOR block).
fn data_offset(endor: bool) -> usize {
    let generator = if endor {
        layout::GENERATOR_ENDOR
    } else {
        layout::GENERATOR_CW
    };
    block_size(layout::HEADER)
        + block_size(layout::GENERAL)
        + block_size(layout::SPECTROMETER)
        + block_size(generator)
        + PROCESS_SIZE
}

/// Every header field as a parameter `Block.field` in file order: text up to its NUL, numbers
/// as the shortest text that reads back as the same double.
fn header_params(head: &[u8], endor: bool) -> Params {
    let mut out = Vec::with_capacity(512);
    let mut kinds = Vec::with_capacity(128);
    let mut fields = Fields::new(head, 0);
    let generator = if endor {
        layout::GENERATOR_ENDOR
    } else {
        layout::GENERATOR_CW
    };
    for (block, table) in [
        ("Header", layout::HEADER),
        ("General", layout::GENERAL),
        ("Spectrometer", layout::SPECTROMETER),
        ("Generator", generator),
        ("ProcessPara", PROCESS),
    ] {
        read_fields(&mut fields, block, table, &mut out, &mut kinds);
    }
    let groups = [("xAreaM", AREA), ("xAreaS", AREA)]
        .map(|(n, t)| (n.to_string(), t))
        .into_iter()
        .chain((1..=GROUP_COUNT).map(|k| (format!("xArea({k})"), AREA)))
        .chain([("xLinem1", LINE), ("xLinem2", LINE)].map(|(n, t)| (n.to_string(), t)))
        .chain((1..=GROUP_COUNT).map(|k| (format!("xLine({k})"), LINE)));
    for (group, table) in groups {
        read_fields(
            &mut fields,
            &format!("ProcessPara.{group}"),
            table,
            &mut out,
            &mut kinds,
        );
    }
    read_fields(
        &mut fields,
        "ProcessPara",
        PROCESS_TAIL,
        &mut out,
        &mut kinds,
    );
    let mut params = Params::new(out, None);
    for (index, kind) in kinds {
        params.set_kind(index, kind);
    }
    params
}

/// Reads the fields of `table` as parameters `prefix.name`, the index and kind of those not
/// read from text into `kinds`.
fn read_fields(
    fields: &mut Fields,
    prefix: &str,
    table: &[Field],
    out: &mut Vec<Param>,
    kinds: &mut Vec<(usize, ValueKind)>,
) {
    for field in table {
        let (name, value) = match *field {
            Field::Skip(n) => {
                fields.take(n);
                continue;
            }
            Field::Channel(channel, mod_width) => {
                let settings = layout::CHANNEL.iter().copied();
                for (name, n) in settings.chain([("eModWidth", mod_width)]) {
                    let value = text::latin1(c_string(fields.take(n)));
                    out.push(param(&[prefix, ".", channel, name], value));
                }
                continue;
            }
            Field::Text(name, n) => (name, text::latin1(c_string(fields.take(n)))),
            // Raw characters up to a NUL (parameter text holds none).
            Field::Chars(name, n) => {
                let raw = fields.take(n);
                let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                kinds.push((out.len(), ValueKind::RawChars(n)));
                (name, text::latin1(&raw[..end]))
            }
            Field::Int(name) => {
                kinds.push((out.len(), ValueKind::BinaryNumber));
                (name, number_text(fields.i32()))
            }
            Field::Float(name) => {
                kinds.push((out.len(), ValueKind::BinaryNumber));
                (name, number_text(f64::from(fields.f32())))
            }
        };
        out.push(param(&[prefix, ".", name], value));
    }
}

/// The parameter whose key is `parts` joined.
fn param(parts: &[&str], value: String) -> Param {
    let mut key = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        key.push_str(part);
    }
    Param {
        key,
        value,
        device: None,
    }
}

/// A number as the shortest text that reads back as the same value (Rust's `{}`), written
/// into a string of its final size.
fn number_text(v: impl std::fmt::Display) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(24);
    let _ = write!(text, "{v}");
    text
}

/// What the header says about the data block.
#[derive(Debug)]
struct DataBlock {
    points: usize,
    complex: bool,
    x_offset: f64,
    x_range: f64,
}

/// The number of a header parameter (every one is written by [`header_params`]).
fn header_number(params: &Params, key: &str) -> f64 {
    params
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// The data block of a 1-D file (`dataSet` 1): `dataLength` points of one real channel or of
/// two (real, imaginary) for `dataKind` `complex`.
fn data_layout(params: &Params, path: &Path) -> Result<DataBlock> {
    let get = |key: &str| params.get(key).unwrap_or("");
    let kind = get("Header.dataKind");
    let data_set = get("Header.dataSet");
    if data_set != "1" {
        let aux = get("Header.auxNum");
        let two_d = (aux == "1" || aux == "12") && kind == "complex";
        return Err(Error::unsupported(
            path,
            if two_d {
                format!("Header.dataSet {data_set} (auxNum {aux}): 2-D JEOL data are not read yet")
            } else {
                format!(
                    "Header.dataSet {data_set} with auxNum {aux} and dataKind {kind:?}: \
                     expected dataSet 1 (eprload reads no data from such a file)"
                )
            },
        ));
    }
    let complex = match kind {
        "real" => false,
        "complex" => true,
        other => {
            return Err(Error::unsupported(
                path,
                format!("Header.dataKind: expected real or complex, found {other:?}"),
            ))
        }
    };
    let length = get("Header.dataLength");
    let points = length
        .parse::<usize>()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| {
            Error::format(
                path,
                format!("Header.dataLength: expected a positive number of points, found {length}"),
            )
        })?;
    Ok(DataBlock {
        points,
        complex,
        x_offset: header_number(params, "Header.xOffset"),
        x_range: header_number(params, "Header.xRange"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_needs_a_known_process_type_ended_by_a_nul() {
        let sig = |h: &[u8]| Jeol.signature(h);
        assert_eq!(
            sig(b"cAcqu\0\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcdC60"),
            Signature::Matches
        );
        assert_eq!(sig(b"isotropic\0"), Signature::Matches);
        assert_eq!(sig(b"endor\0"), Signature::Matches);
        assert_eq!(
            sig(b"isotropic hyperfine coupling, text\n"),
            Signature::Contradicts
        );
        assert_eq!(sig(b"xspin\0"), Signature::Contradicts);
        assert_eq!(sig(b"0123456789abcdef\0"), Signature::Contradicts);
        assert_eq!(sig(b""), Signature::Contradicts);
    }

    #[test]
    fn the_data_start_after_the_generator_block_of_the_process_type() {
        assert_eq!(data_offset(false), 0x251C);
        assert_eq!(data_offset(true), 0x2854);
    }
}
