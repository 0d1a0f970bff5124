//! Temporary files for atomic replacement (write, fsync, rename), named so that a later run
//! can tell the ones a killed process left behind and remove them.
//!
//! A temporary file is `.hive-tmp-<pid>.<random>.tmp` in the directory of the file it will
//! replace. Before it makes one, [`temp_file_in`] removes every file of that form whose process
//! is gone (on systems where that can be told: Linux, through `/proc`); files of running
//! processes, of this process, and every file not of that form are never touched.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// Start of the name of every temporary file made here.
pub const TEMP_PREFIX: &str = ".hive-tmp-";
/// End of the name of every temporary file made here.
const TEMP_SUFFIX: &str = ".tmp";

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The process id in a temporary file name made here, if `name` is one.
fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    let (pid, random) = rest.split_once('.')?;
    if random.is_empty() || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    pid.parse().ok()
}

/// True unless the process `pid` is known to be gone.
fn may_be_running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

/// Removes the temporary files in `dir` left by processes that are gone. Failures are ignored:
/// this only tidies up.
pub fn sweep_stale(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner) else {
            continue;
        };
        if pid != me && !may_be_running(pid) && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A new temporary file in `dir` (after removing stale ones, see [`sweep_stale`]).
pub fn temp_file_in(dir: &Path) -> io::Result<NamedTempFile> {
    sweep_stale(dir);
    tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}.", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .rand_bytes(10)
        .tempfile_in(dir)
}

/// Replaces `path` by a file holding `bytes` atomically: a temporary file in the same
/// directory (with the permissions of the file it replaces), fsync, rename, fsync of the
/// directory. A symbolic link is followed: the file it points to is replaced, the link kept.
/// Errors name `path`.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let resolved = fs::canonicalize(path).map_err(io)?;
    let dir = dir_of(&resolved);
    let mut tmp = temp_file_in(&dir).map_err(io)?;
    if let Ok(meta) = fs::metadata(&resolved) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(io)?;
    }
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(&resolved).map_err(|e| io(e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// Makes a rename in `dir` durable; not every platform can sync a directory, so failures are
/// ignored there.
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_names_of_gone_processes_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let keep_running = format!("{TEMP_PREFIX}{}.abc123.tmp", std::process::id());
        // pid 0x7FFFFFF0 is above every Linux pid_max: never a running process.
        let stale = format!("{TEMP_PREFIX}{}.abc123.tmp", 0x7FFF_FFF0u32);
        let not_ours = [
            format!("{TEMP_PREFIX}{}.abc123.bak", 0x7FFF_FFF0u32),
            format!("{TEMP_PREFIX}x.abc.tmp"),
            ".inject-root-123.tmp".to_string(),
            "SOFTWARE".to_string(),
        ];
        for name in not_ours.iter().chain([&keep_running, &stale]) {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        sweep_stale(dir.path());
        let gone = !dir.path().join(&stale).exists();
        assert_eq!(gone, Path::new("/proc/self").exists());
        assert!(dir.path().join(&keep_running).exists());
        for name in &not_ours {
            assert!(dir.path().join(name).exists(), "{name} removed");
        }
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
        assert_eq!(owner(&name), Some(std::process::id()), "{name}");
    }
}
