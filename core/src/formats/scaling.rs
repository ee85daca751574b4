//! eprload's scaling options (`n`, `G`, `P`, `T`, `c`): parsing and application.

use crate::error::{Error, ErrorKind, Result};

/// A set of scaling options, parsed from a string of the letters `n` (divide by the number of
/// scans), `G` (receiver gain), `P` (square root of microwave power in mW), `T` (multiply by
/// temperature) and `c` (conversion time in ms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Scaling {
    /// `n`: divide by the number of averages/scans.
    pub scans: bool,
    /// `G`: divide by the receiver gain.
    pub gain: bool,
    /// `P`: divide by the square root of the microwave power in mW.
    pub power: bool,
    /// `T`: multiply by the temperature in K.
    pub temperature: bool,
    /// `c`: divide by the conversion time in ms.
    pub conversion_time: bool,
}

impl Scaling {
    /// No scaling.
    pub const NONE: Scaling = Scaling {
        scans: false,
        gain: false,
        power: false,
        temperature: false,
        conversion_time: false,
    };

    /// Parses a scaling string. Letters may repeat and come in any order; any other character
    /// (including white space) is an [`ErrorKind::InvalidArgument`] error, as in eprload.
    pub fn parse(text: &str) -> Result<Self> {
        let mut s = Scaling::NONE;
        for ch in text.chars() {
            match ch {
                'n' => s.scans = true,
                'G' => s.gain = true,
                'P' => s.power = true,
                'T' => s.temperature = true,
                'c' => s.conversion_time = true,
                other => {
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        format!(
                        "scaling {text:?}: unknown option {other:?}; allowed are n, G, P, T and c"
                    ),
                    ))
                }
            }
        }
        Ok(s)
    }

    /// Whether no option is set.
    pub fn is_none(&self) -> bool {
        *self == Scaling::NONE
    }

    /// The canonical text of the set (letters in the order `nGPTc`, each once), used in cache
    /// keys so that `"Gn"` and `"nG"` name the same data.
    pub fn canonical(&self) -> String {
        [
            (self.scans, 'n'),
            (self.gain, 'G'),
            (self.power, 'P'),
            (self.temperature, 'T'),
            (self.conversion_time, 'c'),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, c)| *c)
        .collect()
    }
}

/// One step of scaling, applied to every value in order (the order of eprload's operations,
/// so that results match it bit for bit).
#[derive(Debug, Clone, PartialEq)]
pub enum ScaleStep {
    /// Divide every value by the number.
    Divide(f64),
    /// Multiply every value by the number.
    Multiply(f64),
    /// Divide the values of row `y` (all x of that y, every z) by the square root of the
    /// power in mW of an ESP power sweep: `sqrt(mw * 10^(-db / 10))`, with `db` value `y` of
    /// the linear axis of `rows` values from `first_db` to `first_db + width_db`. Computed per
    /// row as it is needed, so a plan holds nothing proportional to the rows.
    DividePowerSweepRows {
        /// The microwave power at 0 dB, in mW (`MP`).
        mw: f64,
        /// The attenuation of the first row, in dB (`XYLB`).
        first_db: f64,
        /// The attenuation of the last row minus that of the first (`XYWI`).
        width_db: f64,
        /// The number of rows of the sweep (`ny`).
        rows: usize,
    },
}

/// The divisor of row `row` of a [`ScaleStep::DividePowerSweepRows`] step.
fn power_sweep_divisor(mw: f64, first_db: f64, width_db: f64, rows: usize, row: usize) -> f64 {
    let db = super::axis::linear_value(first_db, width_db, rows, row);
    (mw * 10f64.powf(-db / 10.0)).sqrt()
}

/// Applies the steps to values of whole points: `width` numbers per point (1 real, 2 complex,
/// or all components of a point in file order), the first of them being point `first_point`
/// of a dataset with dimensions `dims` (row-wise steps need to know the row of each point).
pub fn apply_steps(
    steps: &[ScaleStep],
    values: &mut [f64],
    width: usize,
    dims: [usize; 3],
    first_point: usize,
) {
    for step in steps {
        match step {
            ScaleStep::Divide(d) => values.iter_mut().for_each(|v| *v /= d),
            ScaleStep::Multiply(m) => values.iter_mut().for_each(|v| *v *= m),
            &ScaleStep::DividePowerSweepRows {
                mw,
                first_db,
                width_db,
                rows,
            } => {
                let mut current: Option<(usize, f64)> = None;
                for (i, point) in values.chunks_mut(width).enumerate() {
                    let row = ((first_point + i) / dims[0]) % dims[1];
                    let divisor = match current {
                        Some((r, d)) if r == row => d,
                        _ => power_sweep_divisor(mw, first_db, width_db, rows, row),
                    };
                    current = Some((row, divisor));
                    point.iter_mut().for_each(|v| *v /= divisor);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_the_five_letters_only() {
        let s = Scaling::parse("GnGc").unwrap();
        assert!(s.gain && s.scans && s.conversion_time && !s.power && !s.temperature);
        assert_eq!(s.canonical(), "nGc");
        assert!(Scaling::parse("").unwrap().is_none());
        let e = Scaling::parse("nx").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("'x'"), "{e}");
        assert!(Scaling::parse("N").is_err());
    }

    #[test]
    fn steps_apply_in_order_and_by_row() {
        let mut v = vec![2.0, 4.0, 6.0, 8.0];
        apply_steps(
            &[ScaleStep::Divide(2.0), ScaleStep::Multiply(3.0)],
            &mut v,
            1,
            [4, 1, 1],
            0,
        );
        assert_eq!(v, vec![3.0, 6.0, 9.0, 12.0]);
        // 1 mW at 0 dB and 4 mW at -6.0206 dB: divisors 1 and 2 (to rounding).
        let mut v = vec![2.0, 2.0, 2.0, 2.0];
        let rows = ScaleStep::DividePowerSweepRows {
            mw: 1.0,
            first_db: 0.0,
            width_db: -10.0 * 4f64.log10(),
            rows: 2,
        };
        apply_steps(std::slice::from_ref(&rows), &mut v, 1, [2, 2, 1], 0);
        let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(near(&v, &[2.0, 2.0, 1.0, 1.0]), "{v:?}");
        // The same rows seen from a chunk that starts at point 3 (row 1).
        let mut v = vec![4.0, 4.0];
        apply_steps(std::slice::from_ref(&rows), &mut v, 1, [2, 2, 1], 3);
        assert!(near(&v, &[2.0, 4.0]), "{v:?}");
    }
}
