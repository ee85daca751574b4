//! The format layer: readers of Bruker BES3T and ESP/WinEPR files and the BES3T writer.
//!
//! Reading happens in two steps. [`Plan::open`] reads the small files (descriptor or parameter
//! file, axis files), checks every claimed size against the real file sizes and describes
//! where the values are ([`DataLayout`]); nothing large is allocated yet. [`Plan::read`] then
//! reads and decodes the values into a [`Dataset`]. The loader uses the plan to check the
//! memory budget before the big allocation, and the chunked reader uses the layout to stream.

mod axis;
mod bes3t;
mod content;
#[allow(unsafe_code)]
pub mod decode;
mod esp;
pub mod scaling;
pub mod text;
pub mod writer;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::sys::{unseen_write_window_secs, DEFAULT_UNSEEN_WRITE_WINDOW_SECS};
pub use axis::{AxisPlan, AxisValues};
pub use content::{hash_bytes, Fingerprint};
pub use decode::{ByteOrder, ComponentSlot, NumberType};
pub use scaling::{ScaleStep, Scaling};
pub use writer::{write_bes3t, WriteOptions};

use crate::dataset::{dataset_heap_bytes, Component, Dataset, DatasetParts, FileFormat, Params};
use crate::error::{Error, ErrorKind, Result};

/// The largest descriptor or parameter file epyr reads (real ones are at most about 1 MB); a
/// larger file is refused before it is read, so garbage cannot make epyr allocate gigabytes.
pub const MAX_TEXT_FILE_BYTES: u64 = 64 << 20;

/// Data files of at least this size are decoded by several threads when asked to.
pub const PARALLEL_THRESHOLD_BYTES: u64 = 8 << 20;

pub use crate::sys::FileStamp;

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
}

/// Everything a dataset was built from, to tell later whether loading the same path again would
/// give the same dataset: every source file with its stamp (taken before it was read), the
/// names looked for and not found, when the load started, and the content hashes of files
/// whose stamps could not prove their content then.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// The source files and their stamps.
    pub sources: Vec<Source>,
    /// The companion names looked for and not found.
    pub absent: Vec<Absence>,
    /// When the load started, before any file was stamped (seconds since the Unix epoch).
    pub started: f64,
    /// The hashes of the source files where a write through a memory map could change them
    /// without changing their stamps ([`Fingerprint`]); `None` where the stamps suffice.
    pub content: Option<Fingerprint>,
}

impl Provenance {
    /// The provenance of a dataset built from `paths` as they are now, with nothing absent;
    /// files whose stamps cannot prove their content ([`Fingerprint`]) are hashed as they are
    /// now.
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
            sources,
            absent: Vec::new(),
            started,
            content,
        })
    }

    /// The descriptor (or parameter) file and the data file the dataset was built from: the
    /// first two sources, as [`Plan::sources`] orders them.
    pub fn built_from(&self) -> Option<(&Path, &Path)> {
        match self.sources.as_slice() {
            [(text, _), (data, _), ..] => Some((text, data)),
            _ => None,
        }
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

/// How a plan came to be: the data file it opened, the names it looked for and did not find,
/// and when it started.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The data file, opened once (without blocking) when the plan was made; every read of the
    /// values goes through it. `None` once the plan is only a description
    /// ([`Plan::into_description`]).
    pub data_file: Option<Arc<File>>,
    /// The data file's stamp, taken through the opened file when the plan was made.
    pub data_stamp: FileStamp,
    /// Companion names looked for and not found.
    pub absent: Vec<Absence>,
    /// When the plan started, before any file was stamped (seconds since the Unix epoch).
    pub started: f64,
    /// The hash ([`hash_bytes`]) of the descriptor's or parameter file's bytes as they were
    /// parsed, for a [`Fingerprint`].
    pub text_hash: u64,
}

/// Where and how the values of a dataset are stored in its data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLayout {
    /// The data file (`.DTA` or `.spc`).
    pub path: PathBuf,
    /// The number type of every value.
    pub number: NumberType,
    /// The byte order of every value.
    pub order: ByteOrder,
    /// Points along x, y and z.
    pub dims: [usize; 3],
    /// One entry per component: whether it is complex.
    pub complex: Vec<bool>,
    /// The size of the data file when the plan was made.
    pub file_len: u64,
}

impl DataLayout {
    /// The number of points (`nx * ny * nz`); the plan checked that it does not overflow.
    pub fn points(&self) -> usize {
        self.dims.iter().product()
    }

    /// Numbers per point over all components (a complex component counts two).
    pub fn per_point(&self) -> usize {
        self.complex.iter().map(|&c| 1 + usize::from(c)).sum()
    }

    /// Bytes per point in the file.
    pub fn point_bytes(&self) -> usize {
        self.per_point() * self.number.size()
    }

    /// Bytes of the data file that hold values (the rest, if any, is ignored).
    pub fn data_bytes(&self) -> u64 {
        self.points() as u64 * self.point_bytes() as u64
    }

    /// Bytes the decoded values take as `f64`.
    pub fn value_bytes(&self) -> u64 {
        self.points() as u64 * self.per_point() as u64 * 8
    }

    /// All numbers of a point as one slot (file order, components interleaved).
    pub fn whole_slot(&self) -> ComponentSlot {
        ComponentSlot {
            offset: 0,
            width: self.per_point(),
        }
    }

    /// Where each component sits within a point.
    pub fn slots(&self) -> Vec<ComponentSlot> {
        let mut offset = 0;
        self.complex
            .iter()
            .map(|&c| {
                let width = 1 + usize::from(c);
                let slot = ComponentSlot { offset, width };
                offset += width;
                slot
            })
            .collect()
    }
}

/// Everything about a dataset except its values: the result of reading the descriptor or
/// parameter file and the axis files, with every claimed size checked against the files.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The format of the dataset.
    pub format: FileFormat,
    /// Where the values are.
    pub layout: DataLayout,
    /// The x, y and z axes, described: their values are made when a dataset is built, or one
    /// range at a time ([`AxisPlan::read_into`]).
    pub axes: [Option<AxisPlan>; 3],
    /// The parameters.
    pub params: Params,
    /// Every file the dataset is built from, in this order: the descriptor or parameter file,
    /// the data file, then axis files; each with its stamp taken before its content was read.
    /// Paths are absolute (as resolved from the given path, links not followed).
    pub sources: Vec<Source>,
    /// Warnings found so far.
    pub warnings: Vec<String>,
    /// The scaling steps to apply to every value, in order.
    pub scale: Vec<ScaleStep>,
    /// The opened data file, the names not found, the start time.
    pub origin: Origin,
}

impl Plan {
    /// Reads the descriptor side of the dataset at `path` (either file of the pair, any
    /// extension case, or the base name without extension) with the given scaling.
    pub fn open(path: &Path, scaling: Scaling) -> Result<Plan> {
        let started = crate::sys::now_secs();
        let mut absent = Vec::new();
        let (format, text_path, data_path) = resolve(path, &mut absent)?;
        let (data_file, data_stamp) = open_regular(&data_path, "data file")?;
        let origin = Origin {
            data_file: Some(Arc::new(data_file)),
            data_stamp,
            absent,
            started,
            text_hash: 0,
        };
        let data = (data_path, data_stamp);
        match format {
            FileFormat::Bes3t => bes3t::plan(&text_path, data, scaling, origin),
            FileFormat::Esp => esp::plan(&text_path, data, scaling, origin),
        }
    }

    /// The plan as a description only: the data file is closed, so that descriptions kept by a
    /// caller hold no open files.
    pub fn into_description(mut self) -> Plan {
        self.origin.data_file = None;
        self
    }

    /// What the dataset is built from: the sources with their stamps, the names not found
    /// and the start time, for a cache to validate the dataset later (without content hashes:
    /// [`Plan::fingerprint`] takes them).
    pub fn provenance(&self) -> Provenance {
        Provenance {
            sources: self.sources.clone(),
            absent: self.origin.absent.clone(),
            started: self.origin.started,
            content: None,
        }
    }

    /// The data file the plan opened; every read of the values goes through it.
    pub fn data_file(&self) -> Result<&File> {
        self.origin.data_file.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{}: this plan is a description only and reads no values",
                    self.layout.path.display()
                ),
            )
        })
    }

    /// Checks through the open data file (one `fstat`, no path lookup) that it is as it was
    /// when the plan was made: values read from it since are the ones the plan describes. A
    /// file written, truncated or extended in the meantime is [`ErrorKind::FileChanged`]. (A
    /// file replaced under its name by another leaves this one intact: the values read are
    /// those of the files at the start of the load, and a cache notices the replacement at
    /// its next lookup.)
    pub fn check_data_unchanged(&self) -> Result<()> {
        let path = &self.layout.path;
        let now = stamp_of(self.data_file()?, path)?;
        ensure_unchanged(
            path,
            "data file",
            &self.origin.data_stamp,
            &now,
            "while it was read",
        )
    }

    /// Reads and decodes the values and builds the dataset, on one thread.
    pub fn read(self) -> Result<Dataset> {
        self.read_parallel(1)
    }

    /// Reads and decodes the values and builds the dataset; data files of more than
    /// [`PARALLEL_THRESHOLD_BYTES`] are decoded by up to `threads` threads.
    pub fn read_parallel(self, threads: usize) -> Result<Dataset> {
        let layout = &self.layout;
        let points = layout.points();
        // Exactly one slot per component, as `dataset_heap_bytes` counts it.
        let mut components = Vec::new();
        components
            .try_reserve_exact(layout.complex.len())
            .map_err(|_| cannot_allocate(&layout.path, "the component table"))?;
        for &complex in &layout.complex {
            let n = points * (1 + usize::from(complex));
            let values = zeroed_values(n, &layout.path, "the values")?;
            components.push(Component { complex, values });
        }
        {
            let mut outputs: Vec<&mut [f64]> = components
                .iter_mut()
                .map(|c| c.values.as_mut_slice())
                .collect();
            self.read_values_into(&mut outputs, threads)?;
        }
        let mut axes = [None, None, None];
        for (dim, (axis, plan)) in axes.iter_mut().zip(self.axes).enumerate() {
            if let Some(plan) = plan {
                *axis = Some(plan.into_axis(dim, &self.layout.path)?);
            }
        }
        Dataset::new(DatasetParts {
            format: self.format,
            dims: self.layout.dims,
            components,
            axes,
            params: self.params,
            sources: self.sources.into_iter().map(|(p, _)| p).collect(),
            warnings: self.warnings,
        })
    }

    /// The bytes the dataset read from this plan will hold ([`Dataset::heap_bytes`]: values,
    /// axes, the component table, parameters, paths, warnings), known before any of it is
    /// allocated.
    pub fn dataset_heap_bytes(&self) -> usize {
        let points = self.layout.points();
        dataset_heap_bytes(
            self.layout.complex.len(),
            self.layout
                .complex
                .iter()
                .map(|&c| points.saturating_mul(1 + usize::from(c))),
            self.axes
                .iter()
                .flatten()
                .map(|a| [a.len, a.name.capacity(), a.unit.capacity()]),
            &self.params,
            self.sources.iter().map(|(p, _)| p.capacity()),
            self.warnings.capacity(),
            self.warnings.iter().map(String::capacity),
        )
    }

    /// Reads, decodes and scales every value into caller buffers, one per component, each
    /// exactly `points * width` long, with up to `threads` threads for large files.
    pub fn read_values_into(&self, outputs: &mut [&mut [f64]], threads: usize) -> Result<()> {
        let layout = &self.layout;
        let slots = layout.slots();
        let points = layout.points();
        for (i, (slot, out)) in slots.iter().zip(outputs.iter()).enumerate() {
            if out.len() != points * slot.width {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "output buffer of component {i} holds {} values, the dataset has {}",
                        out.len(),
                        points * slot.width
                    ),
                ));
            }
        }
        if outputs.len() != slots.len() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{} output buffers given for {} components",
                    outputs.len(),
                    slots.len()
                ),
            ));
        }
        let file = self.data_file()?;
        let threads = effective_threads(layout, threads);
        decode::read_points_parallel(file, layout, &slots, outputs, threads)?;
        self.check_data_unchanged()?;
        if !self.scale.is_empty() {
            for (slot, out) in slots.iter().zip(outputs.iter_mut()) {
                scaling::apply_steps(&self.scale, out, slot.width, layout.dims, 0);
            }
        }
        Ok(())
    }

    /// Reads every value in file order (components interleaved per point, complex as re, im)
    /// into one caller buffer of exactly `points * per_point` values, scaled.
    pub fn read_file_order_into(&self, out: &mut [f64], threads: usize) -> Result<()> {
        let layout = &self.layout;
        let whole = layout.whole_slot();
        let expected = layout.points() * whole.width;
        if out.len() != expected {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "buffer holds {} values, the dataset has {expected}",
                    out.len()
                ),
            ));
        }
        let file = self.data_file()?;
        let threads = effective_threads(layout, threads);
        decode::read_points_parallel(file, layout, &[whole], &mut [out], threads)?;
        self.check_data_unchanged()?;
        if !self.scale.is_empty() {
            scaling::apply_steps(&self.scale, out, whole.width, layout.dims, 0);
        }
        Ok(())
    }
}

/// The threads to decode a layout with: `threads` for files of at least
/// [`PARALLEL_THRESHOLD_BYTES`], else 1.
fn effective_threads(layout: &DataLayout, threads: usize) -> usize {
    if layout.data_bytes() >= PARALLEL_THRESHOLD_BYTES {
        threads.max(1)
    } else {
        1
    }
}

/// Loads the dataset at `path` with the given scaling (`""` for none): the whole reader in one
/// call, without cache or memory budget (the loader adds those).
pub fn load(path: &Path, scaling: &str) -> Result<Dataset> {
    let scaling = Scaling::parse(scaling)
        .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))?;
    Plan::open(path, scaling)?.read()
}

/// Whether an error of `stat` or `open` means that no file of that name exists (not even
/// the folder it would be in).
fn is_missing(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// The error for a file epyr cannot open or stat: a missing file is [`ErrorKind::NotFound`]
/// ("not found"), anything else (a symbolic link loop, no permission) an [`ErrorKind::Io`]
/// error with the system's reason.
fn access_error(path: &Path, role: &str, action: &str, e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::new(
            ErrorKind::NotFound,
            format!("{}: {role} not found", path.display()),
        ),
        _ => Error::io(path, &format!("{action} the {role}"), e),
    }
}

/// The stamp (size, times, identity) of a regular file, or a clear error for a missing file, a
/// directory or something else that is not a regular file.
pub(crate) fn regular_file(path: &Path, role: &str) -> Result<FileStamp> {
    let stamp = FileStamp::of(path).map_err(|e| access_error(path, role, "stat", &e))?;
    if !stamp.is_file() {
        let is_dir = stamp.is_dir();
        return Err(not_regular(ErrorKind::InvalidArgument, path, role, is_dir));
    }
    Ok(stamp)
}

/// Opens the file at `path` for reading without blocking and checks what was opened (one
/// `fstat` on the descriptor, not a second look-up of the path): a FIFO, device, socket or
/// directory swapped in for a regular file is refused, never read or waited on. Returns the
/// file and its stamp.
pub(crate) fn open_regular(path: &Path, role: &str) -> Result<(File, FileStamp)> {
    let file =
        crate::sys::open_for_reading(path).map_err(|e| access_error(path, role, "open", &e))?;
    let stamp =
        FileStamp::of_file(&file).map_err(|e| Error::io(path, &format!("stat the {role}"), &e))?;
    if !stamp.is_file() {
        let is_dir = stamp.is_dir();
        return Err(not_regular(ErrorKind::InvalidArgument, path, role, is_dir));
    }
    Ok((file, stamp))
}

/// The error for a path that exists but is a directory or another non-regular file (FIFO,
/// socket, device), which epyr never reads: reading a FIFO could block forever.
fn not_regular(kind: ErrorKind, path: &Path, role: &str, is_dir: bool) -> Error {
    let what = if is_dir {
        "a directory, not a regular file"
    } else {
        "not a regular file (a FIFO, socket or device)"
    };
    Error::new(kind, format!("{}: {role} is {what}", path.display()))
}

/// Reads a whole small file: a regular file (opened once, without blocking) of at most
/// `max_bytes`, which must not change while it is read. Returns the bytes and the file's stamp,
/// taken before the bytes were read.
pub(crate) fn read_small_file(
    path: &Path,
    role: &str,
    max_bytes: u64,
) -> Result<(Vec<u8>, FileStamp)> {
    let (file, stamp) = open_regular(path, role)?;
    let len = stamp.len();
    if len > max_bytes {
        return Err(Error::format(
            path,
            format!("{role} is {len} bytes, more than the {max_bytes} bytes a {role} may have"),
        ));
    }
    // Exactly the bytes the stamp says (no extra read to find the end): a file that grows or
    // shrinks meanwhile changes its stamp, which the check below sees.
    let mut bytes = vec![0u8; len as usize];
    let mut filled = 0;
    while filled < bytes.len() {
        match (&file).read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, &format!("read the {role}"), &e)),
        }
    }
    bytes.truncate(filled);
    let after = stamp_of(&file, path)?;
    if bytes.len() as u64 != len && after == stamp {
        // Fewer bytes than the size, from an unchanged file: its size is not its content.
        return Err(Error::format(
            path,
            format!(
                "{role}: {}",
                describe_change(&stamp, &after, bytes.len() as u64)
            ),
        ));
    }
    ensure_unchanged(path, role, &stamp, &after, "while it was read")?;
    Ok((bytes, stamp))
}

/// The stamp of an open file (one `fstat`).
pub(crate) fn stamp_of(file: &File, path: &Path) -> Result<FileStamp> {
    FileStamp::of_file(file).map_err(|e| Error::io(path, "stat", &e))
}

/// [`ErrorKind::FileChanged`] naming the file, its `role`, `when` it changed and what changed,
/// unless `now` equals `before`.
pub(crate) fn ensure_unchanged(
    path: &Path,
    role: &str,
    before: &FileStamp,
    now: &FileStamp,
    when: &str,
) -> Result<()> {
    if now == before {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::FileChanged,
        format!(
            "{}: {role} changed {when} ({}); load again",
            path.display(),
            describe_change(before, now, now.len())
        ),
    ))
}

/// What differs between two stamps of a file, in words, for messages: "replaced by another
/// file", "size 10 -> 12 bytes", "rewritten in place, size unchanged (4096 bytes)", or a
/// change of its status only (links, permissions).
/// `read` is the number of bytes actually read where that differs from the size.
pub(crate) fn describe_change(before: &FileStamp, now: &FileStamp, read: u64) -> String {
    if !before.same_file(now) {
        "replaced by another file".to_string()
    } else if before.len() != now.len() {
        format!("size {} -> {} bytes", before.len(), now.len())
    } else if !before.same_content_stamp(now) {
        format!("rewritten in place, size unchanged ({} bytes)", now.len())
    } else if before != now {
        "its links or permissions changed: renamed over or deleted under its name, or chmod"
            .to_string()
    } else {
        format!(
            "{read} bytes read, but its size is {} bytes (a file whose size is not its content, as in /proc or /sys)",
            now.len()
        )
    }
}

/// Reads a whole descriptor or parameter file, refusing non-regular files, empty files, files
/// larger than [`MAX_TEXT_FILE_BYTES`] and files with a NUL byte (binary data: no real
/// descriptor or parameter file has one, while garbage and blocks zeroed by a crash do).
/// Returns the bytes and the file's stamp, taken before the bytes were read.
pub(crate) fn read_text_file(path: &Path, role: &str) -> Result<(Vec<u8>, FileStamp)> {
    let (bytes, stamp) = read_small_file(path, role, MAX_TEXT_FILE_BYTES)?;
    if bytes.is_empty() {
        return Err(Error::format(path, format!("{role} is empty")));
    }
    if let Some(at) = memchr::memchr(0, &bytes) {
        return Err(Error::format(
            path,
            format!("{role} has a NUL byte at offset {at}: binary data, not text (a damaged file, or not a {role})"),
        ));
    }
    Ok((bytes, stamp))
}

/// Reads a descriptor or parameter file and parses it with `parse` (one of the limited
/// parsers of [`text`]), refusing a file with more than [`text::MAX_ENTRIES`] entries. Returns
/// the parameters, the file with its stamp, and the hash of the bytes parsed.
pub(crate) fn read_params(
    path: &Path,
    role: &str,
    parse: fn(&[u8], usize) -> Option<Params>,
) -> Result<(Params, Source, u64)> {
    let (bytes, stamp) = read_text_file(path, role)?;
    let hash = hash_bytes(&bytes);
    let params = parse(&bytes, text::MAX_ENTRIES).ok_or_else(|| {
        Error::format(
            path,
            format!(
                "{role} has more than {} key/value lines; real ones have a few hundred",
                text::MAX_ENTRIES
            ),
        )
    })?;
    Ok((params, (path.to_path_buf(), stamp), hash))
}

/// The file formats by extension (lower case): text file extension, data file extension.
const PAIRS: [(FileFormat, &str, &str); 2] = [
    (FileFormat::Bes3t, "dsc", "dta"),
    (FileFormat::Esp, "par", "spc"),
];

/// Finds the format and the text and data files of the dataset named by `path`, and records
/// in `absent` every name it looked for and did not find (so that a cache notices when one
/// appears).
///
/// With an extension (any case): the extension picks the format and the given file is one of
/// the pair; the other one is found by eprload's rule (exactly upper-case extension given →
/// upper case, else lower case), then the other case, then any case. Without an extension the
/// BES3T pair is looked for first, then the ESP pair. Returns the format, the text file and the
/// data file. Messages name the path as given; the paths returned and recorded in `absent` are absolute,
/// so that what a cache records stays true after a change of the current folder.
pub fn resolve(path: &Path, absent: &mut Vec<Absence>) -> Result<(FileFormat, PathBuf, PathBuf)> {
    let recorded_before = absent.len();
    let (format, text, data) = resolve_as_given(path, absent)?;
    let absolute = |p: PathBuf| std::path::absolute(&p).map_err(|e| Error::io(&p, "resolve", &e));
    for name in &mut absent[recorded_before..] {
        let (Absence::File(p) | Absence::Listing(p, _)) = name;
        *p = absolute(std::mem::take(p))?;
    }
    Ok((format, absolute(text)?, absolute(data)?))
}

/// [`resolve`] with the paths as derived from the given one (relative if it is).
fn resolve_as_given(
    path: &Path,
    absent: &mut Vec<Absence>,
) -> Result<(FileFormat, PathBuf, PathBuf)> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let lower = ext.to_ascii_lowercase();
    if let Some(&(format, text_ext, data_ext)) =
        PAIRS.iter().find(|(_, t, d)| lower == *t || lower == *d)
    {
        let upper = ext == ext.to_ascii_uppercase();
        let (given_is_text, other_ext) = if lower == text_ext {
            (true, data_ext)
        } else {
            (false, text_ext)
        };
        let role = if given_is_text {
            "data file"
        } else {
            "descriptor/parameter file"
        };
        let found = find_companion(path, other_ext, upper, role, absent);
        if !matches!(found, Ok(Some(_))) {
            // Say first if the given file itself is missing or not a file.
            regular_file(path, "file")?;
        }
        let Some(other) = found? else {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "{}: {role} not found (looked for {} in any case)",
                    path.display(),
                    path.with_extension(other_ext.to_ascii_uppercase())
                        .display()
                ),
            ));
        };
        return Ok(if given_is_text {
            (format, path.to_path_buf(), other)
        } else {
            (format, other, path.to_path_buf())
        });
    }
    match std::fs::metadata(path) {
        Ok(_) if !ext.is_empty() => {
            return Err(Error::unsupported(
                path,
                format!(
                "unknown extension .{ext}; epyr reads .DSC/.DTA (BES3T) and .par/.spc (ESP/WinEPR)"
            ),
            ))
        }
        Ok(meta) if meta.is_file() => {
            return Err(Error::unsupported(
                path,
                "not a Bruker file: the name has no extension; epyr reads .DSC/.DTA (BES3T) and \
                 .par/.spc (ESP/WinEPR) files, or a base name next to such a pair",
            ))
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::io(path, "stat", &e))
        }
        _ => {}
    }
    // No extension (or a dotted base name): look for a pair next to it.
    for (format, text_ext, data_ext) in PAIRS {
        let candidate = path_with_added_ext(path, data_ext);
        if let Some(data) = find_companion(&candidate, data_ext, true, "data file", absent)? {
            if let Some(text) = find_companion(
                &candidate,
                text_ext,
                true,
                "descriptor/parameter file",
                absent,
            )? {
                return Ok((format, text, data));
            }
        }
    }
    Err(Error::new(
        ErrorKind::NotFound,
        format!(
            "{}: no such file, and no .DSC/.DTA or .par/.spc pair with this base name",
            path.display()
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
pub(crate) fn find_companion(
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

/// `n` zeros for values read from `path`, or a [`ErrorKind::MemoryLimit`] error that names the
/// file and `what` the memory was for. A data file can claim more memory than the machine has
/// while its size agrees with the claim (a sparse file of a terabyte takes no disk space), and
/// a failed `vec!` allocation aborts the whole process.
pub(crate) fn zeroed_values(n: usize, path: &Path, what: &str) -> Result<Vec<f64>> {
    decode::try_zeroed_f64(n).ok_or_else(|| {
        Error::new(
            ErrorKind::MemoryLimit,
            format!(
                "{}: cannot allocate {} for {what}",
                path.display(),
                crate::accounting::format_size((n as u64).saturating_mul(8))
            ),
        )
    })
}

/// The [`ErrorKind::MemoryLimit`] error of an allocation for `what` (of the dataset read from
/// `path`) that the system refused.
fn cannot_allocate(path: &Path, what: &str) -> Error {
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

    #[test]
    fn read_reports_memory_that_cannot_be_had_instead_of_aborting() {
        // 2^50 int8 points would decode to 8 PiB of f64, more than any address space; the
        // allocation fails before the (missing) data file is opened.
        let plan = Plan {
            format: FileFormat::Bes3t,
            layout: DataLayout {
                path: PathBuf::from("/nonexistent/huge.DTA"),
                number: NumberType::I8,
                order: ByteOrder::Big,
                dims: [1 << 50, 1, 1],
                complex: vec![false],
                file_len: 1 << 50,
            },
            axes: [None, None, None],
            params: Params::default(),
            sources: vec![],
            warnings: vec![],
            scale: vec![],
            // Any open file: the allocation fails before it would be read.
            origin: Origin {
                data_file: Some(Arc::new(
                    File::open(std::env::current_exe().unwrap()).unwrap(),
                )),
                data_stamp: FileStamp::of(&std::env::current_exe().unwrap()).unwrap(),
                absent: vec![],
                started: 0.0,
                text_hash: 0,
            },
        };
        let e = plan.read().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MemoryLimit, "{e}");
        assert!(e.message().contains("/nonexistent/huge.DTA"), "{e}");
    }

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
