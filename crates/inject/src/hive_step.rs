//! Handling one SOFTWARE hive (from any kind of target): log check, then list, verify or edit.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::{edit_key, EditCache};
use crate::edit::{self, Edited, EditedFile, HiveOp};
use crate::error::Error;
use crate::inspect::{self, Expected};
use crate::logs::{self, LogFix};
use crate::progress::ProgressEvent;
use crate::report::{ImageReport, Operation};
use crate::trust::{self, TrustQuery};

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
    /// Check: the server certificate and what else the path may use.
    pub trust: Option<&'a TrustQuery>,
    /// Plan only.
    pub dry_run: bool,
    /// WIM targets: rewrite the whole file instead of appending.
    pub rebuild: bool,
    /// Refuse dirty hives instead of replaying their logs.
    pub no_replay: bool,
    /// WIM image indexes to restrict to (empty: all).
    pub indexes: &'a [u32],
    /// The batch's edit cache.
    pub cache: &'a EditCache,
    /// How many hive files of each size the job's file targets hold: a file whose size no
    /// other has cannot share an edit, so it is edited in place (paged) and never hashed.
    pub file_sizes: HashMap<u64, usize>,
    /// The caller's progress callback.
    pub progress: &'a (dyn Fn(ProgressEvent) + Sync),
}

/// A primary hive as a target gives it.
pub enum Primary {
    /// Read whole into memory (shared with the source when it keeps a copy: a WIM's reader
    /// keeps the data it read to compare chunks at commit).
    Bytes(Arc<Vec<u8>>),
    /// A hive file to edit in place, read as the edit needs it.
    File {
        /// The file (symbolic links resolved).
        path: PathBuf,
        /// Its base block as read.
        head: Vec<u8>,
    },
}

impl Primary {
    /// The base block (or, for bytes, the whole hive), for the log assessment.
    fn head(&self) -> &[u8] {
        match self {
            Primary::Bytes(bytes) => bytes,
            Primary::File { head, .. } => head,
        }
    }
}

/// The primary hive and its logs, as read from a target.
pub struct HiveInput {
    /// Primary hive.
    pub primary: Primary,
    /// `.LOG1` and `.LOG2` contents, where present.
    pub logs: [Option<Vec<u8>>; 2],
    /// A verified SHA-1 of the primary's bytes when the source already has one (a WIM's blob
    /// hash): the edit cache keys on it instead of hashing the hive again.
    pub content_sha1: Option<[u8; 20]>,
}

/// What processing one hive produced, for the target to commit.
pub struct HiveOutcome {
    /// The image's report (certificates, warnings, errors).
    pub report: ImageReport,
    /// New primary bytes to write (already checked); `None` when unchanged.
    pub edited: Option<Arc<Edited>>,
    /// For a [`Primary::File`]: the edited hive to write back (already checked); `None` when
    /// unchanged.
    pub edited_file: Option<EditedFile>,
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
        edited_file: None,
        log_fixes: [LogFix::Keep, LogFix::Keep],
    };
    if let Err(e) = run(work, input, label, &mut outcome) {
        outcome.report.errors.push(e.to_string());
        outcome.edited = None;
        outcome.edited_file = None;
    }
    outcome
}

fn run(
    work: &Work,
    input: HiveInput,
    label: &Path,
    outcome: &mut HiveOutcome,
) -> Result<(), Error> {
    let input = match logs::dirty_reason(input.primary.head(), &input.logs, label)? {
        None => input,
        Some(reason) => replay(work, input, label, reason, &mut outcome.report)?,
    };
    let report = &mut outcome.report;
    let HiveInput {
        primary,
        logs,
        content_sha1,
    } = input;
    let hive_error = |detail| Error::Hive {
        path: label.to_path_buf(),
        detail,
    };
    match (work.operation, primary) {
        (Operation::List | Operation::Verify | Operation::Check, primary) => {
            let bytes = match primary {
                Primary::Bytes(bytes) => bytes,
                Primary::File { path, .. } => {
                    Arc::new(std::fs::read(&path).map_err(|source| Error::Io { path, source })?)
                }
            };
            match (work.operation, work.trust) {
                (Operation::Check, Some(query)) => {
                    let in_image = inspect::store_certificates(&bytes).map_err(hive_error)?;
                    report.trust = Some(trust::check_image(query, &in_image));
                }
                (Operation::List, _) => {
                    report.certificates = inspect::list(&bytes).map_err(hive_error)?;
                }
                _ => {
                    report.certificates =
                        inspect::verify(&bytes, work.expected).map_err(hive_error)?;
                }
            }
        }
        (Operation::Add | Operation::Remove, Primary::Bytes(primary)) => {
            let key = match content_sha1 {
                Some(sha1) => crate::cache::edit_key_by_sha1(&work.ops_digest, &sha1),
                None => edit_key(&work.ops_digest, &primary),
            };
            let ops = work.ops;
            let (edited, reused) = work
                .cache
                .get_or_edit(key, || edit::edit(primary, ops, label))?;
            report.certificates = edited.entries.clone();
            report.reused = reused;
            if let Some(new_bytes) = &edited.new_bytes {
                report.changed = true;
                outcome.log_fixes = log_fixes(new_bytes, &logs, label)?;
                outcome.edited = Some(edited);
            }
        }
        (Operation::Add | Operation::Remove, Primary::File { path, .. }) => {
            let edited = edit::edit_file(&path, work.ops, label)?;
            report.certificates = edited.entries.clone();
            if edited.hive.is_some() {
                report.changed = true;
                outcome.log_fixes = log_fixes(&edited.new_head, &logs, label)?;
                outcome.edited_file = Some(edited);
            }
        }
    }
    Ok(())
}

/// A dirty hive: its logs replayed in memory the way Windows does when it loads it (unless the
/// job says `no_replay`). An edit then works on the replayed state and writes a clean primary;
/// list and verify show the replayed state and write nothing. Where the logs cannot be replayed
/// (none, damaged, or a clean primary that Windows would load without them), an edit is refused
/// and list/verify show the primary as it is, with a warning.
fn replay(
    work: &Work,
    input: HiveInput,
    label: &Path,
    reason: String,
    report: &mut ImageReport,
) -> Result<HiveInput, Error> {
    let mutating = matches!(work.operation, Operation::Add | Operation::Remove);
    let refuse = |reason: String| Error::DirtyHive {
        path: label.to_path_buf(),
        reason,
    };
    if work.no_replay {
        if mutating {
            return Err(refuse(format!("{reason} (--no-replay)")));
        }
        report.warnings.push(format!(
            "hive is dirty ({reason}): showing the primary file only, which may be out of date"
        ));
        return Ok(input);
    }
    let HiveInput {
        primary,
        logs,
        content_sha1,
    } = input;
    let bytes = match primary {
        Primary::Bytes(bytes) => bytes,
        Primary::File { path, .. } => {
            Arc::new(std::fs::read(&path).map_err(|source| Error::Io { path, source })?)
        }
    };
    let recovered = hive::log::recover(&bytes, logs[0].as_deref(), logs[1].as_deref());
    match recovered {
        Ok(Some(recovered)) => {
            report.warnings.push(format!(
                "hive was dirty ({reason}): its transaction logs were replayed in memory ({}){}",
                recovered.applied.join("; "),
                if mutating {
                    "; a clean primary is written and the logs are emptied"
                } else {
                    "; nothing written"
                }
            ));
            report.replayed = recovered.applied;
            Ok(HiveInput {
                primary: Primary::Bytes(Arc::new(recovered.bytes)),
                logs,
                // The replayed bytes are not the stored ones.
                content_sha1: None,
            })
        }
        outcome => {
            let why = match outcome {
                Err(e) => format!("its logs cannot be replayed: {e}"),
                _ => "the primary is clean, so Windows would not replay the logs".to_string(),
            };
            if mutating {
                return Err(refuse(format!("{reason}; {why}")));
            }
            report.warnings.push(format!(
                "hive is dirty ({reason}; {why}): showing the primary file only, which may be \
                 out of date"
            ));
            Ok(HiveInput {
                primary: Primary::Bytes(bytes),
                logs,
                content_sha1,
            })
        }
    }
}

/// The after-write policy for each log beside a primary whose new base block is `new_head`.
fn log_fixes(
    new_head: &[u8],
    logs: &[Option<Vec<u8>>; 2],
    label: &Path,
) -> Result<[LogFix; 2], Error> {
    let mut fixes = [LogFix::Keep, LogFix::Keep];
    for (fix, log) in fixes.iter_mut().zip(logs) {
        if let Some(log) = log {
            *fix = logs::after_write(new_head, log, label)?;
        }
    }
    Ok(fixes)
}
