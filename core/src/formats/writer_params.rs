//! The parameters of a dataset read from another format, as BES3T descriptor lines: other
//! vendors' keys hold blanks, dots or leading digits, or name what a BES3T reader takes for
//! the layout (`XPTS`, `IRFMT`); their values may hold characters beyond Latin-1. A BES3T
//! export of such a dataset keeps every parameter under a key a BES3T reader takes as one:
//!
//! * every character other than an ASCII letter, digit or `_` becomes `_`, and a key that
//!   does not start with a letter gets `P` in front (`pulse.protect delay` →
//!   `pulse_protect_delay`, `2nd` → `P2nd`);
//! * a key that is a BES3T layout or label key (`XPTS`, `TITL`, …) or that an earlier key
//!   became gets `_2`, `_3`, … (the first free one);
//! * a character beyond U+00FF in a value is written as `\u{…}` with its code in hex, and a
//!   device name loses its commas and line breaks (each becomes `_`).
//!
//! Parameters of BES3T datasets and of datasets a caller built are written as they are (the
//! writer refuses what it cannot write), so that a BES3T file round-trips exactly.

use std::collections::HashSet;
use std::sync::Arc;

use crate::dataset::Param;

/// BES3T keys whose meaning a reader takes from the descriptor (layout, axes, labels): a
/// parameter of another format is never written under one of them.
fn is_bes3t_key(key: &str) -> bool {
    const PLAIN: [&str; 10] = [
        "BSEQ", "IKKF", "IRFMT", "IIFMT", "DSRC", "TITL", "IRNAM", "IINAM", "IRUNI", "IIUNI",
    ];
    const AXIS: [&str; 7] = ["TYP", "PTS", "MIN", "WID", "FMT", "NAM", "UNI"];
    PLAIN.contains(&key)
        || (key.len() == 4 && key.starts_with(['X', 'Y', 'Z']) && AXIS.contains(&&key[1..]))
}

/// `key` with every character a BES3T key cannot hold replaced, starting with a letter.
fn plain_key(key: &str) -> String {
    let mut out: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'P');
    }
    out
}

/// `text` with every character beyond U+00FF written as `\u{…}`.
fn latin1_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if u32::from(c) > 0xff {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// The parameters of a dataset of another format under keys and in text a BES3T descriptor
/// holds, in their order (see the module documentation).
pub(super) fn as_bes3t_params(entries: &[Param]) -> Vec<Param> {
    let mut taken: HashSet<String> = HashSet::with_capacity(entries.len());
    entries
        .iter()
        .map(|p| {
            let base = plain_key(&p.key);
            let mut key = base.clone();
            let mut n = 2;
            while is_bes3t_key(&key) || taken.contains(&key) {
                key = format!("{base}_{n}");
                n += 1;
            }
            taken.insert(key.clone());
            let device = p
                .device
                .as_deref()
                .map(|d| Arc::from(latin1_text(d).replace([',', '\n', '\r'], "_").trim()));
            Param {
                key: key.into(),
                value: latin1_text(&p.value),
                device,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(key: &str, value: &str) -> Param {
        Param {
            key: key.to_string().into(),
            value: value.into(),
            device: None,
        }
    }

    #[test]
    fn keys_become_bes3t_keys_without_collisions_and_values_latin1() {
        let entries = [
            param("pulse.protect delay", "1 us"),
            param("2nd", "x"),
            param("XPTS", "12"),
            param("pulse_protect_delay", "again"),
            param("Title", "µ 温度"),
        ];
        let out = as_bes3t_params(&entries);
        let keys: Vec<&str> = out.iter().map(|p| &*p.key).collect();
        assert_eq!(
            keys,
            [
                "pulse_protect_delay",
                "P2nd",
                "XPTS_2",
                "pulse_protect_delay_2",
                "Title"
            ]
        );
        assert_eq!(out[4].value, "µ \\u{6e29}\\u{5ea6}");
        assert_eq!(out[0].value, "1 us");
    }

    #[test]
    fn device_names_lose_commas_and_line_breaks() {
        let mut p = param("k", "v");
        p.device = Some(Arc::from("a,b\nc"));
        assert_eq!(as_bes3t_params(&[p])[0].device.as_deref(), Some("a_b_c"));
    }
}
