//! Fixed binary headers at the start of data files (SpecMan `.d01`, JEOL, ETH `.d00`): read
//! whole by one positioned read after their length is checked against the file's, then taken
//! apart field by field, little-endian.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// Reads the first `len` bytes of `file` (whose stamp says it has `file_len` bytes), or a
/// format error naming `path` and `what` the bytes are when the file is shorter.
pub(crate) fn read_header(
    file: &File,
    path: &Path,
    file_len: u64,
    len: usize,
    what: &str,
) -> Result<Vec<u8>> {
    if file_len < len as u64 {
        return Err(Error::format(
            path,
            format!("file has {file_len} bytes, but {what} needs {len} bytes"),
        ));
    }
    let mut bytes = vec![0u8; len];
    crate::sys::read_exact_at(file, &mut bytes, 0).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::new(
                ErrorKind::FileChanged,
                format!(
                    "{}: file ended before byte {len} of {what} although its size was \
                     {file_len} bytes: it changed while read (load again), or its size is not \
                     its content",
                    path.display()
                ),
            )
        } else {
            Error::io(path, "read the header of", &e)
        }
    })?;
    Ok(bytes)
}

/// Sequential little-endian fields of a header already read; reading past its end gives zero
/// bytes (callers size the header from the same layout they read it by).
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    /// The fields of `bytes` from byte `at` on.
    pub fn new(bytes: &'a [u8], at: usize) -> Fields<'a> {
        Fields { bytes, at }
    }

    /// The byte offset of the next field.
    pub fn offset(&self) -> usize {
        self.at
    }

    /// The next `n` bytes (fewer at the end of the header).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let start = self.at.min(self.bytes.len());
        let end = self.at.saturating_add(n).min(self.bytes.len());
        self.at = self.at.saturating_add(n);
        &self.bytes[start..end]
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        let b = self.take(N);
        a[..b.len()].copy_from_slice(b);
        a
    }

    /// The next little-endian `int16`.
    pub fn i16(&mut self) -> i16 {
        i16::from_le_bytes(self.array())
    }

    /// The next little-endian `int32`.
    pub fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.array())
    }

    /// The next little-endian `uint32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    /// The next little-endian `float32`.
    pub fn f32(&mut self) -> f32 {
        f32::from_le_bytes(self.array())
    }
}

/// The C string at the start of `field`: its bytes up to the first NUL, or none at all when
/// the field has no NUL (eprload's `readcstring`: `ch(1:find(ch==0,1)-1)` is empty then).
pub(crate) fn c_string(field: &[u8]) -> &[u8] {
    match field.iter().position(|&b| b == 0) {
        Some(end) => &field[..end],
        None => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_decode_little_endian_and_read_zeros_past_the_end() {
        let bytes = [1, 0, 2, 0, 0, 0, 0, 0, 0x80, 0x3f, 0xff];
        let mut f = Fields::new(&bytes, 0);
        assert_eq!((f.i16(), f.i32(), f.f32()), (1, 2, 1.0));
        assert_eq!(f.offset(), 10);
        assert_eq!(f.u32(), 0xff, "the missing bytes read as zeros");
        assert_eq!(f.take(4), &[] as &[u8]);
    }

    #[test]
    fn a_c_string_ends_at_its_first_nul_and_is_empty_without_one() {
        assert_eq!(c_string(b"cAcqu\0\xcd\xcd"), b"cAcqu");
        assert_eq!(c_string(b"\0abc"), b"");
        assert_eq!(c_string(b"full"), b"");
    }
}
