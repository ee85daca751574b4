//! What a dataset was built from, recorded while it is read: every file a reader opens is
//! opened and stamped through one [`Recorder`], with every companion name it looked for and did
//! not find, whatever the format and its number of member files. The record ([`Provenance`])
//! tells a cache later whether loading the same path again would read the same files.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::content::{self, hash_bytes, Fingerprint};
use super::resolve::OpenedFile;
use super::FileStamp;
use crate::error::{Error, Result};
use crate::files::{open_regular, read_small_file, read_text_file};

/// A source file of a dataset and its stamp when the data were read.
pub type Source = (PathBuf, FileStamp);

/// How long before a plan started a file must have last changed for the stamps to prove its
/// content (seconds). The kernel sets a file's change time when a `write` begins, before the
/// bytes are copied, and from a clock that advances in ticks of a few milliseconds: a file
/// stamped within this window of its last change may have been read while a write was still
/// under way, or may change again within the same tick without its stamp changing ("racily
/// clean", as git calls it). Such data are returned, but not cached.
pub const RACY_WINDOW_SECS: f64 = 0.05;

/// A name that was looked for while resolving a dataset and not found. A fresh resolution of
/// the same path would find other files once it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Absence {
    /// No file of this name existed (one `stat` re-checks it).
    File(PathBuf),
    /// No file of the wanted name in any letter case existed in this folder, which had this
    /// stamp when it was listed (a file created in it changes the folder's stamp).
    Listing(PathBuf, FileStamp),
}

impl Absence {
    /// Whether the name is still absent (or the folder unchanged since it was listed).
    pub fn still_holds(&self) -> bool {
        match self {
            Absence::File(path) => std::fs::metadata(path).is_err(),
            Absence::Listing(dir, stamp) => FileStamp::of(dir).is_ok_and(|now| now == *stamp),
        }
    }

    /// The name (or listed folder).
    pub fn path(&self) -> &Path {
        match self {
            Absence::File(p) | Absence::Listing(p, _) => p,
        }
    }
}

/// Everything a dataset was built from, to tell later whether loading the same path again would
/// give the same dataset: every source file with its stamp (taken before it was read; the
/// dataset's member files first, in role order), the names looked for and not found, and when
/// the load started.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// The source files and their stamps: the member files in role order, then the other files
    /// read (axis files and the like).
    pub sources: Vec<Source>,
    /// How many of the sources are the dataset's member files.
    pub members: usize,
    /// The companion names looked for and not found.
    pub absent: Vec<Absence>,
    /// When the load started, before any file was stamped (seconds since the Unix epoch).
    pub started: f64,
    /// The hashes of the source files where a write through a memory map could change them
    /// without changing their stamps ([`Fingerprint`]); `None` where the stamps suffice.
    pub content: Option<Fingerprint>,
    /// Per source, the hash of the bytes parsed where the whole file was read through the
    /// recorder (the descriptor or parameter text), for a [`Fingerprint`] without reading it
    /// again.
    pub read_hashes: Vec<Option<u64>>,
}

impl Provenance {
    /// The provenance of a dataset built from `paths` as they are now (all of them members),
    /// with nothing absent; files whose stamps cannot prove their content ([`Fingerprint`])
    /// are hashed as they are now.
    pub fn stamp(paths: &[PathBuf]) -> Result<Provenance> {
        let started = crate::sys::now_secs();
        let sources = paths
            .iter()
            .map(|p| {
                FileStamp::of(p)
                    .map(|s| (p.clone(), s))
                    .map_err(|e| Error::io(p, "stat", &e))
            })
            .collect::<Result<Vec<Source>>>()?;
        let content = content::fingerprint_if_needed(&sources, started, |_, path, stamp| {
            content::hash_file(path, stamp)
        })?;
        Ok(Provenance {
            members: sources.len(),
            read_hashes: vec![None; sources.len()],
            sources,
            absent: Vec::new(),
            started,
            content,
        })
    }

    /// The member files the dataset was built from, in role order (for a BES3T dataset the
    /// descriptor and the data file).
    pub fn members(&self) -> impl ExactSizeIterator<Item = &Path> {
        self.sources[..self.members.min(self.sources.len())]
            .iter()
            .map(|(p, _)| p.as_path())
    }

    /// Whether every source file still has its stamp (and its hash, where one was taken) and
    /// every absent name is still absent: then a fresh load of the path would read the same
    /// files.
    pub fn unchanged(&self) -> bool {
        self.sources
            .iter()
            .all(|(p, s)| FileStamp::of(p).is_ok_and(|now| now == *s))
            && self.absent.iter().all(Absence::still_holds)
            && self
                .content
                .as_ref()
                .is_none_or(|f| f.matches(&self.sources))
    }

    /// Whether some file (or listed folder) changed so shortly before the load started that
    /// its stamp does not prove the content read (see [`RACY_WINDOW_SECS`]).
    pub fn racy(&self) -> bool {
        let listed = self.absent.iter().filter_map(|a| match a {
            Absence::Listing(_, stamp) => Some(stamp),
            Absence::File(_) => None,
        });
        self.sources
            .iter()
            .map(|(_, s)| s)
            .chain(listed)
            .any(|s| s.changed_too_recently(self.started, RACY_WINDOW_SECS))
    }
}

/// Opens, reads and stamps every file a reader uses, and notes every companion name it looked
/// for and did not find: the one way a reader touches files, so that what a dataset was built
/// from is always complete ([`Recorder::provenance`]).
#[derive(Debug)]
pub struct Recorder {
    sources: Vec<Source>,
    /// Per source, the hash of its bytes where the whole file was read.
    read_hashes: Vec<Option<u64>>,
    members: usize,
    absent: Vec<Absence>,
    started: f64,
    /// A member file the path resolution opened, used by [`Recorder::open`] instead of opening
    /// it again.
    opened: Option<Arc<OpenedFile>>,
}

impl Recorder {
    /// A recorder for a load that started at `started` (seconds since the Unix epoch) and has
    /// found the absences `absent` so far (those of its path resolution).
    pub fn new(started: f64, absent: Vec<Absence>) -> Recorder {
        Recorder {
            sources: Vec::new(),
            read_hashes: Vec::new(),
            members: 0,
            absent,
            started,
            opened: None,
        }
    }

    /// The recorder with the file the path resolution opened (see [`Recorder::open`]).
    pub(crate) fn with_opened(mut self, opened: Option<Arc<OpenedFile>>) -> Recorder {
        self.opened = opened;
        self
    }

    /// Opens `path` (the `role` names it in messages) without blocking, checks that it is a
    /// regular file, records it and returns it with its stamp. The file the path resolution
    /// opened to tell the format is taken instead where it is `path` (one open less; its
    /// stamp was taken when it was opened, before anything of it was read but its first
    /// bytes).
    pub fn open(&mut self, path: &Path, role: &str) -> Result<(File, FileStamp)> {
        let (file, stamp) = match self.take_opened(path) {
            Some(opened) => opened,
            None => open_regular(path, role)?,
        };
        self.record((path.to_path_buf(), stamp));
        Ok((file, stamp))
    }

    /// The file the path resolution opened, if it is `path` and no other holder shares it.
    fn take_opened(&mut self, path: &Path) -> Option<(File, FileStamp)> {
        if self.opened.as_ref()?.path != path {
            return None;
        }
        let opened = Arc::try_unwrap(self.opened.take()?).ok()?;
        Some((opened.file, opened.stamp))
    }

    /// Reads a whole small file of at most `max_bytes` (see `files::read_small_file`)
    /// and records it.
    pub fn read_small(&mut self, path: &Path, role: &str, max_bytes: u64) -> Result<Vec<u8>> {
        let (bytes, stamp) = read_small_file(path, role, max_bytes)?;
        self.record_read((path.to_path_buf(), stamp), &bytes);
        Ok(bytes)
    }

    /// Reads a whole text file (not empty, no NUL byte, at most
    /// [`crate::files::MAX_TEXT_FILE_BYTES`]) and records it.
    pub fn read_text(&mut self, path: &Path, role: &str) -> Result<Vec<u8>> {
        let (bytes, stamp) = read_text_file(path, role)?;
        self.record_read((path.to_path_buf(), stamp), &bytes);
        Ok(bytes)
    }

    /// Records a file that was stamped elsewhere (an axis file checked by its own open).
    pub fn record(&mut self, source: Source) {
        self.sources.push(source);
        self.read_hashes.push(None);
    }

    /// Records a file read whole, with the hash of the bytes read.
    fn record_read(&mut self, source: Source, bytes: &[u8]) {
        self.sources.push(source);
        self.read_hashes.push(Some(hash_bytes(bytes)));
    }

    /// Records names looked for and not found.
    pub fn absent(&mut self, names: impl IntoIterator<Item = Absence>) {
        self.absent.extend(names);
    }

    /// The absences recorded so far, for a search that adds to them.
    pub fn absences(&mut self) -> &mut Vec<Absence> {
        &mut self.absent
    }

    /// Marks `members` (recorded already, in whatever order they were opened) as the
    /// dataset's member files: they move to the front of the sources in this order, and the
    /// files recorded besides them are companions.
    pub fn members_recorded(&mut self, members: &[std::path::PathBuf]) {
        let mut front = Vec::with_capacity(members.len());
        let mut front_hashes = Vec::with_capacity(members.len());
        for member in members {
            if let Some(i) = self.sources.iter().position(|(p, _)| p == member) {
                front.push(self.sources.remove(i));
                front_hashes.push(self.read_hashes.remove(i));
            }
        }
        self.members = front.len();
        front.append(&mut self.sources);
        front_hashes.append(&mut self.read_hashes);
        self.sources = front;
        self.read_hashes = front_hashes;
    }

    /// The stamp recorded for `path`, if it was recorded.
    pub fn stamp_of(&self, path: &Path) -> Option<FileStamp> {
        self.sources
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, s)| *s)
    }

    /// What was recorded (without content hashes: [`super::Plan::fingerprint`] takes them
    /// where a cache needs them).
    pub fn provenance(&self) -> Provenance {
        Provenance {
            sources: self.sources.clone(),
            members: self.members,
            absent: self.absent.clone(),
            started: self.started,
            content: None,
            read_hashes: self.read_hashes.clone(),
        }
    }

    /// The recorded sources, in the order they were recorded.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }
}
