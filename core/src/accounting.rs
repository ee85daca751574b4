//! Exact accounting of the bytes epyr holds: every live dataset and every buffer the library
//! allocates for the caller (chunked reading) holds a [`HeldBytes`] ticket that adds its size to
//! one process-wide counter while it lives. [`library_bytes`] reads the counter; when every
//! dataset has been dropped and the cache cleared it is back to zero.
//!
//! This sits in the bottom layer beside [`crate::dataset`] so that datasets can carry their
//! ticket; the memory monitor above reads the counter.

use std::sync::atomic::{AtomicUsize, Ordering};

static HELD: AtomicUsize = AtomicUsize::new(0);

/// Bytes currently held by epyr's datasets and buffers.
pub fn library_bytes() -> usize {
    HELD.load(Ordering::Relaxed)
}

/// A ticket for `n` bytes: adds them to [`library_bytes`] when made, subtracts them when
/// dropped. Cloning makes a new ticket for the same number of bytes.
#[derive(Debug)]
pub struct HeldBytes(usize);

impl HeldBytes {
    /// A ticket for `bytes` bytes.
    pub fn new(bytes: usize) -> Self {
        HELD.fetch_add(bytes, Ordering::Relaxed);
        HeldBytes(bytes)
    }

    /// The bytes this ticket holds.
    pub fn bytes(&self) -> usize {
        self.0
    }

    /// Changes the bytes this ticket holds (a buffer that grew or shrank).
    pub fn set(&mut self, bytes: usize) {
        if bytes >= self.0 {
            HELD.fetch_add(bytes - self.0, Ordering::Relaxed);
        } else {
            HELD.fetch_sub(self.0 - bytes, Ordering::Relaxed);
        }
        self.0 = bytes;
    }
}

impl Clone for HeldBytes {
    fn clone(&self) -> Self {
        HeldBytes::new(self.0)
    }
}

impl Drop for HeldBytes {
    fn drop(&mut self) {
        HELD.fetch_sub(self.0, Ordering::Relaxed);
    }
}

impl PartialEq for HeldBytes {
    /// Tickets never make two values differ: equality is about content.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
