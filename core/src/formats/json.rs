//! JSON documents (CIQTEK `.epr`, Adani `.json`) as parameters, parsed with `serde_json`.
//!
//! The parameter model: every member of every object becomes a dotted key (`dataStore.xAxisName`,
//! `ExperimentOptions.CommonOptions.SweepWidth`) in file order, with its text: a string
//! unescaped, a number, `true`, `false` or `null` as the file writes it, an array (the data:
//! `Values`, `dataStore.lineDataList`) as its JSON text without the white space between tokens,
//! an empty object as `{}`. Keys are kept as the file spells them (`_dataVersion`, as Octave's
//! `jsondecode` keeps it), so that eprload's `pars` path is the key. Readers take the values
//! they need by kind ([`JsonDocument::number`], [`JsonDocument::array`]), so that a string
//! `"0.5"` is not taken for the number 0.5.

use std::borrow::Cow;
use std::path::Path;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::text::MAX_ENTRIES;
use crate::dataset::{Param, Params, ValueKind};
use crate::error::{Error, Result};

/// Implements `serde`'s `DeserializeSeed` for a `Visitor` that is its own seed: `deserialize`
/// hands the visitor to the deserializer's `$method` (`deserialize_map`, `deserialize_seq`...).
macro_rules! self_seed {
    ($seed:ty, $value:ty, $method:ident) => {
        impl<'de> serde::de::DeserializeSeed<'de> for $seed {
            type Value = $value;

            fn deserialize<D: serde::de::Deserializer<'de>>(
                self,
                d: D,
            ) -> std::result::Result<$value, D::Error> {
                d.$method(self)
            }
        }
    };
}
pub(crate) use self_seed;

/// The deepest nesting of objects read (real files have four levels).
const MAX_DEPTH: usize = 64;

/// The kind of JSON value a parameter holds.
pub(crate) use crate::dataset::JsonKind as Kind;

impl Kind {
    /// The kind of the JSON value whose text starts with `first`.
    fn of(first: u8) -> Kind {
        match first {
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'"' => Kind::String,
            b't' | b'f' => Kind::Bool,
            b'n' => Kind::Null,
            _ => Kind::Number,
        }
    }

    /// The kind in words, for messages ("a string").
    pub(crate) fn words(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

/// A JSON document whose top level is an object, as parameters with the kind of each value.
#[derive(Debug)]
pub(crate) struct JsonDocument {
    /// The parameters in file order.
    pub params: Params,
    kinds: Vec<Kind>,
}

impl JsonDocument {
    /// Parses the JSON text `bytes` of the file `path` (UTF-8, a byte order mark allowed; the
    /// top level an object). Every error names the file and says what was expected and found
    /// (with the line and column of a syntax error).
    pub(crate) fn parse(bytes: &[u8], path: &Path) -> Result<JsonDocument> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::format(
                path,
                format!("not JSON text: invalid UTF-8 at byte {}", e.valid_up_to()),
            )
        })?;
        match text.trim_start().chars().next() {
            Some('{') => {}
            found => {
                return Err(Error::format(
                    path,
                    format!(
                        "expected a JSON object at the top level, found {}",
                        found.map_or("no text".to_string(), |c| format!("{c:?}"))
                    ),
                ))
            }
        }
        let compact = minify(text);
        let mut flat = Flat::default();
        let parsed = {
            let mut de = serde_json::Deserializer::from_str(&compact);
            Members {
                prefix: "",
                flat: &mut flat,
                depth: 1,
            }
            .deserialize(&mut de)
            .and_then(|()| de.end())
        };
        if let Some(e) = flat.failure.take() {
            return Err(Error::format(path, e));
        }
        if let Err(e) = parsed {
            // Positions in the compact text mean nothing to a user: find the error in the
            // file's own text (the compact text is valid exactly where the file's is).
            let e = serde_json::from_str::<IgnoredAny>(text).err().unwrap_or(e);
            return Err(Error::format(path, format!("not valid JSON: {e}")));
        }
        let mut params = Params::new(flat.entries, None);
        for (i, &kind) in flat.kinds.iter().enumerate() {
            params.set_kind(i, ValueKind::Json(kind));
        }
        Ok(JsonDocument {
            params,
            kinds: flat.kinds,
        })
    }

    /// The text and kind of the last value with key `key`.
    pub(crate) fn get(&self, key: &str) -> Option<(&str, Kind)> {
        self.params
            .entries()
            .iter()
            .zip(&self.kinds)
            .rev()
            .find(|(p, _)| p.key == key)
            .map(|(p, &k)| (p.value.as_str(), k))
    }

    /// The value of `key` where it is of kind `kind`: `None` where the key is missing, an
    /// error naming the file and the key where it holds another kind.
    pub(crate) fn of_kind(&self, key: &str, kind: Kind, path: &Path) -> Result<Option<&str>> {
        match self.get(key) {
            None => Ok(None),
            Some((text, k)) if k == kind => Ok(Some(text)),
            Some((text, k)) => Err(Error::format(
                path,
                format!(
                    "key {key}: expected {}, found {} {}",
                    kind.words(),
                    k.words(),
                    short(text)
                ),
            )),
        }
    }

    /// The number of key `key` (`None` where missing); a value of another kind, or a number
    /// beyond the range of a double, is an error naming the file and the key.
    pub(crate) fn number(&self, key: &str, path: &Path) -> Result<Option<f64>> {
        let Some(text) = self.of_kind(key, Kind::Number, path)? else {
            return Ok(None);
        };
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(Error::format(
                path,
                format!("key {key}: expected a finite number, found {text}"),
            )),
        }
    }

    /// The number of key `key`, which the reader needs.
    pub(crate) fn required_number(&self, key: &str, path: &Path) -> Result<f64> {
        self.number(key, path)?
            .ok_or_else(|| Error::format(path, format!("required key {key} is missing")))
    }

    /// The JSON text of the array of key `key`, which the reader needs.
    pub(crate) fn required_array(&self, key: &str, path: &Path) -> Result<&str> {
        self.of_kind(key, Kind::Array, path)?
            .ok_or_else(|| Error::format(path, format!("required key {key} is missing")))
    }
}

/// A value's text shortened for a message.
fn short(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{:?}...", text.chars().take(40).collect::<String>())
    } else {
        format!("{text:?}")
    }
}

/// The JSON text `text` without the white space next to `{ } [ ] : ,` (outside strings). White
/// space between two other tokens (invalid JSON) stays as one space, so that the result is
/// valid JSON exactly where `text` is. Text without white space is returned as it is.
fn minify(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if memchr::memchr3(b' ', b'\n', b'\r', bytes).is_none()
        && memchr::memchr(b'\t', bytes).is_none()
    {
        return Cow::Borrowed(text);
    }
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let structural = |b: u8| matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b',');
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // A run of bytes that are neither white space nor a quote is copied as it is.
        let run = bytes[i..]
            .iter()
            .position(|&b| b == b'"' || is_space(b))
            .unwrap_or(bytes.len() - i);
        out.extend_from_slice(&bytes[i..i + run]);
        i += run;
        if i == bytes.len() {
            break;
        }
        if bytes[i] == b'"' {
            let end = string_end(bytes, i);
            out.extend_from_slice(&bytes[i..end]);
            i = end;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let keep = start > 0
            && i < bytes.len()
            && !out.last().copied().is_some_and(structural)
            && !structural(bytes[i]);
        if keep {
            out.push(b' ');
        }
    }
    // Only ASCII white space was removed, outside strings: the rest is the UTF-8 it was.
    Cow::Owned(String::from_utf8(out).unwrap_or_default())
}

/// The index after the string that starts with the quote at `start` (the end of the text for
/// an unterminated one).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[i..]) {
        i += found;
        if bytes[i] == b'\\' {
            i += 2;
        } else {
            return i + 1;
        }
    }
    bytes.len()
}

/// The parameters found so far, and the reason the walk stopped where it stopped on its own.
#[derive(Default)]
struct Flat {
    entries: Vec<Param>,
    kinds: Vec<Kind>,
    failure: Option<String>,
}

/// Reads the members of one object into [`Flat`], keys prefixed with `prefix` (the dotted path
/// of the object, empty at the top).
struct Members<'a> {
    prefix: &'a str,
    flat: &'a mut Flat,
    depth: usize,
}

impl Members<'_> {
    /// Stops the walk with `message`.
    fn fail<E: de::Error>(&mut self, message: String) -> E {
        self.flat.failure = Some(message);
        E::custom("stopped")
    }

    /// Adds a parameter.
    fn push<E: de::Error>(
        &mut self,
        key: String,
        value: String,
        kind: Kind,
    ) -> std::result::Result<(), E> {
        if self.flat.entries.len() == MAX_ENTRIES {
            return Err(self.fail(format!(
                "more than {MAX_ENTRIES} keys; real files have a few hundred"
            )));
        }
        self.flat.entries.push(Param {
            key: key.into(),
            value,
            device: None,
        });
        self.flat.kinds.push(kind);
        Ok(())
    }
}

self_seed!(Members<'_>, (), deserialize_map);

impl<'de> Visitor<'de> for Members<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            let raw: &'de RawValue = map.next_value()?;
            let text = raw.get();
            let key = if self.prefix.is_empty() {
                name
            } else {
                format!("{}.{name}", self.prefix)
            };
            let kind = Kind::of(text.as_bytes().first().copied().unwrap_or(b'n'));
            match kind {
                Kind::Object if text != "{}" => {
                    if self.depth == MAX_DEPTH {
                        return Err(self.fail(format!(
                            "key {key}: objects nested deeper than {MAX_DEPTH} levels"
                        )));
                    }
                    let mut nested = serde_json::Deserializer::from_str(text);
                    Members {
                        prefix: &key,
                        flat: &mut *self.flat,
                        depth: self.depth + 1,
                    }
                    .deserialize(&mut nested)
                    .map_err(de::Error::custom)?;
                }
                Kind::String => {
                    let value = if text.contains('\\') {
                        serde_json::from_str::<String>(text).map_err(de::Error::custom)?
                    } else {
                        text[1..text.len() - 1].to_string()
                    };
                    self.push(key, value, kind)?;
                }
                _ => self.push(key, text.to_string(), kind)?,
            }
        }
        Ok(())
    }
}

/// What the first bytes of a file say about the first key of a JSON object.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FirstKey<'a> {
    /// The text does not start a JSON object (after a byte order mark and white space).
    NotAnObject,
    /// The bytes end before the first key does.
    Unknown,
    /// The first key (without escapes decoded).
    Key(&'a [u8]),
}

/// The first key of the JSON object the bytes `head` start.
pub(crate) fn first_json_key(head: &[u8]) -> FirstKey<'_> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let skip = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let rest = &head[skip(head)..];
    let Some(rest) = rest.strip_prefix(b"{") else {
        return if rest.is_empty() {
            FirstKey::Unknown
        } else {
            FirstKey::NotAnObject
        };
    };
    let rest = &rest[skip(rest)..];
    match rest.first() {
        None => FirstKey::Unknown,
        Some(b'"') => match memchr::memchr(b'"', &rest[1..]) {
            Some(end) => FirstKey::Key(&rest[1..1 + end]),
            None => FirstKey::Unknown,
        },
        Some(b'}') => FirstKey::Key(b""),
        Some(_) => FirstKey::NotAnObject,
    }
}

/// A JSON array of numbers appended to a vector as `jsondecode` reads them
/// (`null` as NaN); its value is how many were appended. `context` names the array for
/// messages ("spectrum 2 point 7: Points").
pub(crate) struct Numbers<'a> {
    /// Where the numbers go.
    pub out: &'a mut Vec<f64>,
    /// The array in words, made only for a message.
    pub context: &'a dyn Fn() -> String,
}

self_seed!(Numbers<'_>, usize, deserialize_seq);

impl<'de> Visitor<'de> for Numbers<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} as an array of numbers", (self.context)())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<usize, A::Error> {
        let before = self.out.len();
        while let Some(v) = seq.next_element_seed(ArrayNumber(self.context))? {
            if self.out.len() == self.out.capacity() {
                self.out
                    .try_reserve(self.out.len().max(1024))
                    .map_err(|_| de::Error::custom("cannot allocate memory for the values"))?;
            }
            self.out.push(v);
        }
        Ok(self.out.len() - before)
    }
}

/// A number of a JSON array of numbers as `jsondecode` reads it: the number, correctly
/// rounded (`serde_json` with `float_roundtrip`), or NaN for `null`.
struct ArrayNumber<'a>(&'a dyn Fn() -> String);

self_seed!(ArrayNumber<'_>, f64, deserialize_any);

impl<'de> Visitor<'de> for ArrayNumber<'_> {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}: a number", (self.0)())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<f64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<f64, E> {
        // Rounded to nearest, as strtod rounds the decimal.
        Ok(v as f64)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<f64, E> {
        Ok(f64::NAN)
    }
}

/// The message of a `serde_json` error without its position (positions in the compact text
/// of an array mean nothing to a user).
pub(crate) fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&position) {
        Some(bare) => bare.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_key_of_an_object_is_found_in_the_head() {
        assert_eq!(
            first_json_key(b"\xef\xbb\xbf{\n  \"_dataVersion\": \"V2.0\""),
            FirstKey::Key(b"_dataVersion")
        );
        assert_eq!(first_json_key(b"[1, 2]"), FirstKey::NotAnObject);
        assert_eq!(first_json_key(b"  {  \"abc"), FirstKey::Unknown);
        assert_eq!(first_json_key(b"{}"), FirstKey::Key(b""));
    }

    #[test]
    fn minify_keeps_strings_and_invalid_gaps() {
        assert_eq!(
            minify("{ \"a b\" : [ 1 ,\r\n 2 ] ,\t\"c\\\" d\": true }"),
            "{\"a b\":[1,2],\"c\\\" d\":true}"
        );
        // White space between two values stays, so that the text stays invalid.
        assert_eq!(minify("[1 2, tru e]"), "[1 2,tru e]");
        assert_eq!(minify("  {}  "), "{}");
    }

    #[test]
    fn objects_become_dotted_keys_in_file_order_with_their_kinds() {
        let text = br#"{"z": {"b": 1.50, "a": "x\"y"}, "_v": "V2.0", "e": {}, "n": null,
                        "arr": [ [1, 2.0], [3e0, null] ], "t": false}"#;
        let doc = JsonDocument::parse(text, Path::new("f.json")).unwrap();
        let got: Vec<(&str, &str)> = doc
            .params
            .entries()
            .iter()
            .map(|p| (&*p.key, p.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("z.b", "1.50"),
                ("z.a", "x\"y"),
                ("_v", "V2.0"),
                ("e", "{}"),
                ("n", "null"),
                ("arr", "[[1,2.0],[3e0,null]]"),
                ("t", "false"),
            ]
        );
        assert_eq!(doc.get("e"), Some(("{}", Kind::Object)));
        let kinds: Vec<ValueKind> = (0..7).map(|i| doc.params.kind(i)).collect();
        assert_eq!(
            kinds,
            [
                Kind::Number,
                Kind::String,
                Kind::String,
                Kind::Object,
                Kind::Null,
                Kind::Array,
                Kind::Bool
            ]
            .map(ValueKind::Json)
        );
        let path = Path::new("f.json");
        assert_eq!(doc.number("z.b", path).unwrap(), Some(1.5));
        let e = doc.number("z.a", path).unwrap_err();
        assert!(
            e.message().contains("z.a") && e.message().contains("a string"),
            "{e}"
        );
        assert!(doc.required_array("z.b", path).is_err());
    }

    #[test]
    fn syntax_errors_name_the_position_in_the_file() {
        let e = JsonDocument::parse(b"{\n  \"a\": 1,\n  \"b\": [1,,2]\n}", Path::new("f.json"))
            .unwrap_err();
        assert!(e.message().contains("line 3"), "{e}");
        let e = JsonDocument::parse(b"[1, 2]", Path::new("f.json")).unwrap_err();
        assert!(e.message().contains("JSON object"), "{e}");
        let e = JsonDocument::parse(b"{\"a\": 1 2}", Path::new("f.json")).unwrap_err();
        assert!(e.message().contains("not valid JSON"), "{e}");
    }
}
