//! Forking the test process (Unix only): the child runs a closure and leaves with its exit
//! code at once (no destructors, no `atexit` handlers); the parent waits for it with a
//! watchdog, so that a child that blocks for ever is killed and reported instead of hanging
//! the test.

use std::time::{Duration, Instant};

/// How a forked child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    /// It exited with this code (101 after a panic).
    Exited(i32),
    /// A signal ended it.
    Signalled(i32),
    /// It was still running when the watchdog expired, and was killed.
    Hung,
}

/// Forks: the child runs `child` and `_exit`s with its result; the parent waits at most
/// `watchdog` for it and says how it ended.
pub fn fork_and_wait(watchdog: Duration, child: impl FnOnce() -> i32) -> ChildEnd {
    // SAFETY: fork has no preconditions; the child only runs `child` and then `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(101);
        // SAFETY: _exit ends the child without running the parent's atexit handlers or
        // flushing buffers the child shares with the parent.
        unsafe { libc::_exit(code) }
    }
    let deadline = Instant::now() + watchdog;
    let mut status = 0;
    loop {
        // SAFETY: `status` is a live integer for waitpid to write.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(done >= 0, "waitpid: {}", std::io::Error::last_os_error());
        if done == pid {
            break;
        }
        if Instant::now() > deadline {
            // SAFETY: `pid` is our child, which has not been waited for yet.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return ChildEnd::Hung;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if libc::WIFEXITED(status) {
        ChildEnd::Exited(libc::WEXITSTATUS(status))
    } else {
        ChildEnd::Signalled(libc::WTERMSIG(status))
    }
}
