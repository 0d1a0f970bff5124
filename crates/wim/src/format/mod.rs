//! The WIM file's on-disk structures, parsed from and written back to bytes, with no I/O and
//! no knowledge of the friendly [`crate::Wim`] API (the split `object` makes between raw
//! structures and its reader). Every parser checks bounds and reports the byte offset of what
//! it refuses ([`FormatError`]); none of them panics or allocates more than its input allows.
//!
//! Reference: wimlib's format documentation and sources (read to learn, not copied).

pub mod blob_table;
pub mod chunks;
pub mod dentry;
pub mod header;
pub mod integrity;
pub mod security;
pub mod xml;

/// A structure that does not parse: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// Byte offset of the fault: in the file for the header and tables, in the uncompressed
    /// resource for metadata (the caller says which).
    pub offset: u64,
    /// What is wrong.
    pub message: String,
}

impl FormatError {
    /// A fault at `offset`.
    pub fn new(offset: u64, message: impl Into<String>) -> FormatError {
        FormatError {
            offset,
            message: message.into(),
        }
    }
}

/// Little-endian readers over a byte slice that return `None` past the end.
pub(crate) fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// Reads a little-endian u32 at `at`, `None` past the end.
pub(crate) fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Reads a little-endian u64 at `at`, `None` past the end.
pub(crate) fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Reads a 20-byte SHA-1 at `at`, `None` past the end.
pub(crate) fn sha1_at(b: &[u8], at: usize) -> Option<[u8; 20]> {
    b.get(at..at.checked_add(20)?)?.try_into().ok()
}

/// Rounds `n` up to a multiple of 8 (`None` on overflow).
pub(crate) fn align8(n: u64) -> Option<u64> {
    n.checked_add(7).map(|v| v & !7)
}
