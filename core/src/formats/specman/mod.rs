//! The SpecMan4EPR reader (`.d01` data, `.exp` experiment file), following eprload's
//! `eprload_specman`: a little-endian header (stream count, float32/float64 flag, the
//! dimensions and size of each stream), then the streams one after the other. One stream is a
//! real array; two are the real and imaginary parts of a complex one (read as planar values);
//! more streams of one 1-D shape are the columns of a matrix; other mixes are one column.
//! The axes and parameters come from the `.exp` ([`axes`], [`super::ini`]).

mod axes;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::header::{read_header, Fields};
use super::keys::{check_data_len, no_scaling};
use super::{
    ini, text, BinaryValues, ByteOrder, DataLayout, Format, Member, NumberType, Plan, Recorder,
    Scaling, Signature, ValueSource,
};
use crate::error::{Error, ErrorKind, Result};

/// At most this many streams are read (real files have one to four); a header claiming more
/// is refused before it is read.
const MAX_STREAMS: u32 = 4096;

/// Bytes of the fixed part of the header (stream count, number format).
const HEAD_LEN: usize = 8;

/// Bytes of the header of each stream (dimension count, four dimensions, number of values).
const STREAM_LEN: usize = 24;

/// SpecMan4EPR: a `.exp` experiment file and a `.d01` data file.
#[derive(Debug)]
pub struct SpecMan;

impl Format for SpecMan {
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::specman_metadata(params)
    }

    fn id(&self) -> &'static str {
        "specman"
    }

    fn name(&self) -> &'static str {
        "SpecMan4EPR"
    }

    fn vendor(&self) -> &'static str {
        "FeMi Instruments (SpecMan4EPR)"
    }

    fn members(&self) -> &'static [Member] {
        &[
            Member {
                role: "experiment file",
                extensions: &["exp"],
            },
            Member {
                role: "data file",
                extensions: &["d01"],
            },
        ]
    }

    /// The extensions tell; neither file has a signature of its own (the `.exp` of ETH/WIS
    /// data files looks the same).
    fn signature(&self, _head: &[u8]) -> Signature {
        Signature::Silent
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        let [exp, d01] = members else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "SpecMan needs an experiment and a data file, {} files given",
                    members.len()
                ),
            ));
        };
        no_scaling(d01, scaling, self.name())?;
        let (file, stamp) = rec.open(d01, "data file")?;
        let (number, streams) = read_streams(&file, d01, stamp.len())?;
        let bytes = rec.read_text(exp, "experiment file")?;
        let entries = ini::parse(&bytes, text::MAX_ENTRIES).ok_or_else(|| {
            Error::format(
                exp,
                format!(
                    "experiment file has more than {} entries; real ones have a few hundred",
                    text::MAX_ENTRIES
                ),
            )
        })?;
        rec.members_recorded(members);
        let mut warnings = Vec::new();
        let shape = shape(&streams, d01, &mut warnings)?;
        let offset = (HEAD_LEN + STREAM_LEN * streams.len()) as u64;
        check_data_len(
            d01,
            stamp.len(),
            offset + shape.numbers * number.size() as u64,
            &format!(
                "a header of {offset} bytes and {} {number:?} values in {} streams",
                shape.numbers,
                streams.len()
            ),
            &mut warnings,
        )?;
        let found = axes::abscissae(&entries, shape.dims, exp, &mut warnings);
        let mut params = ini::into_params(entries);
        for label in found.labels {
            params.push(label);
        }
        Ok(Plan {
            format: &SpecMan,
            layout: DataLayout {
                dims: shape.dims,
                complex: vec![shape.complex],
                values: ValueSource::File(BinaryValues {
                    path: d01.clone(),
                    file: Some(Arc::new(file)),
                    stamp,
                    number,
                    order: ByteOrder::Little,
                    offset,
                    planar: shape.complex,
                }),
            },
            axes: found.axes,
            params,
            warnings,
            scale: Vec::new(),
            provenance: rec.provenance(),
        })
    }
}

/// One stream of a `.d01` file: its four dimensions (those after its dimension count are 1,
/// as eprload sets them) and its number of values.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stream {
    dims: [i64; 4],
    total: u64,
}

/// Reads the header: the number type and every stream, each checked (counts not negative).
fn read_streams(
    file: &std::fs::File,
    path: &Path,
    file_len: u64,
) -> Result<(NumberType, Vec<Stream>)> {
    // One read for the header of up to four streams (real files have one to four) where the
    // file is that long; a longer header is read again once its length is known.
    let likely = file_len.min((HEAD_LEN + 4 * STREAM_LEN) as u64) as usize;
    let mut head = read_header(
        file,
        path,
        file_len,
        likely.max(HEAD_LEN),
        "the SpecMan header",
    )?;
    let mut fields = Fields::new(&head, 0);
    let (count, flag) = (fields.u32(), fields.u32());
    let number = match flag {
        0 => NumberType::F64,
        1 => NumberType::F32,
        other => {
            return Err(Error::format(
                path,
                format!("number format flag (bytes 4-7): expected 0 (float64) or 1 (float32), found {other}"),
            ))
        }
    };
    if count == 0 || count > MAX_STREAMS {
        return Err(Error::format(
            path,
            format!("stream count (bytes 0-3): expected 1 to {MAX_STREAMS}, found {count}"),
        ));
    }
    let len = HEAD_LEN + STREAM_LEN * count as usize;
    let what = format!("the header of {count} streams");
    if head.len() < len {
        head = read_header(file, path, file_len, len, &what)?;
    }
    let mut fields = Fields::new(&head[..len], HEAD_LEN);
    let mut streams = Vec::with_capacity(count as usize);
    for k in 1..=count {
        let at = fields.offset();
        let used = fields.i32();
        let raw = [fields.i32(), fields.i32(), fields.i32(), fields.i32()];
        let total = fields.i32();
        let negative = |field: &str, v: i32| {
            Error::format(
                path,
                format!(
                    "stream {k} (header bytes {at}-{}): {field} is {v}, expected at least 0",
                    at + STREAM_LEN - 1
                ),
            )
        };
        if used < 0 {
            return Err(negative("the dimension count", used));
        }
        let total = u64::try_from(total).map_err(|_| negative("the number of values", total))?;
        let dims = std::array::from_fn(|i| {
            if i < used as usize {
                i64::from(raw[i])
            } else {
                1
            }
        });
        streams.push(Stream { dims, total });
    }
    Ok((number, streams))
}

/// The shape of the values as eprload returns them.
#[derive(Debug, PartialEq)]
struct Shape {
    /// `[nx, ny, nz]`.
    dims: [usize; 3],
    /// Two streams: the real and imaginary parts.
    complex: bool,
    /// The numbers to read from the data file.
    numbers: u64,
}

/// eprload's shape rules for the streams of `path`.
fn shape(streams: &[Stream], path: &Path, warnings: &mut Vec<String>) -> Result<Shape> {
    let first = &streams[0];
    match streams {
        [_] | [_, _] => {
            let dims = array_dims(first, path, warnings)?;
            if let [_, second] = streams {
                if second.total != first.total {
                    return Err(Error::format(
                        path,
                        format!(
                            "stream 2 (imaginary parts) has {} values, stream 1 (real parts) {}; \
                             both must be equal",
                            second.total, first.total
                        ),
                    ));
                }
            }
            Ok(Shape {
                dims,
                complex: streams.len() == 2,
                numbers: first.total * streams.len() as u64,
            })
        }
        _ => Ok(several_streams(streams, path)?),
    }
}

/// The dimensions of the array a stream holds, `[d1, d2, d3 * d4]` (a 4-D array's last two
/// dimensions share z, with a warning): each at least 1, their product its number of values.
fn array_dims(stream: &Stream, path: &Path, warnings: &mut Vec<String>) -> Result<[usize; 3]> {
    let [d1, d2, d3, d4] = stream.dims;
    let product = stream
        .dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(u64::try_from(d).ok()?));
    if stream.dims.iter().any(|&d| d < 1) || product != Some(stream.total) {
        return Err(Error::format(
            path,
            format!(
                "stream 1: dimensions {d1} x {d2} x {d3} x {d4} must be at least 1 and hold its \
                 {} values",
                stream.total
            ),
        ));
    }
    if d4 > 1 {
        warnings.push(format!(
            "{}: 4-D data {d1} x {d2} x {d3} x {d4}: z holds the last two dimensions ({} points)",
            path.display(),
            d3 * d4
        ));
    }
    // Each factor is at most i32::MAX and the product fits in u64 (checked above), so fits.
    Ok([d1 as usize, d2 as usize, (d3 * d4) as usize])
}

/// Three or more streams: the columns of a matrix when all have the same 1-D shape, else all
/// values in one column.
fn several_streams(streams: &[Stream], path: &Path) -> Result<Shape> {
    let count = streams.len() as u64;
    let sum: u64 = streams.iter().map(|s| s.total).sum();
    let dims = streams[0].dims;
    let same = streams.iter().all(|s| s.dims == dims);
    let mut long = dims.iter().filter(|&&d| d != 1);
    let column_len = match (long.next(), long.next()) {
        (Some(&len), None) if same => Some(len),
        _ => None,
    };
    let too_big = || {
        Error::format(
            path,
            format!("{sum} values in {count} streams cannot be addressed"),
        )
    };
    let Some(len) = column_len else {
        if sum == 0 {
            return Err(Error::format(
                path,
                format!("the {count} streams hold no values"),
            ));
        }
        return Ok(Shape {
            dims: [usize::try_from(sum).map_err(|_| too_big())?, 1, 1],
            complex: false,
            numbers: sum,
        });
    };
    if len < 1 || (len as u64).checked_mul(count) != Some(sum) {
        return Err(Error::format(
            path,
            format!(
                "{count} streams of {len} points each must hold {count} x {len} values, found {sum}"
            ),
        ));
    }
    Ok(Shape {
        dims: [len as usize, count as usize, 1],
        complex: false,
        numbers: sum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(dims: [i64; 4], total: u64) -> Stream {
        Stream { dims, total }
    }

    #[test]
    fn eprload_shape_rules() {
        let p = Path::new("x.d01");
        let mut w = Vec::new();
        let one = shape(&[stream([90, 162, 1, 1], 14580)], p, &mut w).unwrap();
        assert_eq!(
            (one.dims, one.complex, one.numbers),
            ([90, 162, 1], false, 14580)
        );
        let two = [
            stream([5000, 8, 1, 1], 40000),
            stream([5000, 8, 1, 1], 40000),
        ];
        let two = shape(&two, p, &mut w).unwrap();
        assert_eq!(
            (two.dims, two.complex, two.numbers),
            ([5000, 8, 1], true, 80000)
        );
        let columns = [stream([1, 7, 1, 1], 7); 3];
        let columns = shape(&columns, p, &mut w).unwrap();
        assert_eq!((columns.dims, columns.complex), ([7, 3, 1], false));
        let mixed = [
            stream([7, 1, 1, 1], 7),
            stream([2, 2, 1, 1], 4),
            stream([3, 1, 1, 1], 3),
        ];
        assert_eq!(shape(&mixed, p, &mut w).unwrap().dims, [14, 1, 1]);
        let four_d = shape(&[stream([2, 3, 4, 5], 120)], p, &mut w).unwrap();
        assert_eq!(four_d.dims, [2, 3, 20]);
        assert_eq!(w.len(), 1, "{w:?}");
    }

    #[test]
    fn shapes_that_do_not_hold_their_values_are_refused() {
        let p = Path::new("x.d01");
        let mut w = Vec::new();
        for bad in [
            vec![stream([90, 162, 1, 1], 14581)],
            vec![stream([0, 1, 1, 1], 0)],
            vec![stream([-1, -1, 1, 1], 1)],
            vec![stream([4, 1, 1, 1], 4), stream([4, 1, 1, 1], 3)],
            vec![
                stream([4, 1, 1, 1], 4),
                stream([4, 1, 1, 1], 4),
                stream([4, 1, 1, 1], 3),
            ],
            vec![stream([1, 1, 1, 1], 0); 3],
        ] {
            let e = shape(&bad, p, &mut w).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Format, "{bad:?}: {e}");
            assert!(e.message().contains("x.d01"), "{e}");
        }
    }
}
