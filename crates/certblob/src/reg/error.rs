//! The error type of the `.reg` reader.

use std::path::PathBuf;

/// Everything that can go wrong while reading a `.reg` file. Each variant names the file (the
/// `file` field: a path or the `source` label given to [`super::parse_reg`]) and, for text
/// problems, the 1-based line (and column, in characters, where it helps).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegError {
    /// The file could not be read.
    #[error("{path}: cannot read .reg file: {error}")]
    Io {
        /// The file we tried to read.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        error: std::io::Error,
    },
    /// The file is larger than [`super::MAX_REG_FILE_SIZE`].
    #[error("{file}: file is {size} bytes, more than the {limit}-byte limit for .reg files")]
    TooLarge {
        /// The file.
        file: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The bytes are not valid text in the detected encoding.
    #[error("{file}: byte offset {offset}: {message}")]
    Encoding {
        /// The file.
        file: String,
        /// Byte offset in the file where the bad text starts.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// The first line is not a header regedit accepts.
    #[error(
        "{file}:{line}: not a regedit file: the first line must be \
         \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\" (found {found:?})"
    )]
    BadHeader {
        /// The file.
        file: String,
        /// Line number of the header line (1-based).
        line: usize,
        /// The start of what was found instead (at most 60 characters).
        found: String,
    },
    /// A line does not follow the `.reg` syntax.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// Line number (1-based).
        line: usize,
        /// Column in characters (1-based).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A key lies outside the hive root the file is mapped to.
    #[error("{file}:{line}: key [{key}] is outside the hive root {root}")]
    OutsideRoot {
        /// The file.
        file: String,
        /// Line number of the key line (1-based).
        line: usize,
        /// The key as written in the file.
        key: String,
        /// The root prefix in use, e.g. `HKEY_LOCAL_MACHINE\SOFTWARE`.
        root: String,
    },
    /// [`super::RootMapping::Auto`] could not tell which hive root the file is written against.
    #[error("{file}:{line}: cannot detect the hive root: {message}")]
    RootDetection {
        /// The file.
        file: String,
        /// Line number of the key that broke detection (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The prefix given in [`super::RootMapping::Prefix`] is not usable.
    #[error("invalid root prefix {prefix:?}: {message}")]
    BadPrefix {
        /// The prefix as given.
        prefix: String,
        /// What is wrong.
        message: String,
    },
}

/// Result type of the `.reg` reader.
pub type Result<T, E = RegError> = std::result::Result<T, E>;
