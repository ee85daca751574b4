//! The INI-style experiment files (`.exp`) of SpecMan4EPR and of the ETH/WIS acquisition
//! software, read by the rules of eprload's SpecMan reader (`SpecMandsc`): every line trimmed,
//! `[name]` lines open a section, lines of the sections `text` and `program` are kept whole and
//! numbered, every other line is `key=value` with the value kept exactly as written after the
//! first `=` (eprload keeps the space that usually follows it).
//!
//! epyr keys are `section.key` in file order (`general.version`, `text.1`, `program.3`); the
//! name eprload gives the same entry ([`IniEntry::eprload`]) is what readers look keys up by
//! when they follow eprload's own lookups.

use crate::dataset::{Param, Params};

use super::text::latin1;

/// One entry of an experiment file: its epyr key, its value and the name eprload gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniEntry {
    /// `section.key` (the section as written between the brackets, the key as written and
    /// trimmed, or the line number within the `text`/`program` sections counted over the
    /// whole file); `key` alone before the first section.
    pub key: String,
    /// What follows the first `=`, as written (for `text`/`program` lines, the whole line).
    pub value: String,
    /// The field name eprload gives the entry: `textN`, `prgN`, or the section without `-`,
    /// `_`, and the key with `/`, `\\` and spaces made `_` (`AP240_A_Scale`).
    pub eprload: String,
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

/// The section being read: as written, and as eprload names it (every `-` removed).
#[derive(Default)]
struct Section<'a> {
    written: &'a str,
    eprload: String,
}

impl Section<'_> {
    /// The entry `key` = `value` of this section (`numbered` for `text`/`program` lines).
    fn entry(&self, key: &str, value: &str, numbered: bool) -> IniEntry {
        let mut epyr = String::with_capacity(self.written.len() + 1 + key.len());
        if !self.written.is_empty() {
            epyr.push_str(self.written);
            epyr.push('.');
        }
        epyr.push_str(key);
        let mut eprload = String::with_capacity(self.eprload.len() + 1 + key.len());
        if numbered {
            eprload.push_str(if self.eprload == "text" {
                "text"
            } else {
                "prg"
            });
        } else {
            eprload.push_str(&self.eprload);
            eprload.push('_');
        }
        let underscored = key.chars().map(|c| match c {
            '/' | '\\' | ' ' if !numbered => '_',
            c => c,
        });
        eprload.extend(underscored);
        IniEntry {
            key: epyr,
            value: value.to_string(),
            eprload,
        }
    }
}

/// Parses an experiment file into entries in file order; `None` when it has more than
/// `max_entries` entries.
pub(crate) fn parse(bytes: &[u8], max_entries: usize) -> Option<Vec<IniEntry>> {
    let text = latin1(bytes);
    let mut entries = Vec::new();
    let mut section = Section::default();
    let mut numbers = [0usize; 2];
    for line in text.split('\n').map(strtrim) {
        if line.is_empty() {
            continue;
        }
        if let Some(name) = section_of(line) {
            section = Section {
                written: name,
                eprload: name.chars().filter(|&c| c != '-').collect(),
            };
            continue;
        }
        if entries.len() == max_entries {
            return None;
        }
        let counted = match section.eprload.as_str() {
            "text" => Some(0),
            "program" => Some(1),
            _ => None,
        };
        entries.push(match counted {
            Some(which) => {
                numbers[which] += 1;
                section.entry(&numbers[which].to_string(), line, true)
            }
            None => {
                // eprload's `strtok(line, '=')`: the key is the trimmed text up to the first
                // `=` after any leading ones, the value everything after that `=`.
                let rest = line.trim_start_matches('=');
                let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
                section.entry(strtrim(key), value, false)
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
        .find(|e| e.eprload == name)
        .map(|e| e.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXP: &[u8] = b"[general]\r\nversion = 1.1\r\n\r\n[text]\r\nfirst line\r\n\
        [sweep]\r\ntransient = I,1024,2,a,b\r\n[PB-2]\r\nA Scale/x = 1 V\r\n==lead=x=y\r\nnovalue\r\n\
        [program]\r\ntime tau\r\nphase = [2,0]\r\n [text] \r\nsecond = line\r\n";

    #[test]
    fn entries_keep_file_order_raw_values_and_eprload_names() {
        let entries = parse(EXP, 100).unwrap();
        let got: Vec<(String, String, String)> = entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone(), e.eprload.clone()))
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
        assert_eq!(lookup(&entries, "PB2_A_Scale_x"), Some(" 1 V"));
        assert_eq!(lookup(&entries, "general_name"), None);
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
