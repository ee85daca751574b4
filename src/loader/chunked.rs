//! [`ChunkedReader`]: streams a dataset in chunks of whole points with one chunk in memory,
//! and reads row ranges of 2-D/3-D data by positioned reads.
//!
//! The data file is read with `pread`, never through a memory map, so a file truncated while it
//! is read gives an error instead of a SIGBUS. After each read the reader checks that every
//! source file (data, descriptor, axis files) still has the stamp (size, times, inode) it had
//! when the plan was made: a file replaced or rewritten before or during a read is an error
//! ([`ErrorKind::FileChanged`]), never mixed data.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use super::{check_stamps, check_unchanged};
use crate::accounting::HeldBytes;
use crate::error::{Error, ErrorKind, Result};
use crate::formats::{decode, scaling, Plan, Scaling};
use crate::sys::SourceWatch;

/// Streams the values of a dataset in file order (components interleaved per point, complex as
/// re, im), one chunk of whole points at a time. Use from one thread at a time.
pub struct ChunkedReader {
    plan: Plan,
    /// The plan's data file, which every read goes through.
    file: Arc<File>,
    chunk_points: usize,
    next_point: usize,
    buffer: Vec<f64>,
    held: HeldBytes,
    /// The source files, re-checked after every read.
    sources: SourceWatch,
}

impl ChunkedReader {
    /// Opens the dataset at `path` for streaming with chunks of at most `chunk_bytes` of
    /// decoded values (at least one point; whole rows when a row fits).
    pub fn open(path: &Path, scaling: Scaling, chunk_bytes: usize) -> Result<ChunkedReader> {
        let plan = Plan::open(path, scaling)?;
        let file = Arc::clone(plan.origin.data_file.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                "a described plan cannot be streamed",
            )
        })?);
        plan.data_file()?;
        let sources = SourceWatch::new(&plan.sources);
        let mut reader = ChunkedReader {
            plan,
            file,
            chunk_points: 1,
            next_point: 0,
            buffer: Vec::new(),
            held: HeldBytes::new(0),
            sources,
        };
        let point_bytes = reader.values_per_point() * 8;
        let mut points = (chunk_bytes / point_bytes).max(1);
        let nx = reader.plan.layout.dims[0];
        if points >= nx {
            points -= points % nx;
        }
        reader.set_chunk_points(points)?;
        Ok(reader)
    }

    /// The plan of the dataset: dims, components, axes, parameters, sources.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Points in the dataset.
    pub fn total_points(&self) -> usize {
        self.plan.layout.points()
    }

    /// Numbers per point in file order (the sum over components of 1 for real, 2 for complex).
    pub fn values_per_point(&self) -> usize {
        self.plan.layout.per_point()
    }

    /// Points per chunk.
    pub fn chunk_points(&self) -> usize {
        self.chunk_points
    }

    /// Sets the number of points per chunk (at least 1; more points than the dataset has are
    /// clamped to the dataset's points); the internal buffer is sized to it.
    pub fn set_chunk_points(&mut self, points: usize) -> Result<()> {
        let points = points.min(self.total_points());
        let values = points
            .checked_mul(self.values_per_point())
            .filter(|_| points > 0)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("chunk of {points} points: expected at least 1 point and no overflow"),
                )
            })?;
        let mut buffer = Vec::new();
        buffer
            .try_reserve_exact(values.min(self.total_points() * self.values_per_point()))
            .map_err(|_| {
                Error::new(
                    ErrorKind::MemoryLimit,
                    format!("cannot allocate a chunk of {values} values"),
                )
            })?;
        self.chunk_points = points;
        self.held.set(buffer.capacity() * 8);
        self.buffer = buffer;
        Ok(())
    }

    /// The index of the next point to be read.
    pub fn position(&self) -> usize {
        self.next_point
    }

    /// Starts again at the first point.
    pub fn rewind(&mut self) {
        self.next_point = 0;
    }

    /// The next chunk in the reader's own buffer: the index of its first point and its values;
    /// `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<(usize, &[f64])>> {
        let first = self.next_point;
        let n = self.chunk_points.min(self.total_points() - first);
        if n == 0 {
            return Ok(None);
        }
        let len = n * self.values_per_point();
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.resize(len, 0.0);
        let result = self.read_points_at(first, &mut buffer);
        self.buffer = buffer;
        result?;
        self.next_point += n;
        Ok(Some((first, &self.buffer[..len])))
    }

    /// The next chunk into a caller buffer: as many whole points as fit in `buf` (at most one
    /// chunk). Returns the index of the first point and the number of values written; `None`
    /// at the end. A buffer too small for one point is an error.
    pub fn next_into(&mut self, buf: &mut [f64]) -> Result<Option<(usize, usize)>> {
        let per_point = self.values_per_point();
        let first = self.next_point;
        let n = self
            .chunk_points
            .min(self.total_points() - first)
            .min(buf.len() / per_point);
        if first == self.total_points() {
            return Ok(None);
        }
        if n == 0 {
            return Err(Error::new(
                ErrorKind::BufferTooSmall,
                format!(
                    "buffer of {} values is smaller than one point ({per_point} values)",
                    buf.len()
                ),
            ));
        }
        let len = n * per_point;
        self.read_points_at(first, &mut buf[..len])?;
        self.next_point += n;
        Ok(Some((first, len)))
    }

    /// Reads `count` rows starting at row `start` into the first `count * nx * per_point`
    /// values of `out` ([`ChunkedReader::rows_len`]; a smaller buffer is
    /// [`ErrorKind::BufferTooSmall`]). Rows are the `ny * nz` lines of `nx` points, y fastest
    /// then z. Does not move the streaming position.
    pub fn read_rows(&self, start: usize, count: usize, out: &mut [f64]) -> Result<()> {
        let needed = self.rows_len(start, count)?;
        let have = out.len();
        let Some(out) = out.get_mut(..needed) else {
            return Err(Error::new(
                ErrorKind::BufferTooSmall,
                format!("rows buffer holds {have} values, {count} rows need {needed}"),
            ));
        };
        self.read_points_at(start * self.plan.layout.dims[0], out)
    }

    /// The number of values `count` rows from row `start` hold; rows out of range are an
    /// [`ErrorKind::InvalidArgument`] error.
    pub fn rows_len(&self, start: usize, count: usize) -> Result<usize> {
        let [nx, ny, nz] = self.plan.layout.dims;
        let rows = ny * nz;
        if start.checked_add(count).is_none_or(|end| end > rows) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "rows {start}..{start}+{count} are out of range: the dataset has {rows} rows"
                ),
            ));
        }
        Ok(count * nx * self.values_per_point())
    }

    /// Writes the values `start..start + out.len()` of the axis of dimension `dim` (0 x, 1 y,
    /// 2 z) into `out`: any range, so that a reader holds no axis values of its own, whatever
    /// the size (see [`Plan::axes`] for lengths, names and units). A dimension without an
    /// axis or a range beyond it is an [`ErrorKind::InvalidArgument`] error; an axis file that
    /// changed since the plan was made is [`ErrorKind::FileChanged`].
    pub fn read_axis(&self, dim: usize, start: usize, out: &mut [f64]) -> Result<()> {
        read_plan_axis(&self.plan, dim, start, out)
    }

    /// Reads whole points from `first` into `out` (file order), scaled, and checks that no
    /// source file changed since the plan was made.
    fn read_points_at(&self, first: usize, out: &mut [f64]) -> Result<()> {
        let layout = &self.plan.layout;
        let whole = layout.whole_slot();
        decode::read_points(
            &self.file,
            &layout.path,
            (first * layout.point_bytes()) as u64,
            layout.number,
            layout.order,
            &[whole],
            &mut [out],
        )?;
        // Checked after the read: unchanged stamps of every source (data, descriptor, axis
        // files) mean the values just read are the ones the plan describes.
        check_stamps(self.sources.stamps_now(), "while it was read")?;
        if !self.plan.scale.is_empty() {
            scaling::apply_steps(&self.plan.scale, out, whole.width, layout.dims, first);
        }
        Ok(())
    }
}

/// Writes values `start..start + out.len()` of axis `dim` of `plan` into `out` and checks that
/// no source file (an axis file included) changed since the plan was made.
pub(crate) fn read_plan_axis(plan: &Plan, dim: usize, start: usize, out: &mut [f64]) -> Result<()> {
    let axis = plan.axes.get(dim).and_then(Option::as_ref).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "{}: the dataset has no axis {dim} (0 x, 1 y, 2 z)",
                plan.layout.path.display()
            ),
        )
    })?;
    axis.read_into(dim, start, out)?;
    check_unchanged(&plan.sources, "while it was read")
}
