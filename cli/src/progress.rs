//! Progress display: one bar per target on a terminal, plain lines otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use inject::{ProgressEvent, ProgressKind};

/// Shows progress events; safe to call from worker threads.
pub struct Display {
    mode: Mode,
    bars: Mutex<HashMap<usize, ProgressBar>>,
}

enum Mode {
    Off,
    Lines,
    Bars(MultiProgress),
}

impl Display {
    /// Bars when stderr is a terminal, plain lines when not (for batches of several targets),
    /// nothing when `quiet`.
    pub fn new(quiet: bool, targets: usize) -> Display {
        let mode = if quiet {
            Mode::Off
        } else if std::io::stderr().is_terminal() {
            Mode::Bars(MultiProgress::new())
        } else if targets > 1 {
            Mode::Lines
        } else {
            Mode::Off
        };
        Display {
            mode,
            bars: Mutex::new(HashMap::new()),
        }
    }

    /// Handles one event.
    pub fn event(&self, event: ProgressEvent) {
        match &self.mode {
            Mode::Off => {}
            Mode::Lines => {
                if let ProgressKind::Finished { ok } = event.kind {
                    errln!(
                        "inject-root: {}: {}",
                        event.path.display(),
                        if ok { "done" } else { "failed" }
                    );
                }
            }
            Mode::Bars(multi) => self.bar_event(multi, event),
        }
    }

    fn bar_event(&self, multi: &MultiProgress, event: ProgressEvent) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        let name = event.path.display().to_string();
        match event.kind {
            ProgressKind::Started { images } => {
                // A target checked before it is written (an add with an expected trust) starts
                // twice: the same bar runs again.
                if let Some(bar) = bars.get(&event.target) {
                    bar.set_length(u64::from(images));
                    bar.set_position(0);
                    return;
                }
                let bar = multi.add(ProgressBar::new(u64::from(images)));
                bar.set_style(
                    ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} images {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_prefix(name);
                bars.insert(event.target, bar);
            }
            ProgressKind::ImageDone { .. } => {
                if let Some(bar) = bars.get(&event.target) {
                    bar.inc(1);
                }
            }
            ProgressKind::Writing { done, total } => {
                if let Some(bar) = bars.get(&event.target) {
                    bar.set_message(format!("writing {}/{} KiB", done / 1024, total / 1024));
                }
            }
            ProgressKind::Finished { ok } => {
                if let Some(bar) = bars.remove(&event.target) {
                    bar.finish_with_message(if ok { "done" } else { "FAILED" });
                }
            }
            _ => {}
        }
    }

    /// Clears the bars before the report is printed.
    pub fn finish(&self) {
        if let Mode::Bars(multi) = &self.mode {
            let _ = multi.clear();
        }
    }
}
