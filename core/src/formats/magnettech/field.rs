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

/// One linear piece of the interpolant.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: f64,
    slope: f64,
    value: f64,
}

/// Octave's `interp1(x, y, xi)` with the default linear method and `NA` (a NaN) outside the
/// range of `x`, for `x` monotone (the times of a curve always are: `XOffset + i * XSlope`).
/// `None` when `x` has fewer than two distinct times (Octave refuses to interpolate then).
pub(super) fn interp1_linear(
    x: &[f64],
    y: &[f64],
    xi: impl Iterator<Item = f64>,
) -> Option<Vec<f64>> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let (x, y) = (&x[..n], &y[..n]);
    // Breaks: every time that differs from the next one, and the last time.
    let kept: Vec<usize> = (0..n - 1)
        .filter(|&k| x[k] != x[k + 1])
        .chain([n - 1])
        .collect();
    if kept.len() < 2 {
        return None;
    }
    let pieces: Vec<Piece> = kept
        .windows(2)
        .map(|w| Piece {
            start: x[w[0]],
            slope: (y[w[0] + 1] - y[w[0]]) / (x[w[1]] - x[w[0]]),
            value: y[w[0]],
        })
        .collect();
    let breaks: Vec<f64> = kept.iter().map(|&k| x[k]).collect();
    let decreasing = x[n - 1] < x[0];
    let (low, high) = if decreasing {
        (x[n - 1], x[0])
    } else {
        (x[0], x[n - 1])
    };
    // `lookup`: the piece is the last break at or before `t` in the table's direction (the
    // first piece where there is none). The times asked for are sorted too, so the piece is
    // found by walking on from the previous one; a step back searches anew.
    let at_or_before = |b: f64, t: f64| if decreasing { b >= t } else { b <= t };
    let mut j = 0;
    let out = xi
        .map(|t| {
            if !(low..=high).contains(&t) {
                return f64::NAN;
            }
            if !at_or_before(breaks[j], t) {
                // Only a time before the current piece's break gets here: fewer breaks than
                // pieces are at or before it.
                j = breaks.partition_point(|&b| at_or_before(b, t)).max(1) - 1;
            }
            while j + 1 < pieces.len() && at_or_before(breaks[j + 1], t) {
                j += 1;
            }
            let p = pieces[j];
            p.slope * (t - p.start) + p.value
        })
        .collect();
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
        let got = interp1_linear(&[1.0, 2.0, 3.0], &[10.0, 20.0, 40.0], xi.into_iter()).unwrap();
        assert!(same(
            &got,
            &[f64::NAN, 10.0, 15.0, 20.0, 30.0, 40.0, f64::NAN]
        ));
        // Times asked for out of order (a step back searches anew).
        let got = interp1_linear(
            &[1.0, 2.0, 3.0],
            &[10.0, 20.0, 40.0],
            [3.0, 2.5, 1.0, 1.5].into_iter(),
        );
        assert!(same(&got.unwrap(), &[40.0, 30.0, 10.0, 15.0]));
        // interp1([1 2 2 3], [1 2 3 4], [2 1.5 2.5]) = [3 1.5 3.5]: right-continuous jump.
        let got = interp1_linear(
            &[1.0, 2.0, 2.0, 3.0],
            &[1.0, 2.0, 3.0, 4.0],
            [2.0, 1.5, 2.5].into_iter(),
        );
        assert!(same(&got.unwrap(), &[3.0, 1.5, 3.5]));
        // interp1([3 2 1], [30 20 10], [3 2.5 2 1 0.5 3.5]) = [30 25 20 10 NA NA].
        let got = interp1_linear(
            &[3.0, 2.0, 1.0],
            &[30.0, 20.0, 10.0],
            [3.0, 2.5, 2.0, 1.0, 0.5, 3.5].into_iter(),
        );
        let want = [30.0, 25.0, 20.0, 10.0, f64::NAN, f64::NAN];
        assert!(same(&got.unwrap(), &want));
        assert!(interp1_linear(&[1.0, 1.0], &[1.0, 2.0], [1.0].into_iter()).is_none());
        assert!(interp1_linear(&[1.0], &[1.0], [1.0].into_iter()).is_none());
    }

    #[test]
    fn clipping_keeps_the_closed_range_and_drops_nan() {
        let mut x = vec![1.0, 2.0, f64::NAN, 3.0, 4.0];
        let mut y = vec![10.0, 20.0, 30.0, 40.0, 50.0];
        clip(&mut x, &mut y, 2.0, 3.0);
        assert_eq!((x, y), (vec![2.0, 3.0], vec![20.0, 40.0]));
    }
}
