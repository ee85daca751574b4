//! Ctrl-C (and SIGTERM): the first one asks running commands to stop after the datasets in
//! progress, whose outputs are then either finished or removed; no partial output is left.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static STOP: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Installs the handler (once). Without it, Ctrl-C ends the process at once; every output is
/// still whole or absent, but temporary files of the datasets in progress may remain.
pub fn install() {
    INSTALL.call_once(|| {
        let handler = || {
            if !STOP.swap(true, Ordering::SeqCst) {
                eprintln!("\nepyr: interrupted; stopping after the datasets in progress");
            }
        };
        if let Err(e) = ctrlc::set_handler(handler) {
            eprintln!(
                "epyr: cannot catch Ctrl-C ({e}); an interrupted run may leave temporary files"
            );
        }
    });
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}
