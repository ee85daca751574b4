//! Fuzzing the readers with proptest: random bytes and random key/value lines as a `.DSC` (with a
//! real `.DTA` next to it) and as a `.par` (with a real `.spc`), and random mutations of the real
//! corpus descriptors and parameter files (byte flips, line deletions and duplications,
//! truncation, numbers and values replaced by huge, negative, zero or garbage ones), each copied
//! into a temporary directory with its data and axis files.
//!
//! The property: every load returns `Ok` or `Err` (a panic fails the test), and no load makes an
//! allocation larger than the files involved allow (see [`allocation_bound`]), measured by a
//! counting global allocator on the thread that runs the load.

mod common;
#[path = "common/proptest_run.rs"]
mod proptest_run;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::alloc_count::{measure, AllocStats, CountingAlloc};
use common::{corpus_dir, expected, temp_dir};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Cases per property: enough to reach the error paths, few enough that the file runs in a few
/// seconds in a debug build.
const CASES: u32 = 256;

/// The bound on the largest single allocation of one load, in bytes.
///
/// * `text` (the descriptor or parameter file) is read whole once (1x); the parameters are
///   Latin-1 decoded, which at most doubles bytes of 0x80 and above in UTF-8 (2x).
/// * `data` (the data file and any axis files): the decoded values take 8 bytes per number, and
///   a number takes at least 1 byte in the file (int8), so one component's values take at most
///   8x the data file; an axis takes 8 bytes per value of at least 2 bytes (int16) in its file,
///   or 8 bytes per point of the data file (8x).
/// * 1 MiB for what does not grow with the files: the decoding scratch block (1 MiB of file
///   bytes, fewer for small files) and bookkeeping. The parameter table (72 bytes per entry)
///   fits in it for the files made here (at most a few thousand lines: 4 KiB of random text,
///   corpus files of at most 1100 lines plus a few duplicated ones); for larger files
///   `text::MAX_ENTRIES` caps it at about 7 MB, which `bad_input.rs` checks.
fn allocation_bound(text: u64, data: u64) -> usize {
    (2 * text + 8 * data) as usize + (1 << 20)
}

/// The bound on the peak of bytes live during one load: the text buffer, the parameters (at
/// most 2x the text), the values (8x the data), the axes (no more than the values again) and
/// the decoding scratch and the parameter table (2 MiB).
fn peak_bound(text: u64, data: u64) -> usize {
    (3 * text + 16 * data) as usize + (2 << 20)
}

/// The largest ratios seen, in permille of the bounds, and the largest byte counts seen, over
/// every load of this test binary; reported at the end of each property.
static WORST_LARGEST: AtomicUsize = AtomicUsize::new(0);
static WORST_PEAK: AtomicUsize = AtomicUsize::new(0);
static MOST_LARGEST: AtomicUsize = AtomicUsize::new(0);
static MOST_PEAK: AtomicUsize = AtomicUsize::new(0);

/// Loads the dataset whose text file is `text` (its data and axis files are `others`) with
/// `scaling` and checks the property. Returns whether the load succeeded.
fn check_load(text: &Path, others: &[PathBuf], scaling: &str) -> Result<bool, TestCaseError> {
    let text_len = fs::metadata(text).map_or(0, |m| m.len());
    let data_len: u64 = others
        .iter()
        .map(|p| fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let (result, stats): (_, AllocStats) = measure(|| epyr_core::load(text, scaling));
    let (largest, peak) = (
        allocation_bound(text_len, data_len),
        peak_bound(text_len, data_len),
    );
    let outcome = match &result {
        Ok(ds) => format!("Ok({:?})", ds.dims()),
        Err(e) => format!("Err({e})"),
    };
    WORST_LARGEST.fetch_max(stats.largest * 1000 / largest, Ordering::Relaxed);
    WORST_PEAK.fetch_max(stats.peak_live * 1000 / peak, Ordering::Relaxed);
    MOST_LARGEST.fetch_max(stats.largest, Ordering::Relaxed);
    MOST_PEAK.fetch_max(stats.peak_live, Ordering::Relaxed);
    prop_assert!(
        stats.largest <= largest,
        "largest allocation {} > bound {largest} (text {text_len} B, data {data_len} B): {outcome}",
        stats.largest
    );
    prop_assert!(
        stats.peak_live <= peak,
        "peak live {} > bound {peak} (text {text_len} B, data {data_len} B): {outcome}",
        stats.peak_live
    );
    if let Ok(ds) = &result {
        // Whatever loads is whole: every component has a value for every point.
        for c in ds.components() {
            prop_assert_eq!(c.values.len(), ds.points() * (1 + usize::from(c.complex)));
        }
    }
    Ok(result.is_ok())
}

/// Runs `test` (a load that says whether it succeeded) on `CASES` values of `strategy`
/// ([`proptest_run::run_loads`]; failing inputs kept in `proptest-regressions/fuzz_readers.txt`),
/// then reports how many loads succeeded and how close the loads came to the bounds.
fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<bool, TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let persistence = "proptest-regressions/fuzz_readers.txt";
    let (loaded, cases) = proptest_run::run_loads(name, persistence, CASES, strategy, test);
    eprintln!(
        "{name}: {loaded} of {cases} loads succeeded. Over the loads run so far: largest \
         allocation {} B, at most {}‰ of its bound; peak live {} B, at most {}‰ of its bound",
        MOST_LARGEST.load(Ordering::Relaxed),
        WORST_LARGEST.load(Ordering::Relaxed),
        MOST_PEAK.load(Ordering::Relaxed),
        WORST_PEAK.load(Ordering::Relaxed)
    );
}

/// Scaling strings: none, each letter, all of them, and an invalid one.
fn scaling() -> impl Strategy<Value = &'static str> {
    select(vec!["", "", "n", "G", "P", "T", "c", "nGPTc", "nx"])
}

/// Number texts that break readers: huge, negative, zero, not quite numbers, and random ones.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "18446744073709551615",
            "18446744073709551616",
            "9223372036854775807",
            "4294967296",
            "99999999999999999999999999",
            "1e308",
            "1e400",
            "-1",
            "-1024",
            "-1e300",
            "0",
            "0.0",
            "-0",
            "",
            "abc",
            "NaN",
            "inf",
            "1e",
            "--5",
            "0x10",
            "1.5",
            "1,2",
            "3380.00 G",
        ])
        .prop_map(str::to_string),
        any::<u64>().prop_map(|v| v.to_string()),
        (0u64..5000).prop_map(|v| v.to_string()),
        any::<i32>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:e}")),
    ]
}

/// A value for a key line: a number text or one of the words the readers look for.
fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        number_text(),
        select(vec![
            "BIG",
            "LIT",
            "MID",
            "REAL",
            "CPLX",
            "REAL,REAL",
            "CPLX,CPLX",
            "REAL,CPLX",
            "QUAD",
            "D",
            "F",
            "I",
            "S",
            "C",
            "A",
            "N",
            "0",
            "D,D",
            "C,C",
            "S,S",
            "D,F",
            "IDX",
            "IGD",
            "NTUP",
            "NODATA",
            "CW",
            "PLS",
            "true",
            "false",
            "'quoted'",
            "\\",
            "Format",
            "field-sweep",
            "Time-Sweep",
            "ENDOR",
            "mw-power-sweep",
            "4096",
            "4112",
            "16",
        ])
        .prop_map(str::to_string),
    ]
}

/// Random key/value lines built from the keys a reader uses, with random line ends, after
/// (half of the time) a header that alone would make a valid file of the data file used here,
/// so that the random lines reach the reader's later checks (the last occurrence of a key wins).
fn key_lines(
    keys: &'static [&'static str],
    header: &'static str,
) -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec(
            (
                select(keys),
                value_text(),
                select(vec!["\n", "\r", "\r\n", "\\\n"]),
            ),
            0..8,
        ),
    )
        .prop_map(move |(with_header, lines)| {
            let start = if with_header { header } else { "" };
            let body = lines
                .into_iter()
                .map(|(k, v, end)| format!("{k}\t{v}{end}"));
            std::iter::once(start.to_string())
                .chain(body)
                .collect::<String>()
                .into_bytes()
        })
}

/// Random bytes, or random key/value lines, as the content of a text file.
fn text_bytes(
    keys: &'static [&'static str],
    header: &'static str,
) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..4096),
        key_lines(keys, header),
    ]
}

/// Keys of a BES3T descriptor that the reader looks at.
const DSC_KEYS: &[&str] = &[
    "BSEQ", "IKKF", "IRFMT", "IIFMT", "XPTS", "YPTS", "ZPTS", "XTYP", "YTYP", "ZTYP", "XMIN",
    "XWID", "YMIN", "YWID", "ZMIN", "ZWID", "XFMT", "YFMT", "ZFMT", "EXPT", "AVGS", "RCAG", "SPTP",
    "MWPW", "STMP", "SctNorm", "#MHL", ".DVC", "*",
];

/// A descriptor header that reads the 1024 float64 values of the corpus DTA used below.
const DSC_HEADER: &str =
    "BSEQ\tBIG\nIKKF\tREAL\nIRFMT\tD\nXPTS\t1024\nXTYP\tIDX\nXMIN\t3300\nXWID\t100\nEXPT\tCW\n";

/// A parameter file header that reads the 8192 int32 values of the corpus spc used below.
const PAR_HEADER: &str = "JSS\t0\rANZ\t8192\rGST\t3300\rGSI\t100\r";

/// Keys of an ESP/WinEPR parameter file that the reader looks at.
const PAR_KEYS: &[&str] = &[
    "JSS", "DOS", "ANZ", "RES", "REY", "SSX", "SSY", "XPLS", "JEX", "JEY", "JUN", "GST", "GSI",
    "HCF", "HSW", "XXLB", "XXWI", "XYLB", "XYWI", "XXUN", "RCT", "JSD", "RRG", "MP", "TE",
];

/// Writes each generated text as `name` in a fresh directory beside a copy of the corpus data
/// file `data` and loads it.
fn fuzz_text_file(
    property: &str,
    name: &str,
    data: &str,
    keys: &'static [&'static str],
    header: &'static str,
) {
    let corpus = corpus_dir();
    let dir = temp_dir(property);
    let data_copy = dir.join(data_name(name));
    fs::copy(corpus.join(data), &data_copy).expect("copy data file");
    let text = dir.join(name);
    run(
        property,
        (text_bytes(keys, header), scaling()),
        |(bytes, scaling)| {
            fs::write(&text, &bytes).expect("write text file");
            check_load(&text, std::slice::from_ref(&data_copy), scaling)
        },
    );
}

/// The data file name of a text file name (`x.DSC` → `x.DTA`, `x.par` → `x.spc`).
fn data_name(text: &str) -> String {
    let (stem, ext) = text.rsplit_once('.').expect("extension");
    let data = match ext {
        "DSC" => "DTA",
        "dsc" => "dta",
        "PAR" => "SPC",
        _ => "spc",
    };
    format!("{stem}.{data}")
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn random_bytes_as_a_descriptor() {
    fuzz_text_file(
        "fuzz_random_dsc",
        "random.DSC",
        "easyspin/E580_Xepr26b6_cwX_WillMyers.DTA",
        DSC_KEYS,
        DSC_HEADER,
    );
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn random_bytes_as_a_parameter_file() {
    fuzz_text_file(
        "fuzz_random_par",
        "random.par",
        "easyspin/esp.spc",
        PAR_KEYS,
        PAR_HEADER,
    );
}

// ---------------------------------------------------------------------------------------------
// Mutations of the corpus

/// One change to a text file. Positions are taken modulo what the file has.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR the byte at a position with a non-zero mask.
    FlipByte(usize, u8),
    /// Remove a line.
    DeleteLine(usize),
    /// Insert a copy of a line after it.
    DuplicateLine(usize),
    /// Keep only the first bytes (position modulo length + 1).
    Truncate(usize),
    /// Replace the n-th number with a number text.
    ReplaceNumber(usize, String),
    /// Replace the value of the key on a line (everything after its first token).
    ReplaceValue(usize, String),
}

/// A position: mostly among the first lines or numbers (where the layout keys are), sometimes
/// anywhere.
fn position() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0usize..64, 1 => any::<usize>()]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, x)| Mutation::FlipByte(at, x)),
        position().prop_map(Mutation::DeleteLine),
        position().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::Truncate),
        (position(), number_text()).prop_map(|(n, v)| Mutation::ReplaceNumber(n, v)),
        (position(), value_text()).prop_map(|(n, v)| Mutation::ReplaceValue(n, v)),
    ]
}

/// The byte ranges of the lines of `text` (each with its line end; CR, LF and CRLF all end a
/// line, as in parameter files).
fn line_ranges(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let end = match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => Some(i + 2),
            b'\r' | b'\n' => Some(i + 1),
            _ => None,
        };
        match end {
            Some(e) => {
                ranges.push(start..e);
                start = e;
                i = e;
            }
            None => i += 1,
        }
    }
    if start < text.len() {
        ranges.push(start..text.len());
    }
    ranges
}

/// The byte ranges of the numbers in `text`: runs of digits, `.`, `e`, `E`, `+`, `-` that hold
/// a digit, start with a digit, `-`, `+` or `.`, and do not continue a word (`Psd1`).
fn number_ranges(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let in_number = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-');
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let starts = (text[i].is_ascii_digit() || matches!(text[i], b'-' | b'+' | b'.'))
            && (i == 0 || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_'));
        if !starts {
            i += 1;
            continue;
        }
        let end = (i..text.len())
            .find(|&j| !in_number(text[j]))
            .unwrap_or(text.len());
        if text[i..end].iter().any(u8::is_ascii_digit) {
            ranges.push(i..end);
        }
        i = end.max(i + 1);
    }
    ranges
}

/// Picks the `n`-th (modulo count) of `ranges`.
fn pick(ranges: &[std::ops::Range<usize>], n: usize) -> Option<std::ops::Range<usize>> {
    (!ranges.is_empty()).then(|| ranges[n % ranges.len()].clone())
}

fn apply(text: &mut Vec<u8>, mutation: &Mutation) {
    match mutation {
        Mutation::FlipByte(at, mask) => {
            if !text.is_empty() {
                let i = at % text.len();
                text[i] ^= mask;
            }
        }
        Mutation::DeleteLine(n) => {
            if let Some(r) = pick(&line_ranges(text), *n) {
                text.drain(r);
            }
        }
        Mutation::DuplicateLine(n) => {
            if let Some(r) = pick(&line_ranges(text), *n) {
                let copy = text[r.clone()].to_vec();
                text.splice(r.end..r.end, copy);
            }
        }
        Mutation::Truncate(at) => text.truncate(at % (text.len() + 1)),
        Mutation::ReplaceNumber(n, with) => {
            if let Some(r) = pick(&number_ranges(text), *n) {
                text.splice(r, with.bytes());
            }
        }
        Mutation::ReplaceValue(n, with) => {
            if let Some(r) = pick(&line_ranges(text), *n) {
                let line = &text[r.clone()];
                let key_end = line
                    .iter()
                    .position(|&b| b == b' ' || b == b'\t')
                    .unwrap_or(line.len());
                let body_end = line
                    .iter()
                    .rposition(|&b| b != b'\r' && b != b'\n')
                    .map_or(0, |p| p + 1)
                    .max(key_end);
                let replacement = format!("\t{with}").into_bytes();
                text.splice(r.start + key_end..r.start + body_end, replacement);
            }
        }
    }
}

/// A corpus dataset copied for mutation: its text file's name and bytes, and its data and axis
/// files (copied unchanged into `dir`).
#[derive(Debug)]
struct Staged {
    dir: PathBuf,
    text_name: String,
    text: Vec<u8>,
    others: Vec<PathBuf>,
}

/// Copies the data and axis files of every corpus dataset of `format` into a directory of its
/// own under a fresh directory for `property`.
fn stage(corpus: &Path, format: &str, property: &str) -> Vec<Staged> {
    let root = temp_dir(property);
    let staged: Vec<Staged> = expected(corpus)
        .iter()
        .filter(|e| e["format"] == format)
        .enumerate()
        .map(|(i, e)| {
            let dir = root.join(i.to_string());
            fs::create_dir_all(&dir).expect("create staging dir");
            let mut text = None;
            let mut others = Vec::new();
            for file in e["files"].as_array().expect("files") {
                let rel = Path::new(file.as_str().expect("file name"));
                let name = rel.file_name().expect("file name").to_string_lossy();
                let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
                if ext == "dsc" || ext == "par" {
                    text = Some((name.to_string(), fs::read(corpus.join(rel)).expect("read")));
                } else {
                    let copy = dir.join(name.as_ref());
                    fs::copy(corpus.join(rel), &copy).expect("copy data file");
                    others.push(copy);
                }
            }
            let (text_name, text) = text.expect("dataset has a text file");
            Staged {
                dir,
                text_name,
                text,
                others,
            }
        })
        .collect();
    assert!(!staged.is_empty(), "no {format} datasets in the corpus");
    staged
}

/// Applies random mutations to the text files of the corpus datasets of `format` and loads
/// them. Checks first that every unmutated dataset loads, so that the mutations start from
/// files the reader accepts.
fn fuzz_corpus(format: &str, property: &str) {
    let corpus = corpus_dir();
    let staged = stage(&corpus, format, property);
    for s in &staged {
        let path = s.dir.join(&s.text_name);
        fs::write(&path, &s.text).expect("write text file");
        assert!(
            check_load(&path, &s.others, "").expect("unmutated load within bounds"),
            "{} does not load unmutated",
            s.text_name
        );
    }
    run(
        property,
        (
            0..staged.len(),
            prop::collection::vec(mutation(), 1..5),
            scaling(),
        ),
        |(index, mutations, scaling)| {
            let s = &staged[index];
            let mut text = s.text.clone();
            for m in &mutations {
                apply(&mut text, m);
            }
            let path = s.dir.join(&s.text_name);
            fs::write(&path, &text).expect("write text file");
            check_load(&path, &s.others, scaling)
        },
    );
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn mutated_corpus_descriptors() {
    fuzz_corpus("bes3t", "fuzz_mutated_dsc");
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn mutated_corpus_parameter_files() {
    fuzz_corpus("esp", "fuzz_mutated_par");
}

// ---------------------------------------------------------------------------------------------
// Helpers of the mutations

#[test]
fn mutations_change_what_they_say() {
    let text = b"XPTS\t1024\r\nXMIN -3.5e+02\nPsd1 7\n".to_vec();
    assert_eq!(line_ranges(&text), vec![0..11, 11..25, 25..32]);
    let numbers: Vec<&[u8]> = number_ranges(&text).into_iter().map(|r| &text[r]).collect();
    assert_eq!(numbers, vec![&b"1024"[..], b"-3.5e+02", b"7"]);
    let mut t = text.clone();
    apply(&mut t, &Mutation::ReplaceNumber(1, "0".into()));
    assert_eq!(t, b"XPTS\t1024\r\nXMIN 0\nPsd1 7\n");
    let mut t = text.clone();
    apply(&mut t, &Mutation::ReplaceValue(0, "-1".into()));
    assert_eq!(t, b"XPTS\t-1\r\nXMIN -3.5e+02\nPsd1 7\n");
    let mut t = text.clone();
    apply(&mut t, &Mutation::DuplicateLine(2));
    assert_eq!(t, b"XPTS\t1024\r\nXMIN -3.5e+02\nPsd1 7\nPsd1 7\n");
    let mut t = text.clone();
    apply(&mut t, &Mutation::DeleteLine(3));
    assert_eq!(t, b"XMIN -3.5e+02\nPsd1 7\n");
    let mut t = text;
    apply(&mut t, &Mutation::Truncate(3 + 33));
    assert_eq!(t, b"XPT");
}

// ---------------------------------------------------------------------------------------------
// A case the bound must hold for, whatever the random cases reach

#[test]
fn small_dataset_of_two_int8_components_allocates_within_the_bound() {
    use epyr_core::{Component, Dataset, DatasetParts, FormatId, NumberType, Params, WriteOptions};
    let n = 100;
    let component = |k: f64| Component {
        complex: false,
        // `+ 0.0` turns -0.0 into 0.0, which an integer type can hold.
        values: (0..n).map(|i| (i as f64 - 50.0) * k + 0.0).collect(),
    };
    let ds = Dataset::new(DatasetParts {
        format: FormatId::USER,
        dims: [n, 1, 1],
        components: vec![component(1.0), component(-2.0)],
        axes: [None, None, None],
        params: Params::default(),
        sources: vec![],
        warnings: vec![],
    })
    .expect("dataset");
    let dir = temp_dir("two_int8_components");
    let options = WriteOptions {
        number: NumberType::I8,
        ..WriteOptions::default()
    };
    let files = epyr_core::write_bes3t(&ds, &dir.join("small"), &options).expect("write");
    assert_eq!(
        fs::metadata(&files[1]).unwrap().len(),
        2 * n as u64,
        "int8 data"
    );
    assert!(check_load(&files[0], &files[1..], "").expect("within bounds"));
    let back = epyr_core::load(&files[0], "").expect("load");
    assert_eq!(back.components(), ds.components());
}
