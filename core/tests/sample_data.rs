//! The sample datasets committed in `examples-c/data/`: they are exactly what
//! `examples/make_sample_data.rs` writes (this test runs the same code), they load with the
//! expected layout, the cw spectrum shows the nitroxide triplet where the physics puts it and
//! takes every scaling option, and the pulse series is an inversion recovery.

mod common;

#[path = "../examples/make_sample_data.rs"]
#[allow(dead_code)]
mod make_sample_data;

use std::path::{Path, PathBuf};

use common::{close, files_containing, temp_dir};
use epyr_core::Dataset;
use make_sample_data::{
    write_samples, A_N_GAUSS, CW_LINEWIDTH_PP_GAUSS, G_ISO, PULSE_FIRST_DELAY_NS, PULSE_T1_NS,
};

/// The committed files, by base name and extension.
const SAMPLE_FILES: [&str; 5] = [
    "nitroxide_cw.DSC",
    "nitroxide_cw.DTA",
    "pulse_2d.DSC",
    "pulse_2d.DTA",
    "pulse_2d.YGF",
];

fn data_dir() -> PathBuf {
    common::repo_root().join("examples-c/data")
}

fn load(name: &str, scaling: &str) -> Dataset {
    let path = data_dir().join(name);
    epyr_core::load(&path, scaling).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn committed_samples_are_what_the_generator_writes() {
    let dir = temp_dir("samples");
    let files = write_samples(&dir).expect("generate the samples");
    let mut names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
    names.sort();
    assert_eq!(names, SAMPLE_FILES);
    for name in SAMPLE_FILES {
        let committed = std::fs::read(data_dir().join(name))
            .unwrap_or_else(|e| panic!("examples-c/data/{name}: {e}"));
        let generated = std::fs::read(dir.join(name)).unwrap();
        assert!(
            committed == generated,
            "examples-c/data/{name} differs from what the generator writes; regenerate with \
             `cargo run --example make_sample_data -- examples-c/data`"
        );
    }
    // No stale file of a sample (an old axis file, a leftover temporary file).
    for base in ["nitroxide_cw", "pulse_2d"] {
        for name in files_containing(&data_dir(), base) {
            assert!(SAMPLE_FILES.contains(&name.as_str()), "stray file {name}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The resonance field in gauss of a g value at a microwave frequency in Hz: h ν / (g μB).
fn resonance_field_gauss(g: f64, frequency_hz: f64) -> f64 {
    const PLANCK_J_S: f64 = 6.626_070_15e-34;
    const BOHR_MAGNETON_J_PER_T: f64 = 9.274_010_078_3e-24;
    PLANCK_J_S * frequency_hz / (g * BOHR_MAGNETON_J_PER_T) * 1e4
}

/// The fields where the signal goes from positive to non-positive, linearly interpolated.
fn downward_zero_crossings(x: &[f64], y: &[f64]) -> Vec<f64> {
    (0..y.len() - 1)
        .filter(|&i| y[i] > 0.0 && y[i + 1] <= 0.0)
        .map(|i| x[i] + (x[i + 1] - x[i]) * y[i] / (y[i] - y[i + 1]))
        .collect()
}

#[test]
fn cw_sample_shows_the_nitroxide_triplet() {
    let ds = load("nitroxide_cw.DSC", "");
    assert_eq!(ds.dims(), [1024, 1, 1]);
    assert_eq!(ds.components().len(), 1);
    assert!(!ds.components()[0].complex);
    assert!(ds.axis(1).is_none() && ds.axis(2).is_none());
    let axis = ds.axis(0).expect("field axis");
    assert_eq!((axis.name.as_str(), axis.unit.as_str()), ("Field", "G"));
    let p = ds.params();
    assert_eq!(p.get("EXPT"), Some("CW"));
    // The sweep agrees with the centre and width parameters (A1CT, A1SW in tesla).
    let (centre, sweep) = (
        p.number("A1CT").unwrap() * 1e4,
        p.number("A1SW").unwrap() * 1e4,
    );
    let x = &axis.values;
    assert!(close(x[0], centre - sweep / 2.0, 1e-12), "{}", x[0]);
    assert!(close(x[1023], centre + sweep / 2.0, 1e-12), "{}", x[1023]);
    let step = sweep / 1023.0;
    assert!(x.windows(2).all(|w| close(w[1] - w[0], step, 1e-9)));

    // The three 14N lines (m = +1, 0, -1) at B0 - m a, to first order.
    let b0 = resonance_field_gauss(G_ISO, p.number("MWFQ").unwrap());
    let y = &ds.components()[0].values;
    let crossings = downward_zero_crossings(x, y);
    assert_eq!(crossings.len(), 3, "line centres: {crossings:?}");
    for (found, m) in crossings.iter().zip([1.0, 0.0, -1.0]) {
        let want = b0 - m * A_N_GAUSS;
        assert!(
            (found - want).abs() < step / 10.0,
            "line m={m}: zero crossing at {found} G, expected {want} G"
        );
    }
    // A first-derivative line: a maximum below and a minimum above each centre, the
    // peak-to-peak width apart (to within a field step each).
    let at = |b: f64| x.iter().position(|&v| v >= b).unwrap();
    let (lo, mid, hi) = (at(b0 - A_N_GAUSS / 2.0), at(b0), at(b0 + A_N_GAUSS / 2.0));
    let arg = |range: std::ops::Range<usize>, better: fn(f64, f64) -> bool| {
        range.clone().fold(
            range.start,
            |best, i| if better(y[i], y[best]) { i } else { best },
        )
    };
    let max = arg(lo..mid, |a, b| a > b);
    let min = arg(mid..hi, |a, b| a < b);
    assert!(y[max] > 0.0 && y[min] < 0.0);
    let width = x[min] - x[max];
    assert!(
        (width - CW_LINEWIDTH_PP_GAUSS).abs() <= 2.0 * step,
        "peak-to-peak width {width} G"
    );
}

#[test]
fn cw_sample_takes_every_scaling_option() {
    let plain = load("nitroxide_cw.DSC", "");
    let p = plain.params();
    let number = |key: &str| p.number(key).unwrap_or_else(|| panic!("{key} is a number"));
    let factors = [
        ("n", 1.0 / number("AVGS")),
        ("G", 1.0 / 10f64.powf(number("RCAG") / 20.0)),
        ("c", 1.0 / (number("SPTP") * 1000.0)),
        ("P", 1.0 / (number("MWPW") * 1000.0).sqrt()),
        ("T", number("STMP")),
    ];
    let all: f64 = factors.iter().map(|(_, f)| f).product();
    for (option, factor) in factors.into_iter().chain([("nGPTc", all)]) {
        let scaled = load("nitroxide_cw.DSC", option);
        let (a, b) = (
            &plain.components()[0].values,
            &scaled.components()[0].values,
        );
        assert!(
            a.iter().zip(b).all(|(a, b)| close(*b, a * factor, 1e-12)),
            "scaling {option}: expected factor {factor}"
        );
    }
}

#[test]
fn pulse_sample_is_a_complex_inversion_recovery_series() {
    let ds = load("pulse_2d.DSC", "");
    assert_eq!(ds.dims(), [256, 16, 1]);
    assert_eq!(ds.components().len(), 1);
    assert!(ds.components()[0].complex);
    assert_eq!(ds.params().get("EXPT"), Some("PLS"));
    let time = ds.axis(0).expect("time axis");
    assert_eq!((time.name.as_str(), time.unit.as_str()), ("Time", "ns"));
    assert_eq!(time.values[0], 0.0);
    assert!(time
        .values
        .windows(2)
        .all(|w| close(w[1] - w[0], 2.0, 1e-12)));
    // The delays double from slice to slice and come from the .YGF file.
    let delays = ds.axis(1).expect("delay axis");
    assert_eq!(delays.unit, "ns");
    let doubling: Vec<f64> = (0..16)
        .map(|k| PULSE_FIRST_DELAY_NS * 2f64.powi(k))
        .collect();
    assert_eq!(delays.values, doubling);
    assert!(
        ds.sources().iter().any(|s| file_name(s) == "pulse_2d.YGF"),
        "sources: {:?}",
        ds.sources()
    );

    // Each slice: an echo peaking at the centre of the transient, with amplitude
    // 1 - 2 exp(-T/T1) relative to the fully recovered echo, detected with one phase.
    let v = &ds.components()[0].values;
    let point = |slice: usize, i: usize| (v[2 * (slice * 256 + i)], v[2 * (slice * 256 + i) + 1]);
    let magnitude = |(re, im): (f64, f64)| re.hypot(im);
    let recovered = point(15, 128);
    for (slice, &delay) in delays.values.iter().enumerate() {
        let peak = (0..256)
            .max_by(|&a, &b| magnitude(point(slice, a)).total_cmp(&magnitude(point(slice, b))))
            .unwrap();
        assert_eq!(peak, 128, "slice {slice}: echo maximum at point {peak}");
        let want = (1.0 - 2.0 * (-delay / PULSE_T1_NS).exp())
            / (1.0 - 2.0 * (-delays.values[15] / PULSE_T1_NS).exp());
        let got = point(slice, 128).0 / recovered.0;
        assert!(
            close(got, want, 1e-9),
            "slice {slice}: relative echo {got}, expected {want}"
        );
        for i in 0..256 {
            let (re, im) = point(slice, i);
            assert!(
                (re * recovered.1 - im * recovered.0).abs() <= 1e-9 * magnitude(recovered).powi(2),
                "slice {slice} point {i}: phase differs"
            );
        }
    }
}
