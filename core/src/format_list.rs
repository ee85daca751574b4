//! The formats the core reads, as the command line, the exports, the common metadata and
//! dataset discovery need them: stable id, display name, member files by extension and role,
//! and the common-metadata mapping. This stands in for the format table: everything outside
//! `formats/` that names a format takes it from here.

use crate::dataset::{FileFormat, Params};
use crate::metadata::{self, CommonMetadata};

/// What a file is to its dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The descriptor or parameter file (`.DSC`, `.par`): the path a dataset is loaded by.
    Descriptor,
    /// The data file (`.DTA`, `.spc`).
    Data,
    /// A companion file (`.XGF`, `.YGF`, `.ZGF`): part of a dataset, never one by itself.
    Companion,
}

/// A format's mapping from its parameters to the common metadata.
pub type MetadataMapping = fn(&Params) -> CommonMetadata;

/// One format the core reads.
#[derive(Debug, Clone, Copy)]
pub struct FormatInfo {
    /// The stable id (`bruker-bes3t`).
    pub id: &'static str,
    /// The name as users know it.
    pub name: &'static str,
    /// The reader's format.
    pub format: FileFormat,
    /// Member files: extension (lower case; found in any case) and role.
    pub files: &'static [(&'static str, Role)],
    /// The common-metadata mapping of the format's parameters.
    pub metadata: MetadataMapping,
}

/// Every format the core reads.
pub const FORMATS: [FormatInfo; 2] = [
    FormatInfo {
        id: "bruker-bes3t",
        name: "Bruker BES3T",
        format: FileFormat::Bes3t,
        files: &[
            ("dsc", Role::Descriptor),
            ("dta", Role::Data),
            ("xgf", Role::Companion),
            ("ygf", Role::Companion),
            ("zgf", Role::Companion),
        ],
        metadata: metadata::bes3t_metadata,
    },
    FormatInfo {
        id: "bruker-esp",
        name: "Bruker ESP/WinEPR",
        format: FileFormat::Esp,
        files: &[("par", Role::Descriptor), ("spc", Role::Data)],
        metadata: metadata::esp_metadata,
    },
];

/// The entry of a reader's format.
pub fn entry(format: FileFormat) -> &'static FormatInfo {
    FORMATS
        .iter()
        .find(|f| f.format == format)
        .unwrap_or(&FORMATS[0])
}

/// The format and role of a file extension (lower case), or `None` for a file of no format
/// epyr reads.
pub fn role_of(ext_lower: &str) -> Option<(&'static FormatInfo, Role)> {
    FORMATS.iter().find_map(|f| {
        f.files
            .iter()
            .find(|(ext, _)| *ext == ext_lower)
            .map(|&(_, role)| (f, role))
    })
}
