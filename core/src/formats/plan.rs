//! The plan of a dataset (everything but its values, with every claimed size checked) and the
//! read paths that bring its values into a dataset or caller buffers, whatever the format:
//! positioned binary reads (parallel decode, in-place byte swap, chunks, row ranges) or values
//! a text format decoded when the plan was made.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::keys::{cannot_allocate, zeroed_values};
use super::resolve::Resolution;
use super::{
    decode, scaling, AxisPlan, ByteOrder, ComponentSlot, FileStamp, Format, NumberType, Provenance,
    Recorder, ScaleStep, Scaling, Source,
};
use crate::accounting::HeldBytes;
use crate::dataset::{dataset_heap_bytes, Component, Dataset, DatasetParts, FormatId, Params};
use crate::error::{Error, ErrorKind, Result};
use crate::files::{ensure_unchanged, open_regular, stamp_of};

/// Data files of at least this size are decoded by several threads when asked to.
pub const PARALLEL_THRESHOLD_BYTES: u64 = 8 << 20;

/// Values stored as binary numbers in a data file, read by positioned reads.
#[derive(Debug, Clone)]
pub struct BinaryValues {
    /// The data file.
    pub path: PathBuf,
    /// The data file, opened once (without blocking) when the plan was made; every read of the
    /// values goes through it. `None` once the plan is only a description
    /// ([`Plan::into_description`]).
    pub file: Option<Arc<File>>,
    /// The data file's stamp, taken through the opened file when the plan was made.
    pub stamp: FileStamp,
    /// The number type of every value.
    pub number: NumberType,
    /// The byte order of every value.
    pub order: ByteOrder,
    /// The byte offset of the first value (the size of a header before the values).
    pub offset: u64,
    /// How the numbers of a point are stored: `false`, together (`re, im` of every component
    /// point by point, as BES3T); `true`, each number of a point in a block of its own of one
    /// number per point (all real parts, then all imaginary parts).
    pub planar: bool,
}

/// Values a text format decoded when its plan was made (counted as memory epyr holds).
#[derive(Debug)]
pub struct DecodedValues {
    /// One vector per component, in file order (complex values interleaved `re, im`).
    pub components: Vec<Vec<f64>>,
    held: HeldBytes,
}

impl DecodedValues {
    /// Values decoded from a text file: one vector per component.
    pub fn new(components: Vec<Vec<f64>>) -> DecodedValues {
        let bytes = components.iter().map(|c| c.capacity() * 8).sum();
        DecodedValues {
            components,
            held: HeldBytes::new(bytes),
        }
    }

    /// The bytes the values hold.
    pub fn bytes(&self) -> usize {
        self.held.bytes()
    }
}

/// Where the values of a dataset come from.
#[derive(Debug, Clone)]
pub enum ValueSource {
    /// Positioned reads of a data file.
    File(BinaryValues),
    /// Values decoded from text when the plan was made.
    Decoded(Arc<DecodedValues>),
}

/// The shape of a dataset's values and where they come from.
#[derive(Debug, Clone)]
pub struct DataLayout {
    /// Points along x, y and z.
    pub dims: [usize; 3],
    /// One entry per component: whether it is complex.
    pub complex: Vec<bool>,
    /// Where the values are.
    pub values: ValueSource,
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

    /// Bytes per point in the data file (0 for decoded values).
    pub fn point_bytes(&self) -> usize {
        match &self.values {
            ValueSource::File(b) => self.per_point() * b.number.size(),
            ValueSource::Decoded(_) => 0,
        }
    }

    /// Bytes of the data file that hold values (0 for decoded values).
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

/// Everything about a dataset except its values: the result of reading the headers (descriptor
/// or parameter file, axis files), with every claimed size checked against the files.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The format of the dataset.
    pub format: &'static dyn Format,
    /// The shape of the values and where they are.
    pub layout: DataLayout,
    /// The x, y and z axes, described: their values are made when a dataset is built, or one
    /// range at a time ([`AxisPlan::read_into`]).
    pub axes: [Option<AxisPlan>; 3],
    /// The parameters.
    pub params: Params,
    /// Warnings found so far.
    pub warnings: Vec<String>,
    /// The scaling steps to apply to every value, in order.
    pub scale: Vec<ScaleStep>,
    /// Every file the dataset is built from (member files first, in role order, then axis
    /// files), each stamped before its content was read, the names not found and the start.
    pub provenance: Provenance,
}

impl Plan {
    /// Reads the descriptor side of the dataset at `path` (any member file, any extension
    /// case, or the base name without extension) with the given scaling.
    pub fn open(path: &Path, scaling: Scaling) -> Result<Plan> {
        Plan::open_resolved(Resolution::of(path)?, scaling)
    }

    /// Reads the descriptor side of the dataset whose files `resolution` found (see
    /// [`Plan::open`]), without resolving the path again.
    pub fn open_resolved(resolution: Resolution, scaling: Scaling) -> Result<Plan> {
        let Resolution {
            format,
            members,
            absent,
            started,
            opened,
        } = resolution;
        let mut rec = Recorder::new(started, absent).with_opened(opened);
        format.plan(&members, scaling, &mut rec)
    }

    /// The plan as a description only: the data file is closed, so that descriptions kept by a
    /// caller hold no open files.
    pub fn into_description(mut self) -> Plan {
        if let ValueSource::File(b) = &mut self.layout.values {
            b.file = None;
        }
        self
    }

    /// The format's id.
    pub fn format_id(&self) -> &'static str {
        self.format.id()
    }

    /// The source files with their stamps (member files first).
    pub fn sources(&self) -> &[Source] {
        &self.provenance.sources
    }

    /// The file messages about the values name: the data file, or the text file the values
    /// were decoded from.
    pub fn data_path(&self) -> &Path {
        match &self.layout.values {
            ValueSource::File(b) => &b.path,
            ValueSource::Decoded(_) => self
                .provenance
                .sources
                .first()
                .map_or(Path::new(""), |(p, _)| p.as_path()),
        }
    }

    /// What the dataset is built from: the sources with their stamps, the names not found
    /// and the start time, for a cache to validate the dataset later.
    pub fn provenance(&self) -> Provenance {
        self.provenance.clone()
    }

    /// Reads and decodes the values and builds the dataset, on one thread.
    pub fn read(self) -> Result<Dataset> {
        self.read_parallel(1)
    }

    /// Reads and decodes the values and builds the dataset; data files of more than
    /// [`PARALLEL_THRESHOLD_BYTES`] are decoded by up to `threads` threads.
    pub fn read_parallel(self, threads: usize) -> Result<Dataset> {
        let components = self.read_components(threads)?;
        let rules = self.axes.each_ref().map(|a| {
            a.as_ref()
                .map_or(crate::dataset::AxisRule::Values, |a| a.values.rule())
        });
        let mut axes = [None, None, None];
        let path = self.data_path().to_path_buf();
        for (dim, (axis, plan)) in axes.iter_mut().zip(self.axes).enumerate() {
            if let Some(plan) = plan {
                *axis = Some(plan.into_axis(dim, &path)?);
            }
        }
        Dataset::new(DatasetParts {
            format: FormatId(self.format.id()),
            dims: self.layout.dims,
            components,
            axes,
            params: self.params,
            sources: self
                .provenance
                .sources
                .into_iter()
                .map(|(p, _)| p)
                .collect(),
            warnings: self.warnings,
        })
        .map(|ds| ds.with_axis_rules(rules))
    }

    /// The values of every component, scaled: decoded values are taken over (copied only where
    /// another clone of the plan shares them), binary ones read into fresh vectors.
    fn read_components(&self, threads: usize) -> Result<Vec<Component>> {
        let layout = &self.layout;
        let points = layout.points();
        let mut components = Vec::new();
        components
            .try_reserve_exact(layout.complex.len())
            .map_err(|_| cannot_allocate(self.data_path(), "the component table"))?;
        if let ValueSource::Decoded(decoded) = &layout.values {
            // Copied: the plan may be shared (a description handle keeps one); text formats
            // are small next to the binary ones that stream.
            for (values, &complex) in decoded.components.iter().zip(&layout.complex) {
                let mut values = values.clone();
                let width = 1 + usize::from(complex);
                scaling::apply_steps(&self.scale, &mut values, width, layout.dims, 0);
                components.push(Component { complex, values });
            }
            return Ok(components);
        }
        for &complex in &layout.complex {
            let n = points * (1 + usize::from(complex));
            let values = zeroed_values(n, self.data_path(), "the values")?;
            components.push(Component { complex, values });
        }
        let mut outputs: Vec<&mut [f64]> = components
            .iter_mut()
            .map(|c| c.values.as_mut_slice())
            .collect();
        self.read_values_into(&mut outputs, threads)?;
        Ok(components)
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
            self.provenance.sources.iter().map(|(p, _)| p.capacity()),
            self.warnings.capacity(),
            self.warnings.iter().map(String::capacity),
        )
    }

    /// The bytes a load of this plan adds to what epyr holds: [`Plan::dataset_heap_bytes`]
    /// less the decoded values the plan holds already (counted since they were decoded).
    pub fn new_bytes(&self) -> usize {
        let held = match &self.layout.values {
            ValueSource::Decoded(d) => d.bytes(),
            ValueSource::File(_) => 0,
        };
        self.dataset_heap_bytes().saturating_sub(held)
    }

    /// Reads, decodes and scales every value into caller buffers, one per component, each
    /// exactly `points * width` long, with up to `threads` threads for large files.
    pub fn read_values_into(&self, outputs: &mut [&mut [f64]], threads: usize) -> Result<()> {
        let slots = self.layout.slots();
        check_outputs(&slots, outputs, self.layout.points())?;
        self.read_slots(None, 0, &slots, outputs, threads)
    }

    /// Reads every value in file order (components interleaved per point, complex as re, im)
    /// into one caller buffer of exactly `points * per_point` values, scaled.
    pub fn read_file_order_into(&self, out: &mut [f64], threads: usize) -> Result<()> {
        let whole = self.layout.whole_slot();
        let expected = self.layout.points() * whole.width;
        if out.len() != expected {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "buffer holds {} values, the dataset has {expected}",
                    out.len()
                ),
            ));
        }
        self.read_slots(None, 0, &[whole], &mut [out], threads)
    }

    /// [`Plan::read_file_order_into`] for a description ([`Plan::into_description`], which
    /// closed the data file): the data file is opened again and must be the very file the plan
    /// was made from, unchanged (the stamp recorded then), else [`ErrorKind::FileChanged`]; so
    /// the values read are those the description describes.
    pub fn read_description_into(&self, out: &mut [f64], threads: usize) -> Result<()> {
        let whole = self.layout.whole_slot();
        check_outputs(&[whole], &[&mut *out], self.layout.points())?;
        let ValueSource::File(binary) = &self.layout.values else {
            return self.read_slots(None, 0, &[whole], &mut [out], threads);
        };
        let (file, now) = open_regular(&binary.path, "data file")?;
        ensure_unchanged(
            &binary.path,
            "data file",
            &binary.stamp,
            &now,
            "since it was described",
        )?;
        self.read_slots(Some(&file), 0, &[whole], &mut [out], threads)
    }

    /// Reads the points from `first` on (as many as `out` holds whole points) in file order
    /// into `out`, scaled: the chunked reader's read.
    pub fn read_points_at(&self, first: usize, out: &mut [f64]) -> Result<()> {
        self.read_slots(None, first, &[self.layout.whole_slot()], &mut [out], 1)
    }

    /// Reads points from `first` on into `outputs`, one per slot, and scales them; binary values
    /// through `file` (the plan's data file, or the same file opened again for a description).
    fn read_slots(
        &self,
        file: Option<&File>,
        first: usize,
        slots: &[ComponentSlot],
        outputs: &mut [&mut [f64]],
        threads: usize,
    ) -> Result<()> {
        let layout = &self.layout;
        match &layout.values {
            ValueSource::File(binary) => {
                let file = match file {
                    Some(f) => f,
                    None => self.data_file()?,
                };
                let threads = effective_threads(layout, threads);
                let points = layout.points();
                decode::read_slots(file, binary, points, first, slots, outputs, threads)?;
                check_read_through(binary, file)?;
            }
            ValueSource::Decoded(decoded) => copy_decoded(layout, decoded, first, slots, outputs),
        }
        if !self.scale.is_empty() {
            for (slot, out) in slots.iter().zip(outputs.iter_mut()) {
                scaling::apply_steps(&self.scale, out, slot.width, layout.dims, first);
            }
        }
        Ok(())
    }

    /// The data file the plan opened; every read of the values goes through it.
    pub fn data_file(&self) -> Result<&File> {
        let file = match &self.layout.values {
            ValueSource::File(b) => b.file.as_deref(),
            ValueSource::Decoded(_) => None,
        };
        file.ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{}: this plan is a description only and reads no values",
                    self.data_path().display()
                ),
            )
        })
    }

    /// Checks through the open data file (one `fstat`, no path lookup) that it is as it was
    /// when the plan was made: values read from it since are the ones the plan describes. A
    /// file written, truncated or extended in the meantime is [`ErrorKind::FileChanged`]. (A
    /// file replaced under its name by another leaves this one intact: the values read are
    /// those of the files at the start of the load, and a cache notices the replacement at
    /// its next lookup.) Decoded values need no check.
    pub fn check_data_unchanged(&self) -> Result<()> {
        match &self.layout.values {
            ValueSource::File(binary) => check_read_through(binary, self.data_file()?),
            ValueSource::Decoded(_) => Ok(()),
        }
    }
}

/// [`Plan::check_data_unchanged`] through `file`, the data file of `binary` (opened by the
/// plan, or again for a description).
fn check_read_through(binary: &BinaryValues, file: &File) -> Result<()> {
    let now = stamp_of(file, &binary.path)?;
    ensure_unchanged(
        &binary.path,
        "data file",
        &binary.stamp,
        &now,
        "while it was read",
    )
}

/// Checks that there is one output per slot, each exactly `points * width` long.
fn check_outputs(slots: &[ComponentSlot], outputs: &[&mut [f64]], points: usize) -> Result<()> {
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
    Ok(())
}

/// Copies decoded values of the points from `first` on into `outputs` (one per slot).
fn copy_decoded(
    layout: &DataLayout,
    decoded: &DecodedValues,
    first: usize,
    slots: &[ComponentSlot],
    outputs: &mut [&mut [f64]],
) {
    // The number `k` of a point in file order is number `k - offset` of component `c`.
    let starts: Vec<usize> = layout.slots().iter().map(|s| s.offset).collect();
    for (slot, out) in slots.iter().zip(outputs.iter_mut()) {
        for (p, dst) in out.chunks_exact_mut(slot.width).enumerate() {
            let point = first + p;
            for (j, v) in dst.iter_mut().enumerate() {
                let number = slot.offset + j;
                let c = starts.iter().rposition(|&s| s <= number).unwrap_or(0);
                let width = 1 + usize::from(layout.complex[c]);
                *v = decoded.components[c][point * width + number - starts[c]];
            }
        }
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
