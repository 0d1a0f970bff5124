//! Recognising a file changed by another program while we worked on it (the atomic writes
//! themselves are `hive::atomic::replace_file` and `hive::Hive::write_atomic`).

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
        Err(Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(
                "the file was changed by another program while we worked on it; \
                 nothing written, run again",
            ),
        })
    }
}
