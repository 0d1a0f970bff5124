//! The crate's error type: every problem found in a hive names the file offset where it was found.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading, editing or writing a hive.
///
/// Offsets (`offset` fields) are file offsets: `4096 + cell offset` for anything inside the hive
/// bins, or the position inside the base block.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on `path`.
    #[error("{path}: {source}")]
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An error found in the hive file at `path` (wraps the error found in its contents).
    #[error("{path}: {source}")]
    InFile {
        /// The hive (or log) file.
        path: PathBuf,
        /// What was wrong with it.
        #[source]
        source: Box<Error>,
    },
    /// The data ends before a structure that should be at `offset`.
    #[error("hive truncated: {what} at offset {offset:#x} needs {needed} bytes, only {available} present")]
    Truncated {
        /// Where the structure starts.
        offset: u64,
        /// Which structure.
        what: &'static str,
        /// How many bytes it needs.
        needed: u64,
        /// How many bytes are there.
        available: u64,
    },
    /// A signature ("regf", "hbin", "nk", ...) is not what it should be.
    #[error("bad signature at offset {offset:#x}: expected {expected:?}, found {found:02x?}")]
    BadSignature {
        /// Where the signature is.
        offset: u64,
        /// The expected signature.
        expected: &'static str,
        /// The bytes found.
        found: Vec<u8>,
    },
    /// The base block checksum does not match its contents.
    #[error("base block checksum mismatch at offset 0x1fc: stored {stored:#010x}, computed {computed:#010x}")]
    BadChecksum {
        /// Checksum stored in the file.
        stored: u32,
        /// Checksum computed over the first 508 bytes.
        computed: u32,
    },
    /// The hive format version is not one this crate handles (1.3 to 1.6).
    #[error("unsupported hive format version {major}.{minor} (offset 0x14)")]
    UnsupportedVersion {
        /// Major version.
        major: u32,
        /// Minor version.
        minor: u32,
    },
    /// A version this crate reads but does not edit.
    #[error("hive format version {major}.{minor} cannot be edited (offset 0x14): {why}")]
    UnsupportedForEdit {
        /// Major version.
        major: u32,
        /// Minor version.
        minor: u32,
        /// Why.
        why: &'static str,
    },
    /// The base block says the primary file is dirty (its two sequence numbers differ):
    /// a transaction log must be replayed first (by Windows, or `hivexsh`-free tooling).
    #[error("hive is dirty: primary sequence number {primary} != secondary {secondary} (offset 0x4); replay its transaction logs first")]
    DirtyHive {
        /// Primary sequence number.
        primary: u32,
        /// Secondary sequence number.
        secondary: u32,
    },
    /// A transaction log beside the hive holds data not yet in the primary file.
    #[error("{path}: transaction logs hold unapplied changes: {reason}")]
    DirtyLog {
        /// The hive file.
        path: PathBuf,
        /// What the log assessment said.
        reason: String,
    },
    /// A transaction log could not be read.
    #[error(transparent)]
    Log(#[from] crate::log::LogError),
    /// A cell offset points outside the hive bins data, is misaligned, or at a cell of the
    /// wrong state.
    #[error("bad cell reference {cell:#x} at offset {offset:#x}: {what}")]
    BadCell {
        /// File offset of the field (or cell) that was being followed.
        offset: u64,
        /// The cell offset (relative to the hive bins data).
        cell: u32,
        /// What is wrong.
        what: &'static str,
    },
    /// A structure holds a value that cannot be right (count, size, length...).
    #[error("corrupt hive at offset {offset:#x}: {what}")]
    Corrupt {
        /// File offset where the problem was found.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// A reference cycle (a key list or index root that leads back to itself).
    #[error("reference cycle in hive at offset {offset:#x}: {what}")]
    Cycle {
        /// File offset of the structure seen twice.
        offset: u64,
        /// Which structure.
        what: &'static str,
    },
    /// A key path or name given by the caller is not valid.
    #[error("invalid key path or name {name:?}: {why}")]
    InvalidName {
        /// The path or name.
        name: String,
        /// Why it is refused.
        why: &'static str,
    },
    /// The operation would exceed a limit of the format (e.g. 65535 entries in a list).
    #[error("hive format limit exceeded: {what}")]
    Limit {
        /// Which limit.
        what: String,
    },
}

impl Error {
    /// The error inside any [`Error::InFile`] wrapper: what was wrong, without the file name.
    pub fn inner(&self) -> &Error {
        match self {
            Error::InFile { source, .. } => source.inner(),
            other => other,
        }
    }

    /// The file offset this error points at, if it has one.
    pub fn offset(&self) -> Option<u64> {
        match self.inner() {
            Error::Truncated { offset, .. }
            | Error::BadSignature { offset, .. }
            | Error::BadCell { offset, .. }
            | Error::Corrupt { offset, .. }
            | Error::Cycle { offset, .. } => Some(*offset),
            Error::BadChecksum { .. } => Some(0x1fc),
            Error::UnsupportedVersion { .. } | Error::UnsupportedForEdit { .. } => Some(0x14),
            Error::DirtyHive { .. } => Some(4),
            _ => None,
        }
    }

    pub(crate) fn corrupt(offset: u64, what: impl Into<String>) -> Error {
        Error::Corrupt {
            offset,
            what: what.into(),
        }
    }

    pub(crate) fn in_file(self, path: &std::path::Path) -> Error {
        match self {
            e @ (Error::Io { .. } | Error::InFile { .. } | Error::DirtyLog { .. }) => e,
            e => Error::InFile {
                path: path.to_path_buf(),
                source: Box::new(e),
            },
        }
    }
}
