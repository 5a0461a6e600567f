//! Progress of long work on stderr: a bar on a terminal, a log line every tenth otherwise
//! (so CI logs and `docker logs` show progress without control characters).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A progress reporter for `total` units of `what`.
pub struct Progress {
    bar: Option<ProgressBar>,
    what: &'static str,
    last_tenth: AtomicU64,
}

impl Progress {
    /// Starts reporting.
    pub fn new(what: &'static str, total: u64) -> Arc<Self> {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(what);
            bar
        });
        Arc::new(Self {
            bar,
            what,
            last_tenth: AtomicU64::new(0),
        })
    }

    /// Reports `done` of `total`.
    pub fn update(&self, done: u64, total: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(done);
            }
            None => {
                let tenth = (done * 10).checked_div(total).unwrap_or(10);
                if tenth > self.last_tenth.swap(tenth, Ordering::Relaxed) {
                    tracing::info!(what = self.what, done, total, "progress {}%", tenth * 10);
                }
            }
        }
    }

    /// Ends the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
