//! Content checks of source files, for what their stamps cannot show.
//!
//! A write through a shared memory map (`mmap` with `MAP_SHARED`) sets a file's modification
//! and change times when it first dirties a page; further writes to that page change no time
//! until the kernel has written it back (and write-protected it again). On Linux that takes up
//! to `dirty_expire_centisecs` + `dirty_writeback_centisecs` (30 + 5 s by default) on file
//! systems with storage (ext4, xfs, btrfs), and never happens on memory-only ones (tmpfs,
//! ramfs, hugetlbfs), where a page stays dirty and writable as long as it is mapped. So the
//! content of a file whose change time is recent, or that lives on such a file system, can
//! change while its stamp stays the same.
//!
//! For those files a [`Fingerprint`] records a 64-bit hash of every source file's bytes,
//! taken before the values are read (the descriptor's from the very bytes parsed). A cache hit
//! re-hashes the files while the fingerprint is needed; once every change time is older than
//! the window ([`crate::sys::unseen_write_window_secs`]) on file systems that write back,
//! one last check proves the content, and from then on a write dirties a clean page again and
//! changes the stamp.

use std::fs::File;
use std::path::Path;

use super::{FileStamp, Plan, Source, ValueSource};
use crate::accounting::HeldBytes;
use crate::error::{Error, Result};

/// The hashes of a dataset's source files, for a cache entry whose files can change without
/// their stamps changing (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// One hash per source file, in the order of the sources.
    pub hashes: Vec<u64>,
    /// Whether every source lives on a file system that writes dirty pages back, so that the
    /// stamps prove the content again once every change time is older than the window.
    pub settles: bool,
}

impl Fingerprint {
    /// Whether every source file in `sources` still has the hash recorded (a file that cannot
    /// be read counts as changed).
    pub fn matches(&self, sources: &[Source]) -> bool {
        self.hashes.len() == sources.len()
            && sources
                .iter()
                .zip(&self.hashes)
                .all(|((path, stamp), &hash)| hash_file(path, stamp).is_ok_and(|h| h == hash))
    }

    /// Whether the stamps alone prove the content at `now` (seconds since the Unix epoch):
    /// every file system writes back, and every change time is older than the window.
    pub fn settled(&self, sources: &[Source], now: f64) -> bool {
        self.settles && !any_changed_within_window(sources, now)
    }
}

/// Whether some source changed within the window of writes that stamps do not show.
fn any_changed_within_window(sources: &[Source], now: f64) -> bool {
    let window = crate::sys::unseen_write_window_secs();
    sources
        .iter()
        .any(|(_, stamp)| stamp.changed_too_recently(now, window))
}

/// The fingerprint of `sources` at `now` if their stamps cannot prove their content (some
/// file changed within the window, or lives on a file system that does not write back), else
/// `None`. `hash` gives the hash of source `i`.
pub(crate) fn fingerprint_if_needed(
    sources: &[Source],
    now: f64,
    hash: impl Fn(usize, &Path, &FileStamp) -> Result<u64>,
) -> Result<Option<Fingerprint>> {
    let settles = sources
        .iter()
        .all(|(path, stamp)| crate::sys::volume_writes_back(stamp.volume(), path));
    if settles && !any_changed_within_window(sources, now) {
        return Ok(None);
    }
    let hashes = sources
        .iter()
        .enumerate()
        .map(|(i, (path, stamp))| hash(i, path, stamp))
        .collect::<Result<Vec<u64>>>()?;
    Ok(Some(Fingerprint { hashes, settles }))
}

impl Plan {
    /// The content hashes of the plan's source files if their stamps cannot prove their content
    /// (see the module documentation), else `None`. Files read whole give the hash of the very
    /// bytes parsed; the data file is hashed through the plan's open file; others are read.
    pub fn fingerprint(&self) -> Result<Option<Fingerprint>> {
        let provenance = &self.provenance;
        let data = match &self.layout.values {
            ValueSource::File(binary) => Some((binary.path.as_path(), self.data_file()?)),
            ValueSource::Decoded(_) => None,
        };
        fingerprint_if_needed(
            &provenance.sources,
            crate::sys::now_secs(),
            |i, path, stamp| match (provenance.read_hashes.get(i).copied().flatten(), data) {
                (Some(hash), _) => Ok(hash),
                (None, Some((data_path, file))) if data_path == path => {
                    hash_open_file(file, stamp.len()).map_err(|e| Error::io(path, "read", &e))
                }
                _ => hash_file(path, stamp),
            },
        )
    }
}

/// The hash of the first `stamp.len()` bytes of the file at `path`, opened without blocking
/// (what is opened is not checked again: a FIFO or device swapped in fails to read or gives
/// another hash, which is a change either way).
pub(crate) fn hash_file(path: &Path, stamp: &FileStamp) -> Result<u64> {
    let io = |e: std::io::Error| Error::io(path, "read", &e);
    let file = crate::sys::open_for_reading(path).map_err(io)?;
    hash_open_file(&file, stamp.len()).map_err(io)
}

/// The largest buffer a content check reads into.
const CHUNK_BYTES: u64 = 256 << 10;

/// The hash of the first `len` bytes of `file` (positioned reads; a file that ends first is
/// an error).
fn hash_open_file(file: &File, len: u64) -> std::io::Result<u64> {
    let chunk = len.clamp(1, CHUNK_BYTES) as usize;
    let mut buf = vec![0u8; chunk];
    let _held = HeldBytes::new(chunk);
    let mut hasher = ContentHasher::new();
    let mut offset = 0;
    while offset < len {
        let n = (len - offset).min(chunk as u64) as usize;
        crate::sys::read_exact_at(file, &mut buf[..n], offset)?;
        hasher.update(&buf[..n]);
        offset += n as u64;
    }
    Ok(hasher.finish())
}

/// A fast 64-bit hash of `bytes`, to tell whether a file's content changed (not a defence
/// against crafted collisions).
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hasher = ContentHasher::new();
    hasher.update(bytes);
    hasher.finish()
}

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;

/// A fast 64-bit hash of a byte stream, to tell whether a file's content changed (not a
/// defence against someone crafting collisions). Four lanes take 8-byte words in turn; each
/// step is a bijection of its lane, so a change within one lane always changes the hash, and
/// any other change leaves it equal with a chance of about 2^-64. The result does not depend
/// on how the stream is cut into [`ContentHasher::update`] calls.
struct ContentHasher {
    lanes: [u64; 4],
    /// Bytes of an incomplete 32-byte block.
    pending: [u8; 32],
    pending_len: usize,
    total: u64,
}

impl ContentHasher {
    fn new() -> Self {
        ContentHasher {
            lanes: [P1, P2, P3, P4],
            pending: [0; 32],
            pending_len: 0,
            total: 0,
        }
    }

    fn round(lane: u64, word: u64) -> u64 {
        (lane ^ word.wrapping_mul(P2))
            .rotate_left(31)
            .wrapping_mul(P1)
    }

    fn block(&mut self, block: &[u8]) {
        for (lane, word) in self.lanes.iter_mut().zip(block.chunks_exact(8)) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            *lane = Self::round(*lane, word);
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        if self.pending_len > 0 {
            let take = (32 - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < 32 {
                return;
            }
            let block = self.pending;
            self.block(&block);
            self.pending_len = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for block in &mut blocks {
            self.block(block);
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    fn finish(mut self) -> u64 {
        // The incomplete block, zero-padded; its length is in `total`.
        if self.pending_len > 0 {
            self.pending[self.pending_len..].fill(0);
            let block = self.pending;
            self.block(&block);
        }
        let [a, b, c, d] = self.lanes;
        let mut h = a
            .rotate_left(1)
            .wrapping_add(b.rotate_left(7))
            .wrapping_add(c.rotate_left(12))
            .wrapping_add(d.rotate_left(18))
            ^ self.total.wrapping_mul(P3);
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_hashed_while_their_stamps_cannot_prove_their_content_and_not_after() {
        let dir = std::env::temp_dir().join(format!("epyr-content-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.DTA");
        std::fs::write(&path, b"0123456789").unwrap();
        let sources = vec![(path.clone(), FileStamp::of(&path).unwrap())];
        let by_path = |_: usize, p: &Path, s: &FileStamp| hash_file(p, s);
        let now = crate::sys::now_secs();
        let fingerprint = fingerprint_if_needed(&sources, now, by_path)
            .unwrap()
            .expect("a file changed just now is hashed");
        assert_eq!(fingerprint.hashes, vec![hash_bytes(b"0123456789")]);
        assert!(fingerprint.matches(&sources));
        assert!(!fingerprint.settled(&sources, now));
        let window = crate::sys::unseen_write_window_secs();
        if fingerprint.settles && window.is_finite() {
            let later = now + window + 1.0;
            assert!(fingerprint.settled(&sources, later));
            let old = fingerprint_if_needed(&sources, later, by_path).unwrap();
            assert_eq!(old, None, "the stamps of an old file prove its content");
        }
        // The same size, rewritten: the hash sees it (whatever the stamp says).
        std::fs::write(&path, b"0123456780").unwrap();
        assert!(!fingerprint.matches(&sources));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_hash_does_not_depend_on_how_the_bytes_are_cut() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let whole = hash_bytes(&bytes);
        for cut in [1, 7, 31, 32, 33, 100, 999] {
            let mut h = ContentHasher::new();
            for piece in bytes.chunks(cut) {
                h.update(piece);
            }
            assert_eq!(h.finish(), whole, "pieces of {cut}");
        }
    }

    #[test]
    fn every_single_byte_change_and_every_length_change_changes_the_hash() {
        let bytes: Vec<u8> = (0..300u32).map(|i| (i * 31) as u8).collect();
        let whole = hash_bytes(&bytes);
        for at in 0..bytes.len() {
            for delta in [1u8, 0x80] {
                let mut changed = bytes.clone();
                changed[at] = changed[at].wrapping_add(delta);
                assert_ne!(hash_bytes(&changed), whole, "byte {at} + {delta}");
            }
        }
        for len in 0..bytes.len() {
            assert_ne!(hash_bytes(&bytes[..len]), whole, "first {len} bytes");
        }
        // Trailing zeros are content too, not padding.
        let mut padded = bytes.clone();
        padded.push(0);
        assert_ne!(hash_bytes(&padded), whole);
    }
}
