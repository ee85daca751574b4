//! The ETH/WIS `.d00` reader (ESE acquisition software of the Weizmann Institute and ETH
//! Zurich), following eprload's `eprload_d00WISETH`: three little-endian `int16` dimensions,
//! then complex float64 pairs (re, im), x fastest. eprload reads nothing else; the `.exp`
//! experiment file next to it (INI text, optional) gives epyr's parameters as `section.key`
//! ([`super::ini`]).

use std::path::PathBuf;
use std::sync::Arc;

use super::header::{read_header, Fields};
use super::keys::{check_data_len, no_scaling};
use super::{
    find_companion, ini, text, BinaryValues, ByteOrder, DataLayout, Format, Member, NumberType,
    Plan, Recorder, Scaling, Signature, ValueSource,
};
use crate::dataset::Params;
use crate::error::{Error, ErrorKind, Result};

/// Bytes of the header: three `int16` dimensions.
const HEADER_LEN: usize = 6;

/// ETH/WIS `.d00`: one data file, and an optional `.exp` experiment file.
#[derive(Debug)]
pub struct EthD00;

impl Format for EthD00 {
    /// The experiment file (`.exp`, optional) is part of the dataset beside its `.d00`.
    fn companions(&self) -> &'static [&'static str] {
        &["exp"]
    }

    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::eth_d00_metadata(params)
    }

    fn id(&self) -> &'static str {
        "eth-d00"
    }

    fn name(&self) -> &'static str {
        "ETH/WIS d00"
    }

    fn vendor(&self) -> &'static str {
        "ETH Zurich / Weizmann Institute (ESE acquisition software)"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["d00"],
        }]
    }

    /// The extension tells; the header is three numbers of any value.
    fn signature(&self, _head: &[u8]) -> Signature {
        Signature::Silent
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        let [d00] = members else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("ETH d00 needs one data file, {} files given", members.len()),
            ));
        };
        no_scaling(d00, scaling, self.name())?;
        let (file, stamp) = rec.open(d00, "data file")?;
        let head = read_header(&file, d00, stamp.len(), HEADER_LEN, "the three dimensions")?;
        let mut fields = Fields::new(&head, 0);
        let raw = [fields.i16(), fields.i16(), fields.i16()];
        if let Some(i) = raw.iter().position(|&d| d < 1) {
            return Err(Error::format(
                d00,
                format!(
                    "dimension {} (bytes {}-{}) is {}, expected at least 1 (dimensions {raw:?})",
                    i + 1,
                    2 * i,
                    2 * i + 1,
                    raw[i]
                ),
            ));
        }
        let dims = raw.map(|d| d as usize);
        let points = dims.iter().product::<usize>() as u64;
        let mut warnings = Vec::new();
        let needed = HEADER_LEN as u64 + points * 16;
        // eprload reads the whole file as pairs of doubles and reshapes them to the
        // dimensions: a whole value more fails there; fewer than 8 bytes more are ignored.
        if stamp.len() >= needed + 8 {
            return Err(Error::format(
                d00,
                format!(
                    "file has {} bytes, but dimensions {raw:?} take {needed} bytes (complex \
                     float64 after a 6-byte header): {} whole values too many",
                    stamp.len(),
                    (stamp.len() - needed) / 8
                ),
            ));
        }
        let what = format!("{points} complex float64 points after a 6-byte header");
        check_data_len(d00, stamp.len(), needed, &what, &mut warnings)?;
        let exp = find_companion(d00, "exp", is_upper(d00), "experiment file", rec.absences())?;
        let params = match exp {
            Some(exp) => {
                let bytes = rec.read_text(&exp, "experiment file")?;
                let entries = ini::parse(&bytes, text::MAX_ENTRIES).ok_or_else(|| {
                    Error::format(
                        &exp,
                        format!(
                            "experiment file has more than {} entries",
                            text::MAX_ENTRIES
                        ),
                    )
                })?;
                ini::into_params(entries)
            }
            None => Params::default(),
        };
        rec.members_recorded(members);
        Ok(Plan {
            format: &EthD00,
            layout: DataLayout {
                dims,
                complex: vec![true],
                values: ValueSource::File(BinaryValues {
                    path: d00.clone(),
                    file: Some(Arc::new(file)),
                    stamp,
                    number: NumberType::F64,
                    order: ByteOrder::Little,
                    offset: HEADER_LEN as u64,
                    planar: false,
                }),
            },
            axes: [None, None, None],
            params,
            warnings,
            scale: Vec::new(),
            provenance: rec.provenance(),
        })
    }
}

/// Whether the extension of `path` is all upper case (companions are looked for in its case
/// first).
fn is_upper(path: &std::path::Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    !ext.is_empty() && ext == ext.to_ascii_uppercase()
}
