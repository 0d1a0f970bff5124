//! Typed errors, the same for both backends: each names the WIM file, and an error that comes
//! from the operating system keeps it as its [`source`](std::error::Error::source). The one
//! place an I/O error is classed (disk full, read-only, in use) is [`Error::from_io`].

use std::io;
use std::path::{Path, PathBuf};

use platform::IoClass;

use crate::format::FormatError;

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading or updating a WIM file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file is not a WIM file (bad magic, unknown header or version).
    #[error("{path}: not a WIM file: {message}")]
    NotAWim {
        /// The file that was opened.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The WIM is damaged or truncated: a structure does not parse, points outside the file or
    /// fails its checksum. The native reader knows where (`offset`); wimlib does not say.
    #[error("{path}: damaged or truncated WIM{}: {message}", at_offset(offset))]
    Malformed {
        /// The WIM file.
        path: PathBuf,
        /// Byte offset of the fault (in the file, or in the named metadata resource), when
        /// known.
        offset: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// The WIM cannot be changed: the file is not writable (permissions, read-only mount), its
    /// header carries the read-only flag, or it was opened for reading only.
    #[error("{path}: WIM is read-only: {message}")]
    ReadOnly {
        /// The WIM file.
        path: PathBuf,
        /// Why it is read-only.
        message: String,
        /// The operating system's error, when it said so.
        #[source]
        source: Option<io::Error>,
    },
    /// Another program holds the WIM open without sharing it.
    #[error(
        "{path}: the WIM is in use by another program (DISM may still have it mounted); \
         nothing was written"
    )]
    InUse {
        /// The WIM file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The WIM changed on disk since it was opened (another program committed to it).
    #[error(
        "{path}: the WIM was changed by another program since it was read; nothing was written"
    )]
    ChangedMeanwhile {
        /// The WIM file.
        path: PathBuf,
    },
    /// The WIM is one part of a split WIM (.swm); split WIMs are read for `info` only.
    #[error("{path}: split WIM (part {part} of {total}) is not supported for this operation")]
    SplitUnsupported {
        /// The WIM part that was opened.
        path: PathBuf,
        /// 1-based part number (0 when unknown).
        part: u16,
        /// Total parts (0 when unknown).
        total: u16,
    },
    /// The WIM is encrypted and cannot be read.
    #[error("{path}: WIM is encrypted")]
    Encrypted {
        /// The WIM file.
        path: PathBuf,
    },
    /// Another process holds the WIM's append lock.
    #[error("{path}: WIM is locked by another process")]
    Locked {
        /// The WIM file.
        path: PathBuf,
    },
    /// The image index does not exist in this WIM.
    #[error("{path}: image index {index} does not exist (the WIM holds {count} images)")]
    NoSuchImage {
        /// The WIM file.
        path: PathBuf,
        /// The requested 1-based index.
        index: u32,
        /// Number of images in the WIM.
        count: u32,
    },
    /// The path does not exist in the image.
    #[error("{path}: image {index} has no file {file}")]
    FileNotFound {
        /// The WIM file.
        path: PathBuf,
        /// 1-based image index.
        index: u32,
        /// The path inside the image that was asked for.
        file: String,
    },
    /// The path exists but is not a regular file (a directory or reparse point).
    #[error("{path}: image {index}: {file} is not a regular file")]
    NotAFile {
        /// The WIM file.
        path: PathBuf,
        /// 1-based image index.
        index: u32,
        /// The path inside the image.
        file: String,
    },
    /// The path given for a file inside the image is unusable (empty, `..`, NUL byte).
    #[error("invalid path inside the image: {file:?}")]
    InvalidPath {
        /// The rejected path.
        file: String,
    },
    /// The file is larger than this crate reads into memory.
    #[error("{path}: image {index}: {file} is {size} bytes, more than the {limit}-byte limit")]
    FileTooLarge {
        /// The WIM file.
        path: PathBuf,
        /// 1-based image index.
        index: u32,
        /// The path inside the image.
        file: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The disk (or quota) ran full while writing; the WIM was left as it was.
    #[error("{path}: no space left while writing the WIM (the WIM was left unchanged)")]
    DiskFull {
        /// The file being written (the WIM, or the temporary file of a rebuild).
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The progress callback panicked; the commit was aborted and the WIM left unchanged.
    #[error("{path}: progress callback panicked ({message}); commit aborted")]
    CallbackPanicked {
        /// The WIM file.
        path: PathBuf,
        /// The panic payload, if it was a string.
        message: String,
    },
    /// Any other operating-system error.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Any other wimlib error (the wimlib backend only).
    #[error("{path}: wimlib error {code}: {message}{}", os.as_ref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Wimlib {
        /// The WIM file.
        path: PathBuf,
        /// wimlib's error code.
        code: i32,
        /// wimlib's message.
        message: String,
        /// The OS error seen right after the call, for read/write/open failures.
        #[source]
        os: Option<io::Error>,
    },
}

/// `" at offset 0x…"` when the offset is known.
fn at_offset(offset: &Option<u64>) -> String {
    offset
        .map(|o| format!(" at offset {o:#x}"))
        .unwrap_or_default()
}

impl Error {
    /// The error for an operating-system failure on `path`, classed the same on every OS
    /// ([`IoClass`]): a full disk, a read-only file or medium and a file held by another
    /// program get their own variants, anything else is [`Error::Io`].
    pub(crate) fn from_io(path: &Path, e: io::Error) -> Error {
        let path = path.to_path_buf();
        match IoClass::of(&e) {
            IoClass::DiskFull => Error::DiskFull { path, source: e },
            IoClass::ReadOnly => Error::ReadOnly {
                path,
                message: e.to_string(),
                source: Some(e),
            },
            IoClass::InUse => Error::InUse { path, source: e },
            _ => Error::Io { path, source: e },
        }
    }

    /// A failed read of `path`: [`Error::InUse`] when another program holds it, [`Error::Io`]
    /// otherwise (a file that cannot be read is not "read-only").
    pub(crate) fn from_read(path: &Path, e: io::Error) -> Error {
        match IoClass::of(&e) {
            IoClass::InUse => Error::from_io(path, e),
            _ => Error::Io {
                path: path.to_path_buf(),
                source: e,
            },
        }
    }

    /// A structure of `path` that does not parse, at the offset the parser gives.
    pub(crate) fn malformed(path: &Path, e: FormatError) -> Error {
        Error::Malformed {
            path: path.to_path_buf(),
            offset: Some(e.offset),
            message: e.message,
        }
    }

    /// A refused change to a WIM opened for reading only.
    pub(crate) fn opened_read_only(path: &Path) -> Error {
        Error::ReadOnly {
            path: path.to_path_buf(),
            message: "opened with Wim::open; use Wim::open_for_update to change it".into(),
            source: None,
        }
    }

    /// An image index outside `1..=count`.
    pub(crate) fn check_image(path: &Path, index: u32, count: u32) -> Result<()> {
        if index == 0 || index > count {
            return Err(Error::NoSuchImage {
                path: path.to_path_buf(),
                index,
                count,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_names_the_offset_only_when_known() {
        let e = |offset| Error::Malformed {
            path: "b.wim".into(),
            offset,
            message: "bad".into(),
        };
        assert_eq!(
            e(Some(0x1a2b)).to_string(),
            "b.wim: damaged or truncated WIM at offset 0x1a2b: bad"
        );
        assert_eq!(e(None).to_string(), "b.wim: damaged or truncated WIM: bad");
    }

    #[test]
    fn os_errors_keep_their_source_and_class() {
        let p = Path::new("b.wim");
        let other = Error::from_io(p, io::Error::other("x"));
        assert!(matches!(other, Error::Io { .. }));
        let denied = Error::from_io(p, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(
            denied,
            Error::ReadOnly {
                source: Some(_),
                ..
            }
        ));
        assert!(std::error::Error::source(&denied).is_some());
        let read = Error::from_read(p, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(read, Error::Io { .. }));
    }
}
