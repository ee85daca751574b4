//! Numbers with units as the formats write them, and the conversions of the common metadata
//! into its units: a field in T, mT, G or kG to the field unit; Hz to GHz or kHz; W to mW;
//! s to ms.

use crate::dataset::{parse_number, Params};

use super::Quantity;

/// What a unit measures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Field,
    Time,
    Frequency,
    Power,
}

/// The units the metadata converts between: kind and size as a power of ten of the base unit
/// (G, s, Hz, W). Letter case is as written: `mT` and `MT` differ.
const UNITS: [(&str, Kind, i32); 22] = [
    ("G", Kind::Field, 0),
    ("Gauss", Kind::Field, 0),
    ("mG", Kind::Field, -3),
    ("kG", Kind::Field, 3),
    ("kGauss", Kind::Field, 3),
    ("uT", Kind::Field, -2),
    ("\u{b5}T", Kind::Field, -2),
    ("mT", Kind::Field, 1),
    ("T", Kind::Field, 4),
    ("s", Kind::Time, 0),
    ("ms", Kind::Time, -3),
    ("us", Kind::Time, -6),
    ("\u{b5}s", Kind::Time, -6),
    ("ns", Kind::Time, -9),
    ("Hz", Kind::Frequency, 0),
    ("kHz", Kind::Frequency, 3),
    ("MHz", Kind::Frequency, 6),
    ("GHz", Kind::Frequency, 9),
    ("W", Kind::Power, 0),
    ("mW", Kind::Power, -3),
    ("uW", Kind::Power, -6),
    ("\u{b5}W", Kind::Power, -6),
];

fn unit(name: &str) -> Option<(Kind, i32)> {
    let name = name.trim();
    UNITS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, kind, exp)| (kind, exp))
}

/// Whether `unit` is a unit of magnetic field (`G`, `Gauss`, `kG`, `mT`, `T`).
pub fn is_field_unit(name: &str) -> bool {
    unit(name).is_some_and(|(kind, _)| kind == Kind::Field)
}

/// The canonical spelling of a field unit (`Gauss` is `G`), `None` for other units.
pub fn field_unit_name(name: &str) -> Option<&'static str> {
    let (kind, exp) = unit(name)?;
    UNITS
        .iter()
        .find(|&&(n, k, e)| k == kind && e == exp && !n.ends_with("auss"))
        .filter(|_| kind == Kind::Field)
        .map(|&(n, _, _)| n)
}

/// The power of ten that takes a value in unit `from` to unit `to` of the same kind (field,
/// time, frequency, power); `None` where either is unknown or the kinds differ.
fn shift_of(from: &str, to: &str) -> Option<i32> {
    let ((kind_from, e_from), (kind_to, e_to)) = (unit(from)?, unit(to)?);
    (kind_from == kind_to).then_some(e_from - e_to)
}

/// Converts `value` from unit `from` to unit `to` of the same kind; `None` where either is
/// unknown or the kinds differ. The factor is a power of ten applied by one multiplication or
/// division (exact for the factor); equal units give the value unchanged, bit for bit.
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    let shift = shift_of(from, to)?;
    // Powers of ten up to 1e22 are exact doubles.
    let factor = 10f64.powi(shift.abs());
    Some(match shift {
        0 => value,
        s if s > 0 => value * factor,
        _ => value / factor,
    })
}

/// Converts a number written as decimal text from `from` to `to` by moving its decimal
/// exponent, then reading it: the result is the double nearest the exact decimal value
/// (`0.0003 T` is exactly `3 G`, where `0.0003 * 1e4` would be `2.9999999999999996`). `None`
/// for text that is not one finite number, or units that do not convert.
pub fn convert_text(text: &str, from: &str, to: &str) -> Option<f64> {
    let shift = shift_of(from, to)?;
    let text = text.trim();
    parse_number(text)?;
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let v: f64 = format!("{mantissa}e{}", exponent.checked_add(shift)?)
        .parse()
        .ok()?;
    v.is_finite().then_some(v)
}

/// A quantity from key `key` of `params` whose whole value is a number in `unit`, converted to
/// `to` (a unit of the same kind, see [`convert_text`]; `None` for no conversion).
pub fn plain(params: &Params, key: &str, unit: &str, to: Option<&str>) -> Option<Quantity> {
    let text = params.get(key)?;
    from_text(text, unit, to, key)
}

/// A quantity from a value written with its unit (`0.50 G`), converted to `to`; a value whose
/// unit is not the expected kind gives `None`.
pub fn with_unit(text: &str, to: &str, source: &str) -> Option<Quantity> {
    let text = text.trim();
    let (number, unit) = match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim()),
        None => return None,
    };
    from_text(number, unit, Some(to), source)
}

/// The decimal `text` in `unit` as a quantity in `to` (or in `unit` for `None`).
pub fn from_text(text: &str, unit: &str, to: Option<&str>, source: &str) -> Option<Quantity> {
    let value = match to {
        Some(to) if to != unit => convert_text(text, unit, to)?,
        _ => parse_number(text)?,
    };
    Some(Quantity {
        value,
        unit: to.unwrap_or(unit).to_string(),
        source: source.to_string(),
    })
}

/// `value` in `unit` as a quantity in `to` (or in `unit` for `None`), named by `source`.
pub fn converted(value: f64, unit: &str, to: Option<&str>, source: &str) -> Option<Quantity> {
    let (value, unit) = match to {
        None => (value, unit.to_string()),
        Some(to) if unit == to => (value, to.to_string()),
        Some(to) => {
            let v = convert(value, unit, to)?;
            (v, to.to_string())
        }
    };
    value.is_finite().then(|| Quantity {
        value,
        unit,
        source: source.to_string(),
    })
}

/// The offset from degrees Celsius to kelvin.
const CELSIUS_ZERO_K: f64 = 273.15;

/// A temperature in degrees Celsius, as text, as a quantity in K.
pub fn kelvin_from_celsius(text: &str, source: &str) -> Option<Quantity> {
    let celsius = parse_number(text)?;
    converted(celsius + CELSIUS_ZERO_K, "K", None, source)
}

/// The number of `key` (its whole value) as a quantity in `unit`, converted to `to`, where the
/// value is not zero: for instruments that write 0 where they measured nothing.
pub fn nonzero(params: &Params, key: &str, unit: &str, to: Option<&str>) -> Option<Quantity> {
    plain(params, key, unit, to).filter(|q| q.value != 0.0)
}

/// The first of the tab- or comma-separated numbers of `key`'s value (`9805.7\t9805.7`,
/// `1, 1`) as a quantity in `unit`, converted to `to`.
pub fn first_of(params: &Params, key: &str, unit: &str, to: Option<&str>) -> Option<Quantity> {
    let first = params.get(key)?.split(['\t', ',']).next()?;
    from_text(first, unit, to, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_between_units_of_one_kind_only() {
        assert_eq!(convert(0.338, "T", "G"), Some(3380.0));
        assert_eq!(convert(3380.0, "G", "mT"), Some(338.0));
        assert_eq!(convert(1.0, "G", "Hz"), None);
        assert_eq!(convert(9.487074e9, "Hz", "GHz"), Some(9.487074));
        assert_eq!(convert(0.08192, "s", "ms"), Some(81.92));
        assert_eq!(convert(1.0, "s", "Hz"), None, "a time is not a frequency");
        assert_eq!(convert(2e-4, "W", "mW"), Some(0.2));
        assert_eq!(convert(100000.0, "Hz", "kHz"), Some(100.0));
        assert_eq!(convert(0.0003, "T", "G"), Some(2.9999999999999996));
        assert_eq!(
            convert_text("0.0003", "T", "G"),
            Some(3.0),
            "decimal shift is exact"
        );
        assert_eq!(convert_text("5e-05", "T", "G"), Some(0.5));
        assert_eq!(convert_text("9.487074e+09", "Hz", "GHz"), Some(9.487074));
        assert_eq!(convert_text("1e400", "Hz", "GHz"), None);
        assert_eq!(convert_text("inf", "Hz", "GHz"), None);
        assert_eq!(field_unit_name("Gauss"), Some("G"));
        assert_eq!(field_unit_name("kGauss"), Some("kG"));
        assert_eq!(convert_text("3.48", "kGauss", "mT"), Some(348.0));
        assert_eq!(convert_text("6", "uT", "mT"), Some(0.006));
        assert_eq!(convert_text("500", "mG", "G"), Some(0.5));
        assert_eq!(field_unit_name("ms"), None);
    }

    #[test]
    fn device_layer_values_split_into_number_and_unit() {
        let q = with_unit(" 3380.00 G ", "G", "CenterField").unwrap();
        assert_eq!((q.value, q.unit.as_str()), (3380.0, "G"));
        assert!(with_unit("Internal", "G", "x").is_none());
        let q = with_unit("100.00 kHz", "kHz", "ModFreq").unwrap();
        assert_eq!((q.value, q.unit.as_str()), (100.0, "kHz"));
        assert!(
            with_unit("5 dB", "kHz", "x").is_none(),
            "wrong kind is absent"
        );
        assert!(with_unit("5", "kHz", "x").is_none(), "no unit is absent");
    }
}
