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

/// A byte count for messages, in the unit that shows it: `"512 bytes"`, `"16.3 kB"`,
/// `"4.00 MB"`, `"1.50 GB"` (three significant digits; kB, MB, GB and TB are powers of 1024,
/// as every MB in epyr). Every message that names a size uses it, so that no size reads as
/// `0.0 MB`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::format_size;

    #[test]
    fn sizes_are_shown_in_the_unit_that_shows_them() {
        let cases = [
            (0, "0 bytes"),
            (1023, "1023 bytes"),
            (1024, "1.00 kB"),
            (4194, "4.10 kB"),
            (16 * 1024 + 300, "16.3 kB"),
            (10 << 20, "10.0 MB"),
            (4096 << 20, "4.00 GB"),
            (3 << 40, "3.00 TB"),
            (5000 << 40, "5000 TB"),
        ];
        for (bytes, text) in cases {
            assert_eq!(format_size(bytes), text, "{bytes} bytes");
        }
    }
}
