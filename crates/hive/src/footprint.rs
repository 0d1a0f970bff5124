//! What the edits since a hive was opened changed: the original bytes of every 4 KiB page they
//! wrote into (saved just before the first write to it), and every byte range they wrote.
//!
//! [`Hive::footprint`] hands both to a caller as [`Footprint`], so that a checker outside this
//! crate can compare the image before and after, byte for byte, and judge the edit on its own
//! terms without reading the rest of the hive. [`Hive::lookup_image`] gives an independent
//! reader the bytes it needs to look up given key paths, without the hbins it does not need.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use crate::base_block;
use crate::cell::BINS_START;
use crate::db;
use crate::error::{Error, Result};
use crate::hive::{split_path, Hive};
use crate::image::Image;
use crate::write::DirtyRanges;

/// Size of the pages whose originals are saved.
const PAGE: usize = 4096;

/// The original bytes of the pages written since open, and the ranges written.
#[derive(Debug, Default)]
pub(crate) struct ChangeLog {
    /// Length of the image when it was opened.
    original_len: usize,
    /// File offset where the hive bins data ended when it was opened.
    original_bins_end: usize,
    /// The root key's cell when it was opened.
    original_root: u32,
    /// Page index -> the page's bytes before its first write.
    pages: BTreeMap<usize, Box<[u8]>>,
    /// Every range written (a write of identical bytes is not one).
    written: DirtyRanges,
}

impl ChangeLog {
    /// A log for an image of `len` bytes whose hive bins data is `bins_size` bytes.
    pub fn new(len: usize, bins_size: u32, root: u32) -> ChangeLog {
        ChangeLog {
            original_len: len,
            original_root: root,
            original_bins_end: BINS_START + bins_size as usize,
            ..ChangeLog::default()
        }
    }

    /// Size of the hive bins data when the hive was opened.
    pub fn original_bins_size(&self) -> u32 {
        (self.original_bins_end - BINS_START) as u32
    }

    /// The root key's cell when the hive was opened.
    pub fn original_root(&self) -> u32 {
        self.original_root
    }

    /// Saves the original of every page of `pos..end` not saved yet (read from `image`, which
    /// has not been written there yet), then records the range as written.
    pub fn before_write(&mut self, image: &Image, pos: usize, end: usize) {
        let last = end.min(self.original_len);
        if pos < last {
            for page in pos / PAGE..=(last - 1) / PAGE {
                if self.pages.contains_key(&page) {
                    continue;
                }
                let r = page * PAGE..((page + 1) * PAGE).min(self.original_len);
                if let Some(bytes) = image.get(r) {
                    self.pages.insert(page, bytes.into());
                }
            }
        }
        self.written.add(pos, end);
    }
}

/// One hbin of the hive as opened that the edits wrote into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HbinChange {
    /// File offset of the hbin.
    pub offset: usize,
    /// The hbin as it was opened.
    pub before: Vec<u8>,
    /// The hbin now.
    pub after: Vec<u8>,
}

/// Everything the edits since open changed, for an independent check of the edit before the
/// result is written anywhere (see `docs/hive-format.md`, "Judging an edit").
///
/// Bytes of the hive as opened that lie in no listed hbin, outside the base block and before
/// [`Footprint::original_bins_end`] were not written by any edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// The base block as opened.
    pub base_before: Vec<u8>,
    /// The finished base block (sequence numbers, timestamp, size, checksum).
    pub base_after: Vec<u8>,
    /// Every original hbin written into, ascending.
    pub hbins: Vec<HbinChange>,
    /// File offset where the hive bins data ended when the hive was opened; hbins appended by
    /// the edits start here.
    pub original_bins_end: usize,
    /// Length of the image as opened.
    pub original_len: usize,
    /// The bytes from `original_bins_end` to the end of the hive bins data now (the appended
    /// hbins; empty when none were appended).
    pub appended: Vec<u8>,
    /// Every byte range the edits wrote (file offsets, ascending, merged). A byte that differs
    /// between before and after outside these ranges was not changed by an edit.
    pub written: Vec<Range<usize>>,
}

impl Hive {
    /// What the edits since open changed (see [`Footprint`]). Finishes the base block first,
    /// exactly as writing would.
    pub fn footprint(&mut self) -> Result<Footprint> {
        self.finish();
        let log = &mut self.changes;
        let written = log.written.merged().iter().map(|&(s, e)| s..e).collect();
        let base_after = self
            .bytes
            .get(0..base_block::SIZE)
            .ok_or_else(|| Error::corrupt(0, "the base block cannot be read"))?
            .to_vec();
        let base_before = match log.pages.get(&0) {
            Some(page) => page.to_vec(),
            None => base_after.clone(),
        };
        let bins_end = BINS_START + self.base.bins_size as usize;
        let appended = if bins_end > log.original_bins_end {
            self.bytes.to_vec_range(log.original_bins_end..bins_end)?
        } else {
            Vec::new()
        };
        let mut hbins = Vec::new();
        let changed: Vec<usize> = log
            .pages
            .keys()
            .copied()
            .filter(|&p| p >= 1 && p * PAGE < log.original_bins_end)
            .collect();
        if !changed.is_empty() {
            // Edits never change the header of an hbin that was there.
            let dir = self.bytes.hbins(log.original_bins_size())?;
            let mut current: Option<HbinChange> = None;
            for page in changed {
                let rel = (page * PAGE - BINS_START) as u32;
                let i = dir.starts.partition_point(|&s| s <= rel).saturating_sub(1);
                let offset = BINS_START + dir.starts[i] as usize;
                if current.as_ref().map(|c| c.offset) != Some(offset) {
                    hbins.extend(current.take());
                    let after = self
                        .bytes
                        .to_vec_range(offset..offset + dir.sizes[i] as usize)?;
                    current = Some(HbinChange {
                        offset,
                        before: after.clone(),
                        after,
                    });
                }
                if let (Some(c), Some(original)) = (current.as_mut(), log.pages.get(&page)) {
                    let at = page * PAGE - c.offset;
                    c.before[at..at + original.len()].copy_from_slice(original);
                }
            }
            hbins.extend(current);
        }
        Ok(Footprint {
            base_before,
            base_after,
            hbins,
            original_bins_end: log.original_bins_end,
            original_len: log.original_len,
            appended,
            written,
        })
    }

    /// The image as an independent reader needs it to look up every key of `paths` (and the
    /// values of the last key of each): the whole image for a hive held in memory; for a hive
    /// read from its file, an image of full length in which only the base block, the appended
    /// part and the hbins holding what such a lookup can read are filled (the rest reads as
    /// zeros, and the memory for it is never touched). What a lookup can read: at every level,
    /// the subkey list and every key node in it (a reader may search it in any order), and at
    /// the last key its value list, values and their data.
    pub fn lookup_image(&self, paths: &[&str]) -> Result<Cow<'_, [u8]>> {
        let paged = match &self.bytes {
            Image::Whole(bytes) => return Ok(Cow::Borrowed(bytes)),
            Image::Paged(paged) => paged,
        };
        for path in paths {
            self.load_lookup(path)?;
        }
        Ok(Cow::Owned(paged.loaded_image()))
    }

    /// Reads (and so loads) everything a lookup of `path` can read.
    fn load_lookup(&self, path: &str) -> Result<()> {
        let mut cur = self.root_nk()?;
        for comp in split_path(path)? {
            let list = self.subkey_list(&cur)?;
            let mut next = None;
            for leaf in &list.leaves {
                for (i, &off) in leaf.entries.iter().enumerate() {
                    let nk = self.read_nk(off, leaf.cell.at(4 + i * leaf.kind.stride()))?;
                    if next.is_none() && crate::names::eq(&nk.name, &comp) {
                        next = Some(nk);
                    }
                }
            }
            match next {
                Some(nk) => cur = nk,
                None => return Ok(()),
            }
        }
        let at = cur.cell.at(crate::nk::off::VALUE_LIST);
        for off in self.value_offsets(&cur)? {
            let v = self.read_vk(off, at)?;
            db::cells(&self.bytes, self.base.bins_size, self.base.minor, &v)?;
        }
        Ok(())
    }
}
