//! Temporary files for atomic replacement (write, fsync, rename), named so that a later run
//! can tell the ones a killed process left behind and remove them.
//!
//! A temporary file is `.hive-tmp-<pid>.<random>.tmp` in the directory of the file it will
//! replace. Before it makes one, [`temp_file_in`] removes every file of that form whose process
//! is gone (`platform::temp`: where that can be told); files of running processes, of this
//! process, and every file not of that form are never touched.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::OnceLock;

use platform::temp::TempNames;
use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// Start of the name of every temporary file made here.
pub const TEMP_PREFIX: &str = ".hive-tmp-";
/// End of the name of every temporary file made here.
const TEMP_SUFFIX: &str = ".tmp";

fn names() -> &'static TempNames {
    static NAMES: OnceLock<TempNames> = OnceLock::new();
    NAMES.get_or_init(|| TempNames::new(TEMP_PREFIX, TEMP_SUFFIX))
}

/// Removes the temporary files in `dir` left by processes that are gone. Failures are ignored:
/// this only tidies up.
pub fn sweep_stale(dir: &Path) {
    names().sweep_stale(dir);
}

/// A new temporary file in `dir` (after removing stale ones, see [`sweep_stale`]).
pub fn temp_file_in(dir: &Path) -> io::Result<NamedTempFile> {
    names().create_in(dir)
}

/// Replaces `path` by a file holding `bytes` atomically: a temporary file in the same
/// directory (with the permissions of the file it replaces), fsync, rename, sync of the
/// directory. A symbolic link is followed: the file it points to is replaced, the link kept.
/// Errors name `path`.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let resolved = fs::canonicalize(path).map_err(io)?;
    let dir = platform::dir_of(&resolved);
    let mut tmp = temp_file_in(dir).map_err(io)?;
    let permissions = fs::metadata(&resolved).ok().map(|m| m.permissions());
    if let Some(p) = &permissions {
        tmp.as_file().set_permissions(p.clone()).map_err(io)?;
    }
    tmp.write_all(bytes).map_err(io)?;
    let (file, tmp_path) = tmp.keep().map_err(|e| io(e.error))?;
    platform::replace_durably(file, &tmp_path, &resolved).map_err(io)?;
    // Windows keeps the read-only attribute of a renamed file only where the file system does
    // (Wine's does not): set it again on the file now in place.
    if let Some(p) = permissions.filter(|p| p.readonly()) {
        if !fs::metadata(&resolved).is_ok_and(|m| m.permissions().readonly()) {
            fs::set_permissions(&resolved, p).map_err(io)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_file_keeps_permissions_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("SOFTWARE");
        fs::write(&path, b"old").unwrap();
        let mut perms = fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&path, perms).unwrap();
        match replace_file(&path, b"new contents") {
            Ok(()) => {
                assert_eq!(fs::read(&path).unwrap(), b"new contents");
                assert!(fs::metadata(&path).unwrap().permissions().readonly());
            }
            // where the OS refuses to replace a read-only file (Windows on NTFS), it stays
            Err(Error::Io { source, .. }) => {
                assert_eq!(source.kind(), io::ErrorKind::PermissionDenied, "{source}");
                assert_eq!(fs::read(&path).unwrap(), b"old");
            }
            Err(e) => panic!("{e}"),
        }
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["SOFTWARE"]);
    }

    #[test]
    fn temp_names_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = temp_file_in(dir.path()).unwrap();
        let name = tmp
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(names().owner(&name), Some(std::process::id()), "{name}");
    }
}
