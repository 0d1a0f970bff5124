//! The batch's edit cache: the same hive content with the same operations is edited (and checked)
//! once per run, however many images or WIMs hold it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::edit::{Edited, HiveOp};

/// Key of one cached edit: SHA-256 of (operations fingerprint, hive bytes).
pub type EditKey = [u8; 32];

/// One cache slot: filled once; `None` when that edit failed.
type Slot = Arc<OnceLock<Option<Arc<Edited>>>>;

/// Shared by all worker threads of a job.
#[derive(Default)]
pub struct EditCache {
    slots: Mutex<HashMap<EditKey, Slot>>,
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

impl EditCache {
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
        let mut ran = false;
        let cached = slot.get_or_init(|| {
            ran = true;
            match edit.take().map(|f| f()) {
                Some(Ok(edited)) => Some(Arc::new(edited)),
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
        if let Some(edited) = cached {
            return Ok((Arc::clone(edited), !ran));
        }
        // An earlier attempt on the same content failed: try again for this image, uncached.
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
