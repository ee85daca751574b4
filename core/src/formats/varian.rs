//! The Varian E9 (ETH) reader (`.spk`, `.ref`: float32 little-endian numbers of a home-built
//! acquisition system of 1991), following eprload's `eprload_VarianE9ETH`: the values are the
//! last 500, 1000, 2000, 5000 or 10000 numbers of the file (the largest count below the number
//! of float32 numbers the file holds; what comes before them is not documented). No axes and
//! no parameters (eprload returns none). Read by positioned reads from the data file.

use std::path::PathBuf;
use std::sync::Arc;

use super::keys::no_scaling;
use super::textfile::one_member;
use super::{
    BinaryValues, ByteOrder, DataLayout, Format, Member, NumberType, Plan, Recorder, Scaling,
    Signature, ValueSource,
};
use crate::dataset::Params;
use crate::error::{Error, Result};

/// The point counts a file may have, smallest first; a file holds more numbers than its count.
const POINT_COUNTS: [u64; 5] = [500, 1000, 2000, 5000, 10000];

/// Varian E9 spectrometer at ETH Zurich (`.spk` spectra, `.ref` references).
#[derive(Debug)]
pub struct VarianEth;

impl Format for VarianEth {
    fn id(&self) -> &'static str {
        "varian-eth"
    }

    fn name(&self) -> &'static str {
        "Varian E9 (ETH)"
    }

    fn vendor(&self) -> &'static str {
        "Varian (ETH Zurich)"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["spk", "ref"],
        }]
    }

    /// Raw float32 numbers: no signature.
    fn signature(&self, _head: &[u8]) -> Signature {
        Signature::Silent
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        let path = one_member(members, self)?;
        no_scaling(path, scaling, self.name())?;
        let (file, stamp) = rec.open(path, "data file")?;
        rec.members_recorded(members);
        let numbers = stamp.len() / 4;
        let Some(&points) = POINT_COUNTS.iter().rev().find(|&&k| numbers > k) else {
            return Err(Error::format(
                path,
                format!(
                    "file too small: {} bytes hold {numbers} float32 numbers, a Varian E9 file \
                     more than {}",
                    stamp.len(),
                    POINT_COUNTS[0]
                ),
            ));
        };
        let mut warnings = Vec::new();
        if stamp.len() % 4 != 0 {
            warnings.push(format!(
                "{}: the last {} bytes are not a whole float32 number and are ignored",
                path.display(),
                stamp.len() % 4
            ));
        }
        Ok(Plan {
            format: &VarianEth,
            layout: DataLayout {
                dims: [points as usize, 1, 1],
                complex: vec![false],
                values: ValueSource::File(BinaryValues {
                    path: path.clone(),
                    file: Some(Arc::new(file)),
                    stamp,
                    number: NumberType::F32,
                    order: ByteOrder::Little,
                    offset: (numbers - points) * 4,
                    planar: false,
                }),
            },
            axes: [None, None, None],
            params: Params::default(),
            warnings,
            scale: Vec::new(),
            provenance: rec.provenance(),
        })
    }
}
