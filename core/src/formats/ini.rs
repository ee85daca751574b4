//! The INI-style experiment files (`.exp`) of SpecMan4EPR and of the ETH/WIS acquisition
//! software, read by the rules of eprload's SpecMan reader (`SpecMandsc`): every line trimmed,
//! `[name]` lines open a section, lines of the sections `text` and `program` are kept whole and
//! numbered, every other line is `key=value` with the value kept exactly as written after the
//! first `=` (eprload keeps the space that usually follows it).
//!
//! epyr keys are `section.key` in file order (`general.version`, `text.1`, `program.3`); the
//! name eprload gives the same entry ([`IniEntry::eprload_name`]) is what readers look keys up
//! by when they follow eprload's own lookups.

use crate::dataset::{Param, Params};

use super::text::latin1;

/// One entry of an experiment file: its section as written, its key (the line number within
/// the `text`/`program` sections, counted over the whole file) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniEntry {
    /// The section as written between the brackets (empty before the first section).
    pub section: String,
    /// The key as written (trimmed), or the line number for `text` and `program` lines.
    pub key: String,
    /// What follows the first `=`, as written (for `text`/`program` lines, the whole line).
    pub value: String,
    /// Whether the line is a numbered `text` or `program` line.
    numbered: bool,
}

impl IniEntry {
    /// The epyr key: `section.key`, or `key` alone before the first section.
    pub fn epyr_key(&self) -> String {
        if self.section.is_empty() {
            self.key.clone()
        } else {
            format!("{}.{}", self.section, self.key)
        }
    }

    /// The field name eprload gives the entry: `textN`, `prgN`, or the section without `-`,
    /// `_`, and the key with `/`, `\` and spaces made `_` (`AP240_A_Scale`).
    pub fn eprload_name(&self) -> String {
        let section = eprload_section(&self.section);
        if self.numbered {
            let prefix = if section == "text" { "text" } else { "prg" };
            return format!("{prefix}{}", self.key);
        }
        let key: String = self
            .key
            .chars()
            .map(|c| {
                if matches!(c, '/' | '\\' | ' ') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        format!("{section}_{key}")
    }
}

/// The section name as eprload keeps it: every `-` removed.
fn eprload_section(section: &str) -> String {
    section.chars().filter(|&c| c != '-').collect()
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

/// Parses an experiment file into entries in file order; `None` when it has more than
/// `max_entries` entries.
pub(crate) fn parse(bytes: &[u8], max_entries: usize) -> Option<Vec<IniEntry>> {
    let mut entries = Vec::new();
    let mut section = String::new();
    let mut numbers = [0usize; 2];
    for raw in bytes.split(|&b| b == b'\n') {
        let decoded = latin1(raw);
        let line = strtrim(&decoded);
        if line.is_empty() {
            continue;
        }
        if let Some(name) = section_of(line) {
            section = name.to_string();
            continue;
        }
        if entries.len() == max_entries {
            return None;
        }
        let counted = match eprload_section(&section).as_str() {
            "text" => Some(0),
            "program" => Some(1),
            _ => None,
        };
        let (key, value) = match counted {
            Some(which) => {
                numbers[which] += 1;
                (numbers[which].to_string(), line.to_string())
            }
            None => key_value(line),
        };
        entries.push(IniEntry {
            section: section.clone(),
            key,
            value,
            numbered: counted.is_some(),
        });
    }
    Some(entries)
}

/// `strtok(line, '=')` as eprload uses it: the key is the trimmed text up to the first `=`
/// after any leading `=`, the value everything after that `=` (empty without one).
fn key_value(line: &str) -> (String, String) {
    let rest = line.trim_start_matches('=');
    let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
    (strtrim(key).to_string(), value.to_string())
}

/// The entries as parameters with their epyr keys, in file order.
pub(crate) fn to_params(entries: &[IniEntry]) -> Params {
    Params::new(
        entries
            .iter()
            .map(|e| Param {
                key: e.epyr_key(),
                value: e.value.clone(),
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
        .find(|e| e.eprload_name() == name)
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
            .map(|e| (e.epyr_key(), e.value.clone(), e.eprload_name()))
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
        assert_eq!(to_params(&entries).get("a.k"), Some("2"));
    }
}
