//! Handling one SOFTWARE hive (from any kind of target): log check, then list, verify or edit.

use std::path::Path;
use std::sync::Arc;

use crate::cache::{edit_key, EditCache};
use crate::edit::{self, Edited, HiveOp};
use crate::error::Error;
use crate::inspect::{self, Expected};
use crate::logs::{self, LogFix};
use crate::progress::ProgressEvent;
use crate::report::{ImageReport, Operation};

/// Everything a worker needs to process hives; shared by all threads of a job.
pub struct Work<'a> {
    /// What to do.
    pub operation: Operation,
    /// Add/remove: the operations.
    pub ops: &'a [HiveOp],
    /// SHA-256 of `ops`, for the edit cache.
    pub ops_digest: [u8; 32],
    /// Verify: what must be there.
    pub expected: &'a [Expected],
    /// Plan only.
    pub dry_run: bool,
    /// WIM targets: rewrite the whole file instead of appending.
    pub rebuild: bool,
    /// WIM image indexes to restrict to (empty: all).
    pub indexes: &'a [u32],
    /// The batch's edit cache.
    pub cache: &'a EditCache,
    /// The caller's progress callback.
    pub progress: &'a (dyn Fn(ProgressEvent) + Sync),
}

/// The primary hive and its logs, as read from a target.
pub struct HiveInput {
    /// Primary hive bytes.
    pub primary: Vec<u8>,
    /// `.LOG1` and `.LOG2` contents, where present.
    pub logs: [Option<Vec<u8>>; 2],
}

/// What processing one hive produced, for the target to commit.
pub struct HiveOutcome {
    /// The image's report (certificates, warnings, errors).
    pub report: ImageReport,
    /// New primary bytes to write (already checked by nt-hive); `None` when unchanged.
    pub edited: Option<Arc<Edited>>,
    /// What to do with each log after writing the new primary.
    pub log_fixes: [LogFix; 2],
}

/// Processes one hive. Errors go into the returned report; `edited` is then `None`.
pub fn process_hive(
    work: &Work,
    input: HiveInput,
    label: &Path,
    mut report: ImageReport,
) -> HiveOutcome {
    report.hive = label.display().to_string();
    let mut outcome = HiveOutcome {
        report,
        edited: None,
        log_fixes: [LogFix::Keep, LogFix::Keep],
    };
    if let Err(e) = run(work, input, label, &mut outcome) {
        outcome.report.errors.push(e.to_string());
        outcome.edited = None;
    }
    outcome
}

fn run(
    work: &Work,
    input: HiveInput,
    label: &Path,
    outcome: &mut HiveOutcome,
) -> Result<(), Error> {
    let mutating = matches!(work.operation, Operation::Add | Operation::Remove);
    if let Some(reason) = logs::dirty_reason(&input, label)? {
        if mutating {
            return Err(Error::DirtyHive {
                path: label.to_path_buf(),
                reason,
            });
        }
        outcome.report.warnings.push(format!(
            "hive is dirty ({reason}): showing the primary file only, which may be out of date"
        ));
    }
    let report = &mut outcome.report;
    match work.operation {
        Operation::List => {
            report.certificates = inspect::list(&input.primary).map_err(|detail| Error::Hive {
                path: label.to_path_buf(),
                detail,
            })?;
        }
        Operation::Verify => {
            report.certificates =
                inspect::verify(&input.primary, work.expected).map_err(|detail| Error::Hive {
                    path: label.to_path_buf(),
                    detail,
                })?;
        }
        Operation::Add | Operation::Remove => {
            let key = edit_key(&work.ops_digest, &input.primary);
            let ops = work.ops;
            let HiveInput { primary, logs } = input;
            let (edited, reused) = work
                .cache
                .get_or_edit(key, || edit::edit(primary, ops, label))?;
            report.certificates = edited.entries.clone();
            report.reused = reused;
            if let Some(new_bytes) = &edited.new_bytes {
                report.changed = true;
                for (fix, log) in outcome.log_fixes.iter_mut().zip(&logs) {
                    if let Some(log) = log {
                        *fix = logs::after_write(new_bytes, log, label)?;
                    }
                }
                outcome.edited = Some(edited);
            }
        }
    }
    Ok(())
}
