//! The field axis of an MS5000 field sweep as eprload computes it: Octave's
//! `interp1(tB, B, t)` (linear) of the `BField` curve at the times of the signal, `NaN`
//! outside the field curve's times, then only the points with `Bfrom <= x <= Bto` kept.
//!
//! Octave's `interp1` (7.3) builds a piecewise polynomial: where two times are equal (a jump)
//! the first of them is dropped with its value and its difference; piece `j` from break `b(j)`
//! has slope `dy(k) / (b(j+1) - b(j))` (with `dy(k) = B(k+1) - B(k)` of the piece's first
//! point `k`) and value `B(k)`. `ppval` picks the piece by `lookup(b, t, "lr")` (the last break
//! `<= t`, or `>= t` for decreasing times, clamped to the first and last piece) and evaluates
//! `slope * (t - b(j)) + B(k)`: a product and a sum, each rounded. Times below the smaller end
//! or not below-or-equal the larger end of the original times give `NaN`.

/// Octave's `interp1(x, y, xi)` with the default linear method and `NA` (a NaN) outside the
/// range of `x`, where `x(k)` is time `k` of `y.len()` monotone times (the times of a curve
/// always are: `XOffset + k * XSlope`). `None` when there are fewer than two distinct times
/// (Octave refuses to interpolate then) or no memory for the result.
///
/// Without building the pieces: the piece for `t` starts at `k`, the last time at or before
/// `t` (which differs from the next one, so it is the break Octave keeps of a run of equal
/// times), or at the last time that differs from its successor when `t` is at the last time;
/// its slope is `(y(k+1) - y(k)) / (x(k+1) - x(k))`, the next break being `x(k+1)`.
pub(super) fn interp1_linear(
    x: impl Fn(usize) -> f64,
    y: &[f64],
    xi: impl ExactSizeIterator<Item = f64>,
) -> Option<Vec<f64>> {
    let n = y.len();
    let last = (0..n.checked_sub(1)?).rev().find(|&k| x(k) != x(k + 1))?;
    let decreasing = x(n - 1) < x(0);
    let (low, high) = if decreasing {
        (x(n - 1), x(0))
    } else {
        (x(0), x(n - 1))
    };
    let at_or_before = |b: f64, t: f64| if decreasing { b >= t } else { b <= t };
    let mut out = Vec::new();
    out.try_reserve_exact(xi.len()).ok()?;
    // The last time at or before `t`: the times asked for are sorted too, so it is found by
    // walking on from the previous one; a step back searches anew.
    let mut m = 0;
    for t in xi {
        if !(low..=high).contains(&t) {
            out.push(f64::NAN);
            continue;
        }
        if !at_or_before(x(m), t) {
            // `x(0)` is at or before every time in range; `x(hi)` is not at or before `t`.
            let (mut lo, mut hi) = (0, m);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if at_or_before(x(mid), t) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            m = lo;
        }
        while m + 1 < n && at_or_before(x(m + 1), t) {
            m += 1;
        }
        let k = if m + 1 < n { m } else { last };
        let slope = (y[k + 1] - y[k]) / (x(k + 1) - x(k));
        out.push(slope * (t - x(k)) + y[k]);
    }
    Some(out)
}

/// Keeps, in place, the points whose field `x` lies in `from..=to` (NaN never does):
/// eprload's `idx = Abscissa >= xmin & Abscissa <= xmax` applied to the field and the values.
pub(super) fn clip(x: &mut Vec<f64>, y: &mut Vec<f64>, from: f64, to: f64) {
    let mut kept = 0;
    for i in 0..x.len().min(y.len()) {
        if x[i] >= from && x[i] <= to {
            x[kept] = x[i];
            y[kept] = y[i];
            kept += 1;
        }
    }
    x.truncate(kept);
    y.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The times of a test as the function the interpolation takes.
    fn at(times: &[f64]) -> impl Fn(usize) -> f64 + '_ {
        |k| times[k]
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()))
    }

    #[test]
    fn linear_interpolation_matches_octaves_interp1_including_ends_jumps_and_direction() {
        // Results of Octave 7.3's interp1 for the same arguments.
        let xi = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5];
        let got =
            interp1_linear(at(&[1.0, 2.0, 3.0]), &[10.0, 20.0, 40.0], xi.into_iter()).unwrap();
        assert!(same(
            &got,
            &[f64::NAN, 10.0, 15.0, 20.0, 30.0, 40.0, f64::NAN]
        ));
        // Times asked for out of order (a step back searches anew).
        let got = interp1_linear(
            at(&[1.0, 2.0, 3.0]),
            &[10.0, 20.0, 40.0],
            [3.0, 2.5, 1.0, 1.5].into_iter(),
        );
        assert!(same(&got.unwrap(), &[40.0, 30.0, 10.0, 15.0]));
        // interp1([1 2 2 3], [1 2 3 4], [2 1.5 2.5]) = [3 1.5 3.5]: right-continuous jump.
        let got = interp1_linear(
            at(&[1.0, 2.0, 2.0, 3.0]),
            &[1.0, 2.0, 3.0, 4.0],
            [2.0, 1.5, 2.5].into_iter(),
        );
        assert!(same(&got.unwrap(), &[3.0, 1.5, 3.5]));
        // interp1([3 2 1], [30 20 10], [3 2.5 2 1 0.5 3.5]) = [30 25 20 10 NA NA].
        let got = interp1_linear(
            at(&[3.0, 2.0, 1.0]),
            &[30.0, 20.0, 10.0],
            [3.0, 2.5, 2.0, 1.0, 0.5, 3.5].into_iter(),
        );
        let want = [30.0, 25.0, 20.0, 10.0, f64::NAN, f64::NAN];
        assert!(same(&got.unwrap(), &want));
        // Octave's own tests: interp1([4 4 3 2 0], [0 1 4 2 1], [1.5 4 4.5]) = [1.75 1 NA],
        // interp1([3 2 2 1], [4 3 2 1], 2) = 2, interp1([3 2 1], [3 2 2], 2.5) = 2.5.
        let got = interp1_linear(
            at(&[4.0, 4.0, 3.0, 2.0, 0.0]),
            &[0.0, 1.0, 4.0, 2.0, 1.0],
            [1.5, 4.0, 4.5].into_iter(),
        );
        assert!(same(&got.unwrap(), &[1.75, 1.0, f64::NAN]));
        let got = interp1_linear(
            at(&[3.0, 2.0, 2.0, 1.0]),
            &[4.0, 3.0, 2.0, 1.0],
            [2.0].into_iter(),
        );
        assert!(same(&got.unwrap(), &[2.0]));
        let got = interp1_linear(at(&[3.0, 2.0, 1.0]), &[3.0, 2.0, 2.0], [2.5].into_iter());
        assert!(same(&got.unwrap(), &[2.5]));
        assert!(interp1_linear(at(&[1.0, 1.0]), &[1.0, 2.0], [1.0].into_iter()).is_none());
        assert!(interp1_linear(at(&[1.0]), &[1.0], [1.0].into_iter()).is_none());
    }

    #[test]
    fn clipping_keeps_the_closed_range_and_drops_nan() {
        let mut x = vec![1.0, 2.0, f64::NAN, 3.0, 4.0];
        let mut y = vec![10.0, 20.0, 30.0, 40.0, 50.0];
        clip(&mut x, &mut y, 2.0, 3.0);
        assert_eq!((x, y), (vec![2.0, 3.0], vec![20.0, 40.0]));
    }
}
