//! Dataset discovery: the datasets among files and folders, one entry per dataset (a BES3T
//! `.DSC` + `.DTA` pair is one dataset, with its `.XGF/.YGF/.ZGF` companions), and every
//! other file with the reason it is not one (an axis file without its dataset, an unknown
//! extension, a hidden or temporary file, a folder not searched).
//!
//! Files are recognised as the loader recognises them, from the format table
//! ([`crate::formats::FORMATS`]): an extension one format alone claims (any letter case), else
//! the first bytes (files without extension such as JEOL's, `.json`, `.xml`, `.dat`).
//! Companion files (BES3T axis files, an ETH `.exp`) belong to the dataset of the same base
//! name. A dataset whose descriptor or data file is missing is still listed, so that loading it
//! says what is missing.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::export::is_temporary_name;
use crate::formats::{by_extension, identify, Format, FORMATS};

/// One dataset found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDataset {
    /// The path to load it by: its descriptor, or its data file where there is none.
    pub path: PathBuf,
    /// The format id.
    pub format: &'static str,
    /// Every file of the dataset that was found, descriptor first.
    pub members: Vec<PathBuf>,
}

/// A file or folder that is not a dataset, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The path.
    pub path: PathBuf,
    /// Why it is not a dataset.
    pub reason: String,
}

/// What [`find_datasets`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovery {
    /// The datasets, sorted by path.
    pub datasets: Vec<FoundDataset>,
    /// The files and folders that are not datasets, sorted by path.
    pub skipped: Vec<Skipped>,
    /// The given paths that could not be read (missing, no permission), and folders whose
    /// listing failed.
    pub errors: Vec<Error>,
}

/// How to search.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// Whether to search sub-folders of the folders given.
    pub recursive: bool,
    /// Folders never searched (an output folder inside an input folder).
    pub exclude: Vec<PathBuf>,
}

/// The datasets among `paths`: files are taken as given, folders are listed (and their
/// sub-folders with `options.recursive`).
pub fn find_datasets(paths: &[PathBuf], options: &DiscoverOptions) -> Discovery {
    let mut walk = Walk {
        options,
        exclude: options
            .exclude
            .iter()
            .filter_map(|p| canonical(p))
            .collect(),
        visited: HashSet::new(),
        files: Vec::new(),
        found: Discovery::default(),
    };
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk.folder(path),
            Ok(_) => walk.files.push(path.clone()),
            Err(e) => walk.found.errors.push(Error::io(path, "read", &e)),
        }
    }
    let Walk {
        files, mut found, ..
    } = walk;
    group(files, &mut found);
    found.datasets.sort_by(|a, b| a.path.cmp(&b.path));
    found.datasets.dedup_by(|a, b| a.path == b.path);
    found.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    found.skipped.dedup_by(|a, b| a.path == b.path);
    found
}

fn canonical(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// The state of a search: the files collected so far and the folders seen.
struct Walk<'a> {
    options: &'a DiscoverOptions,
    exclude: Vec<PathBuf>,
    visited: HashSet<PathBuf>,
    files: Vec<PathBuf>,
    found: Discovery,
}

impl Walk<'_> {
    /// Lists a folder (once, whatever links lead to it), collecting its files and, when
    /// recursive, searching its sub-folders.
    fn folder(&mut self, dir: &Path) {
        let Some(real) = canonical(dir) else {
            return;
        };
        if self.exclude.contains(&real) || !self.visited.insert(real) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => return self.found.errors.push(Error::io(dir, "list", &e)),
        };
        let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        children.sort();
        for path in children {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let skip = |reason: &str| Skipped {
                path: path.clone(),
                reason: reason.to_string(),
            };
            if is_temporary_name(&name) {
                self.found
                    .skipped
                    .push(skip("temporary file of an unfinished epyr export"));
                continue;
            }
            if name.starts_with('.') {
                self.found.skipped.push(skip("hidden"));
                continue;
            }
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_dir() && self.options.recursive => self.folder(&path),
                Ok(meta) if meta.is_dir() => self
                    .found
                    .skipped
                    .push(skip("folder (searched only with --recursive)")),
                Ok(meta) if !meta.is_file() => self
                    .found
                    .skipped
                    .push(skip("not a regular file (FIFO, socket or device)")),
                // A file, or one that cannot be inspected: its load will say why.
                _ => self.files.push(path),
            }
        }
    }
}

/// What a file is to its dataset: member number `n` of its format, or a companion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Member(usize),
    Companion,
}

/// A dataset being gathered: folder, base name and format id.
type GroupKey = (PathBuf, std::ffi::OsString, &'static str);

/// The format and member number of a file by its extension (one format alone claims it, and
/// the extension is its own), else by its first bytes; the reason where neither tells.
fn member_of(path: &Path, ext: &str) -> Result<(&'static dyn Format, usize), String> {
    let mut claims = by_extension(ext);
    if let (Some((format, role)), None) = (claims.next(), claims.next()) {
        if !format.generic_extension() {
            return Ok((format, role));
        }
    }
    identify(path).map_err(|e| e.message().to_string())
}

/// The format whose companion extension `ext` is, if any.
fn companion_of(ext: &str) -> Option<&'static dyn Format> {
    FORMATS
        .iter()
        .copied()
        .find(|f| f.companions().iter().any(|c| c.eq_ignore_ascii_case(ext)))
}

/// The folder and base name of `path`, the grouping of its dataset's files.
fn dir_and_stem(path: &Path) -> (PathBuf, std::ffi::OsString) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_os_string())
        .unwrap_or_default();
    (dir, stem)
}

/// Groups files by folder, base name and format into datasets; the rest are skipped. A file
/// whose extension is a companion of a format beside a dataset of that format belongs to it
/// (an ETH `.exp` beside its `.d00`), else it is read as what it otherwise is.
fn group(files: Vec<PathBuf>, found: &mut Discovery) {
    let mut groups: BTreeMap<GroupKey, Vec<(Role, PathBuf)>> = BTreeMap::new();
    let mut companions = Vec::new();
    for path in files {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if let Some(format) = companion_of(ext) {
            companions.push((format, path));
            continue;
        }
        add_member(&mut groups, path, found);
    }
    for (format, path) in companions {
        let (dir, stem) = dir_and_stem(&path);
        let key = (dir, stem, format.id());
        match groups.get_mut(&key) {
            Some(members) => members.push((Role::Companion, path)),
            None if by_extension(path.extension().and_then(|e| e.to_str()).unwrap_or(""))
                .next()
                .is_some() =>
            {
                add_member(&mut groups, path, found)
            }
            None => groups.entry(key).or_default().push((Role::Companion, path)),
        }
    }
    for ((_, _, format), mut members) in groups {
        members.sort();
        members.dedup();
        match members.first() {
            Some((Role::Member(_), path)) => found.datasets.push(FoundDataset {
                path: path.clone(),
                format,
                members: members.into_iter().map(|(_, p)| p).collect(),
            }),
            _ => found
                .skipped
                .extend(members.into_iter().map(|(_, path)| Skipped {
                    reason: lone_companion_reason(format),
                    path,
                })),
        }
    }
}

/// Why a companion file is no dataset by itself: which format's and which files it needs
/// ("companion file of a Bruker BES3T dataset, whose .DSC/.DTA files are not here").
fn lone_companion_reason(format: &str) -> String {
    let extensions: Vec<String> = crate::formats::by_id(format)
        .map(|f| f.members())
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.extensions.first())
        .map(|e| format!(".{}", e.to_ascii_uppercase()))
        .collect();
    format!(
        "companion file of a {} dataset, whose {} files are not here",
        crate::formats::display_name(format),
        extensions.join("/")
    )
}

/// Files `path` under its dataset's group, or as skipped with the reason.
fn add_member(
    groups: &mut BTreeMap<GroupKey, Vec<(Role, PathBuf)>>,
    path: PathBuf,
    found: &mut Discovery,
) {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match member_of(&path, ext) {
        Ok((format, role)) => {
            let (dir, stem) = if format.members().iter().all(|m| m.extensions.is_empty()) {
                // Recognised by content: the whole name is the dataset's (`x.15` is not `x`).
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                (
                    dir,
                    path.file_name()
                        .map(|n| n.to_os_string())
                        .unwrap_or_default(),
                )
            } else {
                dir_and_stem(&path)
            };
            groups
                .entry((dir, stem, format.id()))
                .or_default()
                .push((Role::Member(role), path));
        }
        Err(reason) => found.skipped.push(Skipped { path, reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("epyr-discover-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_pair_is_one_dataset_and_other_files_are_skipped_with_a_reason() {
        let d = dir("pairs");
        for name in [
            "a.DSC",
            "a.DTA",
            "a.YGF",
            "b.par",
            "b.spc",
            "c.dta",
            "lone.XGF",
            "notes.txt",
            ".hidden",
            ".a.csv.epyr-tmp-1-2",
        ] {
            std::fs::write(d.join(name), b"x").unwrap();
        }
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub").join("s.DSC"), b"x").unwrap();
        let found = find_datasets(std::slice::from_ref(&d), &DiscoverOptions::default());
        let paths: Vec<_> = found.datasets.iter().map(|f| f.path.clone()).collect();
        assert_eq!(paths, [d.join("a.DSC"), d.join("b.par"), d.join("c.dta")]);
        assert_eq!(found.datasets[0].members.len(), 3);
        assert_eq!(found.datasets[1].format, "bruker-esp");
        let reasons: Vec<(String, &str)> = found
            .skipped
            .iter()
            .map(|s| {
                let name = s.path.file_name().unwrap().to_string_lossy().into_owned();
                (name, s.reason.as_str())
            })
            .collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        for (name, needle) in [
            (".a.csv.epyr-tmp-1-2", "temporary"),
            (".hidden", "hidden"),
            (
                "lone.XGF",
                "companion file of a Bruker BES3T dataset, whose .DSC/.DTA files",
            ),
            ("notes.txt", "extension .txt"),
            ("sub", "--recursive"),
        ] {
            let (_, reason) = reasons.iter().find(|(n, _)| n == name).unwrap();
            assert!(reason.contains(needle), "{name}: {reason}");
        }
        let deep = find_datasets(
            &[d.clone(), d.join("a.DTA")],
            &DiscoverOptions {
                recursive: true,
                exclude: vec![],
            },
        );
        assert_eq!(
            deep.datasets.len(),
            4,
            "the pair given twice is one dataset"
        );
        let excluded = find_datasets(
            std::slice::from_ref(&d),
            &DiscoverOptions {
                recursive: true,
                exclude: vec![d.join("sub")],
            },
        );
        assert_eq!(excluded.datasets.len(), 3);
        let missing = find_datasets(&[d.join("nope")], &DiscoverOptions::default());
        assert_eq!(missing.errors.len(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
