//! wimlib's strings (`wimlib_tchar`): the platform's narrow strings on Unix (bytes, UTF-8 by
//! convention), UTF-16 on Windows. The only OS-specific code of the wimlib backend.

use std::path::Path;

use wimlib_sys as sys;

use crate::error::{Error, Result};

/// A NUL-terminated string to pass to wimlib; valid as long as it lives.
pub(crate) struct TString(Vec<sys::wimlib_tchar>);

impl TString {
    /// The pointer wimlib takes.
    pub(crate) fn as_ptr(&self) -> *const sys::wimlib_tchar {
        self.0.as_ptr()
    }

    /// A filesystem path (`Error::InvalidPath` if it holds a NUL).
    pub(crate) fn from_path(path: &Path) -> Result<TString> {
        imp::from_os(path.as_os_str()).ok_or_else(|| Error::InvalidPath {
            file: path.display().to_string(),
        })
    }

    /// A string (`Error::InvalidPath` if it holds a NUL).
    pub(crate) fn from_str(s: &str) -> Result<TString> {
        imp::from_os(s.as_ref()).ok_or_else(|| Error::InvalidPath { file: s.into() })
    }
}

/// Copies a string owned by wimlib, or `None` for NULL.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated `wimlib_tchar` string valid for the call.
pub(crate) unsafe fn opt_string(ptr: *const sys::wimlib_tchar) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller: a non-NULL pointer is a valid string.
    Some(unsafe { imp::to_string(ptr) })
}

#[cfg(unix)]
mod imp {
    use std::ffi::{CStr, CString, OsStr};
    use std::os::unix::ffi::OsStrExt;

    use super::{sys, TString};

    pub(super) fn from_os(s: &OsStr) -> Option<TString> {
        let c = CString::new(s.as_bytes()).ok()?;
        Some(TString(
            c.into_bytes_with_nul()
                .into_iter()
                .map(|b| b as sys::wimlib_tchar)
                .collect(),
        ))
    }

    /// # Safety
    /// `ptr` is a valid NUL-terminated string.
    pub(super) unsafe fn to_string(ptr: *const sys::wimlib_tchar) -> String {
        // SAFETY: guaranteed by the caller.
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    }
}

#[cfg(windows)]
mod imp {
    use std::ffi::OsStr;
    use std::os::windows::ffi::OsStrExt;

    use super::{sys, TString};

    pub(super) fn from_os(s: &OsStr) -> Option<TString> {
        let mut wide: Vec<u16> = s.encode_wide().collect();
        if wide.contains(&0) {
            return None;
        }
        wide.push(0);
        Some(TString(wide))
    }

    /// # Safety
    /// `ptr` is a valid NUL-terminated UTF-16 string.
    pub(super) unsafe fn to_string(ptr: *const sys::wimlib_tchar) -> String {
        let mut len = 0;
        // SAFETY: the string is NUL-terminated, so every unit up to the NUL is readable.
        while unsafe { *ptr.add(len) } != 0 {
            len += 1;
        }
        // SAFETY: `len` units from `ptr` were just read.
        String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(ptr, len) })
    }
}
