//! Parsing of the text parameter files: the BES3T descriptor (`.DSC`) and the ESP/WinEPR
//! parameter file (`.par`). Both are 8-bit text; bytes are decoded as Latin-1, so no byte is
//! ever dropped or rejected.

use std::sync::Arc;

use memchr::memchr;

use crate::dataset::{Param, Params};

/// Decodes Latin-1 bytes to a `String` (every byte is one character). ASCII text, the common
/// case, is copied as is.
pub fn latin1(bytes: &[u8]) -> String {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8 with the same meaning as Latin-1.
        String::from_utf8(bytes.to_vec()).unwrap_or_default()
    } else {
        bytes.iter().map(|&b| char::from(b)).collect()
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_blanks(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_blank(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_blank(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Splits a line into its key (first whitespace-delimited token) and value (the rest, blanks
/// trimmed). Returns `None` for lines without a token.
fn split_key_value(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let line = trim_blanks(line);
    if line.is_empty() {
        return None;
    }
    let end = line.iter().position(|&b| is_blank(b)).unwrap_or(line.len());
    Some((&line[..end], trim_blanks(&line[end..])))
}

/// Removes one pair of outer single quotes when the value starts and ends with `'`.
fn strip_quotes(value: &[u8]) -> &[u8] {
    if value.len() >= 2 && value[0] == b'\'' && value[value.len() - 1] == b'\'' {
        &value[1..value.len() - 1]
    } else {
        value
    }
}

/// Iterates over the lines of a DSC: split on LF only (lone CR bytes stay inside lines), with
/// at most one trailing CR removed, so CRLF files read like LF files.
struct DscLines<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for DscLines<'a> {
    /// The byte offset of the line in the file and the line itself.
    type Item = (usize, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, advance) = match memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], i + 1),
            None => (self.rest, self.rest.len()),
        };
        let start = self.offset;
        self.rest = &self.rest[advance..];
        self.offset += advance;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Some((start, line))
    }
}

/// Parses a BES3T descriptor.
///
/// Rules (the reading specification, §1.2): the key is the first token; lines whose key does
/// not start with a letter are skipped (`*` comments, `#` layer headers, continuation
/// remnants), except `.DVC` lines, which name the device of the keys that follow; parsing stops
/// at the first token `#MHL` (any case), whose text is kept as the history. A value whose line
/// ends in `\` continues on the next lines up to and including the first line that does not end
/// in `\`; the pieces are joined without separator and the two characters `\n` become a newline.
/// One pair of outer single quotes is removed. An entry read from more than one plain line (a
/// continued value, or a line holding a carriage return) also keeps its text as written
/// ([`Params::lines`]).
pub fn parse_dsc(bytes: &[u8]) -> Params {
    // Without a limit there are never too many entries, so this is never the default.
    parse_dsc_limited(bytes, usize::MAX).unwrap_or_default()
}

/// The most key/value entries the readers accept in one descriptor or parameter file: about 250
/// times the most seen in a real file (380, in a DEER descriptor). An entry takes about 100
/// bytes of memory while its line can be two bytes long: without a limit, a 1 MB descriptor of
/// short lines took 84 MB, and the 64 MB a text file may have would take gigabytes.
pub const MAX_ENTRIES: usize = 100_000;

/// Room for the entries of a file with `lines` line ends: exact enough that the table is
/// allocated once, never more than `max_entries`.
fn entry_capacity(lines: usize, max_entries: usize) -> usize {
    lines.saturating_add(1).min(max_entries)
}

/// [`parse_dsc`], or `None` when the descriptor has more than `max_entries` entries (it stops
/// there, so the work and memory stay bounded).
pub(crate) fn parse_dsc_limited(bytes: &[u8], max_entries: usize) -> Option<Params> {
    let mut entries = Vec::with_capacity(entry_capacity(
        memchr::memchr_iter(b'\n', bytes).count(),
        max_entries,
    ));
    let mut history = None;
    let mut device: Option<Arc<str>> = None;
    let mut written = Vec::new();
    let mut lines = DscLines {
        rest: bytes,
        offset: 0,
    };
    while let Some((offset, line)) = lines.next() {
        let Some((key, value)) = split_key_value(line) else {
            continue;
        };
        if key.eq_ignore_ascii_case(b"#MHL") {
            history = Some(latin1(&bytes[offset..]));
            break;
        }
        if key == b".DVC" {
            let name = value.split(|&b| b == b',').next().unwrap_or_default();
            device = Some(Arc::from(latin1(trim_blanks(name))));
            continue;
        }
        if !key[0].is_ascii_alphabetic() {
            continue;
        }
        // Where the text of the entry ends, if it is more than one plain line.
        let mut end = line.contains(&b'\r').then_some(offset + line.len());
        let value = if value.last() == Some(&b'\\') {
            let mut joined = value[..value.len() - 1].to_vec();
            end = Some(offset + line.len());
            for (at, next) in lines.by_ref() {
                end = Some(at + next.len());
                match next.strip_suffix(b"\\") {
                    Some(piece) => joined.extend_from_slice(piece),
                    None => {
                        joined.extend_from_slice(next);
                        break;
                    }
                }
            }
            latin1(strip_quotes(&decode_newlines(&joined)))
        } else {
            latin1(strip_quotes(value))
        };
        if entries.len() == max_entries {
            return None;
        }
        if let Some(end) = end {
            written.push((entries.len(), latin1(&bytes[offset..end])));
        }
        entries.push(Param {
            key: latin1(key).into(),
            value,
            device: device.clone(),
        });
    }
    let mut params = Params::new(entries, history);
    for (index, text) in written {
        params.set_lines(index, text);
    }
    Some(params)
}

/// Replaces each two-character sequence `\n` with a newline byte.
fn decode_newlines(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' && text.get(i + 1) == Some(&b'n') {
            out.push(b'\n');
            i += 2;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

/// Parses an ESP/WinEPR parameter file.
///
/// Lines end in CR, LF or CRLF. A line whose first character is not a letter is skipped
/// (`*` comments, indented continuations of numeric lists). The key is the first token, the
/// value the rest of the line with blanks trimmed and one pair of outer single quotes removed.
pub fn parse_par(bytes: &[u8]) -> Params {
    // Without a limit there are never too many entries, so this is never the default.
    parse_par_limited(bytes, usize::MAX).unwrap_or_default()
}

/// [`parse_par`], or `None` when the file has more than `max_entries` entries (it stops there).
pub(crate) fn parse_par_limited(bytes: &[u8], max_entries: usize) -> Option<Params> {
    let lines = bytes
        .split(|&b| b == b'\n' || b == b'\r')
        .filter(|line| line.first().is_some_and(u8::is_ascii_alphabetic))
        .filter_map(split_key_value);
    let mut entries = Vec::with_capacity(entry_capacity(
        memchr::memchr2_iter(b'\n', b'\r', bytes).count(),
        max_entries,
    ));
    for (key, value) in lines {
        if entries.len() == max_entries {
            return None;
        }
        entries.push(Param {
            key: latin1(key).into(),
            value: latin1(strip_quotes(value)),
            device: None,
        });
    }
    Some(Params::new(entries, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dsc_keys_values_quotes_and_comments() {
        let text = b"#DESC\t1.2 * DESCRIPTOR\n*\tcomment\nBSEQ\tBIG\r\nXNAM\t'Field'\nIRNAM\t'Intensity',''\nCMNT    \n";
        let p = parse_dsc(text);
        assert_eq!(p.get("BSEQ"), Some("BIG"));
        assert_eq!(p.get("XNAM"), Some("Field"));
        assert_eq!(p.get("IRNAM"), Some("Intensity','"));
        assert_eq!(p.get("CMNT"), Some(""));
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn dsc_continuation_includes_terminating_line_and_decodes_newlines() {
        let text = b"MyText  line one\\n\\\nline two\\n\\\nline three\nNEXT 1\n";
        let p = parse_dsc(text);
        assert_eq!(p.get("MyText"), Some("line one\nline two\nline three"));
        assert_eq!(p.get("NEXT"), Some("1"));
        assert!(!p.contains("line"));
    }

    #[test]
    fn dsc_lone_cr_stays_inside_value_and_empty_line_after_continuation() {
        let text = b"Prog   \\\na\r\\n\\\n\r\\n\\\n\nAFTER x\n";
        let p = parse_dsc(text);
        assert_eq!(p.get("Prog"), Some("a\r\n\r\n"));
        assert_eq!(p.get("AFTER"), Some("x"));
    }

    #[test]
    fn dsc_entries_of_more_than_one_plain_line_keep_their_text_as_written() {
        let text = b"A 1\nProg  '\\\r\na\\n\\\nend exp9\r\nB x\ry\nC 2\r\nD \\\nrest";
        let p = parse_dsc(text);
        let keys: Vec<&str> = p.entries().iter().map(|e| &*e.key).collect();
        assert_eq!(keys, ["A", "Prog", "B", "C", "D"]);
        assert_eq!(p.get("Prog"), Some("'a\nend exp9"));
        assert_eq!(p.lines(0), None, "one plain line");
        assert_eq!(p.lines(1), Some("Prog  '\\\r\na\\n\\\nend exp9"));
        assert_eq!(
            p.lines(2),
            Some("B x\ry"),
            "a carriage return inside the line"
        );
        assert_eq!(p.lines(3), None, "a CR LF line end is a plain line end");
        assert_eq!(p.lines(4), Some("D \\\nrest"), "to the end of the file");
        let without = parse_dsc(b"A 1\nB 2\n");
        assert!(without.lines(0).is_none() && without.lines(1).is_none());
        let texts: usize = (0..5).filter_map(|i| p.lines(i)).map(str::len).sum();
        let bare = Params::new(p.entries().to_vec(), None).heap_bytes();
        assert!(p.heap_bytes() >= bare + texts, "the texts are counted");
    }

    #[test]
    fn dsc_devices_and_history() {
        let text = b"#DSL\t1.0\n.DVC     fieldCtrl, 1.0\nCenterField        3380.00 G\n.DVC     mwBridge, 1.0\nCenterField 2 G\n#MHL\t1.0 * HISTORY\nSOURCE_PRIM 'x'\n";
        let p = parse_dsc(text);
        assert_eq!(p.get("CenterField"), Some("2 G"));
        assert_eq!(p.entries()[0].device.as_deref(), Some("fieldCtrl"));
        assert_eq!(p.entries()[1].device.as_deref(), Some("mwBridge"));
        assert!(!p.contains("SOURCE_PRIM"));
        assert!(p.history().unwrap().starts_with("#MHL"));
        assert!(p.history().unwrap().contains("SOURCE_PRIM"));
    }

    #[test]
    fn dsc_latin1_bytes_are_kept() {
        let p = parse_dsc(b"UNIT  \xb5s\n");
        assert_eq!(p.get("UNIT"), Some("\u{b5}s"));
    }

    #[test]
    fn limited_parsers_stop_after_max_entries() {
        let text = b"A 1\nB 2\n* comment\nC 3\n";
        assert_eq!(parse_dsc_limited(text, 3).map(|p| p.len()), Some(3));
        assert!(parse_dsc_limited(text, 2).is_none());
        assert_eq!(parse_par_limited(text, 3).map(|p| p.len()), Some(3));
        assert!(parse_par_limited(text, 2).is_none());
    }

    #[test]
    fn par_line_ends_comments_and_indented_lines() {
        let text = b"* comment\rDOS  Format\r\nJSS  2\nXPD1  0 0 1\r      0 0 3\rJCO 'x y'\r";
        let p = parse_par(text);
        assert_eq!(p.get("DOS"), Some("Format"));
        assert_eq!(p.number("JSS"), Some(2.0));
        assert_eq!(p.get("XPD1"), Some("0 0 1"));
        assert_eq!(p.get("JCO"), Some("x y"));
        assert_eq!(p.len(), 4);
    }
}
