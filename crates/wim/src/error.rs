//! Typed errors: every wimlib failure becomes an [`Error`] naming the WIM file and carrying
//! wimlib's own message (`wimlib_get_error_string`).

use std::ffi::CStr;
use std::path::PathBuf;

use wimlib_sys as sys;

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading or updating a WIM file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not a WIM file (bad magic, unknown header or version).
    #[error("{path}: not a WIM file: {message}")]
    NotAWim {
        /// The file that was opened.
        path: PathBuf,
        /// wimlib's message.
        message: String,
    },
    /// The WIM is damaged or truncated: a resource, table or header points outside the file
    /// or fails its checksum.
    #[error("{path}: damaged or truncated WIM: {message}")]
    Corrupt {
        /// The WIM file.
        path: PathBuf,
        /// wimlib's error code.
        code: i32,
        /// wimlib's message.
        message: String,
    },
    /// The WIM cannot be changed: the file is not writable (permissions, read-only mount) or
    /// its header carries the read-only flag.
    #[error("{path}: WIM is read-only: {message}")]
    ReadOnly {
        /// The WIM file.
        path: PathBuf,
        /// Why it is read-only.
        message: String,
    },
    /// A structure of the WIM does not parse: what and where.
    #[error("{path}: damaged or truncated WIM at offset {offset:#x}: {message}")]
    Malformed {
        /// The WIM file.
        path: PathBuf,
        /// Byte offset of the fault (in the file, or in the named metadata resource).
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// The WIM uses a layout the native reader does not handle (the wimlib path is used
    /// instead when it can be).
    #[error("{path}: {what} are not handled natively")]
    Unsupported {
        /// The WIM file.
        path: PathBuf,
        /// The layout.
        what: String,
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
        /// 1-based part number.
        part: u16,
        /// Total parts.
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
    #[error("{path}: no image {index} (the WIM has {count} images)")]
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
        /// The WIM file.
        path: PathBuf,
    },
    /// The progress callback panicked; the commit was aborted and the WIM left unchanged.
    #[error("{path}: progress callback panicked ({message}); commit aborted")]
    CallbackPanicked {
        /// The WIM file.
        path: PathBuf,
        /// The panic payload, if it was a string.
        message: String,
    },
    /// An operating-system error on a file this crate handles itself (temp files, directories).
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Any other wimlib error.
    #[error("{path}: wimlib error {code}: {message}{}", os.as_ref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Wimlib {
        /// The WIM file.
        path: PathBuf,
        /// wimlib's error code.
        code: i32,
        /// wimlib's message.
        message: String,
        /// The OS error seen right after the call, for read/write/open failures.
        os: Option<std::io::Error>,
    },
}

/// The error for a file that cannot be opened for writing: `ReadOnly` when permissions or a
/// read-only mount say so, `Io` otherwise.
pub(crate) fn read_only_or_io(path: &std::path::Path, e: std::io::Error) -> Error {
    match e.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) | Some(libc::EROFS) => Error::ReadOnly {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
        _ => Error::Io {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

/// wimlib's message for an error code.
pub(crate) fn wimlib_message(code: i32) -> String {
    // SAFETY: wimlib_get_error_string accepts any code and returns a pointer to a static,
    // NUL-terminated string (or NULL for codes it does not know).
    let ptr = unsafe { sys::wimlib_get_error_string(code as sys::wimlib_error_code) };
    if ptr.is_null() {
        return format!("unknown wimlib error {code}");
    }
    // SAFETY: non-NULL pointers returned above point to static NUL-terminated strings.
    unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// Maps a non-zero wimlib return code to an [`Error`]. `os` is the errno captured right
/// after the call (only meaningful for I/O failures).
pub(crate) fn from_code(code: i32, path: &std::path::Path, os: Option<std::io::Error>) -> Error {
    let path = path.to_path_buf();
    let message = wimlib_message(code);
    let c = code as sys::wimlib_error_code;
    match c {
        sys::wimlib_error_code_WIMLIB_ERR_NOT_A_WIM_FILE
        | sys::wimlib_error_code_WIMLIB_ERR_UNKNOWN_VERSION
        | sys::wimlib_error_code_WIMLIB_ERR_INVALID_HEADER => Error::NotAWim { path, message },
        sys::wimlib_error_code_WIMLIB_ERR_UNEXPECTED_END_OF_FILE
        | sys::wimlib_error_code_WIMLIB_ERR_DECOMPRESSION
        | sys::wimlib_error_code_WIMLIB_ERR_INTEGRITY
        | sys::wimlib_error_code_WIMLIB_ERR_INVALID_INTEGRITY_TABLE
        | sys::wimlib_error_code_WIMLIB_ERR_INVALID_LOOKUP_TABLE_ENTRY
        | sys::wimlib_error_code_WIMLIB_ERR_INVALID_METADATA_RESOURCE
        | sys::wimlib_error_code_WIMLIB_ERR_INVALID_RESOURCE_HASH
        | sys::wimlib_error_code_WIMLIB_ERR_INVALID_PIPABLE_WIM
        | sys::wimlib_error_code_WIMLIB_ERR_INVALID_CHUNK_SIZE
        | sys::wimlib_error_code_WIMLIB_ERR_INVALID_COMPRESSION_TYPE
        | sys::wimlib_error_code_WIMLIB_ERR_METADATA_NOT_FOUND
        | sys::wimlib_error_code_WIMLIB_ERR_RESOURCE_NOT_FOUND
        | sys::wimlib_error_code_WIMLIB_ERR_IMAGE_COUNT
        | sys::wimlib_error_code_WIMLIB_ERR_XML
        | sys::wimlib_error_code_WIMLIB_ERR_WIM_IS_INCOMPLETE => Error::Corrupt {
            path,
            code,
            message,
        },
        sys::wimlib_error_code_WIMLIB_ERR_WIM_IS_READONLY => Error::ReadOnly { path, message },
        sys::wimlib_error_code_WIMLIB_ERR_WIM_IS_ENCRYPTED => Error::Encrypted { path },
        sys::wimlib_error_code_WIMLIB_ERR_ALREADY_LOCKED => Error::Locked { path },
        sys::wimlib_error_code_WIMLIB_ERR_WRITE
            if os
                .as_ref()
                .and_then(std::io::Error::raw_os_error)
                .is_some_and(|e| e == libc::ENOSPC || e == libc::EDQUOT) =>
        {
            Error::DiskFull { path }
        }
        _ => Error::Wimlib {
            path,
            code,
            message,
            os,
        },
    }
}
