//! The BES3T writer round trip: datasets built from known values (1-3 dimensions, real and
//! complex components, linear and nonlinear axes, both byte orders, every number type) are
//! written, read back with `epyr_core::load` and compared bit for bit; values a number type cannot
//! hold are refused without leaving files behind; parameters of every kind survive; every
//! corpus dataset survives a write and a re-read.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{assert_bits_eq, assert_same_data, corpus_dir, expected, files_containing, temp_dir};
use epyr_core::formats::ValueSource;
use epyr_core::{
    write_bes3t, Axis, ByteOrder, Component, Dataset, DatasetParts, ErrorKind, FormatId,
    NumberType, Param, Params, Plan, Scaling, WriteOptions,
};
use proptest::prelude::*;

const TYPES: [NumberType; 5] = [
    NumberType::I8,
    NumberType::I16,
    NumberType::I32,
    NumberType::F32,
    NumberType::F64,
];
const ORDERS: [ByteOrder; 2] = [ByteOrder::Big, ByteOrder::Little];

/// SplitMix64: reproducible pseudo-random numbers from a seed proptest chooses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A value that `ty` holds exactly: the extremes of an integer type, zero, or any integer in
/// its range; any non-NaN float32; any float64 bit pattern (NaN payloads, infinities,
/// subnormals and negative zero included).
fn exact_value(ty: NumberType, rng: &mut Rng, i: usize) -> f64 {
    let int = |rng: &mut Rng, min: i64, max: i64| -> f64 {
        let v = match i % 5 {
            0 => min,
            1 => max,
            2 => 0,
            _ => min + rng.below((max - min + 1) as u64) as i64,
        };
        v as f64
    };
    match ty {
        NumberType::I8 => int(rng, i8::MIN.into(), i8::MAX.into()),
        NumberType::I16 => int(rng, i16::MIN.into(), i16::MAX.into()),
        NumberType::I32 => int(rng, i32::MIN.into(), i32::MAX.into()),
        NumberType::F32 => loop {
            let f = f32::from_bits(rng.next() as u32);
            if !f.is_nan() {
                break f64::from(f);
            }
        },
        NumberType::F64 => f64::from_bits(rng.next()),
    }
}

/// How the test builds the abscissa of one dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AxisKind {
    /// No axis.
    Absent,
    /// `first + linspace(0, width, n)`, the BES3T `IDX` rule: must be written as `IDX`.
    Linear,
    /// Quadratically spaced values: must be written as `IGD` with a companion file.
    Nonlinear,
    /// Arbitrary float64 bit patterns (NaN, infinities): must read back bit for bit.
    Arbitrary,
}

/// The BES3T `IDX` axis (specification §1.5): `first + linspace(0, width, n)`, whose last point
/// is exactly `first + width`.
fn idx_axis(first: f64, width: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![first];
    }
    (0..n)
        .map(|i| {
            if i == n - 1 {
                first + width
            } else {
                first + width * (i as f64 / (n - 1) as f64)
            }
        })
        .collect()
}

fn axis_values(kind: AxisKind, n: usize, rng: &mut Rng) -> Option<Vec<f64>> {
    let first = (rng.below(20_001) as f64 - 10_000.0) * 0.25;
    let step = (rng.below(400) + 1) as f64 * if rng.below(2) == 0 { 0.5 } else { -0.125 };
    match kind {
        AxisKind::Absent => None,
        AxisKind::Linear => Some(idx_axis(first, step * (n.max(2) - 1) as f64, n)),
        AxisKind::Nonlinear => Some((0..n).map(|i| first + step * (i * i) as f64).collect()),
        AxisKind::Arbitrary => Some((0..n).map(|_| f64::from_bits(rng.next())).collect()),
    }
}

fn param(key: &str, value: &str, device: Option<&str>) -> Param {
    Param {
        key: key.to_string().into(),
        value: value.into(),
        device: device.map(Into::into),
    }
}

/// Keys the writer regenerates from the layout of the data. The name, unit, range and axis
/// number type of a dimension count only where the dataset has an axis for it: for the other
/// dimensions they are ordinary parameters and must survive.
fn is_layout_key(key: &str, axes: [bool; 3]) -> bool {
    if matches!(key, "BSEQ" | "IKKF" | "IRFMT" | "IIFMT") {
        return true;
    }
    let (Some(dim), Some(rest)) = (key.chars().next().and_then(|c| "XYZ".find(c)), key.get(1..))
    else {
        return false;
    };
    match rest {
        "TYP" | "PTS" => true,
        "MIN" | "WID" | "FMT" | "NAM" | "UNI" => axes[dim],
        _ => false,
    }
}

fn has_axes(ds: &Dataset) -> [bool; 3] {
    [0, 1, 2].map(|d| ds.dims()[d] > 1 && ds.axis(d).is_some())
}

/// The parameters of `ds` that are not layout keys, in file order.
fn without_layout(ds: &Dataset, axes: [bool; 3]) -> Vec<Param> {
    let entries = ds.params().entries().iter();
    entries
        .filter(|p| !is_layout_key(&p.key, axes))
        .cloned()
        .collect()
}

/// The parameters of `ds` that are not layout keys: those without a device sorted by key
/// (stable, so repeated keys keep their order; the writer moves the `#DESC` labels first),
/// then the device entries in file order.
fn kept_params(ds: &Dataset, axes: [bool; 3]) -> Vec<Param> {
    let (mut plain, devices): (Vec<Param>, Vec<Param>) = without_layout(ds, axes)
        .into_iter()
        .partition(|p| p.device.is_none());
    plain.sort_by(|a, b| a.key.cmp(&b.key));
    plain.extend(devices);
    plain
}

/// Asserts that `got` holds the non-layout parameters and the history of `want`.
fn assert_same_params(what: &str, got: &Dataset, want: &Dataset) {
    let axes = has_axes(want);
    assert_eq!(
        kept_params(got, axes),
        kept_params(want, axes),
        "{what}: parameters"
    );
    assert_eq!(
        got.params().history(),
        want.params().history(),
        "{what}: history"
    );
}

fn build(
    dims: [usize; 3],
    components: Vec<Component>,
    axes: [Option<Axis>; 3],
    params: Params,
) -> Dataset {
    Dataset::new(DatasetParts {
        format: FormatId::USER,
        dims,
        components,
        axes,
        params,
        sources: vec![],
        warnings: vec![],
    })
    .expect("valid dataset")
}

fn axis(values: Vec<f64>, name: &str, unit: &str) -> Option<Axis> {
    Some(Axis {
        values,
        name: name.into(),
        unit: unit.into(),
    })
}

/// A 1-D dataset of one component (complex values interleaved) with an optional x axis.
fn line(complex: bool, values: Vec<f64>, x: Option<Axis>, params: Params) -> Dataset {
    let n = values.len() / (1 + usize::from(complex));
    let component = Component { complex, values };
    build([n, 1, 1], vec![component], [x, None, None], params)
}

/// A fresh directory for one write, all of them under one directory of this test run.
fn fresh_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    temp_dir(&format!(
        "writer/{name}-{}",
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Writes `ds` to `dir/name` and reads it back; returns the files written and the dataset.
fn write_and_load(ds: &Dataset, dir: &Path, options: &WriteOptions) -> (Vec<PathBuf>, Dataset) {
    let files = write_bes3t(ds, &dir.join("data"), options)
        .unwrap_or_else(|e| panic!("write {options:?} failed: {e}"));
    let back = epyr_core::load(&files[0], "").unwrap_or_else(|e| panic!("read back failed: {e}"));
    assert!(
        files_containing(dir, ".epyr-").is_empty(),
        "temporary files left: {:?}",
        files_containing(dir, ".epyr-")
    );
    (files, back)
}

/// One generated case: the layout of a dataset and the seed of its values.
#[derive(Debug, Clone)]
struct Case {
    dims: [usize; 3],
    complex: Vec<bool>,
    number: NumberType,
    order: ByteOrder,
    axes: [AxisKind; 3],
    seed: u64,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    let kind = prop_oneof![
        Just(AxisKind::Absent),
        Just(AxisKind::Linear),
        Just(AxisKind::Nonlinear),
        Just(AxisKind::Arbitrary),
    ];
    (
        (1usize..=7, 1usize..=4, 1usize..=3),
        prop::collection::vec(any::<bool>(), 1..=3),
        0usize..TYPES.len(),
        0usize..ORDERS.len(),
        [kind.clone(), kind.clone(), kind],
        any::<u64>(),
    )
        .prop_map(|((nx, ny, nz), complex, t, o, axes, seed)| Case {
            dims: [nx, ny, nz],
            complex,
            number: TYPES[t],
            order: ORDERS[o],
            axes,
            seed,
        })
}

/// The dataset of a case, with a fixed set of parameters of every layer.
fn case_dataset(case: &Case) -> Dataset {
    let mut rng = Rng(case.seed);
    let points: usize = case.dims.iter().product();
    let components = case
        .complex
        .iter()
        .map(|&complex| Component {
            complex,
            values: (0..points * (1 + usize::from(complex)))
                .map(|i| exact_value(case.number, &mut rng, i))
                .collect(),
        })
        .collect();
    let names = [("Field", "G"), ("Time", "ns"), ("Angle", "deg")];
    let axes = [0, 1, 2].map(|d| {
        axis_values(case.axes[d], case.dims[d], &mut rng).map(|values| Axis {
            values,
            name: names[d].0.into(),
            unit: names[d].1.into(),
        })
    });
    let params = Params::new(
        vec![
            param("TITL", "generated case", None),
            param("IRNAM", "Intensity", None),
            param("EXPT", "PLS", None),
            param("MWFQ", "9.5e9", None),
            param("ShotRepTime", "1020.00 us", Some("ftBridge")),
        ],
        None,
    );
    build(case.dims, components, axes, params)
}

/// Checks one case: the values, dims, components, axes and parameters read back are those
/// written, and every axis of a kind with a fixed representation got it.
fn check_case(case: &Case) {
    let ds = case_dataset(case);
    let dir = fresh_dir("case");
    let options = WriteOptions {
        number: case.number,
        order: case.order,
    };
    let (files, back) = write_and_load(&ds, &dir, &options);
    assert_same_data(&format!("{case:?}"), &back, &ds);
    assert_same_params(&format!("{case:?}"), &back, &ds);
    let dsc = std::fs::read(&files[0]).unwrap();
    let dsc = String::from_utf8_lossy(&dsc);
    for (d, letter) in ['X', 'Y', 'Z'].into_iter().enumerate() {
        let companion = dir.join(format!("data.{letter}GF"));
        let written_as = |typ: &str| dsc.contains(&format!("{letter}TYP\t{typ}\n"));
        match case.axes[d] {
            _ if case.dims[d] == 1 => assert!(written_as("NODATA") && !companion.exists()),
            AxisKind::Absent => assert!(written_as("NODATA") && !companion.exists()),
            AxisKind::Linear => assert!(written_as("IDX") && !companion.exists(), "{case:?}"),
            AxisKind::Nonlinear if case.dims[d] > 2 => {
                assert!(written_as("IGD") && companion.exists(), "{case:?}")
            }
            AxisKind::Nonlinear | AxisKind::Arbitrary => {}
        }
    }
    assert!(
        files.iter().all(|f| f.exists()),
        "returned paths exist: {files:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    /// Any small dataset survives a write and a re-read in the number type and byte order
    /// it was written with.
    #[test]
    fn any_dataset_round_trips(case in case_strategy()) {
        check_case(&case);
    }
}

#[test]
fn named_cases_round_trip() {
    use AxisKind::*;
    let cases = [
        // CPLX,REAL,CPLX in 3-D with every axis nonlinear, int16 little-endian.
        (
            [3, 4, 5],
            vec![true, false, true],
            NumberType::I16,
            ByteOrder::Little,
            [Nonlinear; 3],
        ),
        // A 1-D real cw spectrum with a linear field axis, float64 big-endian (Xepr's default).
        (
            [1024, 1, 1],
            vec![false],
            NumberType::F64,
            ByteOrder::Big,
            [Linear, Absent, Absent],
        ),
        // A 2-D complex pulse dataset: linear time axis, nonlinear y axis, float32.
        (
            [64, 9, 1],
            vec![true],
            NumberType::F32,
            ByteOrder::Big,
            [Linear, Nonlinear, Absent],
        ),
        // Two real components, int8, no axes at all.
        (
            [5, 2, 2],
            vec![false, false],
            NumberType::I8,
            ByteOrder::Little,
            [Absent; 3],
        ),
        // int32 complex 2-D with arbitrary axis bit patterns.
        (
            [6, 3, 1],
            vec![true],
            NumberType::I32,
            ByteOrder::Big,
            [Arbitrary, Arbitrary, Absent],
        ),
        // A single point.
        (
            [1, 1, 1],
            vec![true],
            NumberType::F64,
            ByteOrder::Little,
            [Linear; 3],
        ),
    ];
    for (i, (dims, complex, number, order, axes)) in cases.into_iter().enumerate() {
        check_case(&Case {
            dims,
            complex,
            number,
            order,
            axes,
            seed: i as u64,
        });
    }
}

/// An axis that looks linear but holds a negative zero is kept bit for bit (as `IGD`).
#[test]
fn axis_with_negative_zero_round_trips() {
    for values in [vec![-0.0, 1.0, 2.0], vec![-2.0, -0.0, 2.0], vec![5.0, -0.0]] {
        let ones = vec![1.0; values.len()];
        let ds = line(false, ones, axis(values, "B", "mT"), Params::default());
        let (_, back) = write_and_load(&ds, &fresh_dir("negzero"), &WriteOptions::default());
        assert_same_data("negative zero axis", &back, &ds);
    }
}

/// Integer ramps through the whole range of each integer type, in both byte orders, read back
/// exactly, and the data file holds exactly the ramp's bytes.
#[test]
fn integer_ramps_in_every_integer_type() {
    let ramps: [(NumberType, i64, i64); 3] = [
        (NumberType::I8, i8::MIN.into(), i8::MAX.into()),
        (NumberType::I16, i16::MIN.into(), i16::MAX.into()),
        (NumberType::I32, i32::MIN.into(), i32::MAX.into()),
    ];
    for (number, min, max) in ramps {
        let n = 200usize;
        let step = (max - min) / (n as i64 - 1);
        let ints: Vec<i64> = (0..n as i64)
            .map(|i| {
                if i == n as i64 - 1 {
                    max
                } else {
                    min + i * step
                }
            })
            .collect();
        let values: Vec<f64> = ints.iter().map(|&v| v as f64).collect();
        let ds = line(false, values, None, Params::default());
        for order in ORDERS {
            let dir = fresh_dir("ramp");
            let options = WriteOptions { number, order };
            let (files, back) = write_and_load(&ds, &dir, &options);
            assert_same_data(&format!("{number:?} {order:?}"), &back, &ds);
            let size = number.size();
            let want: Vec<u8> = ints
                .iter()
                .flat_map(|&v| {
                    let be = v.to_be_bytes();
                    let mut bytes = be[8 - size..].to_vec();
                    if order == ByteOrder::Little {
                        bytes.reverse();
                    }
                    bytes
                })
                .collect();
            assert_eq!(
                std::fs::read(&files[1]).unwrap(),
                want,
                "{number:?} {order:?}"
            );
        }
    }
}

/// Every value a number type cannot hold exactly, in the data or past the first point.
fn unrepresentable() -> Vec<(NumberType, f64)> {
    let mut cases = vec![(NumberType::F32, 0.1), (NumberType::F32, 1e300)];
    cases.push((NumberType::F32, f64::from_bits(1))); // a float64 subnormal
    cases.push((NumberType::F32, 1.0 + f64::EPSILON));
    for (ty, min, max) in [
        (NumberType::I8, f64::from(i8::MIN), f64::from(i8::MAX)),
        (NumberType::I16, f64::from(i16::MIN), f64::from(i16::MAX)),
        (NumberType::I32, f64::from(i32::MIN), f64::from(i32::MAX)),
    ] {
        for v in [
            0.5,
            -2.25,
            max + 1.0,
            min - 1.0,
            f64::NAN,
            f64::INFINITY,
            -0.0,
        ] {
            cases.push((ty, v));
        }
    }
    cases
}

#[test]
fn values_a_type_cannot_hold_are_refused_and_no_file_is_left() {
    for (number, bad) in unrepresentable() {
        for order in ORDERS {
            let mut values: Vec<f64> = (0..16).map(f64::from).collect();
            values[11] = bad;
            let t = axis((0..8).map(|i| f64::from(1 << i)).collect(), "t", "ns");
            let ds = line(true, values, t, Params::default());
            let dir = fresh_dir("refuse");
            let err = write_bes3t(&ds, &dir.join("data"), &WriteOptions { number, order })
                .expect_err(&format!("{bad:?} as {number:?} must be refused"));
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
            assert!(
                err.message().contains(&format!("{bad:?}")),
                "message names the value: {err}"
            );
            assert_eq!(files_containing(&dir, ""), Vec::<String>::new(), "{err}");
        }
    }
}

/// A failed write over an existing dataset leaves the existing files as they were.
#[test]
fn failed_write_keeps_the_previous_dataset() {
    let dir = fresh_dir("keep");
    let good = line(false, vec![1.0, 2.0, 3.0], None, Params::default());
    let files = write_bes3t(&good, &dir.join("data"), &WriteOptions::default()).unwrap();
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let bad = line(false, vec![1.0, 2.5, 3.0], None, Params::default());
    let options = WriteOptions {
        number: NumberType::I16,
        order: ByteOrder::Big,
    };
    let err = write_bes3t(&bad, &dir.join("data"), &options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let after: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(before, after);
    assert_eq!(files_containing(&dir, "").len(), 2);
}

/// A target that cannot be replaced (a directory where the descriptor should go) fails the
/// write before any file is created.
#[test]
fn unwritable_target_leaves_nothing() {
    let dir = fresh_dir("dirtarget");
    std::fs::create_dir(dir.join("data.DSC")).unwrap();
    let ds = line(false, vec![1.0, 2.0], None, Params::default());
    let err = write_bes3t(&ds, &dir.join("data"), &WriteOptions::default()).unwrap_err();
    assert!(err.message().contains("data.DSC"), "{err}");
    assert_eq!(files_containing(&dir, ""), vec!["data.DSC".to_string()]);
    assert!(dir.join("data.DSC").is_dir());
}

/// The files are named after the path given: a lower-case `.dsc`/`.dta` gives lower-case
/// descriptor and data files, anything else upper case; axis files are always upper case; a
/// dotted base name keeps its dots. Every variant reads back.
#[test]
fn file_names_follow_the_path_given() {
    let t = axis(vec![1.0, 2.0, 4.0], "t", "ns");
    let ds = line(false, vec![1.0, 2.0, 3.0], t, Params::default());
    let cases = [
        ("a.dsc", ["a.dsc", "a.dta", "a.XGF"]),
        ("a.dta", ["a.dsc", "a.dta", "a.XGF"]),
        ("a.DTA", ["a.DSC", "a.DTA", "a.XGF"]),
        ("a.Dsc", ["a.DSC", "a.DTA", "a.XGF"]),
        ("a", ["a.DSC", "a.DTA", "a.XGF"]),
        ("run.2.5K", ["run.2.5K.DSC", "run.2.5K.DTA", "run.2.5K.XGF"]),
    ];
    for (given, want) in cases {
        let dir = fresh_dir("names");
        let files = write_bes3t(&ds, &dir.join(given), &WriteOptions::default()).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, want, "{given}");
        let mut want_sorted = want.map(String::from).to_vec();
        want_sorted.sort();
        assert_eq!(files_containing(&dir, ""), want_sorted, "{given}");
        let back = epyr_core::load(&files[0], "").unwrap();
        assert_same_data(given, &back, &ds);
    }
}

/// A dataset with the given parameters and history and one real value.
fn with_params(entries: Vec<Param>, history: Option<&str>) -> Dataset {
    let params = Params::new(entries, history.map(Into::into));
    line(false, vec![7.0], None, params)
}

/// The tricky parameter values of a real DSC and a few more.
fn tricky_params() -> Vec<Param> {
    let program = "; PulseSPEL program\r\nbegin defs\n  d1 = 200   ; tau\r\n\nend defs\n";
    vec![
        param("TITL", "'quoted' title", None),
        param("OUTER", "'both ends quoted'", None),
        param("QUOTES", "''", None),
        param("ONEQUOTE", "'", None),
        param("IRNAM", "'Intensity',''", None),
        param("BLANKS", "  leading and trailing\t ", None),
        param("EMPTY", "", None),
        param("BACKSLASH", "C:\\data\\", None),
        param("LONEBACKSLASH", "\\", None),
        param("LITERALN", "C:\\new\\name", None),
        param("TRAILCR", "value\r", None),
        param("INNERCR", "a\rb", None),
        param("UNIT", "20 \u{b5}s \u{b0}C \u{ff}", None),
        param("PlsSPELGlbTxt", program, None),
        param("MULTIQUOTED", "'first\nlast'", None),
        param("MULTIBACKSLASH", "line\\\nends in backslash\\", None),
        param("MULTICR", "first\nlast\r", None),
        param("MULTIBLANKS", "  first \n\t last  ", None),
        param("NEWLINES", "\n\n", None),
        param("CenterField", "3380.00 G", Some("fieldCtrl")),
        param("Resonator", "1", Some("fieldCtrl")),
        param("Program", "a\nb", Some("ftEpr")),
        param("CenterField", "3400.00 G", Some("mwBridge")),
        param("Resonator", "2", Some("fieldCtrl")),
    ]
}

#[test]
fn parameters_of_every_form_survive() {
    let history = "#MHL\t1.0 * MANIPULATION HISTORY LAYER by BRUKER\nSOURCE_PRIM 'a b'\n  REPORT\r\n\tPAR_VAL Gain(Sec.) = 1.000e+00 \u{b5}\nno newline at end";
    let ds = with_params(tricky_params(), Some(history));
    let (_, back) = write_and_load(&ds, &fresh_dir("params"), &WriteOptions::default());
    assert_same_params("tricky", &back, &ds);
    // Without a history the re-read has none; with the last device block ending the file too.
    let ds = with_params(tricky_params(), None);
    let (_, back) = write_and_load(&ds, &fresh_dir("params"), &WriteOptions::default());
    assert_same_params("no history", &back, &ds);
}

/// Labels and ranges of dimensions without an axis are ordinary parameters and survive; layout
/// keys in the parameters (stale ones, or ones inside a device block, where a reader's
/// last-occurrence lookup would find them) never override the layout of the data written.
#[test]
fn layout_keys_in_params_do_not_override_the_data() {
    let entries = vec![
        param("XPTS", "999", None),
        param("XNAM", "stale name", None),
        param("IKKF", "REAL,REAL", None),
        param("YNAM", "Power", None),
        param("YUNI", "mW", None),
        param("YMIN", "0.002518", None),
        param("YWID", "19.997482", None),
        param("ZNAM", "", None),
        param("XPTS", "5", Some("fieldCtrl")),
        param("BSEQ", "LIT", Some("fieldCtrl")),
        param("XWID", "1e9", Some("fieldCtrl")),
        param("IRFMT", "C", Some("fieldCtrl")),
    ];
    let values = vec![1.5, -2.5, 3.5, -4.5, 5.5, -6.5];
    let field = axis(vec![10.0, 20.0, 30.0], "Field", "G");
    let ds = line(true, values, field, Params::new(entries, None));
    let (_, back) = write_and_load(&ds, &fresh_dir("layout"), &WriteOptions::default());
    assert_same_data("layout keys", &back, &ds);
    assert_same_params("layout keys", &back, &ds);
    let p = back.params();
    assert_eq!(
        (p.get("YNAM"), p.get("YUNI"), p.get("YMIN"), p.get("ZNAM")),
        (Some("Power"), Some("mW"), Some("0.002518"), Some(""))
    );
    assert_eq!(p.get("XNAM"), Some("Field"));
}

fn assert_refused(ds: &Dataset, needle: &str) {
    let dir = fresh_dir("badparam");
    let err = write_bes3t(ds, &dir.join("data"), &WriteOptions::default())
        .expect_err(&format!("must be refused ({needle})"));
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains(needle), "{needle:?} not in: {err}");
    assert_eq!(files_containing(&dir, ""), Vec::<String>::new());
}

#[test]
fn text_that_cannot_be_written_is_refused_clearly() {
    let one = |key: &str, value: &str, device: Option<&str>| {
        with_params(vec![param(key, value, device)], None)
    };
    // Characters outside Latin-1, in a value, a key, a device name, an axis label, the history.
    assert_refused(&one("UNIT", "20 \u{3bc}s", None), "UNIT");
    assert_refused(&one("UNIT", "20 \u{3bc}s", None), "U+03BC");
    assert_refused(&one("T\u{2013}1", "x", None), "U+2013");
    assert_refused(&one("K", "x", Some("dev\u{20ac}")), "U+20AC");
    assert_refused(
        &with_params(vec![], Some("#MHL 1.0\nsnowman \u{2603}\n")),
        "U+2603",
    );
    let labelled = |name: &str, unit: &str| {
        let x = axis(vec![0.0, 1.0], name, unit);
        line(false, vec![1.0, 2.0], x, Params::default())
    };
    assert_refused(&labelled("Field", "\u{212b}"), "XUNI");
    // A line break in an axis label would start a new descriptor line.
    let axis_ds = labelled("Field\nXPTS 99", "G");
    let (_, back) = write_and_load(&axis_ds, &fresh_dir("label"), &WriteOptions::default());
    assert_same_data("multi-line label", &back, &axis_ds);
    // Keys a reader would not see as keys, device names that do not survive a `.DVC` line.
    for key in [
        "",
        "1ABC",
        "#MHL",
        ".DVC",
        "TWO WORDS",
        "TAB\tKEY",
        "LINE\nKEY",
        "*",
    ] {
        assert_refused(&one(key, "x", None), "key");
    }
    for device in ["a,b", " lead", "trail ", "two\nlines"] {
        assert_refused(&one("K", "x", Some(device)), "device");
    }
    // A multi-line value cannot hold the two characters `\n`: they encode a line break.
    assert_refused(&one("PROG", "printf(\"\\n\");\nend", None), "PROG");
    // A history must start with its `#MHL` header line, else a reader would not find it.
    assert_refused(&with_params(vec![], Some("SOURCE_PRIM 'x'\n")), "#MHL");
}

/// Latin-1 text of every awkward kind: quotes, backslashes, `n`, blanks, CR, LF, µ, ÿ.
fn awkward_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            'a', 'n', '\\', '\'', ' ', '\t', '\r', '\n', '\u{b5}', '\u{ff}', ',',
        ]),
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every Latin-1 value reads back unchanged, except a multi-line value holding the two
    /// characters `\n`, which is refused; any history after its `#MHL` line survives as is.
    #[test]
    fn any_latin1_value_round_trips(
        values in prop::collection::vec((awkward_text(), prop::option::of(0usize..2)), 1..6),
        history in prop::option::of(awkward_text()),
    ) {
        let devices = ["fieldCtrl", "mwBridge"];
        let mut entries: Vec<Param> = values
            .iter()
            .enumerate()
            .map(|(i, (v, d))| param(&format!("K{i}"), v, d.map(|d| devices[d])))
            .collect();
        // Entries without a device first, as a reader gives them.
        entries.sort_by_key(|p| p.device.is_some());
        let history = history.map(|h| format!("#MHL\t1.0 * HISTORY\n{h}"));
        let ds = with_params(entries, history.as_deref());
        let refused = values.iter().any(|(v, _)| v.contains('\n') && v.contains("\\n"));
        let dir = fresh_dir("latin1");
        let result = write_bes3t(&ds, &dir.join("data"), &WriteOptions::default());
        if refused {
            let err = result.expect_err("a multi-line value with \\n must be refused");
            prop_assert_eq!(err.kind(), ErrorKind::InvalidArgument);
            prop_assert!(files_containing(&dir, "").is_empty());
        } else {
            let files = result.unwrap_or_else(|e| panic!("{e}"));
            let back = epyr_core::load(&files[0], "").unwrap();
            prop_assert_eq!(without_layout(&back, [false; 3]), ds.params().entries());
            prop_assert_eq!(back.params().history(), ds.params().history());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The number type and byte order a corpus dataset is stored in.
fn stored_as(path: &Path) -> WriteOptions {
    let plan = Plan::open(path, Scaling::parse("").unwrap()).unwrap();
    let ValueSource::File(binary) = &plan.layout.values else {
        panic!(
            "{}: a Bruker dataset's values are in its data file",
            path.display()
        );
    };
    WriteOptions {
        number: binary.number,
        order: binary.order,
    }
}

/// Writes a corpus dataset in several ways and checks every re-read. In its own number type
/// and byte order the new data file must hold exactly the bytes of the original's values.
fn check_corpus_dataset(dir: &Path, exp: &serde_json::Value) {
    let id = exp["id"].as_str().unwrap();
    let path = dir.join(exp["open"].as_str().unwrap());
    let original = epyr_core::load(&path, "").unwrap_or_else(|e| panic!("{id}: {e}"));
    let stored = stored_as(&path);
    let little = WriteOptions {
        order: ByteOrder::Little,
        ..WriteOptions::default()
    };
    for options in [WriteOptions::default(), little, stored] {
        let what = format!("{id} as {options:?}");
        let out = fresh_dir("corpus");
        let (files, back) = write_and_load(&original, &out, &options);
        assert_same_data(&what, &back, &original);
        assert_same_params(&what, &back, &original);
        if options == stored {
            // The data file: the second source of a BES3T or ESP dataset.
            let data = std::fs::read(&original.sources()[1]).unwrap();
            let written = std::fs::read(&files[1]).unwrap();
            assert!(
                data.len() >= written.len() && data[..written.len()] == written[..],
                "{what}: data file bytes differ from the original's"
            );
        }
        std::fs::remove_dir_all(&out).unwrap();
    }
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn every_corpus_dataset_survives_a_write() {
    let dir = corpus_dir();
    let mut counts = [0usize; 2];
    for exp in expected(&dir) {
        let slot = match exp["format"].as_str() {
            Some("bes3t") => 0,
            Some("esp") => 1,
            _ => continue,
        };
        check_corpus_dataset(&dir, &exp);
        counts[slot] += 1;
    }
    assert!(counts[0] >= 19 && counts[1] >= 19, "checked {counts:?}");
}

/// Checks of the test's own helpers, so that a wrong helper cannot hide a writer bug.
#[test]
fn helpers_detect_differences() {
    let with_a = |value: &str| Params::new(vec![param("A", value, None)], None);
    let a = line(false, vec![0.0, 1.0], None, with_a("1"));
    let negative_zero = line(false, vec![-0.0, 1.0], None, with_a("2"));
    let data = std::panic::catch_unwind(|| assert_same_data("x", &a, &negative_zero));
    assert!(data.is_err(), "-0.0 and 0.0 must differ");
    let params = std::panic::catch_unwind(|| assert_same_params("x", &a, &negative_zero));
    assert!(params.is_err(), "A=1 and A=2 must differ");
    assert_bits_eq("same", &[f64::NAN], &[f64::NAN]);
    assert!(is_layout_key("XNAM", [true, false, false]));
    assert!(!is_layout_key("YNAM", [true, false, false]));
    assert!(!is_layout_key("XNAMX", [true, true, true]));
    assert!(is_layout_key("ZPTS", [false; 3]));
    assert_eq!(idx_axis(1.0, 3.0, 4), vec![1.0, 2.0, 3.0, 4.0]);
}
