//! Windows: positioned I/O through `seek_read`/`seek_write`, no directory sync, no rename over
//! an open file, Win32 error classes, process liveness from the system's process list
//! (`sysinfo`, a safe API: no `unsafe` here), and a file identity from creation time, last-write
//! time and size (std's `MetadataExt`).

use std::fs::{File, Metadata};
use std::io;
use std::os::windows::fs::FileExt;
use std::path::Path;

use crate::IoClass;

const ERROR_ACCESS_DENIED: i32 = 5;
const ERROR_WRITE_PROTECT: i32 = 19;
const ERROR_SHARING_VIOLATION: i32 = 32;
const ERROR_LOCK_VIOLATION: i32 = 33;
const ERROR_HANDLE_DISK_FULL: i32 = 39;
const ERROR_DISK_FULL: i32 = 112;
const ERROR_USER_MAPPED_FILE: i32 = 1224;
const ERROR_DISK_QUOTA_EXCEEDED: i32 = 1295;

/// Windows refuses to replace a file that any handle still has open (`MoveFileExW` fails with
/// ERROR_ACCESS_DENIED).
pub(crate) const REPLACES_OPEN_FILES: bool = false;

pub(crate) fn read_exact_at(file: &File, mut buf: &mut [u8], mut pos: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match file.seek_read(buf, pos) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                pos += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub(crate) fn write_all_at(file: &File, mut bytes: &[u8], mut pos: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        match file.seek_write(bytes, pos) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                bytes = &bytes[n..];
                pos += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows cannot open a directory for a flush; NTFS journals the rename itself.
    Ok(())
}

/// False only when the system's process list, read just now, is believed and lacks `pid`. It
/// is believed only when it lists this process too (an empty or failed enumeration says
/// nothing). A process id reused by a newer process keeps the file: never a false "gone".
pub(crate) fn process_may_be_running(pid: u32) -> bool {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};
    let (theirs, ours) = (Pid::from_u32(pid), Pid::from_u32(std::process::id()));
    let mut system = System::new();
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[theirs, ours]),
        true,
        ProcessRefreshKind::nothing(),
    );
    system.process(ours).is_none() || system.process(theirs).is_some()
}

pub(crate) fn classify(code: i32) -> IoClass {
    match code {
        ERROR_DISK_FULL | ERROR_HANDLE_DISK_FULL | ERROR_DISK_QUOTA_EXCEEDED => IoClass::DiskFull,
        ERROR_ACCESS_DENIED | ERROR_WRITE_PROTECT => IoClass::ReadOnly,
        ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION | ERROR_USER_MAPPED_FILE => IoClass::InUse,
        _ => IoClass::Other,
    }
}

/// Codes and their classes, for the tests.
#[cfg(test)]
pub(crate) const SAMPLE_CODES: &[(i32, IoClass)] = &[
    (ERROR_DISK_FULL, IoClass::DiskFull),
    (ERROR_HANDLE_DISK_FULL, IoClass::DiskFull),
    (ERROR_DISK_QUOTA_EXCEEDED, IoClass::DiskFull),
    (ERROR_WRITE_PROTECT, IoClass::ReadOnly),
    (ERROR_LOCK_VIOLATION, IoClass::InUse),
    (ERROR_ACCESS_DENIED, IoClass::ReadOnly),
    (ERROR_SHARING_VIOLATION, IoClass::InUse),
    (2, IoClass::Other),
];

/// What identifies a file and its last change: creation time, last-write time (100 ns
/// FILETIMEs) and size. Stable std gives no file index or change time from metadata, so this is
/// weaker than the Unix identity (file system tunnelling can hand a replacing file the old
/// creation time); the hive code compares the base block beside it, whose sequence numbers
/// every registry writer changes, and that is what catches another writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    created: u64,
    written: u64,
    len: u64,
}

impl FileIdentity {
    /// The identity of a file with metadata `meta`.
    pub fn of(meta: &Metadata) -> Option<FileIdentity> {
        use std::os::windows::fs::MetadataExt;
        Some(FileIdentity {
            created: meta.creation_time(),
            written: meta.last_write_time(),
            len: meta.len(),
        })
    }

    /// The file's size when the identity was taken.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when the file was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
