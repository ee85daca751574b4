//! The MAGRES reader (`.PLT`, text written by the Nijmegen EPR/ENDOR simulation program),
//! following eprload's `eprload_MAGRES`: the number of points is the value of the last line
//! whose first word is `DATA`; the values are the numbers after the first three lines, as many
//! as `DATA` says (fewer where the numbers end earlier: eprload warns and returns those, and so
//! does epyr). No axes and no parameters (eprload returns none). Decoded once when the plan is
//! made.

use std::path::{Path, PathBuf};

use super::scan::{self, Scanner};
use super::textfile::{plan_text_file, push_value, TextDataset};
use super::{Format, Member, Plan, Recorder, Scaling, Signature};
use crate::error::{Error, Result};

/// How many lines come before the values.
const HEADER_LINES: usize = 3;

/// MAGRES simulation output (`.PLT`).
#[derive(Debug)]
pub struct Magres;

impl Format for Magres {
    fn id(&self) -> &'static str {
        "magres-plt"
    }

    fn name(&self) -> &'static str {
        "MAGRES"
    }

    fn vendor(&self) -> &'static str {
        "MAGRES (Nijmegen)"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["plt"],
        }]
    }

    /// Text without a fixed start.
    fn signature(&self, _head: &[u8]) -> Signature {
        Signature::Silent
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        plan_text_file(&Magres, members, scaling, rec, decode)
    }
}

/// The point count: the text after the word `DATA` of the last line that starts with it (as
/// eprload's `findtagsMAGRES` and `str2double`), a whole number of at least 1.
fn point_count(bytes: &[u8], path: &Path) -> Result<u64> {
    let tagged = scan::lines(bytes).filter_map(|line| {
        let end = line.iter().position(|&b| scan::is_space(b))?;
        (&line[..end] == b"DATA").then(|| &line[end..])
    });
    let Some(value) = tagged.last() else {
        return Err(Error::format(
            path,
            "no DATA line: a MAGRES .PLT file gives its number of points as \"DATA n\"",
        ));
    };
    let text = super::text::latin1(value);
    match crate::dataset::parse_number(&text) {
        Some(n) if n >= 1.0 && n.fract() == 0.0 && n < 1e15 => Ok(n as u64),
        _ => Err(Error::format(
            path,
            format!(
                "DATA: expected the number of points (a whole number of at least 1), found {:?}",
                text.trim()
            ),
        )),
    }
}

/// Reads the point count, then the numbers after the first three lines.
fn decode(bytes: &[u8], path: &Path) -> Result<TextDataset> {
    let count = point_count(bytes, path)?;
    let start = memchr::memchr_iter(b'\n', bytes)
        .nth(HEADER_LINES - 1)
        .map_or(bytes.len(), |i| i + 1);
    let mut scanner = Scanner::new(&bytes[start..]);
    let mut values = Vec::new();
    while (values.len() as u64) < count {
        let Some(v) = scanner.float() else { break };
        push_value(&mut values, v, path)?;
    }
    if values.is_empty() {
        return Err(Error::format(
            path,
            format!(
                "DATA says {count} points, but no number follows the first {HEADER_LINES} lines"
            ),
        ));
    }
    let mut found = TextDataset::bare(values);
    if (found.values.len() as u64) < count {
        found.warnings.push(format!(
            "{}: DATA says {count} points, but only {} numbers follow the first {HEADER_LINES} \
             lines; the dataset has those {} (as eprload, which warns too)",
            path.display(),
            found.values.len(),
            found.values.len()
        ));
    }
    Ok(found)
}
