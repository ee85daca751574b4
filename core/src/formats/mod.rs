//! The format layer: one table of formats ([`FORMATS`]), each a type implementing [`Format`],
//! and what every format shares: path resolution, the provenance recorder, the plan and its
//! read paths, key parsers, decoding, scaling, and the BES3T writer.
//!
//! Reading happens in two steps. [`Plan::open`] resolves the path through the table, reads the
//! small files (descriptor or parameter file, headers, axis files) through a [`Recorder`],
//! checks every claimed size against the real file sizes and describes where the values are
//! ([`DataLayout`]); nothing proportional to the data is allocated yet. [`Plan::read`] then
//! reads and decodes the values into a [`Dataset`](crate::Dataset). The loader uses the plan to check the
//! memory budget before the big allocation, and the chunked reader uses the layout to stream.
//!
//! Adding a format: one module implementing [`Format`] and one line in [`FORMATS`]; nothing
//! else in epyr names a format.

mod activespectrum;
mod adani_dat;
mod adani_json;
mod axis;
mod bruker;
mod ciqtek;
mod content;
#[allow(unsafe_code)]
pub mod decode;
mod eth_d00;
mod header;
mod identify;
mod ini;
mod jeol;
mod json;
mod keys;
mod magnettech;
mod magres;
mod plan;
mod provenance;
mod qese;
mod resolve;
pub mod scaling;
mod scan;
mod sine;
mod specman;
pub mod text;
mod textfile;
mod varian;
pub mod writer;
mod writer_params;

use std::path::{Path, PathBuf};

pub use crate::dataset::AxisRule;
pub use axis::{AxisPlan, AxisValues};
pub use bruker::{bes3t_letter, bes3t_number, bes3t_order_name};
pub use decode::{ByteOrder, ComponentSlot, NumberType};
pub use identify::identify;
pub use plan::{
    load, BinaryValues, DataLayout, DecodedValues, Plan, ValueSource, PARALLEL_THRESHOLD_BYTES,
};
pub use provenance::{Absence, Provenance, Recorder, Source, RACY_WINDOW_SECS};
pub use resolve::{find_companion, Resolution};
pub use scaling::{ScaleStep, Scaling};
pub use writer::{write_bes3t, WriteOptions};

pub use crate::files::MAX_TEXT_FILE_BYTES;
pub use crate::sys::{unseen_write_window_secs, DEFAULT_UNSEEN_WRITE_WINDOW_SECS};
pub use crate::sys::{FileIdentity, FileStamp};
pub use content::{hash_bytes, Fingerprint};

use crate::error::Result;

/// One file of a dataset: what it holds (its role, as messages name it) and its extensions
/// (lower case, the first the usual one; found in any letter case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// What the file holds, as messages name it ("descriptor", "data file").
    pub role: &'static str,
    /// Its extensions, lower case without the dot.
    pub extensions: &'static [&'static str],
}

/// What the first bytes of a file say about a format ([`Format::signature`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// They are what a file of the format starts with.
    Matches,
    /// They cannot start a file of the format.
    Contradicts,
    /// The format has no signature that tells (a raw data file).
    Silent,
}

/// A file format epyr reads: an entry of [`FORMATS`].
pub trait Format: Sync + Send + std::fmt::Debug {
    /// The stable id (`"bruker-bes3t"`): what hosts, the command line and exports name it by.
    fn id(&self) -> &'static str;

    /// The name users know the format by.
    fn name(&self) -> &'static str;

    /// The vendor whose instruments or software write it.
    fn vendor(&self) -> &'static str;

    /// The member files of a dataset, in role order (for a pair, the text file first).
    fn members(&self) -> &'static [Member];

    /// Whether the format's extensions are used by other programs too (`.json`, `.xml`,
    /// `.dat`), so that a file with one is this format only when its content says so.
    fn generic_extension(&self) -> bool {
        false
    }

    /// The extensions (lower case) of optional companion files a dataset may have beside its
    /// members (BES3T axis files): part of a dataset, never one by themselves.
    fn companions(&self) -> &'static [&'static str] {
        &[]
    }

    /// The vendor-neutral common metadata of a dataset of this format, from its parameters:
    /// each field with its unit and the key it came from; absent where the file does not say.
    fn common_metadata(&self, params: &crate::dataset::Params) -> crate::metadata::CommonMetadata {
        let _ = params;
        crate::metadata::CommonMetadata::default()
    }

    /// What `head` (the first [`HEAD_BYTES`] bytes of a file, fewer for a shorter file) says
    /// about the file being a member of this format.
    fn signature(&self, head: &[u8]) -> Signature;

    /// Reads the headers of the dataset whose member files are `members` (absolute, in role
    /// order), opening and reading every file through `rec`, and describes the dataset: how
    /// many bytes its values take and where they come from, before anything proportional to
    /// the data is allocated.
    fn plan(&self, members: &[PathBuf], scaling: Scaling, rec: &mut Recorder) -> Result<Plan>;
}

/// How many bytes of a file [`Format::signature`] sees.
pub const HEAD_BYTES: usize = 64;

/// Every format epyr reads, in the order in which a base name without extension is resolved.
pub static FORMATS: &[&dyn Format] = &[
    &bruker::Bes3t,
    &bruker::Esp,
    &magnettech::MagnettechXml,
    &magnettech::MagnettechSpe,
    &ciqtek::Ciqtek,
    &adani_json::AdaniJson,
    &adani_dat::AdaniDat,
    &activespectrum::ActiveSpectrum,
    &qese::QeseEco,
    &magres::Magres,
    &varian::VarianEth,
    &specman::SpecMan,
    &jeol::Jeol,
    &eth_d00::EthD00,
];

/// The name users know the format with id `id` by ("Bruker BES3T"); for the datasets a caller
/// made ([`USER_FORMAT_ID`]), "data made by a program".
pub fn display_name(id: &str) -> &'static str {
    by_id(id).map_or("data made by a program", |f| f.name())
}

/// The format with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.id() == id)
}

/// The format with id `format_id` (of the dataset at `path`, for the message), or an
/// [`crate::ErrorKind::InvalidArgument`] error listing the known ids.
pub fn known_format(format_id: &str, path: &Path) -> Result<&'static dyn Format> {
    by_id(format_id).ok_or_else(|| {
        crate::Error::new(
            crate::ErrorKind::InvalidArgument,
            format!(
                "{}: unknown format id {format_id:?}; known: {}",
                path.display(),
                FORMATS
                    .iter()
                    .map(|f| f.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// The formats whose member files have extension `ext` (any letter case), with the index of
/// that member.
pub fn by_extension(ext: &str) -> impl Iterator<Item = (&'static dyn Format, usize)> + '_ {
    FORMATS.iter().copied().filter_map(move |f| {
        f.members()
            .iter()
            .position(|m| m.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
            .map(|i| (f, i))
    })
}

/// The formats in words for messages: "Bruker BES3T (.DSC/.DTA), Bruker ESP/WinEPR
/// (.par/.spc)".
pub fn formats_in_words() -> String {
    FORMATS
        .iter()
        .map(|f| {
            let exts: Vec<String> = f
                .members()
                .iter()
                .flat_map(|m| m.extensions.iter().map(|e| format!(".{e}")))
                .collect();
            let exts = if exts.is_empty() {
                "recognised by content".to_string()
            } else {
                exts.join("/")
            };
            format!("{} ({exts})", f.name())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table as JSON, for hosts and the command line: one object per format with `id`,
/// `name`, `vendor`, `members` (each `role` and `extensions`) and `extensions` (all of them,
/// lower case; empty for a format recognised by content only).
pub fn table_json() -> serde_json::Value {
    let formats = FORMATS
        .iter()
        .map(|f| {
            let members: Vec<serde_json::Value> = f
                .members()
                .iter()
                .map(|m| serde_json::json!({"role": m.role, "extensions": m.extensions}))
                .collect();
            let extensions: Vec<&str> = f
                .members()
                .iter()
                .flat_map(|m| m.extensions.iter().copied())
                .collect();
            serde_json::json!({
                "id": f.id(),
                "name": f.name(),
                "vendor": f.vendor(),
                "members": members,
                "extensions": extensions,
            })
        })
        .collect();
    serde_json::Value::Array(formats)
}

/// The id of datasets a caller built (through the C ABI or [`crate::DatasetParts`]) rather than
/// read from a file.
pub const USER_FORMAT_ID: &str = "user";

/// Loads `path` as the format `format_id` (no identification by extension or content) with
/// `scaling`: the whole reader in one call, without cache or budget.
pub fn load_as(path: &Path, format_id: &str, scaling: &str) -> Result<crate::Dataset> {
    let scaling = Scaling::parse(scaling)?;
    Plan::open_resolved(Resolution::as_format(path, format_id)?, scaling)?.read()
}
