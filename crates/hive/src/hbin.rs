//! Hive bin (`hbin`) headers: their layout and the checks every walk of the hbin chain makes.

use crate::cell::{le_u32, BINS_START};
use crate::error::{Error, Result};

/// Size unit of hbins.
pub(crate) const UNIT: u32 = 4096;
/// Size of an hbin header.
pub(crate) const HEADER: u32 = 32;
/// How many bytes of an hbin header [`size_of`] looks at.
pub(crate) const CHECKED: usize = 12;

/// Validates the header `h` (its first [`CHECKED`] bytes, fewer where the data ends) of the hbin
/// expected at offset `pos` of the hive bins data (`bins_size` bytes): signature, self offset,
/// size a multiple of 4096 inside the hive bins data. Returns the hbin's size.
pub(crate) fn size_of(h: &[u8], pos: u32, bins_size: u32) -> Result<u32> {
    let at = BINS_START + pos as usize;
    let sig = h.get(0..4).unwrap_or(&[]);
    if sig != b"hbin" {
        return Err(Error::BadSignature {
            offset: at as u64,
            expected: "hbin",
            found: sig.to_vec(),
        });
    }
    let rel = le_u32(h, 4).unwrap_or(u32::MAX);
    let size = le_u32(h, 8).unwrap_or(0);
    if rel != pos {
        return Err(Error::corrupt(
            at as u64 + 4,
            format!("hbin says it is at offset {rel:#x}, found at {pos:#x}"),
        ));
    }
    if size < UNIT
        || !size.is_multiple_of(UNIT)
        || u64::from(pos) + u64::from(size) > u64::from(bins_size)
    {
        return Err(Error::corrupt(
            at as u64 + 8,
            format!("hbin size {size:#x} is not a multiple of 4096 inside the hive bins data"),
        ));
    }
    Ok(size)
}
