//! Numbers and lines of text as eprload's readers of the text formats take them: numbers as
//! `sscanf`/`fscanf` with `%f` and `%i` read them (white space skipped, the longest number at
//! the position, reading stops at the first text that starts no number), lines as
//! `textscan(..., 'delimiter', '\n')` and `fgetl` split them (at LF; a CR before it stays in
//! the line, where it is white space to the number reader).

/// The lines of `text`, split at LF. A text that ends in LF has no empty line after it; every
/// other empty line is a line (as `textscan` gives them).
pub(crate) fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    let empty = text.is_empty();
    body.split(|&b| b == b'\n').filter(move |_| !empty)
}

/// Whether `b` is white space to `scanf` (space, tab, CR, LF, vertical tab, form feed).
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

/// Whether `line` holds nothing but white space.
pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| is_space(b))
}

/// A position in text from which numbers are read one after the other, as `scanf` reads them.
#[derive(Debug, Clone)]
pub(crate) struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub(crate) fn new(text: &'a [u8]) -> Scanner<'a> {
        Scanner { text, pos: 0 }
    }

    /// Skips white space.
    fn skip_space(&mut self) {
        while self.text.get(self.pos).is_some_and(|&b| is_space(b)) {
            self.pos += 1;
        }
    }

    /// Reads the next number as `%f` does: after white space, the longest prefix that is a
    /// decimal number (sign, digits with an optional point, an exponent where digits follow
    /// it) or `inf`, `infinity`, `nan` in any letter case with an optional sign. `None`, with
    /// only the white space consumed, where no number starts there (reading stops there, as
    /// `scanf` stops).
    pub(crate) fn float(&mut self) -> Option<f64> {
        self.skip_space();
        let rest = &self.text[self.pos..];
        let len = number_len(rest);
        if len == 0 {
            return None;
        }
        // The span is ASCII by construction, and Rust's parser takes every form it has.
        let value = match fast_decimal(&rest[..len]) {
            Some(v) => v,
            None => std::str::from_utf8(&rest[..len])
                .ok()?
                .parse::<f64>()
                .ok()?,
        };
        self.pos += len;
        Some(value)
    }

    /// Reads the next whole number as `%d` does (after white space, an optional sign and
    /// decimal digits; reading stops at the first other character). `None` where no digits
    /// start there or the number does not fit in an `i64`.
    pub(crate) fn integer(&mut self) -> Option<i64> {
        self.skip_space();
        let rest = &self.text[self.pos..];
        let sign = usize::from(matches!(rest.first(), Some(b'+' | b'-')));
        let digits = rest[sign..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        let len = sign + digits;
        let value = std::str::from_utf8(&rest[..len])
            .ok()?
            .parse::<i64>()
            .ok()?;
        self.pos += len;
        Some(value)
    }

    /// Reads up to `out.len()` numbers ([`Scanner::float`]) into `out`, as
    /// `sscanf(text, '%f', n)` does; returns how many were read.
    pub(crate) fn floats_into(&mut self, out: &mut [f64]) -> usize {
        let mut count = 0;
        while count < out.len() {
            let Some(v) = self.float() else { break };
            out[count] = v;
            count += 1;
        }
        count
    }

    /// Whether only white space is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_space();
        self.pos == self.text.len()
    }

    /// The byte offset of the position in the text.
    pub(crate) fn offset(&self) -> usize {
        self.pos
    }
}

/// Powers of ten that are exact doubles.
const EXACT_POWERS: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// A plain decimal without exponent (`-337.20049`) of at most 15 digits, correctly rounded by
/// one division of exact doubles (Clinger's fast path); `None` for any other number, which the
/// full parser reads.
fn fast_decimal(span: &[u8]) -> Option<f64> {
    let (negative, body) = match span.first() {
        Some(b'-') => (true, &span[1..]),
        Some(b'+') => (false, &span[1..]),
        _ => (false, span),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut fraction: Option<usize> = None;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                if let Some(f) = fraction.as_mut() {
                    *f += 1;
                }
                if digits > 15 {
                    return None;
                }
            }
            b'.' if fraction.is_none() => fraction = Some(0),
            _ => return None,
        }
    }
    // Exact: the mantissa is below 10^15 < 2^53, and so is the power of ten (at most 10^15).
    let value = mantissa as f64 / EXACT_POWERS[fraction.unwrap_or(0)];
    Some(if negative { -value } else { value })
}

/// The length of the number at the start of `s` (0 where none starts there).
fn number_len(s: &[u8]) -> usize {
    let sign = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let body = &s[sign..];
    for word in [&b"infinity"[..], b"inf", b"nan"] {
        if body.len() >= word.len() && body[..word.len()].eq_ignore_ascii_case(word) {
            return sign + word.len();
        }
    }
    let int = body.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut len = int;
    let mut digits = int;
    if body.get(len) == Some(&b'.') {
        let frac = body[len + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        len += 1 + frac;
        digits += frac;
    }
    if digits == 0 {
        return 0;
    }
    if matches!(body.get(len), Some(b'e' | b'E')) {
        let exp_sign = usize::from(matches!(body.get(len + 1), Some(b'+' | b'-')));
        let exp = body[len + 1 + exp_sign..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if exp > 0 {
            len += 1 + exp_sign + exp;
        }
    }
    sign + len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(text: &str) -> Vec<f64> {
        let mut out = [0.0; 8];
        let n = Scanner::new(text.as_bytes()).floats_into(&mut out);
        out[..n].to_vec()
    }

    #[test]
    fn floats_are_read_as_scanf_reads_them() {
        assert_eq!(floats(" 1.5\t-2e3\r\n+.5 7."), [1.5, -2000.0, 0.5, 7.0]);
        // A number ends where its grammar ends; the next one may start right there.
        assert_eq!(floats("1.234.5"), [1.234, 0.5]);
        assert_eq!(floats("3e+ 4"), [3.0]);
        assert_eq!(floats("2E-2x 5"), [0.02]);
        assert_eq!(floats("12abc 5"), [12.0]);
        assert_eq!(floats("- 5"), Vec::<f64>::new());
        let special = floats("NaN -Inf infinity");
        assert!(special[0].is_nan());
        assert_eq!(special[1..], [f64::NEG_INFINITY, f64::INFINITY]);
        // Correctly rounded, as strtod, on the fast path and off it.
        assert_eq!(
            floats("0.1 1e-3 0.30000000000000004"),
            [0.1, 1e-3, 0.30000000000000004]
        );
        assert_eq!(floats("-0")[0].to_bits(), (-0.0f64).to_bits());
        for text in [
            "337.20049",
            "16863.00000",
            "-0.112973",
            "3603.918926",
            "123456789012345",
        ] {
            assert_eq!(floats(text), [text.parse::<f64>().unwrap()], "{text}");
        }
    }

    #[test]
    fn integers_stop_at_the_first_other_character() {
        let mut s = Scanner::new(b"1   1024   0\n");
        assert_eq!(
            (s.integer(), s.integer(), s.integer(), s.integer()),
            (Some(1), Some(1024), Some(0), None)
        );
        let mut s = Scanner::new(b"1.5 2");
        assert_eq!((s.integer(), s.integer()), (Some(1), None));
        let mut s = Scanner::new(b"99999999999999999999");
        assert_eq!(s.integer(), None);
    }

    #[test]
    fn lines_split_at_lf_and_keep_cr() {
        let got: Vec<&[u8]> = lines(b"a\r\n\nb\n").collect();
        assert_eq!(got, [&b"a\r"[..], b"", b"b"]);
        assert_eq!(lines(b"a").count(), 1);
        assert_eq!(lines(b"").count(), 0);
    }
}
