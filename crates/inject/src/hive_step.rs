//! The per-hive step, the same for every kind of target: check the logs (replay a dirty hive),
//! then list, verify, check trust or edit. Targets call it; it knows nothing of targets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::edit_key;
use crate::context::Work;
use crate::edit::{self, EditTimes};
use crate::error::Error;
use crate::inspect;
use crate::logs::{self, LogFix};
use crate::report::{ImageReport, Operation};
use crate::trust;

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

    /// The whole hive in memory (a file is read now).
    fn into_bytes(self) -> Result<Arc<Vec<u8>>, Error> {
        match self {
            Primary::Bytes(bytes) => Ok(bytes),
            Primary::File { path, .. } => Ok(Arc::new(
                std::fs::read(&path).map_err(|source| Error::Io { path, source })?,
            )),
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

/// What processing one hive left for its target to write.
pub enum Outcome {
    /// Nothing to write: a read-only operation, nothing changed, or an error (in the report).
    Nothing,
    /// The new hive, in memory, already checked.
    Bytes {
        /// The new hive.
        bytes: Arc<Vec<u8>>,
        /// What the edit cost (zero when an earlier identical edit was reused).
        times: EditTimes,
        /// What to do with each log after writing the new hive.
        log_fixes: [LogFix; 2],
    },
    /// The hive file, edited in place (paged) and checked, ready for its atomic write.
    File {
        /// The edited hive.
        hive: Box<hive::Hive>,
        /// What to do with each log after writing the new hive.
        log_fixes: [LogFix; 2],
    },
}

/// The result of one hive: its report and what there is to write.
pub struct HiveResult {
    /// The image's report (certificates, trust, warnings, errors).
    pub report: ImageReport,
    /// What the target writes.
    pub outcome: Outcome,
}

/// Processes one hive. Errors go into the returned report, whose outcome is then
/// [`Outcome::Nothing`].
pub fn process_hive(
    work: &Work,
    input: HiveInput,
    label: &Path,
    mut report: ImageReport,
) -> HiveResult {
    report.hive = label.display().to_string();
    match run(work, input, label, &mut report) {
        Ok(outcome) => HiveResult { report, outcome },
        Err(e) => {
            report.errors.push(e.to_string());
            HiveResult {
                report,
                outcome: Outcome::Nothing,
            }
        }
    }
}

fn run(
    work: &Work,
    input: HiveInput,
    label: &Path,
    report: &mut ImageReport,
) -> Result<Outcome, Error> {
    let input = match logs::dirty_reason(input.primary.head(), &input.logs, label)? {
        None => input,
        Some(reason) => replay(work, input, label, reason, report)?,
    };
    let HiveInput {
        primary,
        logs,
        content_sha1,
    } = input;
    let hive_error = |detail| Error::Hive {
        path: label.to_path_buf(),
        detail,
        source: None,
    };
    match (work.operation, primary) {
        (Operation::List | Operation::Verify | Operation::Check, primary) => {
            let bytes = primary.into_bytes()?;
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
            Ok(Outcome::Nothing)
        }
        (_, Primary::Bytes(primary)) => {
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
            let Some(bytes) = &edited.new_bytes else {
                return Ok(Outcome::Nothing);
            };
            report.changed = true;
            Ok(Outcome::Bytes {
                bytes: Arc::clone(bytes),
                // A reused edit cost nothing this time.
                times: if reused {
                    EditTimes::default()
                } else {
                    edited.times
                },
                log_fixes: log_fixes(bytes, &logs, label)?,
            })
        }
        (_, Primary::File { path, .. }) => {
            let edited = edit::edit_file(&path, work.ops, label)?;
            report.certificates = edited.entries;
            let Some(hive) = edited.hive else {
                return Ok(Outcome::Nothing);
            };
            report.changed = true;
            Ok(Outcome::File {
                hive: Box::new(hive),
                log_fixes: log_fixes(&edited.new_head, &logs, label)?,
            })
        }
    }
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
    let mutating = work.edits();
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
    let bytes = primary.into_bytes()?;
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
