//! The in-memory model every layer shares: [`Dataset`] with its [`Component`]s, [`Axis`]es,
//! [`Params`], source paths and warnings.
//!
//! Values are `f64` in file order (x fastest, then y, then z); a complex component stores its
//! values interleaved `re, im`. A dataset is immutable once built and is shared as
//! `Arc<Dataset>`, so no caller can change what another caller sees.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::accounting::HeldBytes;
use crate::error::{Error, ErrorKind, Result};

/// The format a dataset was read from, by the stable id of its entry in the format table
/// (`"bruker-bes3t"`); datasets a caller built carry [`FormatId::USER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FormatId(pub &'static str);

impl FormatId {
    /// The id of datasets a caller built rather than read from a file.
    pub const USER: FormatId = FormatId("user");

    /// The id as text.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// How a host that builds axes itself (MATLAB, bit-exact with EasySpin's `eprload`) makes an
/// axis: by a `linspace` rule, or from the values epyr gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AxisRule {
    /// `offset + scale * linspace(start, end, n)`.
    Linspace {
        /// Added to every scaled value.
        offset: f64,
        /// Multiplies every value of the `linspace`.
        scale: f64,
        /// The first value of the `linspace`.
        start: f64,
        /// The last value of the `linspace`.
        end: f64,
    },
    /// The values as epyr gives them.
    Values,
}

/// One data component: real or complex values for every point of the dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// Whether the component is complex; its values are then interleaved `re, im`.
    pub complex: bool,
    /// The values in file order (x fastest), `points` long if real, `2 * points` if complex.
    pub values: Vec<f64>,
}

/// An abscissa: one value per point along one dimension, with its name and unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The axis values, as many as the dimension has points.
    pub values: Vec<f64>,
    /// The axis name (BES3T `XNAM`, ESP sweep type), possibly empty.
    pub name: String,
    /// The axis unit (BES3T `XUNI`, ESP `JUN`/`XXUN`), possibly empty.
    pub unit: String,
}

/// One parameter as written in the file: raw text, outer single quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The key (first token of the line). Readers whose keys are fixed by the format (a JEOL
    /// header's fields) lend them from a table built once, so that a load allocates no key.
    pub key: Cow<'static, str>,
    /// The value text (rest of the line; continued lines joined, `\n` decoded).
    pub value: String,
    /// The BES3T `.DVC` device block the key appeared in, if any. Every entry of one block
    /// shares one allocation of the name (a block may have thousands of entries).
    pub device: Option<Arc<str>>,
}

/// The parameters of a dataset in file order. Where a key appears more than once (BES3T device
/// blocks repeat key names), lookups by key return the last occurrence, as eprload does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    entries: Vec<Param>,
    history: Option<String>,
    /// The text as written of the entries read from more than one plain line, by entry index
    /// (increasing): see [`Params::lines`].
    lines: Vec<(usize, String)>,
    /// The kinds of the entries not read from text, by entry index (increasing): see
    /// [`Params::kind`].
    kinds: Vec<(usize, ValueKind)>,
    /// Arrays of numbers the file holds besides the data: see [`Params::arrays`].
    arrays: Vec<(String, Arc<[f64]>)>,
}

/// What a parameter's value was read from, for hosts that give numbers as numbers and raw
/// characters as characters, as EasySpin's eprload does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Text (every format's values but those below).
    Text,
    /// A binary number (a JEOL header's `int32` and `float32` fields); the value is the
    /// number's shortest text that reads back as the same `f64`.
    BinaryNumber,
    /// A field of this many raw characters (JEOL's `fread(h, n, '*char')` fields); the value
    /// holds them up to the first NUL.
    RawChars(usize),
    /// A member of a JSON document (CIQTEK `.epr`, Adani `.json`) of this kind: the value is
    /// a string unescaped, a number, `true`, `false` or `null` as written, an array as its
    /// JSON text without white space between tokens, an empty object as `{}`; so that a host
    /// rebuilds the document as the file holds it (a string `"0.5"` stays a string).
    Json(JsonKind),
}

/// The kind of a JSON value (see [`ValueKind::Json`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// An empty object (`{}`); members of other objects are parameters of their own.
    Object,
    /// An array, kept as its JSON text.
    Array,
    /// A string, unescaped.
    String,
    /// A number, as written.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl Params {
    /// Parameters from entries in file order, and the free text of the BES3T manipulation
    /// history layer (`#MHL`) if the file has one.
    pub fn new(entries: Vec<Param>, history: Option<String>) -> Self {
        Params {
            entries,
            history,
            lines: Vec::new(),
            kinds: Vec::new(),
            arrays: Vec::new(),
        }
    }

    /// Appends an array of numbers the file holds besides the data (see [`Params::arrays`]).
    pub fn push_array(&mut self, name: String, values: Arc<[f64]>) {
        self.arrays.push((name, values));
    }

    /// The arrays of numbers the file holds besides the dataset's values, in file order, by
    /// name: a Magnettech `.xml` file's curves (`Curves.MW_Absorption`, `Curves.BField`, ...,
    /// every curve with data, as EasySpin's eprload keeps them in `pars.Curves`), for hosts
    /// that give them as eprload does. Empty for the other formats.
    pub fn arrays(&self) -> &[(String, Arc<[f64]>)] {
        &self.arrays
    }

    /// Records what entry `index` was read from where that is not text; indexes are recorded
    /// in increasing order, each once.
    pub fn set_kind(&mut self, index: usize, kind: ValueKind) {
        debug_assert!(self.kinds.last().is_none_or(|(last, _)| *last < index));
        self.kinds.push((index, kind));
    }

    /// What entry `index` was read from: for hosts that give binary numbers as numbers and
    /// text as text, as EasySpin's eprload does (a JEOL text field holding digits stays text
    /// there). [`ValueKind::Text`] for every entry a reader did not mark.
    pub fn kind(&self, index: usize) -> ValueKind {
        self.kinds
            .binary_search_by_key(&index, |(at, _)| *at)
            .map_or(ValueKind::Text, |k| self.kinds[k].1)
    }

    /// Records `text` as the text entry `index` was read from (see [`Params::lines`]); indexes
    /// are recorded in increasing order, each once.
    pub fn set_lines(&mut self, index: usize, text: String) {
        debug_assert!(self.lines.last().is_none_or(|(last, _)| *last < index));
        self.lines.push((index, text));
    }

    /// The text entry `index` was read from, as written in the file (Latin-1 decoded), where
    /// that is more than one plain line: a BES3T value continued over several lines (lines
    /// ending in `\`), or a line holding a carriage return. It runs from the start of the
    /// entry's first line (its key) to the end of its last line, line ends (LF, CR LF, CR)
    /// kept as written except the last one. `None` for an entry read from one plain line,
    /// whose value is all there is to know. (Hosts that copy another reader's rules for such
    /// text, as the MATLAB gateway copies EasySpin's eprload, read it again from here.)
    pub fn lines(&self, index: usize) -> Option<&str> {
        self.lines
            .binary_search_by_key(&index, |(at, _)| *at)
            .ok()
            .map(|k| self.lines[k].1.as_str())
    }

    /// Appends an entry (readers use it for defaults that the reference reader adds).
    pub fn push(&mut self, entry: Param) {
        self.entries.push(entry);
    }

    /// All entries in file order.
    pub fn entries(&self) -> &[Param] {
        &self.entries
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The text of the `#MHL` layer (everything from its header line on), where parsing of
    /// keys stopped.
    pub fn history(&self) -> Option<&str> {
        self.history.as_deref()
    }

    /// The raw text of the last entry with this key (case-sensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    }

    /// Whether the key is present.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The value as a number, if the whole trimmed value is one number (`3280.000000`,
    /// `9.487074e+09`, `6.324555e+003`). A value starting with a letter is never a number.
    pub fn number(&self, key: &str) -> Option<f64> {
        parse_number(self.get(key)?)
    }

    /// The value as numbers, if it is a whitespace-separated list of numbers.
    pub fn numbers(&self, key: &str) -> Option<Vec<f64>> {
        let value = self.get(key)?;
        let numbers: Option<Vec<f64>> = value.split_ascii_whitespace().map(parse_number).collect();
        numbers.filter(|n| !n.is_empty())
    }

    /// The value as a boolean: `true`/`false` in any letter case (as eprload), `None` otherwise.
    pub fn boolean(&self, key: &str) -> Option<bool> {
        let value = self.get(key)?.trim();
        if value.eq_ignore_ascii_case("true") {
            Some(true)
        } else if value.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }

    /// Bytes held by the parameters on the heap: the table, each key and value, each device
    /// name once per run of entries that share it (as the parser makes them), the texts of
    /// [`Params::lines`], the kinds, the arrays, the history.
    pub fn heap_bytes(&self) -> usize {
        let mut previous_device: Option<&Arc<str>> = None;
        let mut bytes = heap_block_bytes(self.entries.capacity() * std::mem::size_of::<Param>());
        for p in &self.entries {
            // A lent key (Cow::Borrowed) is held by its table, not by the parameters.
            let key = match &p.key {
                Cow::Owned(key) => key.capacity(),
                Cow::Borrowed(_) => 0,
            };
            bytes += heap_block_bytes(key) + heap_block_bytes(p.value.capacity());
            if let Some(device) = &p.device {
                if !previous_device.is_some_and(|d| Arc::ptr_eq(d, device)) {
                    // The name and the two reference counts in front of it.
                    bytes += heap_block_bytes(device.len() + 2 * std::mem::size_of::<usize>());
                }
            }
            previous_device = p.device.as_ref();
        }
        bytes += heap_block_bytes(self.lines.capacity() * std::mem::size_of::<(usize, String)>());
        bytes +=
            heap_block_bytes(self.kinds.capacity() * std::mem::size_of::<(usize, ValueKind)>());
        for (_, text) in &self.lines {
            bytes += heap_block_bytes(text.capacity());
        }
        bytes +=
            heap_block_bytes(self.arrays.capacity() * std::mem::size_of::<(String, Arc<[f64]>)>());
        for (name, values) in &self.arrays {
            // The values and the two reference counts in front of them.
            bytes += heap_block_bytes(name.capacity())
                + heap_block_bytes(
                    std::mem::size_of_val(&**values) + 2 * std::mem::size_of::<usize>(),
                );
        }
        bytes
            + self
                .history
                .as_ref()
                .map_or(0, |h| heap_block_bytes(h.capacity()))
    }
}

/// Parses one number the way eprload's `sscanf('%e')` accepts a whole value: decimal with an
/// optional exponent of any digit count; a value starting with a letter (`inf`, `NaN`, `True`)
/// is not a number, and neither is one beyond the range of a double (`1e400`, which would
/// otherwise become infinity): every number parsed is finite.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let first = *t.as_bytes().first()?;
    if first.is_ascii_alphabetic() {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The parts a [`Dataset`] is built from; [`Dataset::new`] checks that they agree.
#[derive(Debug, Clone)]
pub struct DatasetParts {
    /// The format the data came from ([`FormatId::USER`] for data a caller made).
    pub format: FormatId,
    /// Points along x, y, z (each at least 1).
    pub dims: [usize; 3],
    /// One or more components, each with `points` values (twice that if complex).
    pub components: Vec<Component>,
    /// The x, y and z axes; `None` where the file gives no abscissa for that dimension.
    pub axes: [Option<Axis>; 3],
    /// The parameters in file order.
    pub params: Params,
    /// Every file the dataset was built from (descriptor, data, axis files).
    pub sources: Vec<PathBuf>,
    /// Things the reader noticed that do not stop the load (extra bytes, assumed defaults).
    pub warnings: Vec<String>,
}

/// An immutable EPR dataset: values, axes, parameters, where it came from and what was odd
/// about it. Shared as `Arc<Dataset>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    format: FormatId,
    dims: [usize; 3],
    components: Vec<Component>,
    axes: [Option<Axis>; 3],
    params: Params,
    sources: Vec<PathBuf>,
    warnings: Vec<String>,
    /// How each axis is built ([`AxisRule::Values`] where nobody said).
    axis_rules: [AxisRule; 3],
    held: HeldBytes,
}

impl Dataset {
    /// Builds a dataset after checking that the parts agree: dims at least 1 and with a product
    /// that fits in memory addressing, at least one component, each component's length equal to
    /// the point count (twice that if complex), each axis as long as its dimension.
    pub fn new(parts: DatasetParts) -> Result<Self> {
        let invalid = |msg: String| Err(Error::new(ErrorKind::InvalidArgument, msg));
        if parts.dims.contains(&0) {
            return invalid(format!("dataset dims {:?} contain a zero", parts.dims));
        }
        let Some(points) = checked_points(parts.dims) else {
            return invalid(format!("dataset dims {:?} overflow", parts.dims));
        };
        if parts.components.is_empty() {
            return invalid("a dataset needs at least one component".into());
        }
        for (i, c) in parts.components.iter().enumerate() {
            let expected = points * if c.complex { 2 } else { 1 };
            if c.values.len() != expected {
                return invalid(format!(
                    "component {i} has {} values, expected {expected} for dims {:?}{}",
                    c.values.len(),
                    parts.dims,
                    if c.complex { " (complex)" } else { "" }
                ));
            }
        }
        for (i, axis) in parts.axes.iter().enumerate() {
            if let Some(axis) = axis {
                if axis.values.len() != parts.dims[i] {
                    return invalid(format!(
                        "axis {} has {} values, expected {}",
                        AXIS_LETTERS[i],
                        axis.values.len(),
                        parts.dims[i]
                    ));
                }
            }
        }
        let mut ds = Dataset {
            format: parts.format,
            dims: parts.dims,
            components: parts.components,
            axes: parts.axes,
            params: parts.params,
            sources: parts.sources,
            warnings: parts.warnings,
            axis_rules: [AxisRule::Values; 3],
            held: HeldBytes::new(0),
        };
        ds.held.set(ds.measure_heap_bytes());
        Ok(ds)
    }

    /// The format the dataset was read from.
    pub fn format(&self) -> FormatId {
        self.format
    }

    /// The dataset with the rules its axes were built by (a reader sets them).
    pub fn with_axis_rules(mut self, rules: [AxisRule; 3]) -> Dataset {
        self.axis_rules = rules;
        self
    }

    /// How the axis of dimension `dim` is built ([`AxisRule::Values`] where the dataset has
    /// no such axis or its values come from elsewhere).
    pub fn axis_rule(&self, dim: usize) -> AxisRule {
        match self.axis(dim) {
            Some(_) => self.axis_rules[dim],
            None => AxisRule::Values,
        }
    }

    /// Points along x, y and z (`[nx, ny, nz]`, each at least 1).
    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }

    /// The number of points (`nx * ny * nz`).
    pub fn points(&self) -> usize {
        self.dims.iter().product()
    }

    /// All components, in file order (BES3T `IKKF` order).
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// One component, if the index exists.
    pub fn component(&self, index: usize) -> Option<&Component> {
        self.components.get(index)
    }

    /// The axis of dimension `dim` (0 x, 1 y, 2 z), if the file gives one.
    pub fn axis(&self, dim: usize) -> Option<&Axis> {
        self.axes.get(dim)?.as_ref()
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Every file the dataset was built from.
    pub fn sources(&self) -> &[PathBuf] {
        &self.sources
    }

    /// Warnings the reader recorded while building the dataset.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The values of every component in file order: at each point the components in order, a
    /// complex one as `re, im` (the layout of a BES3T `.DTA`, decoded to f64).
    pub fn file_order_values(&self) -> Vec<f64> {
        let widths: Vec<usize> = self
            .components
            .iter()
            .map(|c| if c.complex { 2 } else { 1 })
            .collect();
        let per_point: usize = widths.iter().sum();
        let mut out = Vec::with_capacity(per_point * self.points());
        for point in 0..self.points() {
            for (c, &w) in self.components.iter().zip(&widths) {
                out.extend_from_slice(&c.values[point * w..point * w + w]);
            }
        }
        out
    }

    /// Bytes the dataset holds on the heap, each allocation as the block it takes from the
    /// allocator ([`heap_block_bytes`]): the dataset itself, the component table, values,
    /// axes, parameters, paths and warnings (counted in [`crate::accounting::library_bytes`]
    /// while the dataset lives).
    pub fn heap_bytes(&self) -> usize {
        self.held.bytes()
    }

    fn measure_heap_bytes(&self) -> usize {
        dataset_heap_bytes(
            self.components.capacity(),
            self.components.iter().map(|c| c.values.capacity()),
            self.axes
                .iter()
                .flatten()
                .map(|a| [a.values.capacity(), a.name.capacity(), a.unit.capacity()]),
            &self.params,
            self.sources.iter().map(PathBuf::capacity),
            self.warnings.capacity(),
            self.warnings.iter().map(String::capacity),
        )
    }

    /// The data file (the second source of a BES3T or ESP dataset), if known.
    pub fn data_path(&self) -> Option<&Path> {
        self.sources.get(1).map(PathBuf::as_path)
    }
}

/// The bytes a heap block of `n` requested bytes takes from the allocator: the request and an
/// 8-byte header, rounded up to 16, at least 32 (glibc's malloc on 64-bit systems; other
/// allocators are close). 0 for no block. Counting blocks, not requests, is what makes many
/// small allocations (a million components of one point) count what they really take.
pub fn heap_block_bytes(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        n.saturating_add(8).next_multiple_of(16).max(32)
    }
}

/// The bytes a dataset holds on the heap ([`Dataset::heap_bytes`]), from its shape: the slots
/// of its component table, the values of each component, `[values, name bytes, unit bytes]`
/// of each axis, its parameters, the bytes of each source path, the slots of its warning table
/// and the bytes of each warning. The memory
/// guard counts a load with it before anything proportional to the data is allocated, from the
/// shape a plan describes, and gets the number the dataset will have.
pub fn dataset_heap_bytes(
    component_slots: usize,
    component_values: impl IntoIterator<Item = usize>,
    axes: impl IntoIterator<Item = [usize; 3]>,
    params: &Params,
    source_path_bytes: impl IntoIterator<Item = usize>,
    warning_slots: usize,
    warning_bytes: impl IntoIterator<Item = usize>,
) -> usize {
    let f64s = |n: usize| heap_block_bytes(n.saturating_mul(8));
    let values: usize = component_values.into_iter().map(f64s).sum();
    let axes: usize = axes
        .into_iter()
        .map(|[n, name, unit]| f64s(n) + heap_block_bytes(name) + heap_block_bytes(unit))
        .sum();
    let sources: usize = source_path_bytes
        .into_iter()
        .map(|n| std::mem::size_of::<PathBuf>() + heap_block_bytes(n))
        .sum();
    let warnings = heap_block_bytes(warning_slots.saturating_mul(std::mem::size_of::<String>()))
        + warning_bytes
            .into_iter()
            .map(heap_block_bytes)
            .sum::<usize>();
    // The dataset lives in an `Arc`: the struct and two reference counts.
    heap_block_bytes(std::mem::size_of::<Dataset>() + 2 * std::mem::size_of::<usize>())
        + heap_block_bytes(component_slots.saturating_mul(std::mem::size_of::<Component>()))
        + values
        + axes
        + params.heap_bytes()
        + sources
        + warnings
}

/// The letters of the three dimensions, for messages and key names.
pub const AXIS_LETTERS: [char; 3] = ['X', 'Y', 'Z'];

/// `nx * ny * nz`, or `None` on overflow.
pub fn checked_points(dims: [usize; 3]) -> Option<usize> {
    dims[0].checked_mul(dims[1])?.checked_mul(dims[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(key: &str, value: &str) -> Param {
        Param {
            key: key.to_string().into(),
            value: value.into(),
            device: None,
        }
    }

    fn parts(dims: [usize; 3], components: Vec<Component>) -> DatasetParts {
        DatasetParts {
            format: FormatId::USER,
            dims,
            components,
            axes: [None, None, None],
            params: Params::default(),
            sources: vec![],
            warnings: vec![],
        }
    }

    #[test]
    fn typed_getters_follow_eprload_rules() {
        let p = Params::new(
            vec![
                param("A", "3280.000000"),
                param("B", "9.58400000000000E+0003"),
                param("C", "3380.00 G"),
                param("D", "True"),
                param("E", "inf"),
                param("F", "0 0 1 37"),
                param("A", "-0.5"),
            ],
            None,
        );
        assert_eq!(p.number("A"), Some(-0.5), "last occurrence wins");
        assert_eq!(p.number("B"), Some(9584.0));
        assert_eq!(p.number("C"), None);
        assert_eq!(p.boolean("D"), Some(true));
        assert_eq!(p.number("E"), None);
        assert_eq!(p.numbers("F"), Some(vec![0.0, 0.0, 1.0, 37.0]));
        assert_eq!(p.get("missing"), None);
    }

    #[test]
    fn new_rejects_parts_that_disagree() {
        let ok = Component {
            complex: true,
            values: vec![0.0; 8],
        };
        assert!(Dataset::new(parts([4, 1, 1], vec![ok.clone()])).is_ok());
        assert!(Dataset::new(parts([3, 1, 1], vec![ok.clone()])).is_err());
        assert!(Dataset::new(parts([0, 1, 1], vec![ok.clone()])).is_err());
        assert!(Dataset::new(parts([4, 1, 1], vec![])).is_err());
        assert!(Dataset::new(parts([usize::MAX, 2, 1], vec![ok])).is_err());
    }

    #[test]
    fn file_order_interleaves_components() {
        let a = Component {
            complex: true,
            values: vec![1.0, 2.0, 5.0, 6.0],
        };
        let b = Component {
            complex: false,
            values: vec![3.0, 7.0],
        };
        let ds = Dataset::new(parts([2, 1, 1], vec![a, b])).unwrap();
        assert_eq!(ds.file_order_values(), vec![1.0, 2.0, 3.0, 5.0, 6.0, 7.0]);
    }
}
