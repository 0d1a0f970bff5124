//! Writing a file without ever leaving it half-written: temp file in the same directory, fsync,
//! rename over the original (keeping its permissions), fsync of the directory.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::Error;

/// Replaces `path` by `bytes` atomically. A symbolic link is followed: the file it points to is
/// replaced and the link kept (renaming over the link would turn it into a copy).
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let resolved = fs::canonicalize(path).map_err(io)?;
    let path = resolved.as_path();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let permissions = fs::metadata(path).map(|m| m.permissions()).ok();
    let mut tmp = tempfile::Builder::new()
        .prefix(".inject-root-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    if let Some(permissions) = permissions {
        fs::set_permissions(tmp.path(), permissions).map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    if let Ok(dir) = fs::File::open(dir) {
        // Makes the rename durable; not every platform allows syncing a directory.
        let _ = dir.sync_all();
    }
    Ok(())
}

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
