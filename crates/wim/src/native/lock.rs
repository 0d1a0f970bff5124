//! The append lock: an exclusive advisory lock (`flock` on Linux, as wimlib takes) on the WIM
//! file for the length of a commit, so two writers (ours or wimlib's) never append at once.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Holds the lock until dropped.
pub(crate) struct Locked<'a>(&'a File);

/// Takes the lock without waiting; `Error::Locked` if another process holds it.
pub(crate) fn exclusive<'a>(file: &'a File, path: &Path) -> Result<Locked<'a>> {
    match file.try_lock() {
        Ok(()) => Ok(Locked(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked {
            path: path.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}
