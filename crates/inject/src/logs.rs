//! Transaction logs beside a hive: refuse a dirty hive before editing it, and decide what to do
//! with each log after the new primary is written (policy from `hive::log`, docs/hive-logs.md).

use std::path::Path;

use crate::error::Error;

/// What to do with one log file once the new primary is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFix {
    /// Leave it (absent, or empty already).
    Keep,
    /// Replace it by an empty file, in the same commit as the hive.
    Truncate,
}

/// `Some(reason)` when the logs hold changes the primary lacks (or the primary is dirty).
/// `primary`: the primary hive, or at least its base block.
pub fn dirty_reason(
    primary: &[u8],
    logs: &[Option<Vec<u8>>; 2],
    label: &Path,
) -> Result<Option<String>, Error> {
    let state =
        hive::log::assess(primary, logs[0].as_deref(), logs[1].as_deref()).map_err(|e| {
            Error::Hive {
                path: label.to_path_buf(),
                detail: e.to_string(),
                source: None,
            }
        })?;
    Ok(match state {
        hive::log::LogState::Clean => None,
        hive::log::LogState::Dirty { reason } => Some(reason),
    })
}

/// The after-write policy for one existing log beside the rewritten primary whose base block
/// is `new_head`.
pub fn after_write(new_head: &[u8], log: &[u8], label: &Path) -> Result<LogFix, Error> {
    match hive::log::log_action_after_write(new_head, log) {
        hive::log::LogAction::Keep => Ok(LogFix::Keep),
        hive::log::LogAction::Truncate => Ok(LogFix::Truncate),
        hive::log::LogAction::RefuseWrite => Err(Error::ReadBack {
            path: label.to_path_buf(),
            detail: "the new primary is not clean, Windows would replay its logs over it".into(),
        }),
    }
}
