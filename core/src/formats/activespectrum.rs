//! The Active Spectrum reader (`.ESR`, tab-separated text), following eprload's
//! `eprload_ActiveSpectrum`: header lines, then a line starting with `FIELD (G)`, then one
//! point a line with the field first and the averaged intensity second (the single sweeps
//! after them are not read). The header lines are the parameters: the first tab-separated
//! field the key (`MICROWAVE POWER (mW)`), the rest of the line the value, its fields
//! separated by tabs (`FREQUENCY (MHz)` gives the averaged sweep then each sweep; eprload
//! returns no parameters). Decoded once when the plan is made.

use std::path::{Path, PathBuf};

use super::scan;
use super::textfile::{header_params, plan_text_file, xy_table, Columns, TextDataset};
use super::{Format, Member, Plan, Recorder, Scaling, Signature};
use crate::error::{Error, Result};

/// The start of the line after which the data start.
const DATA_HEADER: &[u8] = b"FIELD (G)";

/// Active Spectrum benchtop spectrometers (`.ESR`).
#[derive(Debug)]
pub struct ActiveSpectrum;

impl Format for ActiveSpectrum {
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::activespectrum_metadata(params)
    }

    fn id(&self) -> &'static str {
        "activespectrum"
    }

    fn name(&self) -> &'static str {
        "Active Spectrum"
    }

    fn vendor(&self) -> &'static str {
        "Active Spectrum"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["esr"],
        }]
    }

    /// Text without a fixed start (the data header is on line 21 of real files).
    fn signature(&self, _head: &[u8]) -> Signature {
        Signature::Silent
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        plan_text_file(&ActiveSpectrum, members, scaling, rec, decode)
    }
}

/// Reads the lines after the `FIELD (G)` line: x from the first number, the value from the
/// second.
fn decode(bytes: &[u8], path: &Path) -> Result<TextDataset> {
    let mut lines = scan::lines(bytes).enumerate();
    let mut header = Vec::new();
    let data_header = lines.by_ref().find_map(|(_, l)| {
        let found = l.starts_with(DATA_HEADER);
        if !found {
            header.push(l);
        }
        found.then_some(())
    });
    if data_header.is_none() {
        return Err(Error::format(
            path,
            "no line starts with \"FIELD (G)\"; the data follow that line",
        ));
    }
    let columns = Columns {
        count: 2,
        x: 0,
        value: 1,
        decimal_comma: false,
        names: "field, intensity",
    };
    let mut found = xy_table(lines, &columns, path, "FIELD", "G")?;
    found.params = header_params(header, |line| line.split_once('\t'), path)?;
    Ok(found)
}
