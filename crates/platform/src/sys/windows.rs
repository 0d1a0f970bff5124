//! Windows: positioned I/O through `seek_read`/`seek_write`, no directory sync, Win32 error
//! classes. Liveness of another process is not known here (true: a temporary file is never
//! taken for stale), and no file identity is given (the in-place hive path then copies and
//! writes the whole file instead of patching a copy).

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

pub(crate) fn process_may_be_running(_pid: u32) -> bool {
    true
}

pub(crate) fn classify(code: i32) -> IoClass {
    match code {
        ERROR_DISK_FULL | ERROR_HANDLE_DISK_FULL => IoClass::DiskFull,
        ERROR_ACCESS_DENIED | ERROR_WRITE_PROTECT => IoClass::ReadOnly,
        ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION | ERROR_USER_MAPPED_FILE => IoClass::InUse,
        _ => IoClass::Other,
    }
}

/// Codes and their classes, for the tests.
#[cfg(test)]
pub(crate) const SAMPLE_CODES: &[(i32, IoClass)] = &[
    (ERROR_DISK_FULL, IoClass::DiskFull),
    (ERROR_ACCESS_DENIED, IoClass::ReadOnly),
    (ERROR_SHARING_VIOLATION, IoClass::InUse),
    (2, IoClass::Other),
];

/// What identifies a file and its last change; none is given on Windows yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    len: u64,
}

impl FileIdentity {
    /// `None`: no identity on this platform.
    pub fn of(_meta: &Metadata) -> Option<FileIdentity> {
        None
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
