//! What the tests do differently per operating system: renaming over an open file under Wine
//! and making a file that epyr cannot open. (A test that cannot run on a system is marked
//! `#[cfg_attr(<system>, ignore = "reason")]`, or with a `cfg` that `build.rs` sets for a
//! missing tool, so that the summary counts it as ignored.)

use std::path::Path;

/// Renames `from` over `to`. Under Wine (`EPYR_UNDER_WINE=1`, set by the cargo runner
/// `.ci/wine-run`), renaming a file over one that is open fails with "Access denied" although
/// the file is opened sharing delete (Windows 10 allows it): there it is retried every
/// millisecond until the file is closed, for at most 10 s; anywhere else the first failure is
/// returned.
pub fn rename_over(from: &Path, to: &Path) -> std::io::Result<()> {
    let wine = cfg!(windows) && std::env::var("EPYR_UNDER_WINE").as_deref() == Ok("1");
    let mut tries = 0;
    loop {
        match std::fs::rename(from, to) {
            Err(e)
                if wine && e.kind() == std::io::ErrorKind::PermissionDenied && tries < 10_000 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            result => return result,
        }
    }
}

/// Keeps a file unopenable for reading while it lives: mode 000 on Unix (restored to 0644 on
/// drop), an open handle that shares nothing on Windows (closed on drop).
pub struct Unreadable {
    #[cfg(unix)]
    path: std::path::PathBuf,
    #[cfg(windows)]
    _exclusive: std::fs::File,
}

impl Unreadable {
    /// Makes `path` unreadable for this process's other opens.
    pub fn new(path: &Path) -> Unreadable {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o000)).unwrap();
            Unreadable {
                path: path.to_path_buf(),
            }
        }
        #[cfg(windows)]
        {
            use std::os::windows::fs::OpenOptionsExt;
            let exclusive = std::fs::File::options()
                .read(true)
                .share_mode(0)
                .open(path)
                .unwrap();
            Unreadable {
                _exclusive: exclusive,
            }
        }
    }
}

impl Drop for Unreadable {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o644));
        }
    }
}
