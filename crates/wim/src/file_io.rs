//! Reading the WIM file itself, for both backends: bounded positioned reads (a range past the
//! end of the file is a [`FormatError`] at its offset, never a short read or a huge
//! allocation) and the header.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};
use crate::format::header::{Header, HEADER_SIZE};
use crate::format::FormatError;

/// Why bytes could not be read from the WIM.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The bytes do not form a valid structure, or lie outside the file.
    Format(FormatError),
    /// The OS refused the read.
    Io(std::io::Error),
}

impl From<FormatError> for ReadError {
    fn from(e: FormatError) -> Self {
        ReadError::Format(e)
    }
}

impl ReadError {
    /// The [`Error`] for this failure on the WIM at `path`.
    pub(crate) fn at(self, path: &Path) -> Error {
        match self {
            ReadError::Format(f) => Error::malformed(path, f),
            ReadError::Io(e) => Error::from_read(path, e),
        }
    }
}

/// Reads `len` bytes at `offset`, refusing ranges past `file_len`.
pub(crate) fn read_at(
    file: &File,
    file_len: u64,
    offset: u64,
    len: u64,
) -> std::result::Result<Vec<u8>, ReadError> {
    if offset.checked_add(len).is_none_or(|end| end > file_len) {
        return Err(FormatError::new(
            offset,
            format!(
                "a {len}-byte structure at {offset:#x} runs past the end of the {file_len}-byte file"
            ),
        )
        .into());
    }
    let mut buf = vec![0u8; len as usize];
    platform::read_exact_at(file, &mut buf, offset).map_err(ReadError::Io)?;
    Ok(buf)
}

/// The length of the open `file` (named `path` in errors).
pub(crate) fn file_len(path: &Path, file: &File) -> Result<u64> {
    file.metadata()
        .map(|m| m.len())
        .map_err(|e| Error::from_read(path, e))
}

/// Reads and parses the header of `file` (named `path` in errors); a file too short for one
/// or without the magic is [`Error::NotAWim`].
pub(crate) fn read_header(path: &Path, file: &File) -> Result<Header> {
    let len = file_len(path, file)?;
    let n = usize::try_from(len).map_or(HEADER_SIZE, |l| l.min(HEADER_SIZE));
    let mut buf = vec![0u8; n];
    platform::read_exact_at(file, &mut buf, 0).map_err(|e| Error::from_read(path, e))?;
    Header::parse(&buf).map_err(|e| {
        if e.offset == 0 {
            Error::NotAWim {
                path: path.to_path_buf(),
                message: e.message,
            }
        } else {
            Error::malformed(path, e)
        }
    })
}
