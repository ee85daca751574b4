//! The Adani text reader (`.dat`), following eprload's `eprload_AdaniDAT`: a `Parameters`
//! banner line first, the data after the first line of `=` that closes the parameter block,
//! one point a line as `index field value` with decimal commas (every comma of a line read as
//! a point). x is the field column, the values the last column. The lines of the parameter
//! block (`     Center field: 338,20 mT`) are the parameters, key before the first `:` and
//! value after it as written (eprload returns none). Decoded once when the plan is made.

use std::path::{Path, PathBuf};

use super::scan;
use super::textfile::{header_params, plan_text_file, xy_table, Columns, TextDataset};
use super::{Format, Member, Plan, Recorder, Scaling, Signature};
use crate::error::{Error, Result};

/// The first line of every Adani `.dat` file.
const PARAMETERS_BANNER: &[u8] = b"======================== Parameters: ========================";

/// The line that closes the parameter block; the data follow it.
const DATA_BANNER: &[u8] = b"=============================================================";

/// Adani spectrometers, the text export (`.dat`).
#[derive(Debug)]
pub struct AdaniDat;

impl Format for AdaniDat {
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        crate::metadata::adani_dat_metadata(params)
    }

    fn id(&self) -> &'static str {
        "adani-dat"
    }

    fn name(&self) -> &'static str {
        "Adani text"
    }

    fn vendor(&self) -> &'static str {
        "Adani"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["dat"],
        }]
    }

    fn generic_extension(&self) -> bool {
        true
    }

    /// The file starts with the `Parameters` banner line; other `.dat` files are not Adani's.
    fn signature(&self, head: &[u8]) -> Signature {
        if head.starts_with(PARAMETERS_BANNER) {
            Signature::Matches
        } else {
            Signature::Contradicts
        }
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        plan_text_file(&AdaniDat, members, scaling, rec, decode)
    }
}

/// Reads the lines after the data banner: x from the second number, the value from the third.
fn decode(bytes: &[u8], path: &Path) -> Result<TextDataset> {
    if !bytes.starts_with(PARAMETERS_BANNER) {
        return Err(Error::format(
            path,
            format!(
                "not an Adani .dat file: the first line is not {:?}",
                String::from_utf8_lossy(PARAMETERS_BANNER)
            ),
        ));
    }
    let mut lines = scan::lines(bytes).enumerate();
    let mut header = Vec::new();
    let banner = lines.by_ref().skip(1).find_map(|(_, l)| {
        let found = l.starts_with(DATA_BANNER);
        if !found {
            header.push(l);
        }
        found.then_some(())
    });
    if banner.is_none() {
        return Err(Error::format(
            path,
            format!(
                "no line of {} '=' closes the parameter block; the data follow it",
                DATA_BANNER.len()
            ),
        ));
    }
    let columns = Columns {
        count: 3,
        x: 1,
        value: 2,
        decimal_comma: true,
        names: "index, field, value",
    };
    let mut found = xy_table(lines, &columns, path, "", "")?;
    found.params = header_params(header, |line| line.split_once(':'), path)?;
    Ok(found)
}
