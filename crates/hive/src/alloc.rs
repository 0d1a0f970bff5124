//! Cell allocator: a free-cell index built lazily (first allocation or free) by scanning the
//! cell headers of every hbin, best-fit allocation with splitting, coalescing on free, and new
//! hbins appended when nothing fits.

use std::collections::{BTreeMap, BTreeSet};

use crate::base_block;
use crate::cell::{allocated, le_u32, BINS_START};
use crate::error::{Error, Result};
use crate::hive::Hive;

/// Size unit of hbins.
const HBIN_UNIT: u32 = 4096;
/// Size of an hbin header.
const HBIN_HEADER: u32 = 32;

/// Free cells of the hive, by offset and by size.
#[derive(Debug, Default)]
pub(crate) struct FreeIndex {
    by_off: BTreeMap<u32, u32>,
    by_size: BTreeSet<(u32, u32)>,
}

impl FreeIndex {
    fn insert(&mut self, off: u32, size: u32) {
        self.by_off.insert(off, size);
        self.by_size.insert((size, off));
    }

    fn remove(&mut self, off: u32) -> Option<u32> {
        let size = self.by_off.remove(&off)?;
        self.by_size.remove(&(size, off));
        Some(size)
    }

    /// Scans every hbin header and cell header, validating the layout.
    pub fn scan(bytes: &[u8], bins_size: u32) -> Result<FreeIndex> {
        let mut idx = FreeIndex::default();
        let mut pos: u32 = 0;
        while pos < bins_size {
            let at = BINS_START + pos as usize;
            let sig = bytes.get(at..at + 4).unwrap_or(&[]);
            if sig != b"hbin" {
                return Err(Error::BadSignature {
                    offset: at as u64,
                    expected: "hbin",
                    found: sig.to_vec(),
                });
            }
            let rel = le_u32(bytes, at + 4).unwrap_or(u32::MAX);
            let size = le_u32(bytes, at + 8).unwrap_or(0);
            if rel != pos {
                return Err(Error::corrupt(
                    at as u64 + 4,
                    format!("hbin says it is at offset {rel:#x}, found at {pos:#x}"),
                ));
            }
            if size < HBIN_UNIT
                || size % HBIN_UNIT != 0
                || u64::from(pos) + u64::from(size) > u64::from(bins_size)
            {
                return Err(Error::corrupt(
                    at as u64 + 8,
                    format!(
                        "hbin size {size:#x} is not a multiple of 4096 inside the hive bins data"
                    ),
                ));
            }
            let end = pos + size;
            let mut c = pos + HBIN_HEADER;
            while c < end {
                let cat = BINS_START + c as usize;
                let raw = le_u32(bytes, cat).unwrap_or(0) as i32;
                let csize = raw.unsigned_abs();
                if csize < 8 || csize % 8 != 0 || u64::from(c) + u64::from(csize) > u64::from(end) {
                    return Err(Error::corrupt(
                        cat as u64,
                        format!("cell size {raw} is invalid or crosses the end of its hbin"),
                    ));
                }
                if raw > 0 {
                    idx.insert(c, csize);
                }
                c += csize;
            }
            pos = end;
        }
        Ok(idx)
    }
}

/// Cell size (header included, 8-byte aligned) for `len` bytes of data.
fn cell_size(len: usize) -> Result<u32> {
    let size = (len as u64 + 4).div_ceil(8) * 8;
    u32::try_from(size)
        .ok()
        .filter(|&s| s < 0x7FFF_0000)
        .ok_or_else(|| Error::Limit {
            what: format!("a cell of {len} bytes is too large"),
        })
}

impl Hive {
    fn free_index(&mut self) -> Result<&mut FreeIndex> {
        if self.free.is_none() {
            self.free = Some(FreeIndex::scan(&self.bytes, self.base.bins_size)?);
        }
        Ok(self.free.get_or_insert_with(FreeIndex::default))
    }

    /// Allocates a cell holding `data` (zero padded) and returns its offset.
    pub(crate) fn alloc_cell(&mut self, data: &[u8]) -> Result<u32> {
        let need = cell_size(data.len())?;
        let found = {
            let idx = self.free_index()?;
            idx.by_size.range((need, 0)..).next().copied()
        };
        let (size, off) = match found {
            Some(f) => f,
            None => self.append_bin(need)?,
        };
        let idx = self.free_index()?;
        idx.remove(off);
        let rest = size - need;
        let used = if rest >= 8 {
            idx.insert(off + need, rest);
            need
        } else {
            size
        };
        if rest >= 8 {
            self.put_u32(BINS_START + (off + need) as usize, rest);
        }
        let start = BINS_START + off as usize;
        self.put_u32(start, (used as i32).wrapping_neg() as u32);
        let body = start + 4;
        let end = start + used as usize;
        let mut content = vec![0u8; end - body];
        content[..data.len()].copy_from_slice(data);
        self.write(body, &content);
        self.touch();
        Ok(off)
    }

    /// Appends an hbin big enough for a cell of `need` bytes; returns its free cell.
    fn append_bin(&mut self, need: u32) -> Result<(u32, u32)> {
        let old = self.base.bins_size;
        let size = (u64::from(need) + u64::from(HBIN_HEADER)).div_ceil(u64::from(HBIN_UNIT))
            * u64::from(HBIN_UNIT);
        let new_total = u64::from(old) + size;
        if new_total > 0x7FFF_F000 {
            return Err(Error::Limit {
                what: "the hive would grow beyond 2 GiB".into(),
            });
        }
        let size = size as u32;
        let start = BINS_START + old as usize;
        let end = start + size as usize;
        if self.bytes.len() < end {
            self.bytes.resize(end, 0);
        }
        let mut bin = vec![0u8; size as usize];
        bin[0..4].copy_from_slice(b"hbin");
        bin[4..8].copy_from_slice(&old.to_le_bytes());
        bin[8..12].copy_from_slice(&size.to_le_bytes());
        self.write(start, &bin);
        let free_off = old + HBIN_HEADER;
        let free_size = size - HBIN_HEADER;
        self.put_u32(BINS_START + free_off as usize, free_size);
        self.base.bins_size = new_total as u32;
        self.put_u32(base_block::BINS_SIZE, self.base.bins_size);
        self.free_index()?.insert(free_off, free_size);
        self.touch();
        Ok((free_size, free_off))
    }

    /// Frees the allocated cell at `off`, coalescing it with free neighbours in its hbin.
    pub(crate) fn free_cell(&mut self, off: u32) -> Result<()> {
        let cell = allocated(
            &self.bytes,
            self.base.bins_size,
            off,
            crate::cell::file_off(off),
        )?;
        let mut size = (cell.len + 4) as u32;
        let mut start = off;
        let idx = self.free_index()?;
        // The next cell: a free cell starting where this one ends is in the same hbin (an hbin
        // boundary is followed by a header, never by a cell).
        if let Some(next) = idx.remove(off + size) {
            size += next;
        }
        // The previous cell: a free cell ending exactly here is in the same hbin too.
        if let Some((&poff, &psize)) = idx.by_off.range(..off).next_back() {
            if poff + psize == off {
                idx.remove(poff);
                start = poff;
                size += psize;
            }
        }
        idx.insert(start, size);
        self.put_u32(BINS_START + start as usize, size);
        self.touch();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testhive() -> Hive {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/hives/offreg-testhive"
        );
        Hive::from_bytes(std::fs::read(path).unwrap()).unwrap()
    }

    /// The incrementally maintained index always equals a fresh scan of the cell headers.
    fn assert_index_matches_disk(h: &Hive) {
        let fresh = FreeIndex::scan(&h.bytes, h.base.bins_size).unwrap();
        let ours = h.free.as_ref().unwrap();
        assert_eq!(ours.by_off, fresh.by_off);
        assert_eq!(ours.by_size, fresh.by_size);
    }

    #[test]
    fn allocate_then_free_restores_the_free_space() {
        let mut h = testhive();
        let before = FreeIndex::scan(&h.bytes, h.base.bins_size).unwrap().by_off;
        let a = h.alloc_cell(&[1; 10]).unwrap();
        let b = h.alloc_cell(&[2; 100]).unwrap();
        let c = h.alloc_cell(&[3; 30]).unwrap();
        assert_eq!(a % 8, 0);
        assert_index_matches_disk(&h);
        for off in [b, a, c] {
            h.free_cell(off).unwrap();
            assert_index_matches_disk(&h);
        }
        assert_eq!(h.free.as_ref().unwrap().by_off, before);
    }

    #[test]
    fn a_cell_too_big_for_any_free_cell_gets_a_new_hbin() {
        let mut h = testhive();
        let old = h.base.bins_size;
        let off = h.alloc_cell(&vec![9; 10_000]).unwrap();
        assert_eq!(off, old + HBIN_HEADER);
        assert_eq!(h.base.bins_size, old + 12_288);
        assert_eq!(le_u32(&h.bytes, 40), Some(old + 12_288));
        assert_index_matches_disk(&h);
        h.free_cell(off).unwrap();
        assert_index_matches_disk(&h);
        // The whole new bin is one free cell again.
        assert_eq!(
            h.free.as_ref().unwrap().by_off.get(&off),
            Some(&(12_288 - HBIN_HEADER))
        );
    }

    #[test]
    fn cell_sizes_are_aligned() {
        assert_eq!(cell_size(0).ok(), Some(8));
        assert_eq!(cell_size(4).ok(), Some(8));
        assert_eq!(cell_size(5).ok(), Some(16));
        assert_eq!(cell_size(16344).ok(), Some(16352));
    }
}
