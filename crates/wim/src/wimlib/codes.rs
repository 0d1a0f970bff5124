//! wimlib's error codes as [`Error`]s naming the WIM file and carrying wimlib's own message
//! (`wimlib_get_error_string`).

use std::io;
use std::path::Path;

use platform::IoClass;
use wimlib_sys as sys;

use crate::error::Error;

/// wimlib's message for an error code.
fn message(code: i32) -> String {
    // SAFETY: wimlib_get_error_string accepts any code and returns a pointer to a static,
    // NUL-terminated string (or NULL for codes it does not know).
    let ptr = unsafe { sys::wimlib_get_error_string(code as sys::wimlib_error_code) };
    // SAFETY: the pointer returned above is NULL or points to a static NUL-terminated string
    // of wimlib's character type.
    unsafe { super::strings::opt_string(ptr) }
        .unwrap_or_else(|| format!("unknown wimlib error {code}"))
}

/// The error of the last failed OS call, when it is meaningful (non-zero): wimlib reports an
/// I/O failure by its own code and leaves the OS error in errno (`GetLastError` on Windows).
pub(crate) fn last_os_error() -> Option<io::Error> {
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(0) | None => None,
        Some(_) => Some(e),
    }
}

/// Maps a non-zero wimlib return code to an [`Error`]. `os` is the OS error captured right
/// after the call (only meaningful for I/O failures).
pub(crate) fn from_code(code: i32, path: &Path, os: Option<io::Error>) -> Error {
    let c = code as sys::wimlib_error_code;
    // A failed write the OS classes (disk full, read-only, in use) gets the same variant as
    // on the native path.
    let os = match os {
        Some(e)
            if c == sys::wimlib_error_code_WIMLIB_ERR_WRITE
                && IoClass::of(&e) != IoClass::Other =>
        {
            return Error::from_io(path, e)
        }
        os => os,
    };
    let path = path.to_path_buf();
    let message = message(code);
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
        | sys::wimlib_error_code_WIMLIB_ERR_WIM_IS_INCOMPLETE => Error::Malformed {
            path,
            offset: None,
            message,
        },
        sys::wimlib_error_code_WIMLIB_ERR_WIM_IS_READONLY => Error::ReadOnly {
            path,
            message,
            source: None,
        },
        sys::wimlib_error_code_WIMLIB_ERR_WIM_IS_ENCRYPTED => Error::Encrypted { path },
        sys::wimlib_error_code_WIMLIB_ERR_ALREADY_LOCKED => Error::Locked { path },
        _ => Error::Wimlib {
            path,
            code,
            message,
            os,
        },
    }
}
