//! The configuration file: the Python package's JSON file read with the checks of every file
//! epyr reads, its `performance` section as a layer, any key of any section, and saves that
//! replace the file atomically (through symbolic links).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value as Json};

use super::keys::{Key, SECTION};
use super::layers::{empty_layer, Slot};
use crate::error::{Error, ErrorKind, Result};

/// The largest configuration file epyr reads. The Python package writes a few hundred bytes;
/// anything near this size is not a configuration file, and refusing it before reading bounds
/// what a wrong path (a log, a disk image) can make epyr allocate.
pub const MAX_CONFIG_FILE_BYTES: u64 = 1 << 20;

/// The most symbolic links [`link_target`] follows, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// The file `path` names after following every symbolic link (relative links from their own
/// folder); `path` itself when it is not a link or does not exist. The target need not exist.
pub(super) fn link_target(path: &Path) -> Result<PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&target)
                    .map_err(|e| Error::io(&target, "read the link", &e))?;
                // An absolute link replaces the folder; a relative one is taken from it.
                target = target.parent().map_or(link.clone(), |dir| dir.join(&link));
            }
            _ => return Ok(target),
        }
    }
    Err(Error::new(
        ErrorKind::Config,
        format!(
            "{}: more than {MAX_LINKS} symbolic links in a row (a loop?); not saving",
            path.display()
        ),
    ))
}

/// Replaces the file at `path` with `bytes` atomically: written to a temporary file in the
/// same folder (created if missing), given the permissions of the file it replaces, and
/// renamed over it. A failure leaves the file as it was and no temporary file behind.
pub(super) fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| Error::io(path, "write config", &e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    static SAVES: AtomicU64 = AtomicU64::new(0);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        SAVES.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = PathBuf::from(tmp);
    let written = std::fs::write(&tmp, bytes).and_then(|()| match std::fs::metadata(path) {
        Ok(old) => std::fs::set_permissions(&tmp, old.permissions()),
        Err(_) => Ok(()),
    });
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
}

/// Reads the JSON file at `path`, whose top level must be an object, with the checks of every
/// file epyr reads ([`crate::files::read_small_file`]: opened once without blocking, a
/// regular file, at most [`MAX_CONFIG_FILE_BYTES`], unchanged while read). A missing file is
/// [`ErrorKind::NotFound`], a failed read [`ErrorKind::Io`], anything else that makes the file
/// unusable [`ErrorKind::Config`]; every message names the file.
pub(super) fn read_json_object(path: &Path) -> Result<Map<String, Json>> {
    let (bytes, _) = crate::files::read_small_file(path, "config file", MAX_CONFIG_FILE_BYTES)
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound | ErrorKind::Io => e,
            _ => Error::new(ErrorKind::Config, e.message()),
        })?;
    match serde_json::from_slice::<Json>(&bytes) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(other) => Err(Error::new(
            ErrorKind::Config,
            format!(
                "{}: expected a JSON object at the top level, found {}",
                path.display(),
                other
            ),
        )),
        Err(e) => Err(Error::new(
            ErrorKind::Config,
            format!("{}: not valid JSON: {e}", path.display()),
        )),
    }
}

/// The file layer from the `performance` section of the JSON file at `path`: per key its
/// value, nothing, or the error of an invalid value. Where the file cannot be read or parsed,
/// every key gets the file's error (the file could have set any of them). A missing file sets
/// nothing where `missing_is_empty`, else it is the error of every key.
pub(super) fn file_layer(path: &Path, missing_is_empty: bool) -> [Slot; 6] {
    let whole_file_error = |e: Error| std::array::from_fn(|_| Some(Err(e.clone())));
    let doc = match read_json_object(path) {
        Ok(doc) => doc,
        Err(e) if missing_is_empty && e.kind() == ErrorKind::NotFound => return empty_layer(),
        Err(e) => return whole_file_error(e),
    };
    let section = match doc.get(SECTION) {
        None => return empty_layer(),
        Some(Json::Object(section)) => section,
        Some(other) => {
            return whole_file_error(Error::new(
                ErrorKind::Config,
                format!(
                    "{}: \"{SECTION}\" must be a JSON object, found {other}",
                    path.display()
                ),
            ))
        }
    };
    let source = path.display().to_string();
    Key::ALL.map(|key| {
        section
            .get(key.short_name())
            .and_then(|json| key.parse_json(json, &source).transpose())
    })
}

/// The Python package's configuration file: `$XDG_CONFIG_HOME/epyrtools/config.json`, else
/// `~/.config/epyrtools/config.json`; on Windows `%APPDATA%\EPyRTools\config.json`.
pub fn default_path() -> Option<PathBuf> {
    crate::sys::user_config_file()
}

/// `path`, or the default file; an error where there is none.
pub(super) fn path_or_default(path: Option<&Path>) -> Result<PathBuf> {
    path.map(Path::to_path_buf)
        .or_else(default_path)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "no config path given and {}",
                    crate::sys::NO_USER_CONFIG_REASON
                ),
            )
        })
}

/// The value at the dotted `key` of the configuration file at `path` (or the default file),
/// whatever its section (EPyR Tools' `plotting.dpi` as well as `performance.cache_size_mb`):
/// each part of the key is one level of nested objects. This is what the file holds, not the
/// value in force. The file is read with the checks of every file epyr reads (opened without
/// blocking, a regular file, at most [`MAX_CONFIG_FILE_BYTES`]); a missing file or key is
/// [`ErrorKind::NotFound`], a file that cannot be used [`ErrorKind::Config`] or
/// [`ErrorKind::Io`], each naming the file.
pub fn file_value(path: Option<&Path>, key: &str) -> Result<Json> {
    let path = path_or_default(path)?;
    let doc = read_json_object(&path)?;
    let mut parts = key.split('.');
    let first = parts.next().and_then(|part| doc.get(part));
    parts
        .fold(first, |value, part| value.and_then(|v| v.get(part)))
        .cloned()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("{}: no key {key:?}", path.display()),
            )
        })
}
