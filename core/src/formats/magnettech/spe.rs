//! The binary `.spe` reader of the older Magnettech spectrometers (`eprload_MagnettechBinary`):
//! `N` little-endian int16 values from byte 0, then a 64-byte trailer of parameters; the file
//! size `2N + 64` for `N` in 512, 1024, 2048, 4096 is all that identifies the format.
//!
//! Newer control software writes the field decimals in thousandths instead of hundredths of a
//! gauss (EasySpin issue 88, "magnettech spe format change": old readers gave a wrong field
//! axis for new files); `FileFlags` bit 1 tells them apart, as eprload reads it now.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dataset::{Param, Params};
use crate::error::{Error, ErrorKind, Result};
use crate::files::{ensure_unchanged, stamp_of};
use crate::formats::keys::no_scaling;
use crate::formats::scaling::Scaling;
use crate::formats::{
    AxisPlan, AxisValues, BinaryValues, ByteOrder, DataLayout, Format, Member, NumberType, Plan,
    Recorder, Signature, ValueSource,
};

/// The point counts a `.spe` file can have (eprload's list).
const POINT_COUNTS: [u64; 4] = [512, 1024, 2048, 4096];

/// The bytes of the parameter trailer after the values.
const TRAILER_BYTES: usize = 64;

/// `FileFlags` bit: the trailer ends with the microwave frequency.
const FLAG_MW_FREQ: u8 = 1;
/// `FileFlags` bit: field decimals are thousandths (set) or hundredths (clear; old files).
const FLAG_NEW_FORMAT: u8 = 2;
/// `FileFlags` bit: the trailer holds a temperature.
const FLAG_TEMPERATURE: u8 = 4;

/// Magnettech binary `.spe` (MiniScope MS400 and older spectrometers).
#[derive(Debug)]
pub struct MagnettechSpe;

impl Format for MagnettechSpe {
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::magnettech_spe_metadata(params)
    }

    fn id(&self) -> &'static str {
        "magnettech-spe"
    }

    fn name(&self) -> &'static str {
        "Magnettech binary (.spe)"
    }

    fn vendor(&self) -> &'static str {
        "Magnettech"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["spe"],
        }]
    }

    /// The values come first and the trailer last: the first bytes say nothing.
    fn signature(&self, _head: &[u8]) -> Signature {
        Signature::Silent
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        let [spe] = members else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("a .spe dataset is one file, {} files given", members.len()),
            ));
        };
        no_scaling(spe, scaling, self.name())?;
        let (file, stamp) = rec.open(spe, "data file")?;
        rec.members_recorded(members);
        let points = point_count(spe, stamp.len())?;
        let mut trailer = [0u8; TRAILER_BYTES];
        crate::sys::read_exact_at(&file, &mut trailer, 2 * points)
            .map_err(|e| Error::io(spe, "read the parameter trailer of", &e))?;
        ensure_unchanged(
            spe,
            "data file",
            &stamp,
            &stamp_of(&file, spe)?,
            "while its trailer was read",
        )?;
        let trailer = Trailer::parse(&trailer);
        let n = points as usize;
        Ok(Plan {
            format: &MagnettechSpe,
            layout: DataLayout {
                dims: [n, 1, 1],
                complex: vec![false],
                values: ValueSource::File(BinaryValues {
                    path: spe.clone(),
                    file: Some(Arc::new(file)),
                    stamp,
                    number: NumberType::I16,
                    order: ByteOrder::Little,
                    offset: 0,
                    planar: false,
                }),
            },
            axes: [
                Some(AxisPlan {
                    len: n,
                    name: "Field".into(),
                    unit: "mT".into(),
                    // eprload: B0_Field + linspace(-1/2, 1/2, N) * B0_Scan.
                    values: AxisValues::Linspace {
                        offset: trailer.b0_field,
                        scale: trailer.b0_scan,
                        start: -0.5,
                        end: 0.5,
                    },
                }),
                None,
                None,
            ],
            params: trailer.params(),
            warnings: Vec::new(),
            scale: Vec::new(),
            provenance: rec.provenance(),
        })
    }
}

/// The number of values of a `.spe` file of `len` bytes: `N` where `len` is `2N + 64` for one
/// of [`POINT_COUNTS`]; any other size is not a `.spe` file (eprload's only test).
fn point_count(path: &Path, len: u64) -> Result<u64> {
    POINT_COUNTS
        .into_iter()
        .find(|&n| 2 * n + TRAILER_BYTES as u64 == len)
        .ok_or_else(|| {
            let sizes: Vec<String> = POINT_COUNTS
                .iter()
                .map(|n| format!("{} ({n} points)", 2 * n + TRAILER_BYTES as u64))
                .collect();
            Error::format(
                path,
                format!(
                    "file has {len} bytes; a Magnettech .spe file has 2N+64 bytes: {}",
                    sizes.join(", ")
                ),
            )
        })
}

/// The parameters of the trailer, computed as eprload computes them.
struct Trailer {
    b0_field: f64,
    b0_scan: f64,
    modulation: f64,
    mw_attenuation: f64,
    scan_time: f64,
    gain: f64,
    number: f64,
    time_const: f64,
    number_samples: f64,
    temperature: Option<f64>,
    file_flags: u8,
    mw_freq: Option<f64>,
}

impl Trailer {
    /// Reads the 64 trailer bytes: thirteen "four-byte singles" (two int16, the integer part and
    /// the decimals, in hundredths or, with `FileFlags` bit 1, thousandths), an int32
    /// temperature, one more single, `FileFlags` (byte 60) and the microwave frequency in kHz as
    /// three big-endian bytes.
    fn parse(t: &[u8; TRAILER_BYTES]) -> Trailer {
        let file_flags = t[60];
        let decimals = if file_flags & FLAG_NEW_FORMAT != 0 {
            1000.0
        } else {
            100.0
        };
        let int16 = |at: usize| f64::from(i16::from_le_bytes([t[at], t[at + 1]]));
        let single = |index: usize| int16(4 * index) + int16(4 * index + 2) / decimals;
        let temperature = i32::from_le_bytes([t[52], t[53], t[54], t[55]]);
        let khz = 65536.0 * f64::from(t[61]) + 256.0 * f64::from(t[62]) + f64::from(t[63]);
        Trailer {
            b0_field: single(0) / 10.0,
            b0_scan: single(1) / 10.0,
            modulation: single(2) / 10000.0,
            mw_attenuation: single(3),
            scan_time: single(4),
            gain: single(5) * 10f64.powf(single(6).round()),
            number: single(7),
            time_const: single(9),
            number_samples: single(12),
            temperature: (file_flags & FLAG_TEMPERATURE != 0).then_some(f64::from(temperature)),
            file_flags,
            mw_freq: (file_flags & FLAG_MW_FREQ != 0).then_some(khz / 1e6),
        }
    }

    /// The parameters under eprload's names and in its order; a temperature or microwave
    /// frequency the flags say is absent is an empty value (eprload's `[]`).
    fn params(&self) -> Params {
        let optional = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
        let entries = [
            ("B0_Field", self.b0_field.to_string()),
            ("B0_Scan", self.b0_scan.to_string()),
            ("Modulation", self.modulation.to_string()),
            ("MW_Attenuation", self.mw_attenuation.to_string()),
            ("ScanTime", self.scan_time.to_string()),
            ("Gain", self.gain.to_string()),
            ("Number", self.number.to_string()),
            ("Time_const", self.time_const.to_string()),
            ("NumberSamples", self.number_samples.to_string()),
            ("Temperature", optional(self.temperature)),
            ("FileFlags", self.file_flags.to_string()),
            ("mwFreq", optional(self.mw_freq)),
        ];
        Params::new(
            entries
                .into_iter()
                .map(|(key, value)| Param {
                    key: key.into(),
                    value,
                    device: None,
                })
                .collect(),
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trailer with the given singles (integer part, decimals), temperature and flags.
    fn trailer(singles: &[(i16, i16)], temperature: i32, flags: u8, khz: u32) -> [u8; 64] {
        let mut t = [0u8; 64];
        for (i, (a, b)) in singles.iter().enumerate() {
            t[4 * i..4 * i + 2].copy_from_slice(&a.to_le_bytes());
            t[4 * i + 2..4 * i + 4].copy_from_slice(&b.to_le_bytes());
        }
        t[52..56].copy_from_slice(&temperature.to_le_bytes());
        t[60] = flags;
        t[61..64].copy_from_slice(&khz.to_be_bytes()[1..]);
        t
    }

    #[test]
    fn flag_bit_1_chooses_thousandths_and_the_other_bits_the_optional_fields() {
        let singles = [
            (3360, 500),
            (99, 794),
            (2, 0),
            (20, 0),
            (60, 0),
            (5, 0),
            (2, 0),
        ];
        let old = Trailer::parse(&trailer(&singles, 22, 0, 9_400_000));
        assert_eq!(old.b0_field, (3360.0 + 500.0 / 100.0) / 10.0);
        assert_eq!(old.b0_scan, (99.0 + 794.0 / 100.0) / 10.0);
        assert_eq!(old.gain, 500.0);
        assert_eq!((old.temperature, old.mw_freq), (None, None));
        let new = Trailer::parse(&trailer(&singles, 22, 7, 9_400_000));
        assert_eq!(new.b0_field, (3360.0 + 500.0 / 1000.0) / 10.0);
        assert_eq!(new.temperature, Some(22.0));
        assert_eq!(new.mw_freq, Some(9.4));
        let params = new.params();
        assert_eq!(params.get("FileFlags"), Some("7"));
        assert_eq!(params.number("B0_Field"), Some(new.b0_field));
        assert_eq!(old.params().get("mwFreq"), Some(""));
    }

    #[test]
    fn only_the_four_sizes_of_eprload_are_spe_files() {
        let path = Path::new("/data/x.spe");
        assert_eq!(point_count(path, 2 * 1024 + 64).unwrap(), 1024);
        assert_eq!(point_count(path, 8256).unwrap(), 4096);
        for len in [0, 64, 2 * 1024 + 63, 2 * 8192 + 64, u64::MAX] {
            let e = point_count(path, len).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Format, "{e}");
            assert!(e.message().contains(&format!("{len} bytes")), "{e}");
        }
    }
}
