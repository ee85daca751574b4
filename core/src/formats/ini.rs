//! The INI-style experiment files (`.exp`) of SpecMan4EPR and of the ETH/WIS acquisition
//! software, read by the rules of eprload's SpecMan reader (`SpecMandsc`): every line trimmed,
//! `[name]` lines open a section, lines of the sections `text` and `program` are kept whole and
//! numbered, every other line is `key=value` with the value kept exactly as written after the
//! first `=` (eprload keeps the space that usually follows it).
//!
//! epyr keys are `section.key` in file order (`general.version`, `text.1`, `program.3`); the
//! name eprload gives the same entry ([`IniEntry::is_named`]) is what readers look keys up by
//! when they follow eprload's own lookups.

use crate::dataset::{Param, Params};

use super::text::latin1;

/// One entry of an experiment file: its epyr key, its value and how eprload names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniEntry {
    /// `section.key` (the section as written between the brackets, the key as written and
    /// trimmed, or the line number within the `text`/`program` sections counted over the
    /// whole file); `key` alone before the first section.
    pub key: String,
    /// What follows the first `=`, as written (for `text`/`program` lines, the whole line).
    pub value: String,
    /// Bytes of `key` before the key within the section (the section and its `.`; 0 before
    /// the first section).
    section_len: usize,
    /// Which kind of section the entry is in.
    kind: SectionKind,
}

/// The kinds of sections eprload names entries by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    /// `[text]` (in eprload's spelling: any `-` removed): lines numbered `textN`.
    Text,
    /// `[program]`: lines numbered `prgN`.
    Program,
    /// Any other: `key=value` lines named `section_key`.
    Plain,
}

impl IniEntry {
    /// The section as written (empty before the first section) and the key within it.
    fn parts(&self) -> (&str, &str) {
        // The section, without the one `.` that joins it to the key.
        let section = &self.key[..self.section_len.saturating_sub(1)];
        (section, &self.key[self.section_len..])
    }

    /// Whether eprload names the entry `name`: `textN`, `prgN`, or the section without `-`,
    /// `_`, and the key with `/`, `\\` and spaces made `_` (`AP240_A_Scale`); compared from
    /// the key back, without building the name (a lookup compares with every entry).
    pub fn is_named(&self, name: &str) -> bool {
        let (section, key) = self.parts();
        let plain = self.kind == SectionKind::Plain;
        let Some(prefix_len) = name.len().checked_sub(key.len()) else {
            return false;
        };
        let (prefix, tail) = name.as_bytes().split_at(prefix_len);
        // Bytes, not characters: the characters made `_` are ASCII, and no byte of another
        // character's UTF-8 is one of them.
        let underscored = |k: u8| match k {
            b'/' | b'\\' | b' ' if plain => b'_',
            k => k,
        };
        if !tail
            .iter()
            .zip(key.bytes())
            .all(|(&n, k)| n == underscored(k))
        {
            return false;
        }
        match self.kind {
            SectionKind::Text => prefix == b"text",
            SectionKind::Program => prefix == b"prg",
            SectionKind::Plain => prefix.split_last().is_some_and(|(&last, section_part)| {
                last == b'_'
                    && section
                        .bytes()
                        .filter(|&b| b != b'-')
                        .eq(section_part.iter().copied())
            }),
        }
    }

    /// The field name eprload gives the entry, built (the tests' spelling of the rule that
    /// [`IniEntry::is_named`] checks).
    #[cfg(test)]
    pub fn eprload(&self) -> String {
        let (section, key) = self.parts();
        let key = key.chars();
        match self.kind {
            SectionKind::Text => "text".chars().chain(key).collect(),
            SectionKind::Program => "prg".chars().chain(key).collect(),
            SectionKind::Plain => {
                let key = key.map(|c| {
                    if matches!(c, '/' | '\\' | ' ') {
                        '_'
                    } else {
                        c
                    }
                });
                let section = section.chars().filter(|&c| c != '-');
                section.chain(['_']).chain(key).collect()
            }
        }
    }
}

/// Octave's `strtrim`: blanks, tabs, line ends, vertical tabs, form feeds and NULs off both ends.
pub(crate) fn strtrim(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\0'))
}

/// The section a line opens: exactly two brackets in it, the first at its start.
fn section_of(line: &str) -> Option<&str> {
    let mut brackets = line.match_indices(['[', ']']).map(|(i, _)| i);
    let (first, second) = (brackets.next()?, brackets.next()?);
    (first == 0 && brackets.next().is_none()).then(|| &line[1..second])
}

/// The section being read: as written, and its kind.
struct Section<'a> {
    written: &'a str,
    kind: SectionKind,
}

impl Section<'_> {
    /// The section `name` as written; its kind by eprload's spelling of it (`-` removed).
    fn named(name: &str) -> Section<'_> {
        let eprload: String = name.chars().filter(|&c| c != '-').collect();
        let kind = match eprload.as_str() {
            "text" => SectionKind::Text,
            "program" => SectionKind::Program,
            _ => SectionKind::Plain,
        };
        Section {
            written: name,
            kind,
        }
    }

    /// The entry `key` = `value` of this section.
    fn entry(&self, key: &str, value: &str) -> IniEntry {
        let mut epyr = String::with_capacity(self.written.len() + 1 + key.len());
        if !self.written.is_empty() {
            epyr.push_str(self.written);
            epyr.push('.');
        }
        let section_len = epyr.len();
        epyr.push_str(key);
        IniEntry {
            key: epyr,
            value: value.to_string(),
            section_len,
            kind: self.kind,
        }
    }
}

/// Parses an experiment file into entries in file order; `None` when it has more than
/// `max_entries` entries.
pub(crate) fn parse(bytes: &[u8], max_entries: usize) -> Option<Vec<IniEntry>> {
    let text = latin1(bytes);
    let mut entries = Vec::new();
    let mut section = Section::named("");
    let mut numbers = [0usize; 2];
    for line in text.split('\n').map(strtrim) {
        if line.is_empty() {
            continue;
        }
        if let Some(name) = section_of(line) {
            section = Section::named(name);
            continue;
        }
        if entries.len() == max_entries {
            return None;
        }
        let counted = match section.kind {
            SectionKind::Text => Some(0),
            SectionKind::Program => Some(1),
            SectionKind::Plain => None,
        };
        entries.push(match counted {
            Some(which) => {
                numbers[which] += 1;
                section.entry(&numbers[which].to_string(), line)
            }
            None => {
                // eprload's `strtok(line, '=')`: the key is the trimmed text up to the first
                // `=` after any leading ones, the value everything after that `=`.
                let rest = line.trim_start_matches('=');
                let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
                section.entry(strtrim(key), value)
            }
        });
    }
    Some(entries)
}

/// The entries as parameters with their epyr keys, in file order.
pub(crate) fn into_params(entries: Vec<IniEntry>) -> Params {
    Params::new(
        entries
            .into_iter()
            .map(|e| Param {
                key: e.key.into(),
                value: e.value,
                device: None,
            })
            .collect(),
        None,
    )
}

/// The value of the last entry eprload names `name` (eprload's field keeps the last value
/// assigned to it).
pub(crate) fn lookup<'a>(entries: &'a [IniEntry], name: &str) -> Option<&'a str> {
    entries
        .iter()
        .rev()
        .find(|e| e.is_named(name))
        .map(|e| e.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXP: &[u8] = b"[general]\r\nversion = 1.1\r\n\r\n[text]\r\nfirst line\r\n\
        [sweep]\r\ntransient = I,1024,2,a,b\r\n[PB-2]\r\nA Scale/x = 1 V\r\n==lead=x=y\r\nnovalue\r\n\
        [program]\r\ntime tau\r\nphase = [2,0]\r\n [text] \r\nsecond = line\r\n";

    /// Every entry answers to its eprload name and not to that name with a character more,
    /// less or changed.
    fn assert_named_exactly(entries: &[IniEntry]) {
        for e in entries {
            let name = e.eprload();
            assert!(e.is_named(&name), "{} is named {name}", e.key);
            let mut shorter = name.clone();
            shorter.remove(0);
            for other in [
                format!("x{name}"),
                format!("{name}x"),
                shorter,
                name.replace('_', "-"),
            ] {
                assert!(
                    other == name || !e.is_named(&other),
                    "{} is not {other}",
                    e.key
                );
            }
        }
    }

    #[test]
    fn entries_keep_file_order_raw_values_and_eprload_names() {
        let entries = parse(EXP, 100).unwrap();
        let got: Vec<(String, String, String)> = entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone(), e.eprload()))
            .collect();
        let want = [
            ("general.version", " 1.1", "general_version"),
            ("text.1", "first line", "text1"),
            ("sweep.transient", " I,1024,2,a,b", "sweep_transient"),
            ("PB-2.A Scale/x", " 1 V", "PB2_A_Scale_x"),
            ("PB-2.lead", "x=y", "PB2_lead"),
            ("PB-2.novalue", "", "PB2_novalue"),
            ("program.1", "time tau", "prg1"),
            ("program.2", "phase = [2,0]", "prg2"),
            ("text.2", "second = line", "text2"),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want);
        assert_named_exactly(&entries);
        assert_eq!(lookup(&entries, "PB2_A_Scale_x"), Some(" 1 V"));
        assert_eq!(lookup(&entries, "general_name"), None);
    }

    #[test]
    fn names_before_any_section_and_of_odd_sections_follow_eprload() {
        let exp = b"early = 1\n[a.]\nk = 2\n[te-xt]\nline one\n[pro-gram]\nx y\n[text2]\nk/2 = 3\n";
        let entries = parse(exp, 100).unwrap();
        let got: Vec<(&str, String)> = entries.iter().map(|e| (&*e.key, e.eprload())).collect();
        let want = [
            ("early", "_early"),
            ("a..k", "a._k"),
            ("te-xt.1", "text1"),
            ("pro-gram.1", "prg1"),
            ("text2.k/2", "text2_k_2"),
        ];
        let want: Vec<(&str, String)> = want.iter().map(|(k, n)| (*k, n.to_string())).collect();
        assert_eq!(got, want);
        assert_named_exactly(&entries);
        assert_eq!(lookup(&entries, "text1"), Some("line one"));
        assert_eq!(lookup(&entries, "text2_k_2"), Some(" 3"));
        assert_eq!(lookup(&entries, "text2_k_"), None);
        assert_eq!(lookup(&entries, "a._k"), Some(" 2"));
    }

    #[test]
    fn a_file_with_more_entries_than_the_limit_is_refused() {
        assert!(parse(EXP, 8).is_none());
        assert_eq!(parse(EXP, 9).unwrap().len(), 9);
    }

    #[test]
    fn later_values_of_one_name_win_lookups() {
        let entries = parse(b"[a]\nk=1\n[a]\nk=2\n", 10).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(lookup(&entries, "a_k"), Some("2"));
        assert_eq!(into_params(entries).get("a.k"), Some("2"));
    }
}
