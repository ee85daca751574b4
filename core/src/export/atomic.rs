//! Output files that appear whole or not at all: each is written under a temporary hidden name
//! beside its target and then moved onto the target in one step. An existing target is never
//! replaced unless asked for: without `overwrite` the move is a hard link, which the system
//! refuses when the target exists (no window between a check and the move); where the file
//! system has no hard links, the target is checked and then renamed. A [`PendingFile`] dropped
//! before [`PendingFile::commit`] removes its temporary file, so an interrupted or failed
//! export leaves nothing behind.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, ErrorKind, Result};

/// The part of every temporary name (`.<name>.epyr-tmp-<pid>-<n>`), by which file listings
/// recognise temporary files of exports (see [`is_temporary_name`]).
pub const TEMP_MARKER: &str = ".epyr-tmp-";

/// Whether a file name is one of an export's temporary files.
pub fn is_temporary_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMP_MARKER)
}

/// The [`ErrorKind::AlreadyExists`] error for `target`.
pub fn exists_error(target: &Path) -> Error {
    Error::new(
        ErrorKind::AlreadyExists,
        format!(
            "{}: not replaced (pass --force, or overwrite = 1 in C, to replace it)",
            target.display()
        ),
    )
}

/// Fails with [`ErrorKind::AlreadyExists`] if something exists at `target` and `overwrite` is
/// false, or with [`ErrorKind::InvalidArgument`] if it is a folder (never replaced).
pub fn check_target(target: &Path, overwrite: bool) -> Result<()> {
    match std::fs::symlink_metadata(target) {
        Ok(meta) if meta.is_dir() => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{}: is a folder; not replaced", target.display()),
        )),
        Ok(_) if !overwrite => Err(exists_error(target)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(target, "stat", &e)),
    }
}

/// An output file being written: its temporary name, where it goes and whether it may replace
/// what is there.
#[derive(Debug)]
pub struct PendingFile {
    temp: PathBuf,
    target: PathBuf,
    overwrite: bool,
    committed: bool,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl PendingFile {
    /// A pending output for `target`; fails at once if the target exists and `overwrite` is
    /// false (the commit checks again). Nothing is created yet: write to
    /// [`PendingFile::temp_path`] or call [`PendingFile::create`].
    pub fn new(target: &Path, overwrite: bool) -> Result<PendingFile> {
        check_target(target, overwrite)?;
        let name = target.file_name().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("{}: not a file name", target.display()),
            )
        })?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(
            "{TEMP_MARKER}{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        Ok(PendingFile {
            temp: target.with_file_name(temp_name),
            target: target.to_path_buf(),
            overwrite,
            committed: false,
        })
    }

    /// The temporary path to write.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Creates the temporary file (new: an existing one is an error) for writing.
    pub fn create(&self) -> Result<File> {
        File::options()
            .write(true)
            .create_new(true)
            .open(&self.temp)
            .map_err(|e| Error::io(&self.temp, "create", &e))
    }

    /// Moves the finished temporary file onto the target: replacing it where `overwrite`,
    /// else only if nothing is there ([`ErrorKind::AlreadyExists`] otherwise, and the
    /// temporary file is removed).
    pub fn commit(mut self) -> Result<PathBuf> {
        let result = if self.overwrite {
            std::fs::rename(&self.temp, &self.target)
                .map_err(|e| Error::io(&self.target, "move the finished file onto", &e))
        } else {
            self.link_without_replacing()
        };
        if result.is_ok() {
            self.committed = true;
        }
        result.map(|()| self.target.clone())
    }

    fn link_without_replacing(&self) -> Result<()> {
        match std::fs::hard_link(&self.temp, &self.target) {
            Ok(()) => {
                // The target now names the file; the temporary name goes away.
                let _ = std::fs::remove_file(&self.temp);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists_error(&self.target)),
            // No hard links here (FAT, some network shares): check, then rename.
            Err(_) => {
                check_target(&self.target, false)?;
                std::fs::rename(&self.temp, &self.target)
                    .map_err(|e| Error::io(&self.target, "move the finished file onto", &e))
            }
        }
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes a whole file atomically: `write` fills the temporary file, which is then committed
/// (after `fsync` where `durable`). On any error nothing is left under either name.
///
/// Without `durable` the file is whole or absent for every reader while the system runs, but
/// a power failure soon after may leave it empty (file systems write the rename before the
/// data): cheaper by a disk flush per file, which dominates writing many small files.
pub fn write_file(
    target: &Path,
    overwrite: bool,
    durable: bool,
    write: impl FnOnce(&mut io::BufWriter<File>) -> io::Result<()>,
) -> Result<PathBuf> {
    let pending = PendingFile::new(target, overwrite)?;
    let file = pending.create()?;
    let mut out = io::BufWriter::with_capacity(1 << 16, file);
    let finish = |out: &mut io::BufWriter<File>| -> io::Result<()> {
        write(out)?;
        io::Write::flush(out)?;
        if durable {
            out.get_ref().sync_all()?;
        }
        Ok(())
    };
    finish(&mut out).map_err(|e| Error::io(target, "write", &e))?;
    drop(out);
    pending.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("epyr-atomic-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn listing(d: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing_is_asked_for() {
        let d = dir("keep");
        let target = d.join("a.csv");
        std::fs::write(&target, "old").unwrap();
        let e = write_file(&target, false, true, |w| io::Write::write_all(w, b"new")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        write_file(&target, true, false, |w| io::Write::write_all(w, b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(listing(&d), ["a.csv"], "no temporary file left");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_failed_or_abandoned_write_leaves_nothing() {
        let d = dir("fail");
        let target = d.join("b.csv");
        let e = write_file(&target, false, true, |w| {
            io::Write::write_all(w, b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(e.message().contains("disk full"), "{e}");
        let pending = PendingFile::new(&target, false).unwrap();
        std::fs::write(pending.temp_path(), b"partial").unwrap();
        assert!(is_temporary_name(
            &pending.temp_path().file_name().unwrap().to_string_lossy()
        ));
        drop(pending);
        assert!(listing(&d).is_empty(), "{:?}", listing(&d));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_file_appearing_during_the_write_is_not_replaced() {
        let d = dir("race");
        let target = d.join("c.csv");
        let pending = PendingFile::new(&target, false).unwrap();
        std::fs::write(pending.temp_path(), b"mine").unwrap();
        std::fs::write(&target, b"theirs").unwrap();
        assert_eq!(
            pending.commit().unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "theirs");
        assert_eq!(listing(&d), ["c.csv"]);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
