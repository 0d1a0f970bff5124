//! The one platform layer of inject-root: everything that differs between operating systems
//! when the project reads and writes files, behind small functions with one meaning everywhere.
//! `sys/unix.rs` and `sys/windows.rs` hold the two sides (as std's `sys` does); the format and
//! editing code in `hive` and `wim` calls only what is exported here and has no `cfg` of its own.
//!
//! - positioned I/O ([`read_exact_at`], [`write_all_at`]): safe from several threads at once;
//! - durable replacement ([`sync_dir`], [`replace_durably`], [`replace_durably_closing`]): Unix
//!   syncs the directory after a rename; Windows has no directory sync (NTFS journals the
//!   rename itself) and refuses to replace a file that is still open
//!   ([`REPLACES_OPEN_FILES`]), so every handle to it is closed first;
//! - stale temporary files ([`temp`]): names carry the process id, and a file is removed only
//!   when its process is known to be gone ([`process_may_be_running`]);
//! - error classes ([`IoClass`]): disk full, read-only, in use, from errno or Win32 codes;
//! - file identity ([`FileIdentity`]): to tell that a file is still the one that was read;
//! - Windows time stamps ([`filetime`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod filetime;
mod io_class;
mod sys;
pub mod temp;

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

pub use io_class::IoClass;
pub use sys::FileIdentity;

/// Whether a rename may replace a file that this process still has open: true on Unix (the
/// old file lives on until its last handle closes), false on Windows (the rename fails with
/// "access denied"). Code that keeps a file open across its own replacement closes it first
/// where this is false, and opens it again after (see [`replace_durably_closing`]).
pub const REPLACES_OPEN_FILES: bool = sys::REPLACES_OPEN_FILES;

/// Reads exactly `buf.len()` bytes at `pos` of `file` without moving a shared file offset
/// (positioned: safe from several threads).
pub fn read_exact_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<()> {
    sys::read_exact_at(file, buf, pos)
}

/// Writes all of `bytes` at `pos` of `file` (positioned).
pub fn write_all_at(file: &File, bytes: &[u8], pos: u64) -> io::Result<()> {
    sys::write_all_at(file, bytes, pos)
}

/// Makes a rename into `dir` durable: an fsync of the directory on Unix; nothing on Windows,
/// which has no directory sync (NTFS journals the rename). Errors are returned: a caller that
/// only tidies up may ignore them, a commit must not.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    sys::sync_dir(dir)
}

/// True unless the process `pid` is known to be gone (Linux: `/proc`; Windows: the system's
/// process list, read through `sysinfo`, which must list this process too to be believed).
/// When nothing is known for sure, true: a temporary file is then never taken for stale.
pub fn process_may_be_running(pid: u32) -> bool {
    pid == std::process::id() || sys::process_may_be_running(pid)
}

/// The directory holding `path` (`.` for a bare file name).
pub fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Replaces `target` by the finished file at `tmp`: flush `tmp`'s data (`file`, the open
/// temporary file, is synced and closed first), rename over `target`, sync the directory. On
/// Windows every other handle to `target` must be closed before this is called: Windows
/// refuses to replace an open file. On an error `tmp` is removed and `target` is as it was.
pub fn replace_durably(file: File, tmp: &Path, target: &Path) -> io::Result<()> {
    replace_durably_closing(file, tmp, target, || {})
}

/// [`replace_durably`] for a `target` that this process still holds open: `close` closes
/// every handle to it (a lock included). Where the OS refuses to replace an open file
/// ([`REPLACES_OPEN_FILES`] false: Windows) `close` runs after `tmp` is flushed and closed and
/// before the rename; elsewhere it runs after the rename, so that a lock on `target` is held
/// until the new file is in place. `close` runs exactly once, whatever happens.
pub fn replace_durably_closing(
    file: File,
    tmp: &Path,
    target: &Path,
    close: impl FnOnce(),
) -> io::Result<()> {
    let synced = file.sync_all();
    drop(file);
    // std's rename: on Windows `MoveFileExW` with `MOVEFILE_REPLACE_EXISTING`.
    let rename = || synced.and_then(|()| fs::rename(tmp, target));
    let renamed = if REPLACES_OPEN_FILES {
        let renamed = rename();
        close();
        renamed
    } else {
        close();
        rename()
    };
    if let Err(e) = renamed {
        let _ = fs::remove_file(tmp);
        return Err(e);
    }
    sync_dir(dir_of(target))
}

/// The entry of `dir` that Windows would open for `name`, under the name the directory holds:
/// on a tree whose names kept Windows' case but sits on a case-sensitive file system (an image
/// extracted or mounted on Linux), the exact name first, else a case-insensitive match (Unicode
/// upper case, as NTFS compares); when several entries match (possible on Linux, never on NTFS),
/// the smallest name, so the choice does not depend on directory order. On a case-insensitive
/// file system (Windows) the one match, spelt as stored, so reports show the file's real name.
/// `Ok(None)` when nothing matches or `dir` does not exist.
pub fn find_entry(dir: &Path, name: &str) -> io::Result<Option<PathBuf>> {
    let exact = dir.join(name);
    let exact_exists = exact.symlink_metadata().is_ok();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // a directory that can be passed through but not listed: the name as asked for
        Err(_) if exact_exists => return Ok(Some(exact)),
        Err(e) => return Err(e),
    };
    let want = name.to_uppercase();
    let mut best: Option<std::ffi::OsString> = None;
    for entry in entries {
        let found = entry?.file_name();
        if found.to_str() == Some(name) {
            return Ok(Some(dir.join(found)));
        }
        let matches = found.to_str().is_some_and(|f| f.to_uppercase() == want);
        if matches && best.as_ref().is_none_or(|b| found < *b) {
            best = Some(found);
        }
    }
    Ok(best.map(|b| dir.join(b)).or(exact_exists.then_some(exact)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positioned_io_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        write_all_at(&file, b"hello", 3).unwrap();
        let mut buf = [0u8; 8];
        read_exact_at(&file, &mut buf, 0).unwrap();
        assert_eq!(&buf, b"\0\0\0hello");
        let err = read_exact_at(&file, &mut buf, 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    /// In `dir`: `target` holding "old", and the open temporary file `tmp` holding "new".
    fn staged(dir: &Path) -> (PathBuf, PathBuf, File) {
        let target = dir.join("target");
        fs::write(&target, b"old").unwrap();
        let tmp = dir.join("tmp");
        let file = File::create(&tmp).unwrap();
        write_all_at(&file, b"new", 0).unwrap();
        (target, tmp, file)
    }

    #[test]
    fn replace_durably_renames_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let (target, tmp, file) = staged(dir.path());
        replace_durably(file, &tmp, &target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert!(!tmp.exists());
        // a failed rename (target is a non-empty directory) removes the temporary file
        let blocked = dir.path().join("blocked");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("x"), b"x").unwrap();
        let file = File::create(&tmp).unwrap();
        assert!(replace_durably(file, &tmp, &blocked).is_err());
        assert!(!tmp.exists());
        assert!(blocked.join("x").exists());
    }

    #[test]
    fn replace_durably_closing_closes_once_on_the_platforms_side_of_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let (target, tmp, file) = staged(dir.path());
        let mut seen = Vec::new();
        replace_durably_closing(file, &tmp, &target, || {
            seen.push(fs::read(&target).unwrap())
        })
        .unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert!(!tmp.exists());
        // Unix closes after the rename (a lock is held until the new file is in place);
        // Windows before it (it cannot replace an open file).
        let at_close: &[u8] = if REPLACES_OPEN_FILES { b"new" } else { b"old" };
        assert_eq!(seen, [at_close]);
    }

    #[test]
    fn this_process_is_running_and_an_impossible_pid_is_not() {
        assert!(process_may_be_running(std::process::id()));
        if Path::new("/proc/self").exists() {
            // above every Linux pid_max
            assert!(!process_may_be_running(0x7FFF_FFF0));
        }
    }

    #[test]
    fn find_entry_prefers_the_exact_name_then_the_smallest_case_insensitive_one() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(find_entry(d, "SOFTWARE.LOG1").unwrap(), None);
        fs::write(d.join("software.log1"), b"one").unwrap();
        // A case-insensitive directory (Windows, NTFS by default) holds one file for every
        // spelling, and the name as asked for opens it; a case-sensitive one may hold several.
        let insensitive = d.join("SOFTWARE.LOG1").exists();
        let names_it = |found: Option<PathBuf>, want: &str| {
            let found = found.expect("an entry");
            if insensitive {
                let upper = |p: &Path| p.to_string_lossy().to_uppercase();
                assert_eq!(upper(&found), upper(&d.join(want)));
            } else {
                assert_eq!(found, d.join(want));
            }
        };
        if !insensitive {
            fs::write(d.join("Software.Log1"), b"").unwrap();
        }
        // no exact match: the smallest of the two ("Software.Log1" < "software.log1")
        names_it(find_entry(d, "SOFTWARE.LOG1").unwrap(), "Software.Log1");
        fs::write(d.join("SOFTWARE.LOG1"), b"").unwrap();
        names_it(find_entry(d, "SOFTWARE.LOG1").unwrap(), "SOFTWARE.LOG1");
        // Unicode case, as NTFS compares
        fs::write(d.join("ÄRGER"), b"").unwrap();
        names_it(find_entry(d, "ärger").unwrap(), "ÄRGER");
        assert_eq!(find_entry(&d.join("missing"), "x").unwrap(), None);
    }

    #[test]
    fn dir_of_a_bare_name_is_dot() {
        assert_eq!(dir_of(Path::new("SOFTWARE")), Path::new("."));
        assert_eq!(dir_of(Path::new("a/SOFTWARE")), Path::new("a"));
    }
}
