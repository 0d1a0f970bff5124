//! What an I/O error means for the user, the same on every OS: the class decides the message
//! and the exit code, the OS code stays in the error as its source.

use std::io;

use crate::sys;

/// The class of an I/O error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoClass {
    /// No space left on the device, or the quota is used up (ENOSPC, EDQUOT;
    /// ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL, ERROR_DISK_QUOTA_EXCEEDED).
    DiskFull,
    /// Not writable: permissions, a read-only file system or medium (EACCES, EPERM, EROFS;
    /// ERROR_ACCESS_DENIED, ERROR_WRITE_PROTECT).
    ReadOnly,
    /// Another program holds the file without sharing it (Windows ERROR_SHARING_VIOLATION,
    /// ERROR_LOCK_VIOLATION; ETXTBSY on Unix).
    InUse,
    /// Anything else.
    Other,
}

impl IoClass {
    /// The class of `e`.
    pub fn of(e: &io::Error) -> IoClass {
        match e.raw_os_error() {
            Some(code) => sys::classify(code),
            None if e.kind() == io::ErrorKind::PermissionDenied => IoClass::ReadOnly,
            None => IoClass::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_this_os_codes() {
        for (code, class) in sys::SAMPLE_CODES {
            assert_eq!(
                IoClass::of(&io::Error::from_raw_os_error(*code)),
                *class,
                "{code}"
            );
        }
        assert_eq!(
            IoClass::of(&io::Error::new(io::ErrorKind::PermissionDenied, "x")),
            IoClass::ReadOnly
        );
        assert_eq!(IoClass::of(&io::Error::other("x")), IoClass::Other);
    }
}
