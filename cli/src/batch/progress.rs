//! Progress of a batch: a bar (datasets, bytes, rate, time left) when standard error is a
//! terminal, plain lines (at most one a second, and a last one) when it is not, or nothing.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use parking_lot::Mutex;

use crate::report::megabytes;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Mode {
    /// A bar on a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// Always the bar.
    Bar,
    /// Always plain lines.
    Lines,
    /// Nothing.
    None,
}

/// Counts done so far.
struct Done {
    datasets: usize,
    bytes: u64,
    last_line: Option<Instant>,
}

/// The progress display of one batch.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    total_datasets: usize,
    total_bytes: u64,
    start: Instant,
    done: Mutex<Done>,
}

impl Progress {
    /// A display for `total_datasets` datasets of `total_bytes` bytes of source files.
    pub fn new(mode: Mode, total_datasets: usize, total_bytes: u64) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let (bar, lines) = match mode {
            Mode::Auto if terminal => (true, false),
            Mode::Auto => (false, true),
            Mode::Bar => (true, false),
            Mode::Lines => (false, true),
            Mode::None => (false, false),
        };
        let bar = bar.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total_bytes.max(1)),
                ProgressDrawTarget::stderr_with_hz(10),
            );
            let style = ProgressStyle::with_template(
                "[{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} \
                 {binary_bytes_per_sec}, {eta} left, {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(format!("0/{total_datasets} datasets"));
            bar
        });
        Progress {
            bar,
            lines,
            total_datasets,
            total_bytes,
            start: Instant::now(),
            done: Mutex::new(Done {
                datasets: 0,
                bytes: 0,
                last_line: None,
            }),
        }
    }

    /// One more dataset done (converted, skipped or failed), of `bytes` source bytes.
    pub fn advance(&self, bytes: u64) {
        let mut done = self.done.lock();
        done.datasets += 1;
        done.bytes += bytes;
        if let Some(bar) = &self.bar {
            bar.set_position(done.bytes);
            bar.set_message(format!(
                "{}/{} datasets",
                done.datasets, self.total_datasets
            ));
        }
        let due = done
            .last_line
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if self.lines && (due || done.datasets == self.total_datasets) {
            done.last_line = Some(Instant::now());
            eprintln!("{}", self.line(&done));
        }
    }

    /// `progress: 120/2000 datasets, 1.2 MB of 20 MB, 3.4 MB/s, about 5 s left`.
    fn line(&self, done: &Done) -> String {
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let rate = done.bytes as f64 / secs;
        let left = if done.bytes > 0 {
            format!(
                ", about {:.0} s left",
                (self.total_bytes - done.bytes.min(self.total_bytes)) as f64 / rate
            )
        } else {
            String::new()
        };
        format!(
            "progress: {}/{} datasets, {} of {}, {}/s{left}",
            done.datasets,
            self.total_datasets,
            megabytes(done.bytes),
            megabytes(self.total_bytes),
            megabytes(rate as u64)
        )
    }

    /// Ends the display (the bar is cleared; the summary follows).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
