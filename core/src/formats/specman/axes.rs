//! The axes of a SpecMan dataset from its experiment file, by eprload's rules (`SpecManpar`):
//! the sweep axes `sweep.transient`, `sweep.sweep0`, ... (`kind,size,reps,variables`) with
//! more than one point are x, y, z in order; each takes its values from its variable's entry in
//! `[params]` (`a step b`, `a logto b`, `a to b` or a list), in SI units scaled to a prefix
//! (`1 mV to 179 mV` gives 1..179 mV). An axis whose length differs from the data's, or that
//! eprload builds as a row (a variable of `[aquisition]`), becomes the indices 1..n; eprload
//! returns x and y only, and names them in the parameters `xlabel` and `ylabel`.

use std::path::Path;
use std::sync::Arc;

use crate::dataset::{parse_number, Param};
use crate::formats::ini::{lookup, strtrim, IniEntry};
use crate::formats::{AxisPlan, AxisValues};

/// The x, y (and no z) axes, and the labels eprload adds to the parameters.
#[derive(Debug)]
pub(super) struct Abscissae {
    pub axes: [Option<AxisPlan>; 3],
    pub labels: Vec<Param>,
}

/// One sweep axis of the experiment file.
#[derive(Debug)]
struct Sweep {
    /// The kind letter (`I`, `T`, `X`, `S`...).
    kind: String,
    /// The number of points; `None` where the size is not a number.
    size: Option<f64>,
    /// The variables swept (the first names the axis).
    vars: Vec<String>,
}

/// eprload's `strtok(s, ',')`: skips leading commas, then the token up to the next comma and
/// the rest from that comma on.
fn strtok(s: &str) -> (&str, &str) {
    let rest = s.trim_start_matches(',');
    rest.split_at(rest.find(',').unwrap_or(rest.len()))
}

/// `s(2:end)`: the rest after the delimiter that [`strtok`] left in front.
fn after_first(s: &str) -> &str {
    s.char_indices().nth(1).map_or("", |(i, _)| &s[i..])
}

/// Parses a sweep value `kind,size,reps,var1,var2,...`; `triggers` multiplies the size of the
/// first (transient) axis.
fn sweep(value: &str, triggers: Option<f64>, first: bool) -> Sweep {
    let (kind, rest) = strtok(value);
    let kind = strtrim(kind).to_string();
    let (size, rest) = strtok(after_first(rest));
    let (_reps, mut rest) = strtok(after_first(rest));
    let mut vars = Vec::new();
    while !rest.is_empty() {
        let (var, more) = strtok(after_first(rest));
        vars.push(var.to_string());
        rest = more;
    }
    let size = if !kind.is_empty() && kind.chars().all(|c| "SIAR".contains(c)) {
        Some(1.0)
    } else {
        parse_number(size)
    };
    let size = if first {
        size.zip(triggers).map(|(s, t)| s * t)
    } else {
        size
    };
    Sweep { kind, size, vars }
}

/// The sweep axes in eprload's order: `transient`, then `sweep0`, `sweep1`... while present.
fn sweeps(entries: &[IniEntry]) -> Vec<Sweep> {
    let triggers = parse_number(lookup(entries, "streams_triggers").unwrap_or("1"));
    let mut found = Vec::new();
    let mut name = "sweep_transient".to_string();
    while let Some(value) = lookup(entries, &name) {
        found.push(sweep(value, triggers, found.is_empty()));
        name = format!("sweep_sweep{}", found.len() - 1);
    }
    found
}

/// The axes of data of `dims` (x along rows) described by `entries`; `exp` names the file in
/// warnings.
pub(super) fn abscissae(
    entries: &[IniEntry],
    dims: [usize; 3],
    exp: &Path,
    warnings: &mut Vec<String>,
) -> Abscissae {
    let sweeps = sweeps(entries);
    if sweeps.is_empty() {
        warnings.push(format!(
            "{}: no sweep.transient entry (eprload stops here); x is the point index",
            exp.display()
        ));
    }
    let mut found = Abscissae {
        axes: [index_axis(dims[0]), None, None],
        labels: Vec::new(),
    };
    let long = sweeps.iter().filter(|s| s.size.is_some_and(|n| n > 1.0));
    for (dim, sweep) in long.take(2).enumerate() {
        let letter = ["x", "y"][dim];
        found.axes[dim] = index_axis(dims[dim]);
        let Some(values) = sweep_values(entries, sweep, dims[dim], exp, warnings) else {
            continue;
        };
        let (values, unit) = values;
        if values.len() != dims[dim] {
            continue;
        }
        let name = sweep.vars.first().cloned().unwrap_or_default();
        found.labels.push(Param {
            key: format!("{letter}label").into(),
            value: format!("{name}, {unit}"),
            device: None,
        });
        if dims[dim] > 1 {
            found.axes[dim] = Some(AxisPlan {
                len: dims[dim],
                name,
                unit,
                values: AxisValues::Explicit(Arc::from(values)),
            });
        }
    }
    found
}

/// eprload's fallback axis `1:n` (none for a single point).
fn index_axis(n: usize) -> Option<AxisPlan> {
    (n > 1).then(|| AxisPlan {
        len: n,
        name: String::new(),
        unit: String::new(),
        values: AxisValues::Linspace {
            offset: 0.0,
            scale: 1.0,
            start: 1.0,
            end: n as f64,
        },
    })
}

/// The values and unit of a sweep axis when eprload gives them for a dimension of `len`
/// points (`None` where it gives the indices instead).
fn sweep_values(
    entries: &[IniEntry],
    sweep: &Sweep,
    len: usize,
    exp: &Path,
    warnings: &mut Vec<String>,
) -> Option<(Vec<f64>, String)> {
    let size = sweep.size?;
    let synthetic;
    let spec = match sweep.kind.as_str() {
        "I" | "A" => "1sl step 1sl;",
        "T" => {
            let dwell = lookup(entries, "streams_dwelltime").unwrap_or("1 ns");
            synthetic = format!("0 ns step {};", strtrim(gettoken(dwell, ",").0));
            &synthetic
        }
        _ => {
            let Some(var) = sweep.vars.first() else {
                warnings.push(format!(
                    "{}: sweep axis {:?} names no variable (eprload stops here); indices used",
                    exp.display(),
                    sweep.kind
                ));
                return None;
            };
            let var = var.replace(' ', "_");
            match lookup(entries, &format!("params_{var}")) {
                Some(spec) => spec,
                None => {
                    if lookup(entries, &format!("aquisition_{var}")).is_none() {
                        warnings.push(format!(
                            "{}: variable {var} is in neither [params] nor [aquisition] \
                             (eprload stops here); indices used",
                            exp.display()
                        ));
                    }
                    // eprload builds this axis as a row, which never matches the data.
                    return None;
                }
            }
        }
    };
    let (values, unit) = values_of(spec, size, len)?;
    Some(normalized(values, unit))
}

/// The values of a `[params]` entry for an axis of `size` points (computed only where that is
/// the `len` the data needs; a list gives as many values as it has).
fn values_of(spec: &str, size: f64, len: usize) -> Option<(Vec<f64>, String)> {
    let n = size.floor();
    let ranged = |f: &dyn Fn(usize) -> f64| (n == len as f64).then(|| (0..len).map(f).collect());
    if has_word(spec, "step") {
        let (first, rest) = gettoken(spec, "step");
        let (min, unit) = kvgetvalue(first);
        let (step, _) = kvgetvalue(strtrim(gettoken(rest, ";").0));
        let values = ranged(&|i| i as f64 * step + min)?;
        Some((values, unit))
    } else if has_word(spec, "logto") {
        let (first, rest) = gettoken(spec, "logto");
        let (min, unit) = kvgetvalue(first);
        let (max, _) = kvgetvalue(strtrim(gettoken(rest, ";").0));
        let values = (n == len as f64).then(|| logspace(min.log10(), max.log10(), len))?;
        Some((values, unit))
    } else if has_word(spec, "to") {
        let (first, rest) = gettoken(spec, "to");
        let (min, unit) = kvgetvalue(first);
        let (max, _) = kvgetvalue(strtrim(gettoken(rest, ";").0));
        let step = 1.0 / (size - 1.0);
        let values = ranged(&|i| (i as f64 * step) * (max - min) + min)?;
        Some((values, unit))
    } else {
        Some(list(spec))
    }
}

/// A list `10 ns, 20 ns, 30 ns;...`: every value, and the unit of the last.
fn list(spec: &str) -> (Vec<f64>, String) {
    let (mut token, mut rest) = gettoken(gettoken(spec, ";").0, ",");
    let mut values = Vec::new();
    let mut unit = String::new();
    while !token.is_empty() {
        let (value, u) = kvgetvalue(token);
        values.push(value);
        unit = u;
        (token, rest) = gettoken(rest, ",");
        if token.is_empty() && !rest.is_empty() {
            (token, rest) = (rest, "");
        }
    }
    (values, unit)
}

/// The SI prefixes eprload knows and their factors.
const PREFIXES: [(char, f64); 8] = [
    ('p', 1e-12),
    ('n', 1e-9),
    ('u', 1e-6),
    ('m', 1e-3),
    ('k', 1e3),
    ('M', 1e6),
    ('G', 1e9),
    ('T', 1e12),
];

/// eprload's unit normalisation: values in any unit but `G`, `K` and `s` are divided by the
/// largest of 1e9, 1e6, 1e3, 1e-3, 1e-6, 1e-9 below their largest magnitude, and the unit
/// takes that prefix (so 5 V becomes 5000 mV: there is no step for 1).
fn normalized(mut values: Vec<f64>, unit: String) -> (Vec<f64>, String) {
    if matches!(unit.as_str(), "G" | "K" | "s") {
        return (values, unit);
    }
    // eprload's own table for this step has the prefixes from n to G.
    let steps = &PREFIXES[1..7];
    // Octave's max ignores NaN.
    let largest = values
        .iter()
        .map(|v| v.abs())
        .filter(|v| !v.is_nan())
        .reduce(f64::max);
    let Some(largest) = largest else {
        return (values, unit);
    };
    match steps.iter().rev().find(|(_, k)| largest > *k) {
        Some(&(prefix, k)) => {
            for v in &mut values {
                *v /= k;
            }
            (values, format!("{prefix}{unit}"))
        }
        None => (values, unit),
    }
}

/// Whether `word` occurs in `s` between two characters that are not word characters (the
/// regular expression `\Wword\W`).
fn has_word(s: &str, word: &str) -> bool {
    let non_word = |c: Option<char>| c.is_some_and(|c| !(c.is_ascii_alphanumeric() || c == '_'));
    s.match_indices(word).any(|(i, _)| {
        non_word(s[..i].chars().next_back()) && non_word(s[i + word.len()..].chars().next())
    })
}

/// eprload's `gettoken(s, tok)`: the trimmed text before the first `tok` and the trimmed text
/// after it; `s` whole and nothing where `tok` does not occur.
fn gettoken<'a>(s: &'a str, tok: &str) -> (&'a str, &'a str) {
    match s.find(tok) {
        Some(i) => (strtrim(&s[..i]), strtrim(&s[i + tok.len()..])),
        None => (s, ""),
    }
}

/// eprload's `kvgetvalue`: the first number in `s` (`[-+]?[0-9]*(\.[0-9]+)?`, not empty) and
/// the trimmed text after it as the unit; a unit of more than one character whose first is
/// one of `p n u m k M G T` is that prefix, which scales the value (`100 ns` gives 1e-7, `s`).
/// No number gives NaN and no unit.
fn kvgetvalue(s: &str) -> (f64, String) {
    let Some((start, end)) = first_number(s.as_bytes()) else {
        return (f64::NAN, String::new());
    };
    let mut value = s[start..end].parse::<f64>().unwrap_or(f64::NAN);
    let mut unit = strtrim(&s[end..]);
    let mut chars = unit.chars();
    if let (Some(first), true) = (chars.next(), unit.chars().count() > 1) {
        if let Some(&(_, k)) = PREFIXES.iter().find(|(p, _)| *p == first) {
            value *= k;
            unit = chars.as_str();
        }
    }
    (value, unit.to_string())
}

/// The first non-empty match of `[-+]?[0-9]*(\.[0-9]+)?` in `s`, as a byte range.
fn first_number(s: &[u8]) -> Option<(usize, usize)> {
    let digits = |mut j: usize| {
        while s.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    (0..s.len()).find_map(|i| {
        let mut j = i + usize::from(matches!(s[i], b'-' | b'+'));
        j = digits(j);
        if s.get(j) == Some(&b'.') && s.get(j + 1).is_some_and(u8::is_ascii_digit) {
            j = digits(j + 1);
        }
        (j > i).then_some((i, j))
    })
}

/// Octave's `logspace(a, b, n)`: `10 .^ linspace(a, b, n)`, with `b` = pi meaning log10(pi).
fn logspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    let b = if b == std::f64::consts::PI {
        std::f64::consts::PI.log10()
    } else {
        b
    };
    octave_linspace(a, b, n)
        .into_iter()
        .map(|v| 10f64.powf(v))
        .collect()
}

/// Octave's `linspace(a, b, n)`, which fills from both ends: `a + i*d` in the first half,
/// `b - (n-1-i)*d` in the second, the middle of an odd count `(a + b)/2` (0 when `a == -b`).
fn octave_linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    if n < 2 {
        return vec![b; n];
    }
    let mut out = vec![0.0; n];
    let delta = (b - a) / (n - 1) as f64;
    out[0] = a;
    out[n - 1] = b;
    for i in 1..n / 2 {
        out[i] = a + i as f64 * delta;
        out[n - 1 - i] = b - i as f64 * delta;
    }
    if n % 2 == 1 {
        out[n / 2] = if a == -b { 0.0 } else { (a + b) / 2.0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ini::parse;

    #[test]
    fn kvgetvalue_reads_the_first_number_and_a_prefixed_unit() {
        let cases: [(&str, f64, &str); 9] = [
            ("100 ns", 100.0 * 1e-9, "s"),
            (" 16 ns", 16.0 * 1e-9, "s"),
            ("-2.88 kdeg", -2880.0, "deg"),
            ("12.146 kG", 12146.0, "G"),
            ("5 m", 5.0, "m"),
            ("+3e5 Hz", 3.0, "e5 Hz"),
            ("a5 s", 5.0, "s"),
            (".5 s", 0.5, "s"),
            ("5. s", 5.0, ". s"),
        ];
        for (s, v, u) in cases {
            assert_eq!(kvgetvalue(s), (v, u.to_string()), "{s:?}");
        }
        let (v, u) = kvgetvalue("ns");
        assert!(v.is_nan() && u.is_empty());
        let (v, u) = kvgetvalue("- 5");
        assert!(v.is_nan() && u == "5", "{v} {u}");
    }

    #[test]
    fn sweep_values_split_like_strtok() {
        let s = sweep(" I,1024,2,a,b", Some(1.0), true);
        assert_eq!(
            (s.kind.as_str(), s.size, s.vars.clone()),
            ("I", Some(1.0), vec!["a".into(), "b".into()])
        );
        let s = sweep(" T,5000,1000,a,b", Some(2.0), true);
        assert_eq!(s.size, Some(10000.0));
        let s = sweep(" X,,200,1,,delay", Some(1.0), false);
        assert_eq!((s.size, s.vars), (Some(200.0), vec!["delay".to_string()]));
        assert_eq!(sweep(" X,many,1,v", None, false).size, None);
    }

    #[test]
    fn octave_linspace_fills_from_both_ends() {
        assert_eq!(octave_linspace(0.0, 1.0, 5), [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(octave_linspace(-3.0, 3.0, 3), [-3.0, 0.0, 3.0]);
        let v = octave_linspace(0.1, 1.0, 10);
        assert_eq!(v[8], 1.0 - (0.9 / 9.0));
        assert_eq!(v[1], 0.1 + (1.0 - 0.1) / 9.0);
    }

    #[test]
    fn axes_follow_the_sweeps_with_more_than_one_point() {
        let exp = b"[sweep]\ntransient = I,160,32,a\nsweep0 = X,4,1,RF1Amp\nsweep1 = Y,3,1,B0\n\
            [params]\nRF1Amp = 1 mV to 4 mV;x\nB0 = 280 mT to 360 mT;y\n";
        let entries = parse(exp, 100).unwrap();
        let mut w = Vec::new();
        let found = abscissae(&entries, [4, 3, 1], Path::new("a.exp"), &mut w);
        let x = found.axes[0].as_ref().unwrap();
        assert_eq!((x.name.as_str(), x.unit.as_str()), ("RF1Amp", "mV"));
        let mut values = vec![0.0; 4];
        x.read_into(0, 0, &mut values).unwrap();
        assert_eq!(values, [1.0, 2.0, 3.0, 4.0]);
        let keys: Vec<_> = found
            .labels
            .iter()
            .map(|p| (&*p.key, p.value.as_str()))
            .collect();
        assert_eq!(keys, [("xlabel", "RF1Amp, mV"), ("ylabel", "B0, mT")]);
        // A length that differs from the data's gives the indices and no label.
        let found = abscissae(&entries, [5, 3, 1], Path::new("a.exp"), &mut w);
        assert_eq!(
            found.axes[0].as_ref().unwrap().values.rule(),
            crate::dataset::AxisRule::Linspace {
                offset: 0.0,
                scale: 1.0,
                start: 1.0,
                end: 5.0
            }
        );
        assert_eq!(found.labels.len(), 1);
        assert!(w.is_empty(), "{w:?}");
    }
}
