//! A correctly rounded sine, the same on every platform: the Adani reader's values are sums of
//! products with sines, and the system `sin` differs between platforms in the last bit for
//! some arguments (glibc's for about one argument in 700, MinGW's x87 `fsin` far more:
//! `sin(pi)` with 12 correct bits). Computed in double-double arithmetic (about 104 bits)
//! without fused multiply-add (which some C runtimes emulate wrongly), then rounded once. At
//! the phases of the Adani files it equals glibc's, which eprload used for the corpus.

/// A double-double number: `hi + lo` with `|lo| <= ulp(hi) / 2`.
#[derive(Clone, Copy)]
struct Dd {
    hi: f64,
    lo: f64,
}

/// `a + b` exactly, as the rounded sum and its error.
fn two_sum(a: f64, b: f64) -> Dd {
    let hi = a + b;
    let bb = hi - a;
    Dd {
        hi,
        lo: (a - (hi - bb)) + (b - bb),
    }
}

/// [`two_sum`] for `|a| >= |b|`.
fn quick_two_sum(a: f64, b: f64) -> Dd {
    let hi = a + b;
    Dd {
        hi,
        lo: b - (hi - a),
    }
}

/// `a` as two halves of 26 bits each (Dekker's split).
fn split(a: f64) -> (f64, f64) {
    let t = 134_217_729.0 * a;
    let hi = t - (t - a);
    (hi, a - hi)
}

/// `a * b` exactly, as the rounded product and its error (Dekker).
fn two_prod(a: f64, b: f64) -> Dd {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    Dd {
        hi: p,
        lo: ((ah * bh - p) + ah * bl + al * bh) + al * bl,
    }
}

impl Dd {
    fn add(self, b: Dd) -> Dd {
        let s = two_sum(self.hi, b.hi);
        quick_two_sum(s.hi, s.lo + self.lo + b.lo)
    }

    fn add_f64(self, b: f64) -> Dd {
        let s = two_sum(self.hi, b);
        quick_two_sum(s.hi, s.lo + self.lo)
    }

    fn mul(self, b: Dd) -> Dd {
        let p = two_prod(self.hi, b.hi);
        quick_two_sum(p.hi, p.lo + self.hi * b.lo + self.lo * b.hi)
    }

    /// `self / d` for a small whole number `d`.
    fn div_f64(self, d: f64) -> Dd {
        let q1 = self.hi / d;
        let p = two_prod(q1, d);
        let rest = ((self.hi - p.hi) - p.lo + self.lo) / d;
        quick_two_sum(q1, rest)
    }

    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }
}

/// pi/2 in four parts: the first three of 33 bits (so that `k` times them is exact for
/// `|k| < 2^20`), the last the rest (fdlibm's `pio2_1`, `pio2_2`, `pio2_3`, `pio2_3t`).
const PIO2: [f64; 4] = [
    f64::from_bits(0x3ff9_21fb_5440_0000),
    f64::from_bits(0x3dd0_b461_1a60_0000),
    f64::from_bits(0x3ba3_198a_2e00_0000),
    f64::from_bits(0x397b_839a_2520_49c1),
];
/// Series terms enough for `|r| <= pi/4` to 2^-110.
const TERMS: u32 = 15;

/// `sin(r)` (`odd`) or `cos(r)` for `|r| <= pi/4`, by the nested Taylor series.
fn kernel(r: Dd, odd: bool) -> Dd {
    let r2 = r.mul(r);
    let one = Dd { hi: 1.0, lo: 0.0 };
    let mut t = one;
    for m in (1..=TERMS).rev() {
        let (a, b) = if odd {
            (2 * m, 2 * m + 1)
        } else {
            (2 * m - 1, 2 * m)
        };
        t = one.add(r2.mul(t).div_f64(f64::from(a * b)).neg());
    }
    if odd {
        r.mul(t)
    } else {
        t
    }
}

/// `sin(x)`, the same on every platform: correctly rounded for `|x| < 2^19 pi/2` (but for
/// arguments whose sine lies within about 2^-100 relative of a rounding boundary); beyond that
/// range, the system's `sin`.
pub(crate) fn sin(x: f64) -> f64 {
    if !x.is_finite() || x.abs() >= 823_550.0 {
        return x.sin();
    }
    if x.abs() < 1e-8 {
        // x^3/6 is below half an ulp of x.
        return x;
    }
    let k = (x * std::f64::consts::FRAC_2_PI).round();
    // x - k*pi/2: the first product is exact and so is its difference from x (Sterbenz).
    let mut r = two_sum(x - k * PIO2[0], -k * PIO2[1]);
    r = r.add_f64(-k * PIO2[2]).add_f64(-k * PIO2[3]);
    let s = match (k as i64).rem_euclid(4) {
        0 => kernel(r, true),
        1 => kernel(r, false),
        2 => kernel(r, true).neg(),
        _ => kernel(r, false).neg(),
    };
    s.hi + s.lo
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arguments and their sines correctly rounded (computed with mpmath at 300 bits, outside
    /// epyr); the first nine are ones glibc 2.36 rounds the other way.
    const CORRECTLY_ROUNDED: [(f64, u64); 15] = [
        (3.6376335988934443, 0xbfde75ec0ded7be5),
        (0.5092918860102842, 0x3fdf342b2ce83f6b),
        (3.025237370123505, 0x3fbdb843e5771747),
        (2.433246559381137, 0x3fe4d18a4192cf61),
        (0.16110731556870733, 0x3fc4885b5a98c647),
        (5.183627878423159, 0xbfec83201d3d2c6d),
        (6.126105674500097, 0xbfc4060b67a8537d),
        (3.37146528677929, 0xbfcd2a4dc48247e1),
        (0.9855976952438567, 0x3feaacdee8cc8dbd),
        (std::f64::consts::PI, 0x3ca1a62633145c07),
        (2.0 * std::f64::consts::PI, 0xbcb1a62633145c07),
        (1e-05, 0x3ee4f8b588e1e8a2),
        (100.0, 0xbfe03425b78c4db8),
        (-7.5, 0xbfee041886fcae30),
        (1234.5678, 0x3fb3fa00084ee3dd),
    ];

    #[test]
    fn sines_are_correctly_rounded() {
        for (x, bits) in CORRECTLY_ROUNDED {
            assert_eq!(sin(x).to_bits(), bits, "sin({x:?}) = {:?}", sin(x));
        }
        assert_eq!(sin(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(sin(std::f64::consts::FRAC_PI_2), 1.0);
        assert!(sin(f64::NAN).is_nan() && sin(f64::INFINITY).is_nan());
    }

    /// On Linux the system sine is glibc's, which eprload under Octave used for the corpus:
    /// at the phases of the Adani files (14 a period) they agree.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn at_the_phases_of_adani_files_it_equals_glibcs_sin() {
        for k in 0..14 {
            let x = 2.0 * std::f64::consts::PI * k as f64 / 14.0;
            assert_eq!(sin(x).to_bits(), x.sin().to_bits(), "k = {k}");
        }
    }
}
