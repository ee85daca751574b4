//! The format layer: readers of Bruker BES3T and ESP/WinEPR files and the BES3T writer.
//!
//! Reading happens in two steps. [`Plan::open`] reads the small files (descriptor or parameter
//! file, axis files), checks every claimed size against the real file sizes and describes
//! where the values are ([`DataLayout`]); nothing large is allocated yet. [`Plan::read`] then
//! reads and decodes the values into a [`Dataset`]. The loader uses the plan to check the
//! memory budget before the big allocation, and the chunked reader uses the layout to stream.

mod axis;
mod bes3t;
pub mod decode;
mod esp;
pub mod scaling;
pub mod text;
pub mod writer;

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub use axis::{AxisPlan, AxisValues};
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

/// What identifies the content of a file without reading it: size, modification and change
/// times with nanoseconds, inode and device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStamp {
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    ino: u64,
    dev: u64,
}

impl FileStamp {
    /// The stamp of the file at `path` now (following symbolic links).
    pub fn of(path: &Path) -> std::io::Result<FileStamp> {
        std::fs::metadata(path).map(|m| FileStamp::from_metadata(&m))
    }

    /// The stamp of already fetched metadata.
    pub fn from_metadata(m: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
            ino: m.ino(),
            dev: m.dev(),
        }
    }

    /// The file size recorded in the stamp.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the recorded size is zero.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether both stamps are of the same file (inode and device), whatever its content.
    pub fn same_file(&self, other: &FileStamp) -> bool {
        self.ino == other.ino && self.dev == other.dev
    }
}

/// A source file of a dataset and its stamp when the data were read.
pub type Source = (PathBuf, FileStamp);

/// Stamps every file in `paths`.
pub fn stamp_all(paths: &[PathBuf]) -> Result<Vec<Source>> {
    paths
        .iter()
        .map(|p| {
            FileStamp::of(p)
                .map(|s| (p.clone(), s))
                .map_err(|e| Error::io(p, "stat", &e))
        })
        .collect()
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
    /// Every file the dataset is built from (descriptor/parameter file, data file, axis
    /// files), each with its stamp taken before its content was read.
    pub sources: Vec<Source>,
    /// Warnings found so far.
    pub warnings: Vec<String>,
    /// The scaling steps to apply to every value, in order.
    pub scale: Vec<ScaleStep>,
}

impl Plan {
    /// Reads the descriptor side of the dataset at `path` (either file of the pair, any
    /// extension case, or the base name without extension) with the given scaling.
    pub fn open(path: &Path, scaling: Scaling) -> Result<Plan> {
        let (format, text_path, data) = resolve(path)?;
        match format {
            FileFormat::Bes3t => bes3t::plan(&text_path, data, scaling),
            FileFormat::Esp => esp::plan(&text_path, data, scaling),
        }
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
        let file = open_data_file(layout)?;
        let threads = effective_threads(layout, threads);
        decode::read_points_parallel(&file, layout, &slots, outputs, threads)?;
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
        let file = open_data_file(layout)?;
        let threads = effective_threads(layout, threads);
        decode::read_points_parallel(&file, layout, &[whole], &mut [out], threads)?;
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

/// Opens the data file of a layout and checks that it still holds the values the plan found.
pub fn open_data_file(layout: &DataLayout) -> Result<File> {
    let file = File::open(&layout.path).map_err(|e| Error::io(&layout.path, "open", &e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io(&layout.path, "stat", &e))?
        .len();
    if len < layout.data_bytes() {
        return Err(Error::new(
            ErrorKind::FileChanged,
            format!(
                "{}: data file has {len} bytes, {} expected (it was {} bytes when its descriptor was read)",
                layout.path.display(),
                layout.data_bytes(),
                layout.file_len
            ),
        ));
    }
    Ok(file)
}

/// Loads the dataset at `path` with the given scaling (`""` for none): the whole reader in one
/// call, without cache or memory budget (the loader adds those).
pub fn load(path: &Path, scaling: &str) -> Result<Dataset> {
    let scaling = Scaling::parse(scaling)
        .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))?;
    Plan::open(path, scaling)?.read()
}

/// The stamp (size, times, identity) of a regular file, or a clear error for a missing file, a
/// directory or something else that is not a regular file.
pub(crate) fn regular_file(path: &Path, role: &str) -> Result<FileStamp> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::new(
            ErrorKind::NotFound,
            format!("{}: {role} not found", path.display()),
        ),
        _ => Error::io(path, "stat", &e),
    })?;
    if !meta.is_file() {
        return Err(not_regular(ErrorKind::InvalidArgument, path, role, &meta));
    }
    Ok(FileStamp::from_metadata(&meta))
}

/// The error for a path that exists but is a directory or another non-regular file (FIFO,
/// socket, device), which epyr never opens: reading a FIFO could block forever.
fn not_regular(kind: ErrorKind, path: &Path, role: &str, meta: &std::fs::Metadata) -> Error {
    let what = if meta.is_dir() {
        "a directory, not a regular file"
    } else {
        "not a regular file"
    };
    Error::new(kind, format!("{}: {role} is {what}", path.display()))
}

/// Reads a whole descriptor or parameter file, refusing empty files, files larger than
/// [`MAX_TEXT_FILE_BYTES`] and files with a NUL byte (binary data: no real descriptor or
/// parameter file has one, while garbage and blocks zeroed by a crash do). Returns the bytes
/// and the file's stamp, taken before the bytes were read.
pub(crate) fn read_text_file(path: &Path, role: &str) -> Result<(Vec<u8>, FileStamp)> {
    let stamp = regular_file(path, role)?;
    let len = stamp.len();
    if len == 0 {
        return Err(Error::format(path, format!("{role} is empty")));
    }
    if len > MAX_TEXT_FILE_BYTES {
        return Err(Error::format(
            path,
            format!(
                "{role} is {len} bytes, more than the {MAX_TEXT_FILE_BYTES} bytes a {role} may have"
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    File::open(path)
        .and_then(|f| f.take(MAX_TEXT_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::io(path, "read", &e))?;
    if bytes.len() as u64 > MAX_TEXT_FILE_BYTES {
        return Err(Error::format(path, format!("{role} grew while being read")));
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
/// parsers of [`text`]), refusing a file with more than [`text::MAX_ENTRIES`] entries.
pub(crate) fn read_params(
    path: &Path,
    role: &str,
    parse: fn(&[u8], usize) -> Option<Params>,
) -> Result<(Params, Source)> {
    let (bytes, stamp) = read_text_file(path, role)?;
    let params = parse(&bytes, text::MAX_ENTRIES).ok_or_else(|| {
        Error::format(
            path,
            format!(
                "{role} has more than {} key/value lines; real ones have a few hundred",
                text::MAX_ENTRIES
            ),
        )
    })?;
    Ok((params, (path.to_path_buf(), stamp)))
}

/// The file formats by extension (lower case): text file extension, data file extension.
const PAIRS: [(FileFormat, &str, &str); 2] = [
    (FileFormat::Bes3t, "dsc", "dta"),
    (FileFormat::Esp, "par", "spc"),
];

/// Finds the format and the text and data files of the dataset named by `path`.
///
/// With an extension (any case): the extension picks the format and the given file is one of
/// the pair; the other one is found by eprload's rule (exactly upper-case extension given →
/// upper case, else lower case), then the other case, then any case. Without an extension the
/// BES3T pair is looked for first, then the ESP pair.
/// Returns the format, the text file and the data file with its stamp (each file is stat'ed
/// once; the text file is stat'ed when it is read).
pub fn resolve(path: &Path) -> Result<(FileFormat, PathBuf, Source)> {
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
        let given = if given_is_text {
            None
        } else {
            Some(regular_file(path, "file")?)
        };
        let role = if given_is_text {
            "data file"
        } else {
            "descriptor/parameter file"
        };
        let Some((other, other_stamp)) = find_companion(path, other_ext, upper, role)? else {
            // Say first if the given file itself is missing or not a file.
            regular_file(path, "file")?;
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
        return Ok(match given {
            None => (format, path.to_path_buf(), (other, other_stamp)),
            Some(stamp) => (format, other, (path.to_path_buf(), stamp)),
        });
    }
    if !ext.is_empty() && path.exists() {
        return Err(Error::unsupported(
            path,
            format!(
                "unknown extension .{ext}; epyr reads .DSC/.DTA (BES3T) and .par/.spc (ESP/WinEPR)"
            ),
        ));
    }
    // No extension (or a dotted base name): look for a pair next to it.
    for (format, text_ext, data_ext) in PAIRS {
        let candidate = path_with_added_ext(path, data_ext);
        if let Some(data) = find_companion(&candidate, data_ext, true, "data file")? {
            if let Some((text, _)) =
                find_companion(&candidate, text_ext, true, "descriptor/parameter file")?
            {
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
/// given): first in the preferred case, then in the other, then with any letter case.
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
) -> Result<Option<Source>> {
    let upper = path.with_extension(ext.to_ascii_uppercase());
    let lower = path.with_extension(ext);
    let (first, second) = if prefer_upper {
        (upper, lower)
    } else {
        (lower, upper)
    };
    let mut unreadable = None;
    for candidate in [first, second] {
        match std::fs::metadata(&candidate) {
            Ok(meta) if meta.is_file() => {
                return Ok(Some((candidate, FileStamp::from_metadata(&meta))))
            }
            Ok(meta) => {
                unreadable
                    .get_or_insert_with(|| not_regular(ErrorKind::Io, &candidate, role, &meta));
            }
            Err(_) => {}
        }
    }
    if let Some(found) = find_any_case(path, ext) {
        let stamp = regular_file(&found, role)?;
        return Ok(Some((found, stamp)));
    }
    match unreadable {
        Some(err) => Err(err),
        None => Ok(None),
    }
}

/// The regular file beside `path` with its base name and extension `ext` in any letter case.
fn find_any_case(path: &Path, ext: &str) -> Option<PathBuf> {
    let stem = path.file_stem()?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
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

/// Reads a number key that the reader needs; a missing key or a non-number is a format error.
pub(crate) fn required_number(params: &Params, key: &str, path: &Path) -> Result<f64> {
    let raw = params
        .get(key)
        .ok_or_else(|| Error::format(path, format!("required key {key} is missing")))?;
    leading_number(raw)
        .ok_or_else(|| Error::format(path, format!("key {key}: expected a number, found {raw:?}")))
}

/// The number at the start of a value (`3380.00 G` gives 3380), for keys the reader needs even
/// where the file adds a unit or other tokens after the number.
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
            format!("scaling '{option}': key {key} is not a number: {raw:?}"),
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
                "{}: cannot allocate {} bytes for {what}",
                path.display(),
                n as u128 * 8
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
}
