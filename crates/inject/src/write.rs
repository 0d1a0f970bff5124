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
