//! Unix (Linux first): positioned I/O through `FileExt`, directory fsync, `/proc` liveness,
//! errno classes, inode identity.

use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

use crate::IoClass;

/// POSIX `rename` replaces a file that is open (the old one lives on until closed).
pub(crate) const REPLACES_OPEN_FILES: bool = true;

pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<()> {
    file.read_exact_at(buf, pos)
}

pub(crate) fn write_all_at(file: &File, bytes: &[u8], pos: u64) -> io::Result<()> {
    file.write_all_at(bytes, pos)
}

pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir)?.sync_all() {
        // A file system that cannot sync a directory (some FUSE and network file systems)
        // has nothing more to make durable here.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOTSUP)) => Ok(()),
        other => other,
    }
}

pub(crate) fn process_may_be_running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    // Without /proc nothing is known for sure: keep the file.
    true
}

pub(crate) fn classify(code: i32) -> IoClass {
    match code {
        libc::ENOSPC | libc::EDQUOT => IoClass::DiskFull,
        libc::EACCES | libc::EPERM | libc::EROFS => IoClass::ReadOnly,
        libc::ETXTBSY => IoClass::InUse,
        _ => IoClass::Other,
    }
}

/// Codes and their classes, for the tests.
#[cfg(test)]
pub(crate) const SAMPLE_CODES: &[(i32, IoClass)] = &[
    (libc::ENOSPC, IoClass::DiskFull),
    (libc::EDQUOT, IoClass::DiskFull),
    (libc::EACCES, IoClass::ReadOnly),
    (libc::EROFS, IoClass::ReadOnly),
    (libc::ETXTBSY, IoClass::InUse),
    (libc::ENOENT, IoClass::Other),
];

/// What identifies a file and its last change: device, inode, size, modification and change
/// times. Two equal identities mean the file was not replaced or written in between (as far
/// as the file system's time stamps tell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileIdentity {
    /// The identity of a file with metadata `meta`; `None` where the platform gives none.
    pub fn of(meta: &Metadata) -> Option<FileIdentity> {
        Some(FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
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
