//! The append lock: an exclusive advisory lock (`flock` on Linux, as wimlib takes) on the WIM
//! file for the length of a commit, so two writers (ours or wimlib's) never append at once.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Holds the lock until dropped. It owns a duplicate of the WIM's handle (the lock belongs to
/// the open file both share), so that a commit can close every handle to the WIM, the lock's
/// included, when a rename must replace it (see `platform::replace_durably_closing`).
pub(crate) struct Locked(File);

/// Takes the lock without waiting; `Error::Locked` if another process holds it.
pub(crate) fn exclusive(file: &File, path: &Path) -> Result<Locked> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = file.try_clone().map_err(io)?;
    match file.try_lock() {
        Ok(()) => Ok(Locked(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked {
            path: path.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}
