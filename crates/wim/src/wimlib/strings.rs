//! wimlib's strings (`wimlib_tchar`): the platform's narrow strings on Unix (bytes, UTF-8 by
//! convention), UTF-16 on Windows. The only OS-specific code of the wimlib backend, together
//! with wimlib's time stamp type ([`Timespec`]) and [`plain_attributes`], which readies a
//! staged file for wimlib's Windows capture.

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

/// wimlib's time stamp (Unix epoch): `struct timespec` on Unix, its own `struct
/// wimlib_timespec` (64-bit seconds, 32-bit nanoseconds) on Windows.
pub(crate) type Timespec = imp::Timespec;

/// Gives a file staged for capture plain attributes (`FILE_ATTRIBUTE_NORMAL`), so that wimlib
/// records the same ones on every OS: its Unix capture records NORMAL itself (nothing to do
/// there), its Windows capture records the file's own (ARCHIVE at least, as NTFS sets it on a
/// new file).
pub(crate) fn plain_attributes(path: &Path) -> std::io::Result<()> {
    imp::plain_attributes(path)
}

#[cfg(unix)]
mod imp {
    use std::ffi::{CStr, CString, OsStr};
    use std::os::unix::ffi::OsStrExt;

    use super::{sys, TString};

    pub(crate) type Timespec = sys::timespec;

    pub(super) fn plain_attributes(_path: &std::path::Path) -> std::io::Result<()> {
        Ok(())
    }

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

    use windows_sys::Win32::Storage::FileSystem::{SetFileAttributesW, FILE_ATTRIBUTE_NORMAL};

    use super::{sys, TString};

    pub(crate) type Timespec = sys::wimlib_timespec;

    pub(super) fn plain_attributes(path: &std::path::Path) -> std::io::Result<()> {
        let wide = from_os(path.as_os_str()).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "path holds a NUL")
        })?;
        // SAFETY: `wide` is a NUL-terminated UTF-16 string that outlives the call, which only
        // reads it; the attributes are a plain value.
        if unsafe { SetFileAttributesW(wide.as_ptr(), FILE_ATTRIBUTE_NORMAL) } == 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

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
