//! Progress events sent to the caller's callback while a job runs (from worker threads).

use std::path::PathBuf;

use serde::Serialize;

/// One progress event. `target` is the position of the target in the job's target list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgressEvent {
    /// Index of the target in the job (0-based), stable for the whole run.
    pub target: usize,
    /// The target's path, for display.
    pub path: PathBuf,
    /// What happened.
    pub kind: ProgressKind,
}

/// The kinds of progress event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProgressKind {
    /// Work on the target began; `images` is the number of hives to look at.
    Started {
        /// Number of images (hives) to process in this target.
        images: u32,
    },
    /// One image's hive was processed (read, edited, checked).
    ImageDone {
        /// 1-based image index (0 for mount and hive targets).
        index: u32,
    },
    /// Bytes written so far while committing the target (WIM commit or hive write).
    Writing {
        /// Bytes written so far.
        done: u64,
        /// Total bytes to write.
        total: u64,
    },
    /// The target is finished; `ok` says whether it succeeded.
    Finished {
        /// True when the target succeeded.
        ok: bool,
    },
}
