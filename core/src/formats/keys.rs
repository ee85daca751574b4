//! Reading the keys a reader needs (counts, numbers, scaling factors) with messages that name
//! the file, the key and what was found; checked allocations of values and data sizes.

use std::path::Path;

use super::decode;
use crate::dataset::Params;
use crate::error::{Error, ErrorKind, Result};

/// Reads a positive integer key (point counts and the like); `None` where the key is missing.
///
/// Plain digits are parsed exactly as `u64` (a float would round counts above 2^53); other
/// number forms (`1024.0`, `1.024e3`) must be whole. A count that does not fit in `u64` is an
/// error that says so, not "not a number".
pub(crate) fn positive_integer(params: &Params, key: &str, path: &Path) -> Result<Option<u64>> {
    let Some(raw) = params.get(key) else {
        return Ok(None);
    };
    let too_large = || {
        Error::format(
            path,
            format!(
                "key {key}: {raw:?} is too large for a count (at most {})",
                u64::MAX
            ),
        )
    };
    let trimmed = raw.trim();
    let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let value = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<u64>().map_err(|_| too_large())?
    } else {
        match crate::dataset::parse_number(raw) {
            // 2^64 is exactly representable; below it the cast is exact for whole numbers.
            Some(v) if v.is_finite() && v >= 1.0 && v.fract() == 0.0 => {
                if v >= 18_446_744_073_709_551_616.0 {
                    return Err(too_large());
                }
                v as u64
            }
            _ => 0,
        }
    };
    if value == 0 {
        return Err(Error::format(
            path,
            format!("key {key}: expected a positive whole number, found {raw:?}"),
        ));
    }
    Ok(Some(value))
}

/// Reads a number key that the reader needs; a missing key, a non-number or a number beyond
/// the range of a double is a format error naming the file, the key and the value.
pub(crate) fn required_number(params: &Params, key: &str, path: &Path) -> Result<f64> {
    let raw = params
        .get(key)
        .ok_or_else(|| Error::format(path, format!("required key {key} is missing")))?;
    leading_number(raw).ok_or_else(|| {
        Error::format(
            path,
            format!("key {key}: expected a finite number, found {raw:?}"),
        )
    })
}

/// The number at the start of a value (`3380.00 G` gives 3380), for keys the reader needs even
/// where the file adds a unit or other tokens after the number. Always finite (as
/// [`crate::dataset::parse_number`]): `NaN`, `inf` and `1e400` are not numbers.
pub(crate) fn leading_number(raw: &str) -> Option<f64> {
    crate::dataset::parse_number(raw)
        .or_else(|| crate::dataset::parse_number(raw.split_ascii_whitespace().next()?))
}

/// The number of `key` that scaling option `option` needs: a [`ErrorKind::Scaling`] error
/// naming `path` and the key where it is missing or not a number.
pub(crate) fn scaling_number(params: &Params, path: &Path, key: &str, option: char) -> Result<f64> {
    let raw = params.get(key).ok_or_else(|| {
        Error::scaling(
            path,
            format!("scaling '{option}' needs key {key}, which is missing"),
        )
    })?;
    leading_number(raw).ok_or_else(|| {
        Error::scaling(
            path,
            format!("scaling '{option}': key {key} is not a finite number: {raw:?}"),
        )
    })
}

/// Refuses scaling options for a format that has none: eprload's `n`, `G`, `P`, `T` and `c`
/// read Bruker parameters only (eprload: "Scaling does not work for this file type").
pub(crate) fn no_scaling(path: &Path, scaling: super::Scaling, format_name: &str) -> Result<()> {
    if scaling.is_none() {
        return Ok(());
    }
    Err(Error::scaling(
        path,
        format!(
            "scaling {:?} applies to Bruker BES3T and ESP data only; {format_name} files have no \
             scaling parameters",
            scaling.canonical()
        ),
    ))
}

/// `n` zeros for values read from `path`, or a [`ErrorKind::MemoryLimit`] error that names the
/// file and `what` the memory was for. A data file can claim more memory than the machine has
/// while its size agrees with the claim (a sparse file of a terabyte takes no disk space), and
/// a failed `vec!` allocation aborts the whole process.
pub(crate) fn zeroed_values(n: usize, path: &Path, what: &str) -> Result<Vec<f64>> {
    decode::try_zeroed_f64(n).ok_or_else(|| {
        Error::new(
            ErrorKind::MemoryLimit,
            format!(
                "{}: cannot allocate {} bytes for {what}",
                path.display(),
                n as u128 * 8
            ),
        )
    })
}

/// The [`ErrorKind::MemoryLimit`] error of an allocation for `what` (of the dataset read from
/// `path`) that the system refused.
pub(crate) fn cannot_allocate(path: &Path, what: &str) -> Error {
    Error::new(
        ErrorKind::MemoryLimit,
        format!("{}: cannot allocate memory for {what}", path.display()),
    )
}

/// Checks that a data file holds at least the bytes the descriptor claims; records a warning
/// when it holds more.
pub(crate) fn check_data_len(
    path: &Path,
    file_len: u64,
    needed: u64,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<()> {
    if file_len < needed {
        return Err(Error::format(
            path,
            format!("data file has {file_len} bytes, but {what} needs {needed} bytes"),
        ));
    }
    if file_len > needed {
        warnings.push(format!(
            "{}: data file has {} bytes after the expected data ({what}: {needed} bytes), ignored",
            path.display(),
            file_len - needed
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::text;

    #[test]
    fn leading_number_takes_the_first_token() {
        assert_eq!(leading_number("3380.00 G"), Some(3380.0));
        assert_eq!(leading_number("S 3.0"), None);
        assert_eq!(leading_number("1.5e+003"), Some(1500.0));
    }

    #[test]
    fn a_number_beyond_the_range_of_a_double_is_refused_like_nan() {
        let params = text::parse_dsc(b"XWID 1e400\nXMIN -1e400 G\nYWID NaN\n");
        let path = Path::new("/data/sample.DSC");
        for (key, raw) in [("XWID", "1e400"), ("XMIN", "-1e400 G"), ("YWID", "NaN")] {
            let e = required_number(&params, key, path).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Format, "{e}");
            for needle in ["/data/sample.DSC", key, raw, "finite"] {
                assert!(e.message().contains(needle), "{needle:?} missing from {e}");
            }
        }
        assert_eq!(leading_number("1e400"), None);
        assert_eq!(
            leading_number("1e-400"),
            Some(0.0),
            "underflow is a finite zero"
        );
    }
}
