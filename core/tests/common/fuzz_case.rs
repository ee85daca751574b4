//! The checks of the coverage-guided fuzz targets (`fuzz/fuzz_targets/`), shared with the
//! replay of the saved inputs (`tests/fuzz_regression_replay.rs`) so both run the same code.
//!
//! Three kinds of input, one per target:
//!
//! * [`check_text_input`]: a descriptor or parameter text for the parsers of
//!   [`epyr_core::formats::text`].
//! * [`check_entry_limit_input`]: a text repeated to about [`MAX_ENTRIES`] entries, for the
//!   limit the readers apply to the parsers (a separate target: each input takes milliseconds).
//! * [`check_load_input`]: a whole Bruker dataset (text, data and axis files) that is written
//!   into a folder, loaded three ways and compared bit for bit.
//! * [`check_format_input`]: the same for a dataset of any format of the format table, the
//!   format named at the start of the input.
//!
//! A failed check is a panic naming what differed; a clean error from epyr is a pass.

use std::path::{Path, PathBuf};

use epyr_core::formats::text::{self, MAX_ENTRIES};
use epyr_core::{ChunkedReader, Loader, LoaderOptions, Params, Result, Scaling};

/// Separates the files of a load input (see [`LoadCase::parse`]). Starts and ends with a NUL,
/// which no readable descriptor or parameter text contains.
pub const FILE_SEPARATOR: &[u8] = b"\0EPYR-FUZZ-FILE\0";

/// The scaling strings a load input picks from (the last one is invalid).
const SCALINGS: [&str; 8] = ["", "n", "G", "P", "T", "c", "nGPTc", "nq"];

/// A dataset decoded from fuzz input bytes:
///
/// `[options][chunk] text (SEP data (SEP x-axis (SEP y-axis (SEP z-axis)?)?)?)?` with `SEP` =
/// [`FILE_SEPARATOR`].
///
/// `options`: bit 0 picks the format (0 BES3T `.DSC/.DTA` with `.XGF/.YGF/.ZGF` axis files, 1
/// ESP `.par/.spc`, whose axis sections are ignored); bits 1-2 the letter case of the
/// extensions (0 all upper, 1 all lower, 2 text upper and the rest lower, 3 the reverse); bits
/// 3-4 the path given to epyr (0 and 3 the text file, 1 the data file, 2 the base name without
/// extension); bits 5-7 the scaling ([`SCALINGS`]). `chunk`: the chunked reader gets chunks of
/// `8 * (chunk + 1)^2` bytes of values (8 B to 512 KiB). A missing data section writes no data file; an empty axis
/// section writes no axis file.
pub struct LoadCase<'a> {
    esp: bool,
    case: u8,
    given: u8,
    scaling: &'static str,
    chunk_bytes: usize,
    text: &'a [u8],
    data: Option<&'a [u8]>,
    axes: Vec<&'a [u8]>,
}

/// Splits `input` at every [`FILE_SEPARATOR`].
fn split_files(input: &[u8]) -> Vec<&[u8]> {
    let mut files = Vec::new();
    let mut rest = input;
    while let Some(at) = rest
        .windows(FILE_SEPARATOR.len())
        .position(|w| w == FILE_SEPARATOR)
    {
        files.push(&rest[..at]);
        rest = &rest[at + FILE_SEPARATOR.len()..];
    }
    files.push(rest);
    files
}

impl<'a> LoadCase<'a> {
    /// Decodes an input; `None` for inputs shorter than the two option bytes.
    pub fn parse(input: &'a [u8]) -> Option<LoadCase<'a>> {
        let (&[options, chunk], rest) = input.split_first_chunk::<2>()?;
        let mut files = split_files(rest).into_iter();
        Some(LoadCase {
            esp: options & 1 == 1,
            case: (options >> 1) & 3,
            given: (options >> 3) & 3,
            scaling: SCALINGS[usize::from(options >> 5)],
            chunk_bytes: 8 * (usize::from(chunk) + 1).pow(2),
            text: files.next().unwrap_or_default(),
            data: files.next(),
            axes: files.take(3).collect(),
        })
    }

    /// Writes the files into the empty folder `dir` as `f.<ext>` and returns the path to give
    /// epyr.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let (text_ext, data_ext) = if self.esp {
            ("par", "spc")
        } else {
            ("dsc", "dta")
        };
        let (text_upper, other_upper) = match self.case {
            0 => (true, true),
            1 => (false, false),
            2 => (true, false),
            _ => (false, true),
        };
        let name = |ext: &str, upper: bool| {
            let ext = if upper {
                ext.to_ascii_uppercase()
            } else {
                ext.to_string()
            };
            dir.join(format!("f.{ext}"))
        };
        let text_path = name(text_ext, text_upper);
        let data_path = name(data_ext, other_upper);
        write_file(&text_path, self.text);
        if let Some(data) = self.data {
            write_file(&data_path, data);
        }
        if !self.esp {
            for (bytes, ext) in self.axes.iter().zip(["xgf", "ygf", "zgf"]) {
                if !bytes.is_empty() {
                    write_file(&name(ext, other_upper), bytes);
                }
            }
        }
        match self.given {
            1 => data_path,
            2 => dir.join("f"),
            _ => text_path,
        }
    }
}

fn write_file(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes)
        .unwrap_or_else(|e| panic!("harness: cannot write {}: {e}", path.display()));
}

/// The folder a fuzz target process writes its inputs into, made on first use, with the
/// configuration isolated from the user's first (the loader reads it).
pub fn process_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        super::isolate_config();
        super::temp_dir("fuzz")
    })
}

/// Empties `dir` (creating it if needed) for the next input.
pub fn fresh_dir(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)
        .unwrap_or_else(|e| panic!("harness: cannot create {}: {e}", dir.display()));
}

/// The values of the dataset at `path` streamed by a [`ChunkedReader`] with chunks of
/// `chunk_bytes`, in file order, with the reader's point count.
fn stream(path: &Path, scaling: &str, chunk_bytes: usize) -> Result<(usize, Vec<f64>)> {
    let mut reader = ChunkedReader::open(path, Scaling::parse(scaling)?, chunk_bytes)?;
    let per_point = reader.values_per_point();
    let mut values = Vec::new();
    let mut expected_first = 0;
    while let Some((first, chunk)) = reader.next_chunk()? {
        assert_eq!(
            first, expected_first,
            "chunked reader: chunk starts at point {first}, the previous chunk ended at {expected_first}"
        );
        assert!(
            !chunk.is_empty() && chunk.len() % per_point == 0,
            "chunked reader: a chunk of {} values is not whole points of {per_point} values",
            chunk.len()
        );
        expected_first += chunk.len() / per_point;
        values.extend_from_slice(chunk);
    }
    Ok((reader.total_points(), values))
}

/// Writes the dataset of `input` into `dir` (emptied first) and checks the promises of the
/// load path: no panic; a full load without cache ([`epyr_core::load`]), a [`Loader`] without cache
/// and the [`ChunkedReader`] with small chunks either all fail with the same error kind or all
/// succeed; when they succeed the two loads are the same dataset bit for bit, the streamed
/// values are the full load's file-order values bit for bit, every component holds a value for
/// every point, and the parameters start with what the text parser gives for the text file.
/// Returns whether the dataset loaded.
pub fn check_load_input(input: &[u8], dir: &Path) -> bool {
    let Some(case) = LoadCase::parse(input) else {
        return false;
    };
    fresh_dir(dir);
    let path = case.write(dir);
    let Some(ds) = three_reads(&path, case.scaling, case.chunk_bytes) else {
        return false;
    };
    assert_parsed_prefix(ds.params(), &parser(case.esp)(case.text));
    true
}

/// Reads the dataset at `path` three ways (a full load without cache, a [`Loader`] without
/// cache, the [`ChunkedReader`] with chunks of `chunk_bytes`) and checks that they all fail
/// with the same error kind or all give the same data bit for bit, every component holding a
/// value for every point. Returns the dataset when it loaded.
fn three_reads(path: &Path, scaling: &str, chunk_bytes: usize) -> Option<epyr_core::Dataset> {
    let loader = Loader::new(LoaderOptions {
        cache_enabled: Some(false),
        ..LoaderOptions::default()
    })
    .expect("harness: a loader without cache");

    let full = epyr_core::load(path, scaling);
    let through_loader = loader.load(path, scaling);
    let streamed = stream(path, scaling, chunk_bytes);
    let (ds, (points, values)) = match (full, &through_loader, &streamed) {
        (Ok(ds), Ok(other), Ok(stream)) => {
            super::assert_same_data("Loader::load against epyr_core::load", other, &ds);
            (ds, stream)
        }
        (Err(a), Err(b), Err(c)) => {
            assert!(
                a.kind() == b.kind() && a.kind() == c.kind(),
                "the three reads fail differently: epyr_core::load {:?} ({a}), Loader::load {:?} ({b}), \
                 ChunkedReader {:?} ({c})",
                a.kind(),
                b.kind(),
                c.kind()
            );
            return None;
        }
        (full, _, _) => panic!(
            "the three reads disagree: epyr_core::load {}, Loader::load {}, ChunkedReader {}",
            outcome(&full),
            outcome(&through_loader),
            outcome(&streamed)
        ),
    };
    assert_eq!(*points, ds.points(), "chunked reader: points");
    super::assert_bits_eq(
        "chunked reader against the file-order values of epyr_core::load",
        values,
        &ds.file_order_values(),
    );
    for (i, c) in ds.components().iter().enumerate() {
        assert_eq!(
            c.values.len(),
            ds.points() * (1 + usize::from(c.complex)),
            "component {i}: values for every point"
        );
    }
    Some(ds)
}

/// A dataset of any format of the format table, decoded from fuzz input bytes:
///
/// `format-id LF [options][chunk] member (SEP member)* (SEP companion)*` with `SEP` =
/// [`FILE_SEPARATOR`]. The format is the table's entry with that id, or, for an id the table
/// does not know (a mutated one), the entry the first byte picks (its index modulo the number
/// of formats). The sections are the format's member files in role order, then its optional
/// companions ([`Format::companions`](epyr_core::formats::Format::companions)), written as
/// `f.<first extension>` (`f` alone for a format recognised by content); a missing section writes
/// no file, an empty companion section none either. `options`: bit 0 the letter case of the
/// extensions (0 lower, 1 upper); bits 1-2 the path given (0 the first member, 1 the last, 2 the
/// base name); bit 3 also reads the files as the format named (no identification) and compares;
/// bits 5-7 the scaling ([`SCALINGS`]). `chunk` as in [`LoadCase`].
pub struct FormatCase<'a> {
    format: &'static dyn epyr_core::formats::Format,
    upper: bool,
    given: u8,
    forced: bool,
    scaling: &'static str,
    chunk_bytes: usize,
    files: Vec<&'a [u8]>,
}

impl<'a> FormatCase<'a> {
    /// Decodes an input; `None` for an empty one or one without the two option bytes.
    pub fn parse(input: &'a [u8]) -> Option<FormatCase<'a>> {
        use epyr_core::formats::{by_id, FORMATS};
        let at = input.iter().position(|&b| b == b'\n')?;
        let (id, rest) = (&input[..at], &input[at + 1..]);
        let format = std::str::from_utf8(id)
            .ok()
            .and_then(by_id)
            .unwrap_or_else(|| FORMATS[usize::from(input[0]) % FORMATS.len()]);
        let (&[options, chunk], rest) = rest.split_first_chunk::<2>()?;
        Some(FormatCase {
            format,
            upper: options & 1 == 1,
            given: (options >> 1) & 3,
            forced: options & 8 != 0,
            scaling: SCALINGS[usize::from(options >> 5)],
            chunk_bytes: 8 * (usize::from(chunk) + 1).pow(2),
            files: split_files(rest),
        })
    }

    /// Writes the files into the empty folder `dir` and returns the path to give epyr.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let name = |ext: Option<&str>| match ext {
            Some(ext) if self.upper => dir.join(format!("f.{}", ext.to_ascii_uppercase())),
            Some(ext) => dir.join(format!("f.{ext}")),
            None => dir.join("f"),
        };
        let members = self.format.members();
        let mut paths = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let path = name(member.extensions.first().copied());
            if let Some(bytes) = self.files.get(i) {
                write_file(&path, bytes);
            }
            paths.push(path);
        }
        let companions = self.files.iter().skip(members.len());
        for (bytes, ext) in companions.zip(self.format.companions()) {
            if !bytes.is_empty() {
                write_file(&name(Some(ext)), bytes);
            }
        }
        match self.given {
            1 => paths.last().cloned().unwrap_or_else(|| dir.join("f")),
            2 => dir.join("f"),
            _ => paths.first().cloned().unwrap_or_else(|| dir.join("f")),
        }
    }
}

/// Writes the dataset of `input` (a [`FormatCase`]) into `dir` (emptied first) and checks the
/// promises of the load path for its format: the three reads of [`three_reads`] agree, the
/// common metadata of what loaded is sound (finite numbers with units, no blank text), and,
/// where the options ask, a read as the format named does not panic and gives the same data
/// as the identified read when that read found the same format. Returns whether it loaded.
pub fn check_format_input(input: &[u8], dir: &Path) -> bool {
    let Some(case) = FormatCase::parse(input) else {
        return false;
    };
    fresh_dir(dir);
    let path = case.write(dir);
    let loaded = three_reads(&path, case.scaling, case.chunk_bytes);
    if let Some(ds) = &loaded {
        assert_common_metadata_is_sound(ds);
    }
    if case.forced {
        let forced = epyr_core::formats::load_as(&path, case.format.id(), case.scaling);
        if let (Ok(forced), Some(ds)) = (&forced, &loaded) {
            if ds.format().as_str() == case.format.id() {
                super::assert_same_data("load_as against epyr_core::load", forced, ds);
            }
        }
    }
    loaded.is_some()
}

/// Asserts that the common metadata of `ds` (whatever its parameters hold) has a finite number,
/// a unit and a source in every quantity and no blank text.
fn assert_common_metadata_is_sound(ds: &epyr_core::Dataset) {
    use epyr_core::metadata::{common_metadata, Field};
    for (name, field) in common_metadata(ds).present() {
        match field {
            Field::Quantity(q) => assert!(
                q.value.is_finite() && !q.unit.is_empty() && !q.source.is_empty(),
                "common metadata {name}: {q:?}"
            ),
            Field::Text(t) => assert!(
                !t.value.trim().is_empty() && !t.source.is_empty(),
                "common metadata {name}: {t:?}"
            ),
        }
    }
}

/// Asserts that a load's parameters begin with the parser's entries in order (the ESP reader
/// may add defaults after them) and have the same history.
fn assert_parsed_prefix(loaded: &Params, parsed: &Params) {
    assert!(
        loaded.entries().starts_with(parsed.entries()),
        "the loaded parameters ({} entries) do not start with the {} entries the parser gives",
        loaded.len(),
        parsed.len()
    );
    assert_eq!(loaded.history(), parsed.history(), "history");
}

/// `Ok(...)` or `Err(kind: message)`, for assertion messages.
fn outcome<T>(r: &Result<T>) -> String {
    match r {
        Ok(_) => "Ok".to_string(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// The text parser of a format: [`text::parse_par`] for ESP, else [`text::parse_dsc`].
fn parser(esp: bool) -> fn(&[u8]) -> Params {
    if esp {
        text::parse_par
    } else {
        text::parse_dsc
    }
}

/// A text input split into its options byte and text; bit 0 of the options says ESP.
fn text_input(input: &[u8]) -> Option<(bool, u8, &[u8])> {
    let (&options, body) = input.split_first()?;
    Some((options & 1 == 1, options, body))
}

/// Checks the text parsers on `input` = `[options] text` (bit 0 of `options` picks the parser:
/// 0 [`text::parse_dsc`], 1 [`text::parse_par`]). The entries must be what the parser's rules
/// allow: a key per entry that starts with a letter and holds no blank or line end; at most
/// one entry per line; Latin-1 text; a history only in a descriptor, starting with `#MHL`.
/// Returns whether the text has entries. `_dir` is unused (the signature of every check).
pub fn check_text_input(input: &[u8], _dir: &Path) -> bool {
    let Some((esp, _, body)) = text_input(input) else {
        return false;
    };
    let params = parser(esp)(body);
    assert_entries_follow_the_rules(body, &params, esp);
    !params.is_empty()
}

/// Checks the entry limit of the readers on `input` = `[options] text` (bit 0 of `options`
/// picks the format as in [`check_text_input`]): the text is repeated to just below, at or
/// just above [`MAX_ENTRIES`] entries (bits 1-2 pick which), written into `dir` (emptied first)
/// with an empty data file and opened by a reader. A text with more entries than the limit must
/// be refused with a format error that names the limit, and one within the limit must not be.
/// Returns whether the limit was checked (texts without entries, or too long to repeat to the
/// limit within 2 MiB, are not).
pub fn check_entry_limit_input(input: &[u8], dir: &Path) -> bool {
    let Some((esp, options, body)) = text_input(input) else {
        return false;
    };
    let parse = parser(esp);
    let per_copy = parse(body).len();
    if per_copy == 0 {
        return false;
    }
    // Repeat the text so that the repetitions hold about MAX_ENTRIES entries; the parse of the
    // repeated text (lines may join across repetitions) is the truth the reader is held to.
    let copies = (MAX_ENTRIES / per_copy) + usize::from((options >> 1) & 3);
    let Some(copies) = copies.checked_sub(1).filter(|&c| c * body.len() <= 2 << 20) else {
        return false;
    };
    let repeated = body.repeat(copies.max(1));
    let entries = parse(&repeated).len();
    fresh_dir(dir);
    let (text_name, data_name) = if esp {
        ("t.par", "t.spc")
    } else {
        ("t.DSC", "t.DTA")
    };
    write_file(&dir.join(text_name), &repeated);
    write_file(&dir.join(data_name), b"");
    let opened = Scaling::parse("").and_then(|s| epyr_core::Plan::open(&dir.join(text_name), s));
    let limit = MAX_ENTRIES.to_string();
    let names_limit = |e: &epyr_core::Error| {
        e.kind() == epyr_core::ErrorKind::Format && e.message().contains(limit.as_str())
    };
    let readable = !repeated.contains(&0) && !repeated.is_empty();
    match opened {
        Err(e) if readable && entries > MAX_ENTRIES => {
            assert!(
                names_limit(&e),
                "{entries} entries: refused, but not for the limit: {e}"
            )
        }
        Err(e) => assert!(
            !names_limit(&e),
            "{entries} entries (limit {MAX_ENTRIES}) refused for the limit: {e}"
        ),
        Ok(_) => assert!(
            entries <= MAX_ENTRIES,
            "{entries} entries, more than the limit {MAX_ENTRIES}, but the file was read"
        ),
    }
    true
}

/// The invariants of every parsed entry (see [`check_text_input`]).
fn assert_entries_follow_the_rules(body: &[u8], params: &Params, esp: bool) {
    let line_ends = if esp {
        body.iter().filter(|&&b| b == b'\n' || b == b'\r').count()
    } else {
        body.iter().filter(|&&b| b == b'\n').count()
    };
    assert!(
        params.len() <= line_ends + 1,
        "{} entries from {} lines",
        params.len(),
        line_ends + 1
    );
    let latin1 = |s: &str| s.chars().all(|c| u32::from(c) <= 0xff);
    for p in params.entries() {
        let first = p.key.chars().next();
        assert!(
            first.is_some_and(|c| c.is_ascii_alphabetic()),
            "key {:?} does not start with a letter",
            p.key
        );
        assert!(
            !(p.key.contains([' ', '\t', '\n']) || esp && p.key.contains('\r')),
            "key {:?} holds a blank or line end",
            p.key
        );
        assert!(
            latin1(&p.key) && latin1(&p.value),
            "entry {:?} is not Latin-1 text",
            p.key
        );
        if esp {
            assert!(
                !p.value.contains(['\n', '\r']) && p.device.is_none(),
                "parameter file entry {p:?} spans lines or has a device"
            );
        } else if let Some(device) = &p.device {
            assert!(
                !device.contains([',', '\n']),
                "device name {device:?} holds a comma or line end"
            );
        }
    }
    match params.history() {
        Some(h) if esp => panic!("a parameter file has a history: {h:?}"),
        Some(h) => assert!(
            h.trim_start_matches([' ', '\t'])
                .get(..4)
                .is_some_and(|s| s.eq_ignore_ascii_case("#MHL")),
            "history does not start with #MHL: {:?}",
            h.get(..40).unwrap_or(h)
        ),
        None => {}
    }
}

/// The result of a check run on one input, for the replay of saved inputs: what the check
/// returned, or `Err` with the panic message when it failed.
pub fn run_check(
    check: fn(&[u8], &Path) -> bool,
    input: &[u8],
    dir: &Path,
) -> std::result::Result<bool, String> {
    std::panic::catch_unwind(|| check(input, dir)).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}
