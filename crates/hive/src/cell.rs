//! Bounds-checked access to cells inside the hive bins data.
//!
//! A cell offset is relative to the start of the hive bins data (file offset 4096). A cell starts
//! with a signed 32-bit size: negative when allocated, positive when free; the size includes the
//! 4-byte header, is a multiple of 8 and the cell is 8-byte aligned.

use crate::error::{Error, Result};
use crate::image::{Bytes, Image};

/// File offset of the hive bins data (the base block is 4096 bytes).
pub(crate) const BINS_START: usize = 4096;
/// "No cell" marker in offset fields.
pub(crate) const NIL: u32 = 0xFFFF_FFFF;

/// File offset of a cell offset.
pub(crate) fn file_off(cell: u32) -> u64 {
    BINS_START as u64 + u64::from(cell)
}

/// Reads a little-endian u16 at `pos` if it is in bounds.
pub(crate) fn le_u16<B: Bytes + ?Sized>(bytes: &B, pos: usize) -> Option<u16> {
    let b = bytes.range(pos..pos.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Reads a little-endian u32 at `pos` if it is in bounds.
pub(crate) fn le_u32<B: Bytes + ?Sized>(bytes: &B, pos: usize) -> Option<u32> {
    let b = bytes.range(pos..pos.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a little-endian u64 at `pos` if it is in bounds.
pub(crate) fn le_u64<B: Bytes + ?Sized>(bytes: &B, pos: usize) -> Option<u64> {
    let b = bytes.range(pos..pos.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// Writes a little-endian u32 (callers pass positions inside a validated cell).
pub(crate) fn put_u32(bytes: &mut [u8], pos: usize, v: u32) {
    if let Some(b) = bytes.get_mut(pos..pos + 4) {
        b.copy_from_slice(&v.to_le_bytes());
    }
}

/// Writes a little-endian u64 (callers pass positions inside a validated cell).
pub(crate) fn put_u64(bytes: &mut [u8], pos: usize, v: u64) {
    if let Some(b) = bytes.get_mut(pos..pos + 8) {
        b.copy_from_slice(&v.to_le_bytes());
    }
}

/// An allocated cell whose header was validated against the hive bins data size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    /// Cell offset (relative to the hive bins data).
    pub off: u32,
    /// File offset of the cell data (after the 4-byte size).
    pub start: usize,
    /// Length of the cell data (cell size minus 4).
    pub len: usize,
}

impl Cell {
    /// File offset of the cell data as u64 (for errors).
    pub fn at(&self, rel: usize) -> u64 {
        (self.start + rel) as u64
    }

    /// Reads a u16 field at `rel` inside the cell data.
    pub fn u16(&self, bytes: &Image, rel: usize, what: &'static str) -> Result<u16> {
        self.field(rel, 2, what)?;
        le_u16(bytes, self.start + rel).ok_or_else(|| self.short(rel, 2, what))
    }

    /// Reads a u32 field at `rel` inside the cell data.
    pub fn u32(&self, bytes: &Image, rel: usize, what: &'static str) -> Result<u32> {
        self.field(rel, 4, what)?;
        le_u32(bytes, self.start + rel).ok_or_else(|| self.short(rel, 4, what))
    }

    /// Reads a u64 field at `rel` inside the cell data.
    pub fn u64(&self, bytes: &Image, rel: usize, what: &'static str) -> Result<u64> {
        self.field(rel, 8, what)?;
        le_u64(bytes, self.start + rel).ok_or_else(|| self.short(rel, 8, what))
    }

    /// Checks that `len` bytes at `rel` lie inside the cell data; returns the slice.
    pub fn slice<'a>(
        &self,
        bytes: &'a Image,
        rel: usize,
        len: usize,
        what: &'static str,
    ) -> Result<&'a [u8]> {
        self.field(rel, len, what)?;
        bytes
            .get(self.start + rel..self.start + rel + len)
            .ok_or_else(|| self.short(rel, len, what))
    }

    fn field(&self, rel: usize, len: usize, what: &'static str) -> Result<()> {
        match rel.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(self.short(rel, len, what)),
        }
    }

    fn short(&self, rel: usize, len: usize, what: &'static str) -> Error {
        Error::Truncated {
            offset: self.at(rel),
            what,
            needed: len as u64,
            available: self.len.saturating_sub(rel) as u64,
        }
    }

    /// Checks the 2-byte signature at the start of the cell.
    pub fn expect_sig(&self, bytes: &Image, sig: &'static str) -> Result<()> {
        let found = self.slice(bytes, 0, 2, sig)?;
        if found != sig.as_bytes() {
            return Err(Error::BadSignature {
                offset: self.at(0),
                expected: sig,
                found: found.to_vec(),
            });
        }
        Ok(())
    }
}

/// Validates and returns the allocated cell at `off`. `referrer` is the file offset of the field
/// that pointed here (for the error when `off` itself is bad).
pub(crate) fn allocated(bytes: &Image, bins_size: u32, off: u32, referrer: u64) -> Result<Cell> {
    let bad = |what| Error::BadCell {
        offset: referrer,
        cell: off,
        what,
    };
    if off == NIL {
        return Err(bad("reference to no cell where one is required"));
    }
    if !off.is_multiple_of(8) {
        return Err(bad("misaligned cell offset (cells are 8-byte aligned)"));
    }
    if off < 32 || u64::from(off) + 8 > u64::from(bins_size) {
        return Err(bad("cell offset outside the hive bins data"));
    }
    let start = BINS_START + off as usize;
    // The first read of a cell: for a paged image it may read the hbin from the file.
    let raw = le_u32(bytes.try_get(start..start + 4)?.unwrap_or_default(), 0)
        .ok_or_else(|| bad("cell offset past the end of the file"))? as i32;
    if raw >= 0 {
        return Err(bad("reference to a free (unallocated) cell"));
    }
    let size = raw.unsigned_abs();
    if size < 8 || !size.is_multiple_of(8) {
        return Err(Error::Corrupt {
            offset: file_off(off),
            what: format!("allocated cell size {size} is not a multiple of 8 (at least 8)"),
        });
    }
    if u64::from(off) + u64::from(size) > u64::from(bins_size) {
        return Err(Error::Corrupt {
            offset: file_off(off),
            what: format!("cell size {size} runs past the end of the hive bins data"),
        });
    }
    Ok(Cell {
        off,
        start: start + 4,
        len: size as usize - 4,
    })
}
