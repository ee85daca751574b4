//! The qese/tryscore reader (`.eco`, text), following eprload's `eprload_qeseETH`: a first
//! line `nx ny complex` (or `nx ny`, or `nx`), then the values as numbers separated by white
//! space, complex ones as `re im` pairs, x fastest. No axes. The first line's sizes are the
//! parameters `nx`, `ny` and `complex` as eprload reads them (`ny` 1 and `complex` 0 where the
//! line leaves them out); eprload returns no parameters, but its y has the shape `[nx ny]`, so a
//! vector is a row for `1 1024 0` and a column for `1024 1` or `1024`, which a host rebuilding
//! eprload's outputs needs. A vector is a dataset along x either way. Decoded once when the
//! plan is made.

use std::path::{Path, PathBuf};

use super::scan::Scanner;
use super::textfile::{plan_text_file, push_value, TextDataset};
use super::{Format, Member, Plan, Recorder, Scaling, Signature};
use crate::error::{Error, Result};

/// qese (old ETH acquisition software) and tryscore (Weizmann HYSCORE simulations).
#[derive(Debug)]
pub struct QeseEco;

impl Format for QeseEco {
    fn id(&self) -> &'static str {
        "qese-eco"
    }

    fn name(&self) -> &'static str {
        "qese/tryscore"
    }

    fn vendor(&self) -> &'static str {
        "ETH Zurich"
    }

    fn members(&self) -> &'static [Member] {
        &[Member {
            role: "data file",
            extensions: &["eco"],
        }]
    }

    /// Numbers only, no fixed start.
    fn signature(&self, _head: &[u8]) -> Signature {
        Signature::Silent
    }

    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan> {
        plan_text_file(&QeseEco, members, scaling, rec, decode)
    }
}

/// The sizes of the first line: `[nx, ny]` and whether the values are complex.
fn header(line: &[u8], path: &Path) -> Result<([u64; 2], bool)> {
    let mut scanner = Scanner::new(line);
    let read: Vec<i64> = std::iter::from_fn(|| scanner.integer()).take(3).collect();
    let bad = |what: &str| {
        Error::format(
            path,
            format!(
                "line 1: expected \"nx ny complex\" ({what}), found {}",
                super::textfile::quote_line(line)
            ),
        )
    };
    let (sizes, complex) = match read[..] {
        [nx, ny, c] => ([nx, ny], c),
        [nx, ny] => ([nx, ny], 0),
        [nx] => ([nx, 1], 0),
        _ => return Err(bad("whole numbers")),
    };
    if sizes.iter().any(|&n| n < 1) {
        return Err(bad("sizes of at least 1"));
    }
    if complex != 0 && complex != 1 {
        return Err(bad("complex 0 or 1"));
    }
    Ok(([sizes[0] as u64, sizes[1] as u64], complex == 1))
}

/// Reads the first line's sizes, then that many values.
fn decode(bytes: &[u8], path: &Path) -> Result<TextDataset> {
    let split = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
    let (first, rest) = bytes.split_at(split);
    let ([nx, ny], complex) = header(first, path)?;
    let width = 1 + u64::from(complex);
    // Each number takes a character and a separator: a claim beyond that is refused before
    // anything is allocated.
    let most = (rest.len() as u64).div_ceil(2);
    let needed = nx
        .checked_mul(ny)
        .and_then(|p| p.checked_mul(width))
        .filter(|&n| n <= most)
        .ok_or_else(|| {
            Error::format(
                path,
                format!(
                    "line 1 claims {nx} x {ny} {} values, but the {} bytes after it hold at \
                     most {most} numbers",
                    if complex { "complex" } else { "real" },
                    rest.len()
                ),
            )
        })?;
    let mut scanner = Scanner::new(rest);
    let mut values = Vec::new();
    // Within the bytes present (checked above): at most half the file.
    values
        .try_reserve_exact(needed as usize)
        .map_err(|_| super::keys::cannot_allocate(path, "the values"))?;
    while (values.len() as u64) < needed {
        let Some(v) = scanner.float() else {
            let at = first.len() + scanner.offset();
            return Err(Error::format(
                path,
                format!(
                    "line 1 claims {needed} numbers, found {} (reading stopped at byte {at}: {})",
                    values.len(),
                    if at >= bytes.len() {
                        "the end of the file".to_string()
                    } else {
                        super::textfile::quote_line(&bytes[at..bytes.len().min(at + 20)])
                    }
                ),
            ));
        };
        push_value(&mut values, v, path)?;
    }
    let mut warnings = Vec::new();
    if !scanner.at_end() {
        warnings.push(format!(
            "{}: text after the {needed} numbers of the data is ignored (as eprload ignores it)",
            path.display()
        ));
    }
    let mut params = crate::dataset::Params::default();
    for (key, value) in [("nx", nx), ("ny", ny), ("complex", width - 1)] {
        params.push(crate::dataset::Param {
            key: key.to_string().into(),
            value: value.to_string(),
            device: None,
        });
    }
    let (nx, ny) = (nx as usize, ny as usize);
    let dims = if nx == 1 || ny == 1 {
        [nx * ny, 1, 1]
    } else {
        [nx, ny, 1]
    };
    Ok(TextDataset {
        dims,
        complex,
        params,
        warnings,
        ..TextDataset::bare(values)
    })
}
