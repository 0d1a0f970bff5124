//! Cell allocator: best-fit allocation with splitting, coalescing on free, and new hbins
//! appended when nothing fits.
//!
//! The free-cell index is built lazily, one hbin at a time, so the cost of an edit grows with
//! the edit and not with the hive: the first allocation or free walks the hbin *headers* only
//! (validating every one of them), then cell headers are scanned (and validated) only in the
//! hbins an allocation searches (from the last hbin backwards, until one has a fitting free cell;
//! hbins too small to hold the cell are skipped) or a free touches (to find its neighbours).

use std::collections::{BTreeMap, BTreeSet};

use crate::base_block;
use crate::cell::{allocated, le_u32, BINS_START};
use crate::error::{Error, Result};
use crate::hbin::{self, HEADER as HBIN_HEADER, UNIT as HBIN_UNIT};
use crate::hive::Hive;
use crate::image::Image;

/// Free cells of the scanned hbins, by offset and by size, and the hbin directory.
#[derive(Debug, Default)]
pub(crate) struct FreeIndex {
    /// Free cells (offset -> size) of every scanned hbin.
    by_off: BTreeMap<u32, u32>,
    /// The same cells ordered by (size, offset), for best fit.
    by_size: BTreeSet<(u32, u32)>,
    /// Start offset of every hbin, ascending.
    bins: Vec<u32>,
    /// Size of every hbin (same order as `bins`).
    bin_sizes: Vec<u32>,
    /// Whether the cells of each hbin are in the index.
    scanned: Vec<bool>,
    /// Every hbin at or above this index is scanned; allocation searches below it.
    cursor: usize,
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

    /// Walks and validates every hbin header; no cell is scanned yet. The hbins of a paged
    /// image were walked (with the same checks) when it was opened: only hbins appended since
    /// are walked here.
    pub fn new(bytes: &Image, bins_size: u32) -> Result<FreeIndex> {
        let mut idx = FreeIndex::default();
        let mut pos: u32 = 0;
        if let Some(dir) = bytes.bin_directory() {
            pos = dir
                .starts
                .last()
                .zip(dir.sizes.last())
                .map_or(0, |(s, z)| s + z);
            idx.bins = dir.starts;
            idx.bin_sizes = dir.sizes;
        }
        while pos < bins_size {
            let at = BINS_START + pos as usize;
            let header = bytes
                .get(at..(at + hbin::CHECKED).min(bytes.len()))
                .unwrap_or(&[]);
            let size = hbin::size_of(header, pos, bins_size)?;
            idx.bins.push(pos);
            idx.bin_sizes.push(size);
            pos += size;
        }
        idx.scanned = vec![false; idx.bins.len()];
        idx.cursor = idx.bins.len();
        Ok(idx)
    }

    /// Index of the hbin holding offset `off`.
    fn bin_of(&self, off: u32) -> Option<usize> {
        self.bins.partition_point(|&b| b <= off).checked_sub(1)
    }

    /// Scans (and validates) the cell headers of hbin `i` into the index, once.
    fn scan_bin(&mut self, bytes: &Image, i: usize) -> Result<()> {
        if self.scanned.get(i).copied().unwrap_or(true) {
            return Ok(());
        }
        let (pos, size) = (self.bins[i], self.bin_sizes[i]);
        let end = pos + size;
        let bin_at = BINS_START + pos as usize;
        let bin = bytes
            .try_get(bin_at..bin_at + size as usize)?
            .unwrap_or_default();
        let mut c = pos + HBIN_HEADER;
        let mut found = Vec::new();
        while c < end {
            let cat = BINS_START + c as usize;
            let raw = le_u32(bin, (c - pos) as usize).unwrap_or(0) as i32;
            let csize = raw.unsigned_abs();
            if csize < 8
                || !csize.is_multiple_of(8)
                || u64::from(c) + u64::from(csize) > u64::from(end)
            {
                return Err(Error::corrupt(
                    cat as u64,
                    format!("cell size {raw} is invalid or crosses the end of its hbin"),
                ));
            }
            if raw > 0 {
                found.push((c, csize));
            }
            c += csize;
        }
        for (off, csize) in found {
            self.insert(off, csize);
        }
        self.scanned[i] = true;
        Ok(())
    }

    /// Best-fit free cell of at least `need` bytes: among the scanned hbins first, then
    /// scanning further hbins backwards from the last until one holds a fit.
    fn find(&mut self, bytes: &Image, need: u32) -> Result<Option<(u32, u32)>> {
        let mut below = self.cursor;
        loop {
            if let Some(&f) = self.by_size.range((need, 0)..).next() {
                return Ok(Some(f));
            }
            // The next hbin down that is unscanned and big enough to hold the cell at all.
            let Some(i) = (0..below)
                .rev()
                .find(|&i| !self.scanned[i] && self.bin_sizes[i] - HBIN_HEADER >= need)
            else {
                return Ok(None);
            };
            below = i;
            self.scan_bin(bytes, i)?;
            while self.cursor > 0 && self.scanned[self.cursor - 1] {
                self.cursor -= 1;
            }
        }
    }

    /// Adds a new, fully free hbin (already written into the image).
    fn push_bin(&mut self, pos: u32, size: u32) {
        self.bins.push(pos);
        self.bin_sizes.push(size);
        self.scanned.push(true);
        self.insert(pos + HBIN_HEADER, size - HBIN_HEADER);
    }

    /// A full scan of every hbin: the index as if every hbin had been searched.
    #[cfg(test)]
    pub fn scan(bytes: &Image, bins_size: u32) -> Result<FreeIndex> {
        let mut idx = FreeIndex::new(bytes, bins_size)?;
        for i in 0..idx.bins.len() {
            idx.scan_bin(bytes, i)?;
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
            self.free = Some(FreeIndex::new(&self.bytes, self.base.bins_size)?);
        }
        Ok(self.free.get_or_insert_with(FreeIndex::default))
    }

    /// Allocates a cell holding `data` (zero padded) and returns its offset.
    pub(crate) fn alloc_cell(&mut self, data: &[u8]) -> Result<u32> {
        let need = cell_size(data.len())?;
        self.free_index()?;
        let found = match self.free.as_mut() {
            Some(idx) => idx.find(&self.bytes, need)?,
            None => None,
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
            self.bytes.resize(end);
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
        self.free_index()?.push_bin(old, size);
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
        self.free_index()?;
        let outside = || Error::corrupt(crate::cell::file_off(off), "cell outside every hbin");
        let idx = self.free.as_mut().ok_or_else(outside)?;
        // Its hbin's cells must be in the index to find its free neighbours.
        let bin = idx.bin_of(off).ok_or_else(outside)?;
        idx.scan_bin(&self.bytes, bin)?;
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

    /// Free cells of a fresh full scan that lie in the hbins `idx` has scanned.
    fn fresh_in_scanned_bins(h: &Hive, idx: &FreeIndex) -> BTreeMap<u32, u32> {
        let fresh = FreeIndex::scan(&h.bytes, h.base.bins_size).unwrap();
        fresh
            .by_off
            .into_iter()
            .filter(|&(off, _)| idx.bin_of(off).is_some_and(|i| idx.scanned[i]))
            .collect()
    }

    /// The incrementally maintained index always equals a fresh scan of the cell headers
    /// (of the hbins it has scanned), and its hbin directory equals the hive's.
    fn assert_index_matches_disk(h: &Hive) {
        let fresh = FreeIndex::scan(&h.bytes, h.base.bins_size).unwrap();
        let ours = h.free.as_ref().unwrap();
        assert_eq!(ours.bins, fresh.bins);
        assert_eq!(ours.bin_sizes, fresh.bin_sizes);
        assert_eq!(ours.by_off, fresh_in_scanned_bins(h, ours));
        let by_size: BTreeSet<(u32, u32)> = ours.by_off.iter().map(|(&o, &s)| (s, o)).collect();
        assert_eq!(ours.by_size, by_size);
        assert!(ours.scanned[ours.cursor..].iter().all(|&s| s));
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
        let ours = h.free.as_ref().unwrap();
        let before: BTreeMap<u32, u32> = before
            .into_iter()
            .filter(|&(off, _)| ours.bin_of(off).is_some_and(|i| ours.scanned[i]))
            .collect();
        assert_eq!(ours.by_off, before);
    }

    #[test]
    fn a_full_scan_equals_the_lazy_index_once_every_hbin_is_scanned() {
        let mut h = testhive();
        h.alloc_cell(&[1; 10]).unwrap();
        let bytes = std::mem::take(&mut h.bytes);
        let idx = h.free.as_mut().unwrap();
        for i in 0..idx.bins.len() {
            idx.scan_bin(&bytes, i).unwrap();
        }
        h.bytes = bytes;
        let fresh = FreeIndex::scan(&h.bytes, h.base.bins_size).unwrap();
        assert_eq!(h.free.as_ref().unwrap().by_off, fresh.by_off);
        assert_eq!(h.free.as_ref().unwrap().by_size, fresh.by_size);
    }

    #[test]
    fn allocation_scans_only_the_hbins_it_needs() {
        let mut h = testhive();
        let off = h.alloc_cell(&[7; 16]).unwrap();
        let idx = h.free.as_ref().unwrap();
        let scanned = idx.scanned.iter().filter(|&&s| s).count();
        assert!(scanned >= 1);
        // The cell came from a scanned hbin, and every unscanned hbin sits below the cursor.
        assert!(idx.bin_of(off).is_some_and(|i| idx.scanned[i]));
        assert_index_matches_disk(&h);
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
