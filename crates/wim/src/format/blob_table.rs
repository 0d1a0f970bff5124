//! The blob table: one 50-byte entry per stored blob (file data or image metadata).

use super::header::{ResourceHeader, RES_METADATA};
use super::{le_u16, le_u32, sha1_at, FormatError};

/// Size of one entry on disk.
pub const ENTRY_SIZE: usize = 50;

/// One blob table entry (`struct blob_descriptor_disk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobEntry {
    /// Where the blob's resource is.
    pub resource: ResourceHeader,
    /// Split-WIM part holding it (1 in a whole WIM).
    pub part_number: u16,
    /// How many directory entries (or, for metadata, images) refer to it.
    pub ref_count: u32,
    /// SHA-1 of the uncompressed data.
    pub hash: [u8; 20],
}

impl BlobEntry {
    /// An image's metadata resource rather than file data.
    pub fn is_metadata(&self) -> bool {
        self.resource.flags & RES_METADATA != 0
    }

    /// The 50 bytes on disk.
    pub fn to_bytes(&self) -> [u8; ENTRY_SIZE] {
        let mut out = [0u8; ENTRY_SIZE];
        out[0..24].copy_from_slice(&self.resource.to_bytes());
        out[24..26].copy_from_slice(&self.part_number.to_le_bytes());
        out[26..30].copy_from_slice(&self.ref_count.to_le_bytes());
        out[30..50].copy_from_slice(&self.hash);
        out
    }
}

/// Parses a whole (uncompressed) blob table. `file_offset` is where the table lies in the
/// file, for error offsets.
pub fn parse(b: &[u8], file_offset: u64) -> Result<Vec<BlobEntry>, FormatError> {
    if !b.len().is_multiple_of(ENTRY_SIZE) {
        return Err(FormatError::new(
            file_offset,
            format!(
                "blob table of {} bytes is not a whole number of {ENTRY_SIZE}-byte entries",
                b.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(b.len() / ENTRY_SIZE);
    for at in (0..b.len()).step_by(ENTRY_SIZE) {
        let bad = || FormatError::new(file_offset + at as u64, "truncated blob table entry");
        out.push(BlobEntry {
            resource: ResourceHeader::parse(b, at).ok_or_else(bad)?,
            part_number: le_u16(b, at + 24).ok_or_else(bad)?,
            ref_count: le_u32(b, at + 26).ok_or_else(bad)?,
            hash: sha1_at(b, at + 30).ok_or_else(bad)?,
        });
    }
    Ok(out)
}

/// The table's bytes.
pub fn to_bytes(entries: &[BlobEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * ENTRY_SIZE);
    for e in entries {
        out.extend_from_slice(&e.to_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let e = BlobEntry {
            resource: ResourceHeader {
                size_in_wim: 10,
                flags: 4,
                offset: 300,
                uncompressed_size: 40,
            },
            part_number: 1,
            ref_count: 3,
            hash: [7; 20],
        };
        let bytes = to_bytes(&[e, e]);
        assert_eq!(parse(&bytes, 0).unwrap(), vec![e, e]);
        assert_eq!(parse(&bytes[..51], 1000).unwrap_err().offset, 1000);
    }
}
