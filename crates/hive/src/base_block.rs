//! The 4096-byte base block ("regf") at the start of a hive file.

use crate::cell::{le_u32, put_u32, put_u64};
use crate::error::{Error, Result};

/// Size of the base block.
pub(crate) const SIZE: usize = 4096;
const PRIMARY_SEQ: usize = 4;
const SECONDARY_SEQ: usize = 8;
const TIMESTAMP: usize = 12;
const MAJOR: usize = 20;
const MINOR: usize = 24;
const ROOT_CELL: usize = 36;
/// Offset of the hive bins data size field.
pub(crate) const BINS_SIZE: usize = 40;
const CHECKSUM: usize = 508;

/// The fields of a validated base block that the rest of the crate uses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BaseBlock {
    /// Minor format version (3 to 6).
    pub minor: u32,
    /// Root key node cell offset.
    pub root: u32,
    /// Size of the hive bins data in bytes.
    pub bins_size: u32,
}

/// The checksum Windows stores at offset 508: XOR of the first 127 dwords, with 0 mapped to 1
/// and 0xFFFFFFFF mapped to 0xFFFFFFFE.
pub(crate) fn checksum(bytes: &[u8]) -> u32 {
    let mut x = 0u32;
    for i in 0..127 {
        x ^= le_u32(bytes, i * 4).unwrap_or(0);
    }
    match x {
        0 => 1,
        0xFFFF_FFFF => 0xFFFF_FFFE,
        v => v,
    }
}

fn field(bytes: &[u8], pos: usize) -> u32 {
    le_u32(bytes, pos).unwrap_or(0)
}

/// Validates the base block of `bytes` (which must be a whole hive file).
pub(crate) fn parse(bytes: &[u8]) -> Result<BaseBlock> {
    parse_with_len(bytes, bytes.len())
}

/// Validates the base block at the start of `bytes`, of a file `file_len` bytes long.
pub(crate) fn parse_with_len(bytes: &[u8], file_len: usize) -> Result<BaseBlock> {
    if bytes.len() < SIZE {
        return Err(Error::Truncated {
            offset: 0,
            what: "base block",
            needed: SIZE as u64,
            available: bytes.len() as u64,
        });
    }
    if &bytes[0..4] != b"regf" {
        return Err(Error::BadSignature {
            offset: 0,
            expected: "regf",
            found: bytes[0..4].to_vec(),
        });
    }
    let stored = field(bytes, CHECKSUM);
    let computed = checksum(bytes);
    if stored != computed {
        return Err(Error::BadChecksum { stored, computed });
    }
    let (major, minor) = (field(bytes, MAJOR), field(bytes, MINOR));
    if major != 1 || !(3..=6).contains(&minor) {
        return Err(Error::UnsupportedVersion { major, minor });
    }
    let (primary, secondary) = (field(bytes, PRIMARY_SEQ), field(bytes, SECONDARY_SEQ));
    if primary != secondary {
        return Err(Error::DirtyHive { primary, secondary });
    }
    if field(bytes, 28) != 0 || field(bytes, 32) != 1 {
        return Err(Error::corrupt(
            28,
            format!(
                "file type {} / format {} is not a primary hive file (0 / 1)",
                field(bytes, 28),
                field(bytes, 32)
            ),
        ));
    }
    let bins_size = field(bytes, BINS_SIZE);
    if bins_size == 0 || !bins_size.is_multiple_of(4096) || bins_size > 0x7FFF_F000 {
        return Err(Error::corrupt(
            BINS_SIZE as u64,
            format!("hive bins data size {bins_size:#x} is not a positive multiple of 4096"),
        ));
    }
    let available = file_len.saturating_sub(SIZE);
    if (bins_size as usize) > available {
        return Err(Error::Truncated {
            offset: SIZE as u64,
            what: "hive bins data",
            needed: u64::from(bins_size),
            available: available as u64,
        });
    }
    let root = field(bytes, ROOT_CELL);
    if !root.is_multiple_of(8) || root < 32 || root >= bins_size {
        return Err(Error::BadCell {
            offset: ROOT_CELL as u64,
            cell: root,
            what: "root cell offset outside the hive bins data or misaligned",
        });
    }
    Ok(BaseBlock {
        minor,
        root,
        bins_size,
    })
}

/// Finishes a modified image: bumps both sequence numbers together, stamps the time and
/// recomputes the checksum.
pub(crate) fn finish(bytes: &mut [u8], filetime: u64) {
    let seq = field(bytes, PRIMARY_SEQ).wrapping_add(1);
    put_u32(bytes, PRIMARY_SEQ, seq);
    put_u32(bytes, SECONDARY_SEQ, seq);
    put_u64(bytes, TIMESTAMP, filetime);
    let sum = checksum(bytes);
    put_u32(bytes, CHECKSUM, sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_special_cases() {
        let zero = vec![0u8; 512];
        assert_eq!(checksum(&zero), 1);
        let mut ones = vec![0u8; 512];
        ones[0..4].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        assert_eq!(checksum(&ones), 0xFFFF_FFFE);
        ones[4..8].copy_from_slice(&0x0000_00FFu32.to_le_bytes());
        assert_eq!(checksum(&ones), 0xFFFF_FF00);
    }
}
