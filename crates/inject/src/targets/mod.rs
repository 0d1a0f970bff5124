//! One target end to end: read its hive(s), run the per-hive step on each, write at most once.
//! `file` handles a hive file (`--hive`, `--mount`), `wim` a WIM file; both use
//! [`crate::hive_step`], never the reverse.

mod file;
mod wim;

use std::time::Instant;

use crate::context::{millis, Work};
use crate::error::Error;
use crate::progress::{ProgressEvent, ProgressKind};
use crate::report::TargetReport;
use crate::target::{find_software_hive, Target};

/// Processes `target` (number `index` in the job) and returns its report; never fails as a whole.
pub fn process_target(work: &Work, index: usize, target: &Target) -> TargetReport {
    let started = Instant::now();
    let emit = |kind| {
        (work.progress)(ProgressEvent {
            target: index,
            path: target.path().to_path_buf(),
            kind,
        })
    };
    let mut report = TargetReport::new(target.clone());
    let result = match target {
        Target::Wim(path) => wim::process(work, path, &mut report, &emit),
        Target::Mount(dir) => find_software_hive(dir)
            .map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })
            .and_then(|hive| file::process(work, &hive, &mut report, &emit)),
        Target::Hive(path) => file::process(work, path, &mut report, &emit),
    };
    if let Err(e) = result {
        // `written` stays true when the failure came after the write (emptying a stale log).
        report.error_kind = Some(e.kind());
        report.error = Some(e.to_string());
    }
    if let Some(query) = work.trust {
        for image in &mut report.images {
            if let Some(trust) = &mut image.trust {
                crate::trust::fill_fixes(query, target, trust);
            }
        }
    }
    report.elapsed_ms = millis(started);
    emit(ProgressKind::Finished { ok: report.ok() });
    report
}
