//! Generates the sample datasets of `examples-c/data/` with epyr's own BES3T writer, from values
//! computed here:
//!
//! * `nitroxide_cw` — a simulated cw EPR spectrum of a nitroxide radical: the first derivative
//!   of three Lorentzian lines of the 14N hyperfine triplet, 1024 real float64 points over
//!   120 G, with the `#SPL` parameters that eprload's scaling options (`n`, `G`, `P`, `T`, `c`)
//!   need;
//! * `pulse_2d` — a simulated inversion-recovery series: 16 complex echo transients of 256
//!   points (x: transient time in ns, linear) recorded after 16 recovery delays that double
//!   from one slice to the next (y: nonlinear, stored in a `.YGF` file).
//!
//! Run: `cargo run --example make_sample_data -- <outdir>` (the committed files live in
//! `examples-c/data/`). `tests/sample_data.rs` includes this file to regenerate the samples and
//! checks that the committed files are byte-identical.
//!
//! Only IEEE arithmetic (`+ - * /`, `sqrt`, `round`) is used, never the platform's `exp` or
//! `cos`, so that every platform computes the same bytes.

use std::path::{Path, PathBuf};

use epyr_core::formats::writer::linear_axis;
use epyr_core::{
    write_bes3t, Axis, Component, Dataset, DatasetParts, FormatId, Param, Params, WriteOptions,
};

/// Isotropic g value of the nitroxide.
pub const G_ISO: f64 = 2.006;
/// Isotropic 14N hyperfine coupling of the nitroxide, in gauss.
pub const A_N_GAUSS: f64 = 15.6;
/// Microwave frequency of the cw spectrum, in Hz.
pub const CW_MWFQ_HZ: f64 = 9.5e9;
/// Peak-to-peak width of each derivative line, in gauss.
pub const CW_LINEWIDTH_PP_GAUSS: f64 = 1.5;
/// Points of the cw spectrum.
pub const CW_POINTS: usize = 1024;
/// Centre of the cw field sweep, in gauss.
pub const CW_CENTER_GAUSS: f64 = 3385.0;
/// Width of the cw field sweep, in gauss.
pub const CW_SWEEP_GAUSS: f64 = 120.0;

/// Points of each echo transient.
pub const PULSE_POINTS: usize = 256;
/// Transient time step of the pulse dataset, in ns.
pub const PULSE_STEP_NS: f64 = 2.0;
/// Number of recovery delays (slices) of the pulse dataset.
pub const PULSE_SLICES: usize = 16;
/// The first recovery delay, in ns; each next delay is twice the previous one.
pub const PULSE_FIRST_DELAY_NS: f64 = 200.0;
/// Spin-lattice relaxation time of the simulated inversion recovery, in ns.
pub const PULSE_T1_NS: f64 = 30_000.0;

/// Planck constant (J s) and Bohr magneton (J/T), CODATA 2018.
const PLANCK: f64 = 6.626_070_15e-34;
const BOHR_MAGNETON: f64 = 9.274_010_078_3e-24;

/// e^x from IEEE arithmetic alone: x = k ln 2 + r with |r| <= ln 2 / 2, a Taylor series for
/// e^r and an exact scaling by 2^k.
fn exp(x: f64) -> f64 {
    let k = (x / std::f64::consts::LN_2).round();
    let r = x - k * std::f64::consts::LN_2;
    let (mut term, mut sum) = (1.0, 1.0);
    for i in 1..=24 {
        term *= r / f64::from(i);
        sum += term;
    }
    let mut scale = 1.0;
    for _ in 0..(k.abs() as u32) {
        scale *= if k < 0.0 { 0.5 } else { 2.0 };
    }
    sum * scale
}

fn param(key: &str, value: &str) -> Param {
    Param {
        key: key.to_string().into(),
        value: value.into(),
        device: None,
    }
}

fn device_param(device: &str, key: &str, value: &str) -> Param {
    Param {
        device: Some(device.into()),
        ..param(key, value)
    }
}

fn axis(values: Vec<f64>, name: &str, unit: &str) -> Option<Axis> {
    Some(Axis {
        values,
        name: name.into(),
        unit: unit.into(),
    })
}

fn dataset(
    dims: [usize; 3],
    component: Component,
    axes: [Option<Axis>; 3],
    params: Vec<Param>,
) -> Dataset {
    Dataset::new(DatasetParts {
        format: FormatId::USER,
        dims,
        components: vec![component],
        axes,
        params: Params::new(params, None),
        sources: vec![],
        warnings: vec![],
    })
    .expect("the sample parts agree")
}

/// The simulated cw spectrum: for each line of the triplet (nuclear spin projection
/// m = +1, 0, -1 at B0 - m·A, first order), the field derivative of a Lorentzian absorption,
/// normalised to a peak of 1 and scaled to 2·10^4.
pub fn nitroxide_cw() -> Dataset {
    let b0 = PLANCK * CW_MWFQ_HZ / (G_ISO * BOHR_MAGNETON) * 1e4;
    // Half width at half maximum of the absorption whose derivative has this peak-to-peak width.
    let gamma = CW_LINEWIDTH_PP_GAUSS * 3f64.sqrt() / 2.0;
    // The largest value of 2x/(1+x^2)^2 (at x = 1/sqrt(3)).
    let peak = 3.0 * 3f64.sqrt() / 8.0;
    let field = linear_axis(
        CW_CENTER_GAUSS - CW_SWEEP_GAUSS / 2.0,
        CW_SWEEP_GAUSS,
        CW_POINTS,
    );
    let values = field
        .iter()
        .map(|&b| {
            let sum: f64 = [1.0, 0.0, -1.0]
                .iter()
                .map(|m| {
                    let x = (b - (b0 - m * A_N_GAUSS)) / gamma;
                    -2.0 * x / ((1.0 + x * x) * (1.0 + x * x)) / peak
                })
                .sum();
            2.0e4 * sum
        })
        .collect();
    let params = vec![
        param("DSRC", "MAN"),
        param("TITL", "nitroxide_cw"),
        param("IRNAM", "Intensity"),
        param("IRUNI", ""),
        param("OPER", "epyr"),
        param("DATE", "01/01/25"),
        param("TIME", "12:00:00"),
        param(
            "CMNT",
            "simulated: 14N nitroxide, g 2.006, a(14N) 15.6 G, Lorentzian dBpp 1.5 G",
        ),
        param("SAMP", "nitroxide (simulated)"),
        param("SFOR", ""),
        param("STAG", "L"),
        param("EXPT", "CW"),
        param("OXS1", "IADC"),
        param("AXS1", "B0VL"),
        param("AXS2", "NONE"),
        param("AXS3", ""),
        param("A1CT", "0.3385"),
        param("A1SW", "0.012"),
        param("MWFQ", "9.500000e+09"),
        param("MWPW", "0.002"),
        param("AVGS", "4"),
        param("RESO", "ER4122SHQE"),
        param("SPTP", "0.02"),
        param("RCAG", "60"),
        param("RCHM", "1"),
        param("B0MA", "0.0001"),
        param("B0MF", "100000"),
        param("RCPH", "0.0"),
        param("RCOF", "0.0"),
        param("A1RS", "1024"),
        param("RCTC", "0.01024"),
        param("STMP", "295"),
        device_param("fieldCtrl", "CenterField", "3385.00 G"),
        device_param("fieldCtrl", "SweepWidth", "120.0 G"),
        device_param("fieldCtrl", "SweepDirection", "Up"),
        device_param("mwBridge", "PowerAtten", "20.0 dB"),
        device_param("mwBridge", "Power", "2.000 mW"),
        device_param("signalChannel", "ModAmp", "1.000 G"),
        device_param("signalChannel", "ModFreq", "100.00 kHz"),
        device_param("signalChannel", "NbScansToDo", "4"),
        device_param("signalChannel", "SctNorm", "false"),
    ];
    let component = Component {
        complex: false,
        values,
    };
    let axes = [axis(field, "Field", "G"), None, None];
    dataset([CW_POINTS, 1, 1], component, axes, params)
}

/// The PulseSPEL program text stored with the pulse sample (a multi-line parameter).
const PULSE_PROGRAM: &str = ";\n; Inversion recovery with echo transients (simulated sample)\n;\n\
begin defs\n p0 = 32    ; inversion pulse\n p1 = 16    ; pi/2 pulse\n d1 = 200   ; first delay T\n \
d2 = 400   ; tau\nend defs\n";

/// The simulated inversion-recovery series: at recovery delay T the echo has the amplitude
/// 1 - 2 exp(-T/T1); each transient is a Gaussian echo (centre 256 ns, standard deviation
/// 24 ns) detected with a phase whose cosine and sine are 0.8 and 0.6.
pub fn pulse_2d() -> Dataset {
    let time = linear_axis(0.0, PULSE_STEP_NS * (PULSE_POINTS - 1) as f64, PULSE_POINTS);
    let mut delays = vec![PULSE_FIRST_DELAY_NS];
    while delays.len() < PULSE_SLICES {
        delays.push(2.0 * delays[delays.len() - 1]);
    }
    let (centre, sigma, amplitude) = (256.0, 24.0, 5.0e3);
    let echo: Vec<f64> = time
        .iter()
        .map(|&t| exp(-0.5 * ((t - centre) / sigma) * ((t - centre) / sigma)))
        .collect();
    let mut values = Vec::with_capacity(2 * PULSE_POINTS * PULSE_SLICES);
    for &delay in &delays {
        let recovery = 1.0 - 2.0 * exp(-delay / PULSE_T1_NS);
        for e in &echo {
            let s = amplitude * recovery * e;
            values.extend([0.8 * s, 0.6 * s]);
        }
    }
    let params = vec![
        param("DSRC", "MAN"),
        param("TITL", "pulse_2d"),
        param("IRNAM", "Intensity"),
        param("IINAM", "Intensity"),
        param("IRUNI", ""),
        param("IIUNI", ""),
        param("OPER", "epyr"),
        param("DATE", "01/01/25"),
        param("TIME", "12:00:00"),
        param(
            "CMNT",
            "simulated: inversion recovery, T1 30 us, echo transients",
        ),
        param("SAMP", "nitroxide (simulated)"),
        param("EXPT", "PLS"),
        param("OXS1", "TADC"),
        param("AXS1", "TIME"),
        param("AXS2", "NONE"),
        param("MWFQ", "9.700000e+09"),
        param("MWPW", "0.02"),
        param("AVGS", "10"),
        param("STMP", "50"),
        device_param("fieldCtrl", "CenterField", "3455.00 G"),
        device_param("ftBridge", "ShotRepTime", "2040.00 us"),
        device_param("ftBridge", "VideoGain", "48 dB"),
        device_param("ftEpr", "PlsSPELEXPSlct", "Inversion Recovery"),
        device_param("ftEpr", "PlsSPELGlbTxt", PULSE_PROGRAM),
        device_param("ftEpr", "SctNorm", "true"),
    ];
    let component = Component {
        complex: true,
        values,
    };
    let axes = [
        axis(time, "Time", "ns"),
        axis(delays, "Recovery delay", "ns"),
        None,
    ];
    dataset([PULSE_POINTS, PULSE_SLICES, 1], component, axes, params)
}

/// The sample datasets and their base names.
pub fn samples() -> Vec<(&'static str, Dataset)> {
    vec![("nitroxide_cw", nitroxide_cw()), ("pulse_2d", pulse_2d())]
}

/// Writes every sample into `outdir` (float64, big-endian) and returns the files written.
pub fn write_samples(outdir: &Path) -> epyr_core::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for (name, ds) in samples() {
        files.extend(write_bes3t(
            &ds,
            &outdir.join(name),
            &WriteOptions::default(),
        )?);
    }
    Ok(files)
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(outdir), None) = (args.next(), args.next()) else {
        eprintln!("usage: cargo run --example make_sample_data -- <outdir>");
        std::process::exit(2);
    };
    let outdir = PathBuf::from(outdir);
    let result = std::fs::create_dir_all(&outdir)
        .map_err(|e| epyr_core::Error::io(&outdir, "create directory", &e))
        .and_then(|()| write_samples(&outdir));
    match result {
        Ok(files) => {
            for f in files {
                let size = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
                println!("{size:>8}  {}", f.display());
            }
        }
        Err(e) => {
            eprintln!("make_sample_data: {e}");
            std::process::exit(1);
        }
    }
}
