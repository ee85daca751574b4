//! [`DataCache`]: a thread-safe LRU cache of datasets with a byte budget, whose entries are
//! validated against every file they were built from on each lookup.
//!
//! * Key: the descriptor (parameter) file and the data file the entry's load read, each by its
//!   name in its folder and the folder by its identity (device and inode, one `stat`), plus the
//!   canonical scaling text, so a relative and an absolute path, the `.DSC` and the `.DTA` of
//!   one dataset, or paths through linked folders share one entry; two descriptors that reach
//!   one data file (a symbolic or hard link, case twins) never do, and scaled and unscaled data
//!   never mix. A load resolves its path once ([`DataCache::get_or_load_resolved`]) and keys it
//!   once.
//! * Validation: each lookup compares (size, mtime and ctime with nanoseconds, inode, device)
//!   of every source file with what they were before the data were read, and checks that every
//!   companion name the load looked for and did not find is still absent. A change in any file
//!   or a companion that appeared is a miss that drops the entry (an invalidation); a file that
//!   disappeared is a miss too.
//! * Entries built from a file that changed within [`crate::formats::RACY_WINDOW_SECS`] of the
//!   load's start are not stored: their stamps cannot prove the content read.
//! * Writes through a memory map to a page that is already dirty change no stamp: an entry
//!   whose files changed recently (or live on tmpfs) carries their content hashes
//!   ([`crate::formats::Fingerprint`]), which each hit re-checks until the stamps prove the
//!   content again.
//! * Budget: `max_bytes` counts everything an entry holds (values, axes, parameters, paths and
//!   the entry's own bookkeeping). An entry larger than the budget is not stored; a budget of
//!   0 stores nothing. Eviction is least-recently-used.
//! * Hits hand out the same `Arc<Dataset>`, never a copy; datasets are immutable.
//! * Concurrency: one short lock around the LRU; no lock is held during file I/O or decoding.
//!   Two threads missing on the same key load it once: the second waits for the first and
//!   takes its result only if the files are still the ones it was built from, else loads
//!   itself. Failed loads are never stored.
//! * Fork: every cache's locks are taken around a fork ([`crate::fork`]), and a load in
//!   progress in the parent is nobody's in a forked child, which loads the file itself.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use lru::LruCache;
use parking_lot::Condvar;

use crate::accounting::HeldBytes;
use crate::config::{self, MB};
use crate::dataset::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::fork::{lock, ForkHold, CORE_LOCKS};
use crate::formats::{FileIdentity, Format, Resolution, Scaling};

pub use crate::formats::{Absence, FileStamp, Provenance, Source};

/// The cache key: the dataset's member files (descriptor or parameter file, data file), each by
/// its identity (volume and file number, from the stamps its load took) and its name, the
/// format and the scaling ([`key_of_provenance`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    /// Shared: the key is cloned for the LRU, the loads in progress and the entry.
    files: Arc<[(FileIdentity, OsString)]>,
    /// The format id the files were read as.
    format: &'static str,
    scaling: Scaling,
}

/// A load in progress: the member files its resolution found (absolute paths, as bytes: hashed
/// at once rather than component by component), the format and the scaling.
type LoadKey = (Arc<[OsString]>, &'static str, Scaling);

/// How a caller asked for a dataset: the scaling, and the format it named (`None`: found from
/// the path). Aliases are remembered per scope, since one path read as two formats gives two
/// datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Scope {
    scaling: Scaling,
    format: Option<&'static str>,
}

struct Entry {
    key: Key,
    /// The path (absolute) whose load built the entry: its alias (as bytes: see [`LoadKey`]).
    alias: Arc<OsStr>,
    /// The relative path, as the caller spelled it, whose load built the entry, if it was
    /// relative: a second alias, taken without making the path absolute when its file is
    /// provably the alias's file (see [`DataCache::lookup_relative`]).
    relative_alias: Option<Arc<OsStr>>,
    /// How the alias asked for the entry.
    scope: Scope,
    dataset: Arc<Dataset>,
    provenance: Arc<Provenance>,
    /// Whether the stamps prove the content again after the provenance's content hashes were
    /// last checked (see [`content_unchanged`]); true from the start without hashes.
    settled: AtomicBool,
    /// Bytes counted against the budget: the dataset plus this entry's bookkeeping.
    bytes: usize,
    /// The bookkeeping bytes, counted in the library total while the entry lives.
    _held: HeldBytes,
}

struct Inner {
    lru: LruCache<Key, Arc<Entry>>,
    /// Paths as callers gave them, per scaling, to the entry they resolved to (weak: an
    /// evicted entry is not kept alive by its aliases).
    aliases: FastMap<Scope, FastMap<Arc<OsStr>, Weak<Entry>>>,
    /// How many entries have a member file of each name: a path whose member names no entry
    /// has cannot name a stored dataset through another spelling, so a first load looks no
    /// further (no system call).
    names: FastMap<OsString, u32>,
    total: usize,
    max: usize,
    enabled: bool,
}

/// A hash map with the LRU's fast hasher (keys are paths and file identities, not input an
/// attacker picks to collide).
type FastMap<K, V> = HashMap<K, V, lru::DefaultHasher>;

/// What a finished load hands to the threads that waited for it (the provenance is shared with
/// the entry stored).
type Outcome = Result<(Arc<Dataset>, Arc<Provenance>)>;

/// A load in progress, which other threads asking for the same key wait for.
struct Pending {
    /// The process whose thread loads: in a forked child, a load of the parent's has no
    /// thread to finish it.
    process: u32,
    result: parking_lot::Mutex<Option<Outcome>>,
    done: Condvar,
}

/// Counters of a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Entries stored.
    pub entries: usize,
    /// Bytes the entries hold.
    pub total_bytes: usize,
    /// The budget in bytes.
    pub max_bytes: usize,
    /// Lookups that returned stored data.
    pub hits: u64,
    /// Lookups that found nothing valid (every lookup is a hit or a miss).
    pub misses: u64,
    /// Entries removed to make room (budget, resize, memory limit).
    pub evictions: u64,
    /// Entries dropped because a source file changed or disappeared.
    pub invalidations: u64,
}

impl CacheStats {
    /// The total in MB (MiB).
    pub fn total_size_mb(&self) -> f64 {
        self.total_bytes as f64 / MB
    }

    /// The budget in MB (MiB).
    pub fn max_size_mb(&self) -> f64 {
        self.max_bytes as f64 / MB
    }

    /// Percentage of the budget in use (0 for a budget of 0).
    pub fn usage_percent(&self) -> f64 {
        if self.max_bytes == 0 {
            0.0
        } else {
            100.0 * self.total_bytes as f64 / self.max_bytes as f64
        }
    }
}

/// A thread-safe LRU cache of datasets with a byte budget (see the module documentation).
pub struct DataCache {
    locked: Arc<Locked>,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
    /// Whether this is the global cache, which follows the configuration.
    follows_config: bool,
    /// The configuration generation the global cache last applied.
    config_generation: AtomicU64,
}

/// What a cache guards with locks, shared with the list of caches whose locks a fork takes.
struct Locked {
    /// The entries (lock order: last).
    inner: Mutex<Inner>,
    /// The loads in progress.
    pending: Mutex<FastMap<LoadKey, Arc<Pending>>>,
    /// Serialises applying the configuration (lock order: before the configuration's).
    sync_lock: Mutex<()>,
}

/// Every cache alive, for the fork handlers ([`take_cache_list`]).
static CACHES: Mutex<Vec<Weak<Locked>>> = Mutex::new(Vec::new());

/// The locks of one cache, for the fork handlers.
pub(crate) struct CacheLocks(Arc<Locked>);

impl CacheLocks {
    /// Takes the lock that serialises applying the configuration.
    pub(crate) fn take_config_lock(&self, hold: &mut ForkHold) {
        hold.keep_locked(Arc::clone(&self.0), |l| &l.sync_lock);
    }

    /// Takes the lock of the loads in progress.
    pub(crate) fn take_pending(&self, hold: &mut ForkHold) {
        hold.keep_locked(Arc::clone(&self.0), |l| &l.pending);
    }

    /// Takes the lock of the entries.
    pub(crate) fn take_entries(&self, hold: &mut ForkHold) {
        hold.keep_locked(Arc::clone(&self.0), |l| &l.inner);
    }
}

/// Before a fork: makes sure the global cache is built (not half-way in another thread),
/// takes the list of caches and returns the locks of every cache alive.
pub(crate) fn take_cache_list(hold: &mut ForkHold) -> Vec<CacheLocks> {
    DataCache::global_instance();
    let list = lock(&CACHES);
    let alive = list
        .iter()
        .filter_map(Weak::upgrade)
        .map(CacheLocks)
        .collect();
    hold.keep(list);
    alive
}

/// Converts MB to bytes, refusing negative, NaN or absurd values.
pub fn mb_to_bytes(mb: f64) -> Result<usize> {
    if !(0.0..=1e9).contains(&mb) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("cache size {mb} MB: expected a number from 0 to 1e9"),
        ));
    }
    Ok((mb * MB) as usize)
}

impl DataCache {
    /// A cache with a budget of `max_bytes` (0 stores nothing).
    pub fn new(max_bytes: usize) -> Self {
        CORE_LOCKS.arm();
        let locked = Arc::new(Locked {
            inner: Mutex::new(Inner {
                lru: LruCache::unbounded(),
                aliases: FastMap::default(),
                names: FastMap::default(),
                total: 0,
                max: max_bytes,
                enabled: true,
            }),
            pending: Mutex::new(FastMap::default()),
            sync_lock: Mutex::new(()),
        });
        {
            let mut caches = lock(&CACHES);
            caches.retain(|c| c.strong_count() > 0);
            caches.push(Arc::downgrade(&locked));
        }
        DataCache {
            locked,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
            follows_config: false,
            config_generation: AtomicU64::new(u64::MAX),
        }
    }

    /// The entries, locked.
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        lock(&self.locked.inner)
    }

    /// A cache with a budget in MB.
    pub fn with_size_mb(max_size_mb: f64) -> Result<Self> {
        Ok(DataCache::new(mb_to_bytes(max_size_mb)?))
    }

    /// The process-wide cache, built on first use from the configuration
    /// (`performance.cache_size_mb`, `performance.cache_enabled`) and kept in step with it:
    /// a configuration change resizes or disables it at the next call.
    pub fn global() -> &'static Arc<DataCache> {
        let cache = DataCache::global_instance();
        cache.follow_config();
        cache
    }

    /// The process-wide cache, built on first use (its budget applied by the first
    /// `follow_config`).
    fn global_instance() -> &'static Arc<DataCache> {
        static GLOBAL: OnceLock<Arc<DataCache>> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            let mut cache = DataCache::new(0);
            cache.follows_config = true;
            Arc::new(cache)
        })
    }

    /// For the global cache: applies `performance.cache_size_mb` and `cache_enabled` if the
    /// configuration changed since the last call (one atomic load when it did not). Every
    /// operation calls it, so a loader that holds the global cache sees changes at once.
    fn follow_config(&self) {
        if !self.follows_config {
            return;
        }
        let global = config::global();
        if self.config_generation.load(Ordering::Acquire) == global.generation() {
            return;
        }
        let _one_at_a_time = lock(&self.locked.sync_lock);
        // Read the generation before the settings: a change made meanwhile leaves a newer
        // generation than the one stored below, so the next call applies it.
        let generation = global.generation();
        if self.config_generation.load(Ordering::Acquire) == generation {
            return;
        }
        let (enabled, max) = match global.cache_size_mb() {
            Ok(Some(mb)) => (true, mb_to_bytes(mb).unwrap_or(0)),
            // Disabled, or a cache key without a value in force (its getters, the C ABI's
            // statistics of this cache and the loaders report the error): nothing is stored.
            Ok(None) | Err(_) => (false, 0),
        };
        self.inner().enabled = enabled;
        self.resize(if enabled { max } else { 0 });
        self.config_generation.store(generation, Ordering::Release);
    }

    /// The current counters.
    pub fn stats(&self) -> CacheStats {
        self.follow_config();
        let inner = self.inner();
        CacheStats {
            entries: inner.lru.len(),
            total_bytes: inner.total,
            max_bytes: inner.max,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
        }
    }

    /// Removes every entry (not counted as evictions).
    pub fn clear(&self) {
        let removed: Vec<Arc<Entry>> = {
            let mut inner = self.inner();
            inner.aliases.clear();
            inner.names.clear();
            inner.total = 0;
            let mut out = Vec::with_capacity(inner.lru.len());
            while let Some((_, e)) = inner.lru.pop_lru() {
                out.push(e);
            }
            out
        };
        drop(removed); // datasets are freed outside the lock
    }

    /// Changes the budget, evicting least-recently-used entries until the total fits.
    pub fn resize(&self, max_bytes: usize) {
        let removed = {
            let mut inner = self.inner();
            inner.max = max_bytes;
            self.evict_to(&mut inner, max_bytes)
        };
        drop(removed);
    }

    /// Evicts the least-recently-used entry whose dataset no caller holds, so that evicting it
    /// really frees its memory; returns the bytes it held, or `None` if there is none. Entries
    /// that callers still hold stay cached: dropping them would free nothing.
    pub fn evict_reclaimable(&self) -> Option<usize> {
        let entry = {
            let mut inner = self.inner();
            let key = inner
                .lru
                .iter()
                .rev()
                .find(|(_, e)| Arc::strong_count(&e.dataset) == 1)
                .map(|(k, _)| k.clone())?;
            inner.remove(&key)?
        };
        self.evictions.fetch_add(1, Ordering::Relaxed);
        Some(entry.bytes)
    }

    fn evict_to(&self, inner: &mut Inner, limit: usize) -> Vec<Arc<Entry>> {
        let mut removed = Vec::new();
        while inner.total > limit {
            let Some((_, entry)) = inner.lru.pop_lru() else {
                break;
            };
            inner.forget(&entry);
            removed.push(entry);
            self.evictions.fetch_add(1, Ordering::Relaxed);
        }
        removed
    }

    /// Looks up the dataset at `path` with `scaling`: the stored dataset if every source file
    /// is unchanged, else `None` (a miss; a changed entry is dropped).
    pub fn get(&self, path: &Path, scaling: Scaling) -> Option<Arc<Dataset>> {
        self.follow_config();
        let found = self.lookup(
            path,
            Scope {
                scaling,
                format: None,
            },
        );
        self.count(found.is_some());
        found
    }

    /// Looks up the dataset, and on a miss runs `load` (without any lock held) and stores its
    /// result if the load succeeded. `load` returns the dataset and its [`Provenance`] (stamps
    /// taken before reading). When several threads miss on the same dataset, one loads and the
    /// others wait for its result, which a waiter takes only if the files are still the ones
    /// it was built from (else it loads itself): a load never returns data older than the
    /// files at its start. Returns the dataset and whether it was a hit.
    pub fn get_or_load(
        &self,
        path: &Path,
        scaling: Scaling,
        load: impl FnOnce() -> Result<(Arc<Dataset>, Provenance)>,
    ) -> Result<(Arc<Dataset>, bool)> {
        self.get_or_load_resolved(path, None, scaling, |_| load())
    }

    /// [`DataCache::get_or_load`] for a `load` that reads the files the lookup's resolution of
    /// the path found (given to it): the path is made absolute, resolved and keyed once per
    /// call, and a miss stores its dataset under that key without resolving again. With
    /// `format`, the path is read as that format (the extension and content are not
    /// consulted).
    pub fn get_or_load_resolved(
        &self,
        path: &Path,
        format: Option<&'static dyn Format>,
        scaling: Scaling,
        load: impl FnOnce(Resolution) -> Result<(Arc<Dataset>, Provenance)>,
    ) -> Result<(Arc<Dataset>, bool)> {
        self.follow_config();
        let scope = Scope {
            scaling,
            format: format.map(|f| f.id()),
        };
        if let Some(entry) = self.lookup_relative(path, scope) {
            self.count(true);
            return Ok((Arc::clone(&entry.dataset), true));
        }
        let given = absolute_path(path);
        if let Some(Some(entry)) = self.lookup_alias(path, &given, scope) {
            self.count(true);
            return Ok((Arc::clone(&entry.dataset), true));
        }
        let resolution = match resolve(&given, format) {
            Ok(r) => r,
            Err(e) => {
                self.count(false);
                // Messages name the path as the caller gave it: where it was made absolute
                // (a relative path; on Windows also `/dir/x.DSC`), the error is taken from a
                // resolution of the path as given (on this error path only).
                if given.as_ref() != path {
                    return Err(resolve(path, format).err().unwrap_or(e));
                }
                return Err(e);
            }
        };
        if let Some(entry) = self.lookup_other_spelling(&resolution, scaling) {
            self.count(true);
            return Ok((Arc::clone(&entry.dataset), true));
        }
        let load_key: LoadKey = (
            resolution
                .members
                .iter()
                .map(|m| m.as_os_str().to_os_string())
                .collect(),
            resolution.format.id(),
            scaling,
        );
        let (pending, leader) = self.pending_load(&load_key);
        if !leader {
            self.count(false);
            if let Some(ds) = wait_for(&pending) {
                return Ok((ds, false));
            }
            let (ds, provenance) = load(resolution)?;
            self.store((&given, path), scope, &ds, Arc::new(provenance));
            return Ok((ds, false));
        }
        // Publishes the outcome to waiters even if `load` panics.
        let mut publisher = Publisher {
            cache: self,
            key: &load_key,
            path: &given,
            pending: &pending,
            result: None,
        };
        // Another leader may have stored the dataset between the first lookup and this one
        // becoming leader: look again, so that concurrent misses load a file once.
        let stored = match self.lookup_alias(path, &given, scope) {
            Some(found) => found,
            None => self.lookup_other_spelling(&resolution, scaling),
        };
        if let Some(entry) = stored {
            self.count(true);
            let ds = Arc::clone(&entry.dataset);
            publisher.result = Some(Ok((Arc::clone(&ds), Arc::clone(&entry.provenance))));
            return Ok((ds, true));
        }
        self.count(false);
        let outcome = load(resolution).map(|(ds, provenance)| (ds, Arc::new(provenance)));
        if let Ok((ds, provenance)) = &outcome {
            self.store((&given, path), scope, ds, Arc::clone(provenance));
        }
        let result = outcome
            .as_ref()
            .map(|(ds, _)| Arc::clone(ds))
            .map_err(Clone::clone);
        publisher.result = Some(outcome);
        drop(publisher);
        result.map(|ds| (ds, false))
    }

    /// The load in progress of `key` to wait for, or a new one this thread leads (`true`).
    fn pending_load(&self, key: &LoadKey) -> (Arc<Pending>, bool) {
        let process = crate::sys::process_id();
        let mut map = lock(&self.locked.pending);
        match map.get(key) {
            Some(p) if p.process == process => (Arc::clone(p), false),
            // None, or a load of the parent's that no thread of this forked child finishes.
            _ => {
                let p = Arc::new(Pending {
                    process,
                    result: parking_lot::Mutex::new(None),
                    done: Condvar::new(),
                });
                map.insert(key.clone(), Arc::clone(&p));
                (p, true)
            }
        }
    }

    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Stores a dataset for `path` with `scaling`, built from what `provenance` records. Not
    /// stored when the cache is disabled, the budget is 0, the entry is larger than the budget,
    /// or a source changed too shortly before the load started for its stamp to prove the
    /// content ([`Provenance::racy`]).
    pub fn insert(
        &self,
        path: &Path,
        scaling: Scaling,
        dataset: Arc<Dataset>,
        provenance: Provenance,
    ) -> Result<()> {
        self.follow_config();
        let scope = Scope {
            scaling,
            format: None,
        };
        self.store(
            (&absolute_path(path), path),
            scope,
            &dataset,
            Arc::new(provenance),
        );
        Ok(())
    }

    /// Stores an entry under the key of the files it was built from (its provenance, not a
    /// resolution of `given` made at another moment), with `given` (absolute) as its alias,
    /// and `as_called` too where the caller's path was relative.
    fn store(
        &self,
        (given, as_called): (&Path, &Path),
        scope: Scope,
        dataset: &Arc<Dataset>,
        provenance: Arc<Provenance>,
    ) {
        if provenance.racy() {
            return;
        }
        let Some(key) = key_of_provenance(&provenance, dataset.format().as_str(), scope.scaling)
        else {
            return;
        };
        let overhead = entry_overhead(&key, (given, as_called), &provenance);
        let bytes = dataset.heap_bytes() + overhead;
        let removed = {
            let mut inner = self.inner();
            if !inner.enabled || bytes > inner.max {
                return;
            }
            let mut removed = Vec::new();
            removed.extend(inner.remove(&key));
            let max = inner.max;
            removed.extend(self.evict_to(&mut inner, max - bytes));
            inner.total += bytes;
            let alias: Arc<OsStr> = Arc::from(given.as_os_str());
            let relative_alias: Option<Arc<OsStr>> = as_called
                .is_relative()
                .then(|| Arc::from(as_called.as_os_str()));
            let entry = Arc::new(Entry {
                key: key.clone(),
                alias: Arc::clone(&alias),
                relative_alias: relative_alias.clone(),
                scope,
                dataset: Arc::clone(dataset),
                settled: AtomicBool::new(provenance.content.is_none()),
                provenance,
                bytes,
                _held: HeldBytes::new(overhead),
            });
            let weak = Arc::downgrade(&entry);
            for (_, name) in key.files.iter() {
                *inner.names.entry(name.clone()).or_insert(0) += 1;
            }
            inner.lru.put(key, entry);
            if let Some(relative) = relative_alias {
                inner.add_alias(relative, scope, weak.clone());
            }
            inner.add_alias(alias, scope, weak);
            removed
        };
        drop(removed);
    }

    /// The validated lookup without counting: through the alias of the path that built an
    /// entry, else through a fresh resolution of the path and its key.
    fn lookup(&self, path: &Path, scope: Scope) -> Option<Arc<Dataset>> {
        let given = absolute_path(path);
        let entry = match self.lookup_alias(path, &given, scope) {
            Some(found) => found,
            None => {
                let resolution = Resolution::of(&given).ok()?;
                self.lookup_other_spelling(&resolution, scope.scaling)
            }
        };
        entry.map(|e| Arc::clone(&e.dataset))
    }

    /// The hot path: the entry that `given` (`path` made absolute) built, validated. `None`
    /// when `given` is not the alias of a live entry; `Some(None)` when it is but the entry
    /// changed (it is dropped). Takes the lock once and stats each source file and each absent
    /// name once (the given file by `path` as the caller spelled it: a relative path is a
    /// shorter walk for the kernel).
    /// Another spelling of the path (relative, through the other file of the pair, through a
    /// linked folder) is resolved afresh on every lookup: only the path that built an entry is
    /// remembered as its alias, since only its resolution is what the entry records.
    fn lookup_alias(&self, path: &Path, given: &Path, scope: Scope) -> Option<Option<Arc<Entry>>> {
        let entry = {
            let mut inner = self.inner();
            let entry = inner
                .aliases
                .get(&scope)
                .and_then(|m| m.get(given.as_os_str()))
                .and_then(Weak::upgrade);
            entry.filter(|e| inner.lru.get(&e.key).is_some_and(|cur| Arc::ptr_eq(cur, e)))?
        };
        let sources = &entry.provenance.sources;
        Some(match FileStamp::of(path) {
            // The given file is one of the sources: its stat is reused.
            Ok(now) => match sources.iter().position(|(p, _)| p == given) {
                Some(i) => self.validate(&entry, Some((i, now))),
                None => self.validate(&entry, None),
            },
            // A base name without extension: its resolution is the sources and absences.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.validate(&entry, None),
            Err(_) => {
                self.inner().remove_alias(given, scope);
                None
            }
        })
    }

    /// The hot path of a relative `path` that built an entry, without making it absolute (no
    /// `getcwd`): taken only when one `lstat` of `path` proves that it reaches the very file
    /// the entry's absolute alias names, through the one folder that holds it
    /// ([`FileStamp::of_sole_name`]): then the path resolves to the files the entry records,
    /// whatever the current folder, and the entry is validated by its recorded (absolute)
    /// sources and absences as usual. `None` sends the caller to the general path: no such
    /// alias, another current folder, a linked or symbolically linked file, or a changed one.
    fn lookup_relative(&self, path: &Path, scope: Scope) -> Option<Arc<Entry>> {
        if !path.is_relative() {
            return None;
        }
        let entry = {
            let mut inner = self.inner();
            let entry = inner
                .aliases
                .get(&scope)?
                .get(path.as_os_str())
                .and_then(Weak::upgrade)?;
            inner
                .lru
                .get(&entry.key)
                .is_some_and(|current| Arc::ptr_eq(current, &entry))
                .then_some(entry)?
        };
        let now = FileStamp::of_sole_name(path)?;
        let sources = &entry.provenance.sources;
        let i = sources
            .iter()
            .position(|(p, _)| p.as_os_str() == &*entry.alias)?;
        if sources[i].1 != now {
            return None;
        }
        self.validate(&entry, Some((i, now)))
    }

    /// The validated entry of the files `resolution` found, stored through another spelling of
    /// the path (the other file of the pair, a path through a linked folder or with `..`).
    /// Without a stored entry that has a member file of one of the names, that is known
    /// without a system call; else the member files are stat'ed for their identities, and the
    /// entry is taken only if its files are in the same folders (two folders holding hard links
    /// of the same files may hold different companions).
    fn lookup_other_spelling(
        &self,
        resolution: &Resolution,
        scaling: Scaling,
    ) -> Option<Arc<Entry>> {
        {
            let inner = self.inner();
            let named = resolution
                .members
                .iter()
                .any(|m| m.file_name().is_some_and(|n| inner.names.contains_key(n)));
            if !named {
                return None;
            }
        }
        let key = key_of_paths(&resolution.members, resolution.format.id(), scaling)?;
        let entry = self.inner().lru.get(&key).cloned()?;
        let stored: Vec<&Path> = entry.provenance.members().collect();
        if !same_folders(&stored, &resolution.members) {
            return None;
        }
        self.validate(&entry, None)
    }

    /// Checks every source stamp (source `i` was already stat'ed as `given`) and every absent
    /// name; drops the entry if any file changed or a companion appeared.
    fn validate(
        &self,
        entry: &Arc<Entry>,
        given: Option<(usize, FileStamp)>,
    ) -> Option<Arc<Entry>> {
        let provenance = &entry.provenance;
        let unchanged = provenance
            .sources
            .iter()
            .enumerate()
            .all(|(j, (p, s))| match given {
                Some((i, now)) if i == j => now == *s,
                _ => FileStamp::of(p).is_ok_and(|now| now == *s),
            })
            && provenance.absent.iter().all(Absence::still_holds)
            && content_unchanged(entry);
        if unchanged {
            return Some(Arc::clone(entry));
        }
        let removed = {
            let mut inner = self.inner();
            match inner.lru.peek(&entry.key) {
                Some(current) if Arc::ptr_eq(current, entry) => inner.remove(&entry.key),
                _ => None,
            }
        };
        if removed.is_some() {
            self.invalidations.fetch_add(1, Ordering::Relaxed);
        }
        None
    }
}

impl Inner {
    /// Remembers that `path` with `scaling` names `entry` (an entry's alias is forgotten
    /// when the entry leaves the cache: [`Inner::remove`]).
    fn add_alias(&mut self, path: Arc<OsStr>, scope: Scope, entry: Weak<Entry>) {
        self.aliases.entry(scope).or_default().insert(path, entry);
    }

    /// Takes the entry of `key` out of the cache ([`Inner::forget`]); the caller drops it
    /// outside the lock.
    fn remove(&mut self, key: &Key) -> Option<Arc<Entry>> {
        let entry = self.lru.pop(key)?;
        self.forget(&entry);
        Some(entry)
    }

    /// Accounts for `entry` having left the LRU: its bytes leave the total and its alias is
    /// forgotten if it still names it.
    fn forget(&mut self, entry: &Arc<Entry>) {
        self.total -= entry.bytes;
        for (_, name) in entry.key.files.iter() {
            if let Some(count) = self.names.get_mut(name) {
                *count -= 1;
                if *count == 0 {
                    self.names.remove(name);
                }
            }
        }
        if let Some(map) = self.aliases.get_mut(&entry.scope) {
            for alias in std::iter::once(&entry.alias).chain(&entry.relative_alias) {
                if map
                    .get(alias)
                    .is_some_and(|named| std::ptr::eq(named.as_ptr(), Arc::as_ptr(entry)))
                {
                    map.remove(alias);
                }
            }
        }
    }

    fn remove_alias(&mut self, path: &Path, scope: Scope) {
        if let Some(map) = self.aliases.get_mut(&scope) {
            map.remove(path.as_os_str());
        }
    }
}

/// For an entry whose files could change without their stamps changing (it has content
/// hashes and has not settled): whether every file still has its hash. The first check made
/// once the stamps prove the content again (every change time older than the window, on file
/// systems that write back) settles the entry: from then on a write changes a stamp, and the
/// hit is stamps only again.
fn content_unchanged(entry: &Entry) -> bool {
    if entry.settled.load(Ordering::Acquire) {
        return true;
    }
    let Some(fingerprint) = &entry.provenance.content else {
        return true;
    };
    let sources = &entry.provenance.sources;
    // The time is taken before the files are read: what the hashes see is then at least as
    // new as the moment the stamps began to prove the content.
    let settles_now = fingerprint.settled(sources, crate::sys::now_secs());
    if !fingerprint.matches(sources) {
        return false;
    }
    if settles_now {
        entry.settled.store(true, Ordering::Release);
    }
    true
}

/// Hands the leader's result to waiting threads and removes the pending marker, also when the
/// leader unwinds from a panic.
struct Publisher<'a> {
    cache: &'a DataCache,
    key: &'a LoadKey,
    /// The path being loaded, for the message of a panicked load.
    path: &'a Path,
    pending: &'a Arc<Pending>,
    result: Option<Outcome>,
}

impl Drop for Publisher<'_> {
    fn drop(&mut self) {
        let result = self.result.take().unwrap_or_else(|| {
            Err(Error::new(
                ErrorKind::Panic,
                format!(
                    "{}: the thread loading this dataset panicked",
                    self.path.display()
                ),
            ))
        });
        {
            let mut map = lock(&self.cache.locked.pending);
            if map
                .get(self.key)
                .is_some_and(|p| Arc::ptr_eq(p, self.pending))
            {
                map.remove(self.key);
            }
        }
        *self.pending.result.lock() = Some(result);
        self.pending.done.notify_all();
    }
}

/// Waits for the leader of `pending` and returns its dataset if the files are still the ones
/// it read and its stamps prove what it read; `None` after a failure, or files changed since
/// (the caller then loads what is there now).
fn wait_for(pending: &Pending) -> Option<Arc<Dataset>> {
    let outcome = {
        let mut slot = pending.result.lock();
        while slot.is_none() {
            pending.done.wait(&mut slot);
        }
        slot.clone()?
    };
    let (ds, provenance) = outcome.ok()?;
    (provenance.unchanged() && !provenance.racy()).then_some(ds)
}

/// The resolution of `given` (absolute), as `format` where the caller names one.
fn resolve(given: &Path, format: Option<&'static dyn Format>) -> Result<Resolution> {
    match format {
        Some(f) => Resolution::as_format(given, f.id()),
        None => Resolution::of(given),
    }
}

/// The key of a dataset built from the files its provenance records: each member file by the
/// identity its stamp took (no system call) and its name. So two names of one file (a symbolic
/// or hard link, case twins) give two keys, while paths through linked folders give one.
fn key_of_provenance(
    provenance: &Provenance,
    format: &'static str,
    scaling: Scaling,
) -> Option<Key> {
    let members = provenance.members.min(provenance.sources.len());
    let files = provenance.sources[..members]
        .iter()
        .map(|(path, stamp)| Some((stamp.identity(), path.file_name()?.to_os_string())))
        .collect::<Option<Vec<_>>>()?;
    (!files.is_empty()).then(|| key_from(files, format, scaling))
}

/// The key of the dataset whose member files are `members`: each file stat'ed for its identity.
fn key_of_paths(members: &[PathBuf], format: &'static str, scaling: Scaling) -> Option<Key> {
    let files = members
        .iter()
        .map(|path| {
            let identity = FileStamp::of(path).ok()?.identity();
            Some((identity, path.file_name()?.to_os_string()))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(key_from(files, format, scaling))
}

/// A key of `files` in a fixed order (a resolution lists them in role order, a load records
/// them in the order it opened them).
fn key_from(
    mut files: Vec<(FileIdentity, OsString)>,
    format: &'static str,
    scaling: Scaling,
) -> Key {
    files.sort_unstable();
    Key {
        files: files.into(),
        format,
        scaling,
    }
}

/// Whether the files `stored` (an entry's members) and `wanted` (a resolution's) are in the
/// same folders, by the folders' identities where the paths differ.
fn same_folders(stored: &[&Path], wanted: &[PathBuf]) -> bool {
    let folder = |p: &Path| p.parent().map(Path::to_path_buf).unwrap_or_default();
    stored.len() == wanted.len()
        && stored.iter().zip(wanted).all(|(a, b)| {
            let (fa, fb) = (folder(a), folder(b));
            fa == fb
                || matches!(
                    (crate::sys::identity_of(&fa), crate::sys::identity_of(&fb)),
                    (Ok(x), Ok(y)) if x == y
                )
        })
}

/// The bytes an entry holds besides its dataset: the entry itself, its key and aliases, and its
/// provenance's paths.
fn entry_overhead(key: &Key, (given, as_called): (&Path, &Path), provenance: &Provenance) -> usize {
    let path_bytes = |p: &Path| p.as_os_str().len();
    std::mem::size_of::<Entry>()
        + 2 * key
            .files
            .iter()
            .map(|(_, name)| name.len() + std::mem::size_of::<(FileIdentity, OsString)>())
            .sum::<usize>()
        + 2 * path_bytes(given)
        + if as_called.is_relative() {
            2 * path_bytes(as_called)
        } else {
            0
        }
        + provenance
            .sources
            .iter()
            .map(|(p, _)| path_bytes(p) + std::mem::size_of::<Source>())
            .sum::<usize>()
        + provenance
            .absent
            .iter()
            .map(|a| match a {
                Absence::File(p) | Absence::Listing(p, _) => path_bytes(p),
            } + std::mem::size_of::<Absence>())
            .sum::<usize>()
}

/// `path` made absolute (relative to the current folder), without touching the file system
/// for a path that is absolute already.
fn absolute_path(path: &Path) -> std::borrow::Cow<'_, Path> {
    if path.is_absolute() {
        std::borrow::Cow::Borrowed(path)
    } else {
        std::path::absolute(path).map_or(std::borrow::Cow::Borrowed(path), std::borrow::Cow::Owned)
    }
}
