//! The batch's edit cache: the same hive content with the same operations is edited (and checked)
//! once per run, however many images or WIMs hold it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::edit::{Edited, HiveOp};

/// Key of one cached edit: SHA-256 of (operations fingerprint, hive bytes).
pub type EditKey = [u8; 32];

/// One cache slot: filled once; `None` when that edit failed or its result was not retained.
type Slot = Arc<OnceLock<Option<Arc<Edited>>>>;

/// How many bytes of edited hives the cache keeps for reuse. Past this, results are handed to
/// their caller but not retained (a later image with the same content edits again), so a batch
/// over many different large hives does not hold them all in memory until the run ends.
pub const RETAIN_BUDGET_BYTES: u64 = 1 << 30;

/// Shared by all worker threads of a job.
pub struct EditCache {
    slots: Mutex<HashMap<EditKey, Slot>>,
    retained: AtomicU64,
    budget: u64,
}

impl Default for EditCache {
    fn default() -> EditCache {
        EditCache::with_budget(RETAIN_BUDGET_BYTES)
    }
}

/// SHA-256 over the operations, computed once per job.
pub fn ops_digest(ops: &[HiveOp]) -> [u8; 32] {
    let mut fingerprint = Vec::new();
    for op in ops {
        op.fingerprint(&mut fingerprint);
    }
    Sha256::digest(&fingerprint).into()
}

/// The cache key of `hive` edited by the operations whose digest is `ops`.
pub fn edit_key(ops: &[u8; 32], hive: &[u8]) -> EditKey {
    let mut hasher = Sha256::new();
    hasher.update(ops);
    hasher.update(hive);
    hasher.finalize().into()
}

/// The cache key of a hive whose content has the verified SHA-1 `sha1` (a WIM's blob hash),
/// edited by the operations whose digest is `ops`. Kept apart from [`edit_key`]'s keys by a
/// prefix, so the two kinds never collide.
pub fn edit_key_by_sha1(ops: &[u8; 32], sha1: &[u8; 20]) -> EditKey {
    let mut hasher = Sha256::new();
    hasher.update(b"wim-blob-sha1:");
    hasher.update(ops);
    hasher.update(sha1);
    hasher.finalize().into()
}

impl EditCache {
    /// A cache that retains at most `budget` bytes of edited hives.
    pub fn with_budget(budget: u64) -> EditCache {
        EditCache {
            slots: Mutex::new(HashMap::new()),
            retained: AtomicU64::new(0),
            budget,
        }
    }

    /// Reserves room for `size` bytes; false when that would exceed the budget.
    fn reserve(&self, size: u64) -> bool {
        self.retained
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(size).filter(|&total| total <= self.budget)
            })
            .is_ok()
    }

    /// Returns the cached edit for `key`, or runs `edit` (once, even when several threads ask at
    /// the same time) and caches its success. The flag is true when the result was reused.
    /// Failures are not cached: each image reports its own error.
    pub fn get_or_edit<E>(
        &self,
        key: EditKey,
        edit: impl FnOnce() -> Result<Edited, E>,
    ) -> Result<(Arc<Edited>, bool), E> {
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(slots.entry(key).or_default())
        };
        let mut edit = Some(edit);
        let mut failure = None;
        let mut unretained = None;
        let mut ran = false;
        let cached = slot.get_or_init(|| {
            ran = true;
            match edit.take().map(|f| f()) {
                Some(Ok(edited)) => {
                    let size = edited.new_bytes.as_ref().map_or(0, |b| b.len() as u64);
                    let edited = Arc::new(edited);
                    if self.reserve(size) {
                        Some(edited)
                    } else {
                        unretained = Some(edited);
                        None
                    }
                }
                Some(Err(e)) => {
                    failure = Some(e);
                    None
                }
                None => None,
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        if let Some(edited) = unretained {
            return Ok((edited, false));
        }
        if let Some(edited) = cached {
            return Ok((Arc::clone(edited), !ran));
        }
        // An earlier attempt on the same content failed or was not retained: edit again for this
        // image, uncached.
        match edit.take() {
            Some(f) => f().map(|edited| (Arc::new(edited), false)),
            None => unreachable_edit(),
        }
    }
}

/// `get_or_init` ran our closure, so either it cached a success or it recorded the failure.
#[cold]
fn unreachable_edit<T, E>() -> Result<T, E> {
    unreachable!("the edit closure ran but neither succeeded nor failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edited(size: usize) -> Edited {
        Edited {
            entries: Vec::new(),
            new_bytes: Some(Arc::new(vec![7; size])),
            times: Default::default(),
        }
    }

    #[test]
    fn same_key_is_edited_once_within_the_budget() {
        let cache = EditCache::with_budget(100);
        let mut runs = 0;
        for round in 0..3 {
            let (result, reused) = cache
                .get_or_edit::<()>([1; 32], || {
                    runs += 1;
                    Ok(edited(60))
                })
                .unwrap();
            assert_eq!(result.new_bytes.as_ref().map(|b| b.len()), Some(60));
            assert_eq!(reused, round > 0);
        }
        assert_eq!(runs, 1);
    }

    #[test]
    fn results_over_the_budget_are_returned_but_not_retained() {
        let cache = EditCache::with_budget(100);
        cache.get_or_edit::<()>([1; 32], || Ok(edited(60))).unwrap();
        let mut runs = 0;
        for _ in 0..2 {
            let (result, reused) = cache
                .get_or_edit::<()>([2; 32], || {
                    runs += 1;
                    Ok(edited(60))
                })
                .unwrap();
            assert_eq!(result.new_bytes.as_ref().map(|b| b.len()), Some(60));
            assert!(!reused);
        }
        assert_eq!(runs, 2, "not retained: the second image edits again");
        assert_eq!(cache.retained.load(Ordering::SeqCst), 60);
    }

    #[test]
    fn failures_are_not_cached() {
        let cache = EditCache::with_budget(100);
        assert!(cache.get_or_edit([3; 32], || Err("bad")).is_err());
        let (result, reused) = cache
            .get_or_edit::<&str>([3; 32], || Ok(edited(1)))
            .unwrap();
        assert!(result.new_bytes.is_some());
        assert!(!reused);
    }
}
