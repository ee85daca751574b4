//! Forking while other threads are inside epyr, as Python's `multiprocessing` does by default
//! on Linux: the child can use epyr at once (no lock is left held by a thread that does not
//! exist in the child), and its memory figures are its own. Each test runs alone in a child
//! process of the test binary (so that the only threads are its own) and forks from there.

mod common;

use std::time::Duration;

#[test]
#[cfg_attr(not(unix), ignore = "fork is a Unix call; Windows has no fork")]
fn a_child_forked_while_other_threads_use_epyr_can_use_it_at_once() {
    let xdg = common::temp_dir("fork-locks-xdg");
    common::run_child_test(
        "child_forks_while_threads_take_every_process_wide_lock",
        &xdg,
        &[],
        Duration::from_secs(600),
    );
}

#[test]
#[ignore = "run in a child process by a_child_forked_while_other_threads_use_epyr_can_use_it_at_once"]
fn child_forks_while_threads_take_every_process_wide_lock() {
    #[cfg(unix)]
    unix::fork_while_threads_use_epyr();
}

#[test]
#[cfg_attr(not(unix), ignore = "fork is a Unix call; Windows has no fork")]
fn memory_figures_in_a_forked_child_are_its_own() {
    let xdg = common::temp_dir("fork-memory-xdg");
    common::run_child_test(
        "child_measures_memory_after_a_fork",
        &xdg,
        &[],
        Duration::from_secs(120),
    );
}

#[test]
#[ignore = "run in a child process by memory_figures_in_a_forked_child_are_its_own"]
fn child_measures_memory_after_a_fork() {
    #[cfg(unix)]
    unix::memory_after_fork();
}

#[cfg(unix)]
mod unix {
    use std::ffi::{CStr, CString};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;
    use std::ptr::null_mut;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use epyr::ffi::{cache, general, loader};
    use epyr::ffi::{epyr_cache, epyr_dataset, epyr_loader};

    use super::common::fork::{fork_and_wait, ChildEnd};
    use super::common::{temp_dir, write_sample};

    /// How many times the test forks; before the fix about 1 % of children hung.
    const FORKS: usize = 300;

    /// How long a child may take for its calls before it counts as hung.
    const WATCHDOG: Duration = Duration::from_secs(30);

    fn c_path(path: &Path) -> CString {
        CString::new(path.as_os_str().as_bytes()).unwrap()
    }

    /// One round of calls through the C ABI: a loader handle, a load (a dataset handle), a
    /// failing load (the thread's, the handle's and the process's last error), a cache handle,
    /// a configuration change and read. Returns the first step that failed (0: none).
    fn c_abi_round(dsc: &CStr, missing: &CStr, cache_mb: &CStr) -> i32 {
        // SAFETY: every pointer is a live NUL-terminated string or a live out-variable, and
        // every handle made here is freed here.
        unsafe {
            let mut l: *mut epyr_loader = null_mut();
            if loader::epyr_loader_new(null_mut(), 0.0, -1, &mut l) != 0 {
                return 1;
            }
            let mut ds: *mut epyr_dataset = null_mut();
            if loader::epyr_loader_load(l, dsc.as_ptr(), c"".as_ptr(), &mut ds) != 0 {
                return 2;
            }
            epyr::ffi::dataset::epyr_dataset_free(ds);
            if loader::epyr_loader_load(l, missing.as_ptr(), c"".as_ptr(), &mut ds) == 0 {
                return 3;
            }
            general::epyr_process_last_error_message(null_mut(), 0);
            general::epyr_handle_last_error_message(l.cast(), null_mut(), 0);
            loader::epyr_loader_free(l);
            let mut c: *mut epyr_cache = null_mut();
            if cache::epyr_cache_new(1.0, &mut c) != 0 {
                return 4;
            }
            cache::epyr_cache_free(c);
            if general::epyr_config_set(c"performance.cache_size_mb".as_ptr(), cache_mb.as_ptr())
                != 0
            {
                return 5;
            }
            let mut mb = 0.0;
            if general::epyr_config_get_double(c"performance.cache_size_mb".as_ptr(), &mut mb) != 0
            {
                return 6;
            }
        }
        0
    }

    /// One round through the Rust API: a load with the global cache and the memory budget
    /// (a miss after the cache is cleared), cache statistics, memory figures.
    fn rust_round(dsc: &Path, clear: bool) -> i32 {
        if clear {
            epyr::DataCache::global().clear();
        }
        let Ok(l) = epyr::Loader::with_defaults() else {
            return 11;
        };
        if l.load(dsc, "").is_err() {
            return 12;
        }
        let _ = epyr::DataCache::global().stats();
        let _ = epyr::memory_info();
        let _ = epyr::check_memory_limit();
        0
    }

    pub fn fork_while_threads_use_epyr() {
        super::common::isolate_config();
        let dir = temp_dir("fork-locks");
        let a = write_sample(&dir, "a", [256, 1, 1], &[false]);
        let b = write_sample(&dir, "b", [64, 4, 1], &[true]);
        let (ca, missing) = (c_path(&a), c_path(&dir.join("missing.DSC")));
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            for t in 0..4 {
                let (a, b, ca, missing, stop) = (&a, &b, &ca, &missing, &stop);
                s.spawn(move || {
                    let mb = CString::new(format!("{}", 50 + t)).unwrap();
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        assert_eq!(c_abi_round(ca, missing, &mb), 0);
                        let path = if i % 2 == 0 { a } else { b };
                        assert_eq!(rust_round(path, i % 8 == t), 0);
                    }
                });
            }
            let hung = (0..FORKS).find_map(|n| {
                let end = fork_and_wait(WATCHDOG, || {
                    let code = c_abi_round(&ca, &missing, c"64");
                    if code != 0 {
                        return code;
                    }
                    rust_round(&b, true)
                });
                (end != ChildEnd::Exited(0)).then_some((n, end))
            });
            stop.store(true, Ordering::Relaxed);
            if let Some((n, end)) = hung {
                panic!("fork {n} of {FORKS}: the child ended {end:?} (Hung: it blocked in epyr)");
            }
        });
        let _ = std::fs::remove_dir_all(&dir);
    }

    pub fn memory_after_fork() {
        super::common::isolate_config();
        // The parent asks first, as a Python parent would before starting a pool.
        let parent = epyr::memory_info();
        assert!(parent.rss_mb > 1.0, "{parent:?}");
        let end = fork_and_wait(WATCHDOG, || {
            let before = epyr::memory_info().rss_mb;
            let block = vec![1u8; 256 << 20];
            std::hint::black_box(&block);
            let after = epyr::memory_info().rss_mb;
            // The child's own resident size grew by the 256 MiB it touched.
            if after - before > 200.0 {
                0
            } else {
                1
            }
        });
        assert_eq!(
            end,
            ChildEnd::Exited(0),
            "the child's resident size did not grow with its own 256 MiB: it read its parent's"
        );
    }
}
