//! Path resolution through the format table: which format and which member files a path
//! names, recording every companion name looked for and not found (so that a cache notices
//! when one appears).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::identify::identify_opening;
use super::{Absence, FileStamp, Format, FORMATS};
use crate::error::{Error, ErrorKind, Result};
use crate::files::{access_error, is_missing, not_regular, regular_file};

/// The files of the dataset a path names, as one resolution of the path found them: the
/// format, the member files (absolute, links not followed) and the companion names looked for
/// and not found. A loader resolves a path once and hands the resolution to the cache (for
/// its key) and to [`super::Plan::open_resolved`].
#[derive(Clone)]
pub struct Resolution {
    /// The format of the dataset.
    pub format: &'static dyn Format,
    /// The member files in role order ([`Format::members`]).
    pub members: Vec<PathBuf>,
    /// Companion names looked for and not found.
    pub absent: Vec<Absence>,
    /// When the resolution started, before any file was looked at (seconds since the Unix
    /// epoch).
    pub started: f64,
    /// The member file the resolution opened to tell its format by content, kept open for
    /// the reader (dropped with the resolution otherwise).
    pub(crate) opened: Option<Arc<OpenedFile>>,
}

/// A file opened and stamped while a path was resolved.
#[derive(Debug)]
pub(crate) struct OpenedFile {
    /// The path it was opened by (made absolute with the members).
    pub path: PathBuf,
    /// The open file.
    pub file: File,
    /// Its stamp, taken when it was opened.
    pub stamp: FileStamp,
}

impl std::fmt::Debug for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolution")
            .field("format", &self.format.id())
            .field("members", &self.members)
            .field("absent", &self.absent)
            .field("started", &self.started)
            .field("opened", &self.opened)
            .finish()
    }
}

impl Resolution {
    /// Resolves `path`: any member file of a dataset (any extension case; the format from the
    /// extension, or from the content where the extension does not tell), or the base name
    /// without extension of a dataset of several files. Messages name the path as given; the
    /// paths returned and recorded are absolute, so that what a cache records stays true after
    /// a change of the current folder. An empty path is an [`ErrorKind::InvalidArgument`]
    /// error.
    pub fn of(path: &Path) -> Result<Resolution> {
        Resolution::found(path, None)
    }

    /// Resolves `path` as a dataset of the format `format_id` (as given by a caller who knows
    /// the format): the extension and content are not consulted.
    pub fn as_format(path: &Path, format_id: &str) -> Result<Resolution> {
        let format = super::known_format(format_id, path)?;
        Resolution::found(path, Some(format))
    }

    fn found(path: &Path, format: Option<&'static dyn Format>) -> Result<Resolution> {
        if path.as_os_str().is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "an empty path names no file",
            ));
        }
        let started = crate::sys::now_secs();
        let mut absent = Vec::new();
        let (format, members, mut opened) = resolve_as_given(path, format, &mut absent)?;
        let absolute =
            |p: PathBuf| std::path::absolute(&p).map_err(|e| Error::io(&p, "resolve", &e));
        for name in &mut absent {
            let (Absence::File(p) | Absence::Listing(p, _)) = name;
            *p = absolute(std::mem::take(p))?;
        }
        let members = members
            .into_iter()
            .map(absolute)
            .collect::<Result<Vec<_>>>()?;
        if let Some(file) = &mut opened {
            file.path = absolute(std::mem::take(&mut file.path))?;
        }
        Ok(Resolution {
            format,
            members,
            absent,
            started,
            opened: opened.map(Arc::new),
        })
    }
}

/// [`Resolution::of`] with the paths as derived from the given one (relative if it is).
///
/// An extension that one format alone claims decides without reading the file (the common
/// case: one `stat`, of the companion); otherwise the first bytes tell ([`identify`]).
fn resolve_as_given(
    path: &Path,
    forced: Option<&'static dyn Format>,
    absent: &mut Vec<Absence>,
) -> Result<(&'static dyn Format, Vec<PathBuf>, Option<OpenedFile>)> {
    let claimed = match forced {
        Some(f) => Some((f, role_of(f, path))),
        None => sole_claim(path),
    };
    if let Some((format, role)) = claimed {
        let found = companions(format, path, role, absent);
        if found.is_err() || forced.is_some() {
            // Say first if the given file itself is missing or not a file (a base name with
            // a forced format is looked up as such).
            match std::fs::metadata(path) {
                Err(e) if is_missing(&e) && forced.is_some() => {
                    return from_base_name(path, forced, absent).map(|(f, m)| (f, m, None))
                }
                _ => {
                    regular_file(path, "file")?;
                }
            }
        }
        return found.map(|members| (format, members, None));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            let (format, role, opened) = identify_opening(path)?;
            let members = companions(format, path, role, absent)?;
            Ok((format, members, opened))
        }
        Err(e) if !is_missing(&e) => Err(Error::io(path, "stat", &e)),
        // Missing, or a folder or other non-file: a base name (`x` beside `x.DSC`).
        _ => from_base_name(path, forced, absent).map(|(f, m)| (f, m, None)),
    }
}

/// The format and member number the extension of `path` names when exactly one format, whose
/// extensions are its own, claims it.
fn sole_claim(path: &Path) -> Option<(&'static dyn Format, usize)> {
    let ext = path.extension()?.to_str()?;
    let mut claims = super::by_extension(ext);
    let (format, role) = claims.next()?;
    (claims.next().is_none() && !format.generic_extension()).then_some((format, role))
}

/// Which member of `format` the file at `path` is, by its extension; the first member where
/// the extension names none (a file given with its format).
fn role_of(format: &dyn Format, path: &Path) -> usize {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    format
        .members()
        .iter()
        .position(|m| m.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
        .unwrap_or(0)
}

/// The member files of the dataset of `format` whose member number `role` is the existing file
/// `path`: every other member is found next to it by eprload's rule (extension in the case of
/// the given one when that is all upper case, else lower case; then the other case; then any
/// case).
fn companions(
    format: &'static dyn Format,
    path: &Path,
    role: usize,
    absent: &mut Vec<Absence>,
) -> Result<Vec<PathBuf>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let upper = !ext.is_empty() && ext == ext.to_ascii_uppercase();
    let mut members = Vec::with_capacity(format.members().len());
    for (i, member) in format.members().iter().enumerate() {
        if i == role {
            members.push(path.to_path_buf());
            continue;
        }
        let found = find_member(path, member.extensions, upper, member.role, absent)?;
        let Some(other) = found else {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "{}: {} not found (looked for {} in any case)",
                    path.display(),
                    member.role,
                    path.with_extension(member.extensions[0].to_ascii_uppercase())
                        .display()
                ),
            ));
        };
        members.push(other);
    }
    Ok(members)
}

/// The first of `extensions` found next to `path` ([`find_companion`]).
fn find_member(
    path: &Path,
    extensions: &[&str],
    prefer_upper: bool,
    role: &str,
    absent: &mut Vec<Absence>,
) -> Result<Option<PathBuf>> {
    for ext in extensions {
        if let Some(found) = find_companion(path, ext, prefer_upper, role, absent)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// A path that names no file: the base name of a dataset of several files, looked up for each
/// such format in table order (data file first, as eprload: `.DTA`, then `.spc`).
fn from_base_name(
    path: &Path,
    forced: Option<&'static dyn Format>,
    absent: &mut Vec<Absence>,
) -> Result<(&'static dyn Format, Vec<PathBuf>)> {
    let candidates: Vec<&'static dyn Format> = match forced {
        Some(f) => vec![f],
        None => FORMATS
            .iter()
            .copied()
            .filter(|f| f.members().len() > 1)
            .collect(),
    };
    for format in &candidates {
        let members = format.members();
        let data = members.len() - 1;
        let candidate = path_with_added_ext(path, members[data].extensions[0]);
        let found = find_member(
            &candidate,
            members[data].extensions,
            true,
            members[data].role,
            absent,
        )?;
        if let Some(data_file) = found {
            if let Ok(all) = companions(*format, &data_file, data, absent) {
                return Ok((*format, all));
            }
        }
    }
    let pairs: Vec<String> = candidates
        .iter()
        .map(|f| {
            let exts: Vec<String> = f
                .members()
                .iter()
                .map(|m| format!(".{}", m.extensions[0]))
                .collect();
            format!("{} {}", f.name(), exts.join("+"))
        })
        .collect();
    Err(Error::new(
        ErrorKind::NotFound,
        format!(
            "{}: no such file, and no dataset with this base name ({})",
            path.display(),
            pairs.join(", ")
        ),
    ))
}

fn path_with_added_ext(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Finds the regular file with the same base name as `path` and extension `ext` (lower case
/// given): first in the preferred case, then in the other, then with any letter case. Every
/// name tried and not found before the one returned goes to `absent`; when none is found in
/// any case, the folder's stamp does (a file created in it later changes that stamp).
///
/// `Ok(None)` when there is none. When there is no regular file but the upper- or lower-case
/// name exists as a directory, FIFO or other non-regular file, that is an [`ErrorKind::Io`]
/// error naming it as `role`: the dataset is there but cannot be read, which is not the same
/// as missing.
pub fn find_companion(
    path: &Path,
    ext: &str,
    prefer_upper: bool,
    role: &str,
    absent: &mut Vec<Absence>,
) -> Result<Option<PathBuf>> {
    let upper = path.with_extension(ext.to_ascii_uppercase());
    let lower = path.with_extension(ext);
    let (first, second) = if prefer_upper {
        (upper, lower)
    } else {
        (lower, upper)
    };
    let mut unreadable = None;
    let mut missing = Vec::new();
    for candidate in [first, second] {
        match std::fs::metadata(&candidate) {
            Ok(meta) if meta.is_file() => {
                absent.extend(missing.into_iter().map(Absence::File));
                return Ok(Some(candidate));
            }
            Ok(meta) => {
                unreadable.get_or_insert_with(|| {
                    not_regular(ErrorKind::Io, &candidate, role, meta.is_dir())
                });
            }
            Err(e) if is_missing(&e) => missing.push(candidate),
            // There but unusable (a symbolic link loop, no permission): say why.
            Err(e) => {
                unreadable.get_or_insert_with(|| access_error(&candidate, role, "stat", &e));
            }
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let listed = FileStamp::of(dir).ok();
    if let Some(found) = find_any_case(dir, path, ext) {
        regular_file(&found, role)?;
        absent.extend(missing.into_iter().map(Absence::File));
        return Ok(Some(found));
    }
    if let Some(err) = unreadable {
        return Err(err);
    }
    match listed {
        Some(stamp) => absent.push(Absence::Listing(dir.to_path_buf(), stamp)),
        None => absent.extend(missing.into_iter().map(Absence::File)),
    }
    Ok(None)
}

/// The regular file in `dir` with the base name of `path` and extension `ext` in any letter
/// case.
fn find_any_case(dir: &Path, path: &Path, ext: &str) -> Option<PathBuf> {
    let stem = path.file_stem()?;
    let entries = std::fs::read_dir(dir).ok()?;
    entries.flatten().map(|e| e.path()).find(|p| {
        p.file_stem() == Some(stem)
            && p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case(ext))
            && p.is_file()
    })
}
