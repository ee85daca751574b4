//! Scoped worker threads that degrade instead of failing: where the system refuses a thread
//! (an address-space limit, a cgroup pids limit, `RLIMIT_NPROC`), its work runs on the calling
//! thread, so a load with `performance.threads` set high still succeeds, with fewer threads.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread::{Builder, ScopedJoinHandle};

use parking_lot::Mutex;

/// Runs every task and returns their results in order: the first on the calling thread, each
/// other one on a scoped thread of its own where the system gives one, else on the calling
/// thread. A task that panicked gives `Err` with its panic payload, as `join` does.
pub(crate) fn run_scoped<T, F>(tasks: Vec<F>) -> Vec<std::thread::Result<T>>
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    run_scoped_with(tasks, |_| Builder::new())
}

/// [`run_scoped`] with the thread of task `i` made by `builder(i)`.
fn run_scoped_with<T, F>(
    tasks: Vec<F>,
    builder: impl Fn(usize) -> Builder,
) -> Vec<std::thread::Result<T>>
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    // A refused spawn drops the closure it was given, so each task waits in a slot: the thread
    // takes it out, or the calling thread does where there is no thread.
    let slots: Vec<Mutex<Option<F>>> = tasks.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let run_here = |slot: &Mutex<Option<F>>| {
        let task = slot.lock().take();
        catch_unwind(AssertUnwindSafe(|| task.map(|t| t())))
    };
    std::thread::scope(|scope| {
        let handles: Vec<Option<ScopedJoinHandle<'_, Option<T>>>> = slots
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                if i == 0 {
                    return None;
                }
                builder(i)
                    .spawn_scoped(scope, move || slot.lock().take().map(|t| t()))
                    .ok()
            })
            .collect();
        slots
            .iter()
            .zip(handles)
            .map(|(slot, handle)| {
                let result = match handle {
                    Some(handle) => handle.join(),
                    None => run_here(slot),
                };
                // Every slot is taken exactly once: by its thread or here.
                result.map(|r| r.expect("each task runs once"))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thread the system cannot give: its stack is larger than any address space.
    fn refused() -> Builder {
        Builder::new().stack_size(1 << 62)
    }

    #[test]
    fn refused_threads_run_their_tasks_on_the_calling_thread() {
        let caller = std::thread::current().id();
        let refusals: [fn(usize) -> bool; 3] = [|_| false, |i| i % 2 == 1, |_| true];
        for refuse in refusals {
            let tasks: Vec<_> = (0..5)
                .map(|i| move || (i * 10, std::thread::current().id()))
                .collect();
            let builder = |i| if refuse(i) { refused() } else { Builder::new() };
            let results = run_scoped_with(tasks, builder);
            assert_eq!(results.len(), 5);
            for (i, result) in results.into_iter().enumerate() {
                let (value, thread) = result.expect("no panic");
                assert_eq!(value, i * 10, "results in task order");
                let here = i == 0 || refuse(i);
                assert_eq!(thread == caller, here, "task {i} ran where expected");
            }
        }
    }

    #[test]
    fn a_panicking_task_gives_its_error_and_the_others_their_results() {
        let tasks: Vec<Box<dyn FnOnce() -> usize + Send>> = vec![
            Box::new(|| 1),
            Box::new(|| panic!("task 1 fails")),
            Box::new(|| 3),
        ];
        let results = run_scoped_with(tasks, |i| if i == 2 { refused() } else { Builder::new() });
        assert_eq!(results[0].as_ref().ok(), Some(&1));
        assert!(results[1].is_err());
        assert_eq!(results[2].as_ref().ok(), Some(&3));
    }
}
