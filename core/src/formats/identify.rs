//! Which format a file is, from its extension and its first bytes (as image-rs tells an image
//! format by extension and by signature): an extension that one format alone claims decides;
//! an extension several formats or other programs use (`.dat`, `.json`, `.xml`), or none at
//! all (JEOL files), is decided by the content, and content that fits two formats is an error
//! naming both.

use std::io::Read;
use std::path::Path;

use super::resolve::OpenedFile;
use super::{by_extension, formats_in_words, Format, Signature, FORMATS, HEAD_BYTES};
use crate::error::{Error, Result};
use crate::files::open_regular;

/// The format of the existing file `path` and which of its members the file is.
pub fn identify(path: &Path) -> Result<(&'static dyn Format, usize)> {
    identify_opening(path).map(|(format, role, _)| (format, role))
}

/// [`identify`], with the file it opened to read the first bytes where it had to (so that
/// the reader can use that handle instead of opening the file again).
pub(crate) fn identify_opening(
    path: &Path,
) -> Result<(&'static dyn Format, usize, Option<OpenedFile>)> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let claims: Vec<(&'static dyn Format, usize)> = by_extension(ext).collect();
    if let [(format, role)] = claims.as_slice() {
        if !format.generic_extension() {
            return Ok((*format, *role, None));
        }
    }
    let (opened, head) = read_head(path)?;
    let (format, role) = by_head(path, ext, &claims, &head)?;
    Ok((format, role, Some(opened)))
}

/// The format of `path` from its first bytes `head`, among the formats that claim its
/// extension (`claims`), or among all where none does.
fn by_head(
    path: &Path,
    ext: &str,
    claims: &[(&'static dyn Format, usize)],
    head: &[u8],
) -> Result<(&'static dyn Format, usize)> {
    if claims.is_empty() {
        return by_content(path, ext, head);
    }
    let fitting: Vec<_> = claims
        .iter()
        .filter(|(f, _)| f.signature(head) != Signature::Contradicts)
        .copied()
        .collect();
    let matching: Vec<_> = fitting
        .iter()
        .filter(|(f, _)| f.signature(head) == Signature::Matches)
        .copied()
        .collect();
    let chosen = if matching.is_empty() {
        &fitting
    } else {
        &matching
    };
    match chosen.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::unsupported(
            path,
            format!(
                "a .{ext} file whose content is not {}",
                names(claims.iter().map(|(f, _)| *f))
            ),
        )),
        several => Err(ambiguous(path, several.iter().map(|(f, _)| *f))),
    }
}

/// The format whose signature the first bytes match, for a file whose extension no format
/// claims.
fn by_content(path: &Path, ext: &str, head: &[u8]) -> Result<(&'static dyn Format, usize)> {
    let matching: Vec<&'static dyn Format> = FORMATS
        .iter()
        .copied()
        .filter(|f| f.signature(head) == Signature::Matches)
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one, 0)),
        [] => Err(Error::unsupported(
            path,
            if ext.is_empty() {
                format!(
                    "not a file epyr reads: the name has no extension and the content fits no \
                     format; epyr reads {}, or a base name next to such files",
                    formats_in_words()
                )
            } else {
                format!(
                    "not a file epyr reads: unknown extension .{ext} and the content fits no \
                     format; epyr reads {}",
                    formats_in_words()
                )
            },
        )),
        several => Err(ambiguous(path, several.iter().copied())),
    }
}

/// The formats named for a message: "Bruker BES3T (bruker-bes3t) or Bruker ESP/WinEPR
/// (bruker-esp)".
fn names(formats: impl Iterator<Item = &'static dyn Format>) -> String {
    formats
        .map(|f| format!("{} ({})", f.name(), f.id()))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The error for a file that fits several formats.
fn ambiguous(path: &Path, formats: impl Iterator<Item = &'static dyn Format>) -> Error {
    Error::unsupported(
        path,
        format!(
            "the file looks like {}; name the format to read it as",
            names(formats)
        ),
    )
}

/// The regular file at `path`, opened without blocking, and its first [`HEAD_BYTES`] bytes
/// (fewer for a shorter file).
fn read_head(path: &Path) -> Result<(OpenedFile, Vec<u8>)> {
    let (file, stamp) = open_regular(path, "file")?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&file)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, "read the first bytes of", &e))?;
    let opened = OpenedFile {
        path: path.to_path_buf(),
        file,
        stamp,
    };
    Ok((opened, head))
}
