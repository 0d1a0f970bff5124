//! Whether a target file may be changed: not marked read-only, and not changed by another
//! program since it was read (the atomic writes themselves are `hive::atomic::replace_file`,
//! `hive::Hive::write_atomic` and `wim::Wim::commit`).

use std::fs;
use std::path::Path;

use crate::error::Error;

/// What a file looked like when it was read: size, modification time and its first bytes (a
/// hive's base block, whose sequence numbers every registry writer changes).
#[derive(Debug, PartialEq, Eq)]
pub struct FileState {
    len: u64,
    modified: Option<std::time::SystemTime>,
    head: Vec<u8>,
}

/// Bytes of the file's start compared by [`FileState`].
const HEAD_LEN: usize = 4096;

impl FileState {
    /// The state of `path`, whose contents were read as `bytes`.
    pub fn of(path: &Path, bytes: &[u8]) -> Result<FileState, Error> {
        let metadata = fs::metadata(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(FileState {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            head: bytes.get(..HEAD_LEN).unwrap_or(bytes).to_vec(),
        })
    }

    /// The state of `path` now (reads only its first bytes).
    pub fn read(path: &Path) -> Result<FileState, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = fs::File::open(path).map_err(io)?;
        let mut head = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(&file, HEAD_LEN as u64), &mut head)
            .map_err(io)?;
        FileState::of(path, &head)
    }

    /// Fails unless `path` still is as it was when read: replacing it would throw away what
    /// another program wrote in between.
    pub fn check_unchanged(&self, path: &Path) -> Result<(), Error> {
        if FileState::read(path)? == *self {
            return Ok(());
        }
        Err(Error::ChangedMeanwhile {
            path: path.to_path_buf(),
        })
    }
}

/// Refuses to change a file whose permission bits say read-only: the atomic rename (or, for a
/// WIM, a process running as root) would otherwise silently bypass them.
pub(crate) fn check_writable(path: &Path) -> Result<(), Error> {
    let metadata = fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if metadata.permissions().readonly() {
        return Err(Error::ReadOnly {
            path: path.to_path_buf(),
            reason: "the file is read-only".into(),
        });
    }
    Ok(())
}
