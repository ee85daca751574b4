//! The JEOL reader (JES-FA and JES-X3 files, no extension), following eprload's
//! `eprload_jeol`: a file is recognised by its process type, the C string in its first 16
//! bytes (`cAcqu`, `endor`, `spin`, `pAcqu`, `cidep`, `sod`, `iso`, `ani`); little-endian
//! header blocks ([`layout`]) become the parameters `Header.xStart`, `ProcessPara.xArea(3).left`
//! (eprload's nested struct paths); the data are one float32 channel, or two for complex data
//! (read as planar values); x is `xOffset + linspace(0, xRange, n)`.

mod layout;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

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
        let (head, endor) = read_header_blocks(&file, path, stamp.len())?;
        let offset = data_offset(endor);
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

/// The header blocks of the JEOL file `path` (`file_len` bytes), and whether it is an ENDOR
/// file: one read for the process type and the blocks of every process type (those of an
/// ENDOR file are the longest) where the file is that long.
fn read_header_blocks(file: &std::fs::File, path: &Path, file_len: u64) -> Result<(Vec<u8>, bool)> {
    let longest = file_len.min(data_offset(true) as u64) as usize;
    let what = "the process type";
    let mut head = read_header(file, path, file_len, longest.max(TYPE_LEN), what)?;
    let Some(kind) = process_type(&head) else {
        return Err(Error::unsupported(
            path,
            format!(
                "first 16 bytes {:?}: not a JEOL process type eprload reads (a C string \
                 starting with spin, cAcqu, endor, pAcqu, cidep, sod, iso or ani)",
                text::latin1(&head[..head.len().min(TYPE_LEN)])
                    .escape_debug()
                    .to_string()
            ),
        ));
    };
    let endor = kind == b"endor";
    let offset = data_offset(endor);
    if head.len() < offset {
        head = read_header(file, path, file_len, offset, "the JEOL header blocks")?;
    }
    head.truncate(offset);
    Ok((head, endor))
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

/// One step of reading the header blocks: reserved bytes, or one field read as a parameter.
#[derive(Debug)]
enum Step {
    /// Reserved bytes.
    Skip(usize),
    /// A field read as the parameter `key`.
    Read { key: String, value: Value },
}

/// How a field's value is read.
#[derive(Debug, Clone, Copy)]
enum Value {
    /// A C string in a field of this many bytes.
    Text(usize),
    /// This many raw characters.
    Chars(usize),
    /// A little-endian `int32`.
    Int,
    /// A little-endian `float32`.
    Float,
}

/// The steps of reading every header field as a parameter `Block.field` in file order, for
/// ENDOR files or the others: made once per process, so that a load builds no key (the
/// parameters lend theirs from here).
fn header_steps(endor: bool) -> &'static [Step] {
    static CW: OnceLock<Vec<Step>> = OnceLock::new();
    static ENDOR: OnceLock<Vec<Step>> = OnceLock::new();
    let steps = if endor { &ENDOR } else { &CW };
    steps.get_or_init(|| {
        let generator = if endor {
            layout::GENERATOR_ENDOR
        } else {
            layout::GENERATOR_CW
        };
        let groups = [("xAreaM", AREA), ("xAreaS", AREA)]
            .map(|(n, t)| (n.to_string(), t))
            .into_iter()
            .chain((1..=GROUP_COUNT).map(|k| (format!("xArea({k})"), AREA)))
            .chain([("xLinem1", LINE), ("xLinem2", LINE)].map(|(n, t)| (n.to_string(), t)))
            .chain((1..=GROUP_COUNT).map(|k| (format!("xLine({k})"), LINE)))
            .map(|(group, table)| (format!("ProcessPara.{group}"), table));
        let blocks = [
            ("Header", layout::HEADER),
            ("General", layout::GENERAL),
            ("Spectrometer", layout::SPECTROMETER),
            ("Generator", generator),
            ("ProcessPara", PROCESS),
        ]
        .map(|(block, table)| (block.to_string(), table))
        .into_iter()
        .chain(groups)
        .chain([("ProcessPara".to_string(), PROCESS_TAIL)]);
        let mut steps = Vec::with_capacity(512);
        for (prefix, table) in blocks {
            push_steps(&prefix, table, &mut steps);
        }
        steps
    })
}

/// Appends the steps of reading the fields of `table` as parameters `prefix.name`.
fn push_steps(prefix: &str, table: &[Field], steps: &mut Vec<Step>) {
    for &field in table {
        match field {
            Field::Skip(n) => steps.push(Step::Skip(n)),
            Field::Channel(channel, mod_width) => {
                let settings = layout::CHANNEL.iter().copied();
                for (name, n) in settings.chain([("eModWidth", mod_width)]) {
                    steps.push(Step::Read {
                        key: format!("{prefix}.{channel}{name}"),
                        value: Value::Text(n),
                    });
                }
            }
            Field::Text(name, n) => steps.push(read_step(prefix, name, Value::Text(n))),
            Field::Chars(name, n) => steps.push(read_step(prefix, name, Value::Chars(n))),
            Field::Int(name) => steps.push(read_step(prefix, name, Value::Int)),
            Field::Float(name) => steps.push(read_step(prefix, name, Value::Float)),
        }
    }
}

/// The step of reading field `name` of block `prefix`.
fn read_step(prefix: &str, name: &str, value: Value) -> Step {
    Step::Read {
        key: format!("{prefix}.{name}"),
        value,
    }
}

/// Every header field as a parameter `Block.field` in file order: text up to its NUL, numbers
/// as the shortest text that reads back as the same double.
fn header_params(head: &[u8], endor: bool) -> Params {
    let steps = header_steps(endor);
    let mut out = Vec::with_capacity(steps.len());
    let mut kinds = Vec::with_capacity(128);
    let mut fields = Fields::new(head, 0);
    for step in steps {
        let (key, value) = match step {
            Step::Skip(n) => {
                fields.take(*n);
                continue;
            }
            Step::Read { key, value } => (key, *value),
        };
        let value = match value {
            Value::Chars(n) => {
                // Raw characters up to a NUL (parameter text holds none).
                let raw = fields.take(n);
                let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                kinds.push((out.len(), ValueKind::RawChars(n)));
                text::latin1(&raw[..end])
            }
            Value::Int => {
                kinds.push((out.len(), ValueKind::BinaryNumber));
                number_text(f64::from(fields.i32()))
            }
            Value::Float => {
                kinds.push((out.len(), ValueKind::BinaryNumber));
                number_text(f64::from(fields.f32()))
            }
            Value::Text(n) => text::latin1(c_string(fields.take(n))),
        };
        out.push(Param {
            key: Cow::Borrowed(key.as_str()),
            value,
            device: None,
        });
    }
    let mut params = Params::new(out, None);
    for (index, kind) in kinds {
        params.set_kind(index, kind);
    }
    params
}

/// A number as the shortest text that reads back as the same value (Rust's `{}`); a whole
/// number (most header numbers: counts, flags, zeros) as the integer it is, the same text
/// without the float formatter's search.
fn number_text(v: f64) -> String {
    let whole = v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative());
    if whole {
        (v as i64).to_string()
    } else {
        v.to_string()
    }
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
    fn header_numbers_read_as_the_float_formatter_writes_them() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -7.0,
            0.1f32 as f64,
            3480.5,
            1e15,
            -1e15,
            1e16,
            9_007_199_254_740_993.0,
            f64::from(i32::MIN),
            f64::from(i32::MAX),
            f64::from(f32::MAX),
            f64::from(f32::MIN_POSITIVE),
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for v in values {
            assert_eq!(number_text(v), format!("{v}"), "{v:e}");
        }
    }

    #[test]
    fn the_data_start_after_the_generator_block_of_the_process_type() {
        assert_eq!(data_offset(false), 0x251C);
        assert_eq!(data_offset(true), 0x2854);
    }
}
