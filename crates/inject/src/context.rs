//! What every worker of a job shares: the operation and its inputs, the options, the batch's
//! edit cache and the progress callback; and the job's clock.

use std::collections::HashMap;
use std::time::Instant;

use crate::cache::EditCache;
use crate::edit::HiveOp;
use crate::inspect::Expected;
use crate::progress::ProgressEvent;
use crate::report::Operation;
use crate::trust::TrustQuery;

/// Everything a worker needs to process targets; shared by all threads of one pass of a job.
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

impl Work<'_> {
    /// True when the operation changes hives (add, remove).
    pub fn edits(&self) -> bool {
        matches!(self.operation, Operation::Add | Operation::Remove)
    }

    /// True when this pass may write: an edit that is not a dry run.
    pub fn writes(&self) -> bool {
        self.edits() && !self.dry_run
    }
}

/// Milliseconds since `started`, saturating.
pub fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
