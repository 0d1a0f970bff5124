//! The key tree checks Windows makes when it loads a hive, in one sequential pass over the hbins.
//!
//! Windows refuses (or "heals", dropping keys) a hive whose key tree does not hold together: a
//! key whose parent field does not name the key listing it, subkeys out of order or listed
//! twice, a subkey count that is not the list's, a key name longer than its cell, a list
//! element that is not a key. An edit of such a hive would be written into an image that
//! Windows will not load as it is, so the editor refuses it up front.
//!
//! [`Collector`] is fed every hbin once, in order (the paged open feeds it the hbins it walks
//! anyway, so no extra read is made), and keeps a small record per key and per subkey list:
//! about 1/20 of the hive. [`Collector::finish`] then checks the tree from those records only.

use std::cmp::Ordering;

use crate::cell::{le_u16, le_u32, BINS_START, NIL};
use crate::error::{Error, Result};
use crate::hbin;
use crate::names;
use crate::nk::{self, KEY_COMP_NAME};

/// What the pass keeps of one key node.
#[derive(Debug)]
struct KeyRec {
    off: u32,
    parent: u32,
    subkey_count: u32,
    subkey_list: u32,
    /// Upper-cased name.
    name: Vec<u16>,
}

/// What the pass keeps of one subkey list cell.
#[derive(Debug)]
struct ListRec {
    off: u32,
    index_root: bool,
    entries: Vec<u32>,
}

/// Gathers key and list records from hbins fed in order, then checks the tree.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    keys: Vec<KeyRec>,
    lists: Vec<ListRec>,
    /// The first problem met while reading cells (reported by `finish`).
    damage: Option<Error>,
}

impl Collector {
    /// Reads the cells of one hbin (`bin`, at offset `pos` of the hive bins data).
    pub fn feed(&mut self, pos: u32, bin: &[u8]) {
        if self.damage.is_some() {
            return;
        }
        let mut at = hbin::HEADER as usize;
        while at + 4 <= bin.len() {
            let raw = le_u32(bin, at).unwrap_or(0) as i32;
            let size = raw.unsigned_abs() as usize;
            let off = pos + at as u32;
            if size < 8 || size % 8 != 0 || at + size > bin.len() {
                self.damage = Some(Error::corrupt(
                    BINS_START as u64 + u64::from(off),
                    format!("cell size {raw} does not fit its hbin"),
                ));
                return;
            }
            if raw < 0 {
                if let Err(e) = self.cell(off, &bin[at + 4..at + size]) {
                    self.damage = Some(e);
                    return;
                }
            }
            at += size;
        }
    }

    /// Records one allocated cell (`data`: its bytes after the size).
    fn cell(&mut self, off: u32, data: &[u8]) -> Result<()> {
        let file = |field: usize| BINS_START as u64 + u64::from(off) + 4 + field as u64;
        match data.get(0..2) {
            Some(b"nk") => {
                let u32_at = |f| le_u32(data, f).unwrap_or(0);
                let flags = le_u16(data, nk::off::FLAGS).unwrap_or(0);
                let name_len = usize::from(le_u16(data, nk::off::NAME_LEN).unwrap_or(0));
                let Some(raw) = data.get(nk::off::NAME..nk::off::NAME + name_len) else {
                    return Err(Error::corrupt(
                        file(nk::off::NAME_LEN),
                        format!("key name of {name_len} bytes does not fit its cell"),
                    ));
                };
                self.keys.push(KeyRec {
                    off,
                    parent: u32_at(nk::off::PARENT),
                    subkey_count: u32_at(nk::off::SUBKEY_COUNT),
                    subkey_list: u32_at(nk::off::SUBKEY_LIST),
                    name: names::upcased(raw, flags & KEY_COMP_NAME != 0).collect(),
                });
            }
            Some(sig @ (b"lf" | b"lh" | b"li" | b"ri")) => {
                let stride = if matches!(sig, b"lf" | b"lh") { 8 } else { 4 };
                let n = usize::from(le_u16(data, 2).unwrap_or(0));
                if 4 + n * stride > data.len() {
                    return Err(Error::corrupt(
                        file(2),
                        format!("subkey list count {n} does not fit its cell"),
                    ));
                }
                let entries = (0..n)
                    .map(|i| le_u32(data, 4 + i * stride).unwrap_or(NIL))
                    .collect();
                self.lists.push(ListRec {
                    off,
                    index_root: sig == b"ri",
                    entries,
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks the key tree from the records gathered (records come in hive order, so they are
    /// sorted by offset already).
    pub fn finish(self) -> Result<()> {
        if let Some(e) = self.damage {
            return Err(e);
        }
        let key = |off: u32| {
            self.keys
                .binary_search_by_key(&off, |k| k.off)
                .ok()
                .map(|i| &self.keys[i])
        };
        let list = |off: u32| {
            self.lists
                .binary_search_by_key(&off, |l| l.off)
                .ok()
                .map(|i| &self.lists[i])
        };
        let at = |off: u32, field: usize| BINS_START as u64 + u64::from(off) + 4 + field as u64;
        let mut members = Vec::new();
        for parent in &self.keys {
            if parent.subkey_count == 0 {
                continue;
            }
            let bad_list = || {
                Error::corrupt(
                    at(parent.off, nk::off::SUBKEY_LIST),
                    format!(
                        "the subkey list {:#x} is not a subkey list",
                        parent.subkey_list
                    ),
                )
            };
            let top = list(parent.subkey_list).ok_or_else(bad_list)?;
            members.clear();
            if top.index_root {
                for &leaf in &top.entries {
                    match list(leaf) {
                        Some(l) if !l.index_root => members.extend_from_slice(&l.entries),
                        _ => return Err(bad_list()),
                    }
                }
            } else {
                members.extend_from_slice(&top.entries);
            }
            if members.len() != parent.subkey_count as usize {
                return Err(Error::corrupt(
                    at(parent.off, nk::off::SUBKEY_COUNT),
                    format!(
                        "the key says it has {} subkeys, its list holds {}",
                        parent.subkey_count,
                        members.len()
                    ),
                ));
            }
            let mut previous: Option<&KeyRec> = None;
            for &m in &members {
                let child = key(m).ok_or_else(|| {
                    Error::corrupt(
                        at(top.off, 0),
                        format!("subkey list element {m:#x} is not a key node"),
                    )
                })?;
                if child.parent != parent.off {
                    return Err(Error::corrupt(
                        at(child.off, nk::off::PARENT),
                        format!(
                            "the key's parent field says {:#x}, but it is listed under the key at {:#x}",
                            child.parent, parent.off
                        ),
                    ));
                }
                if let Some(prev) = previous {
                    if prev.name.cmp(&child.name) != Ordering::Less {
                        return Err(Error::corrupt(
                            at(child.off, nk::off::NAME),
                            format!(
                                "subkeys of the key at {:#x} are out of order or listed twice \
                                 (\"{}\" after \"{}\")",
                                parent.off,
                                String::from_utf16_lossy(&child.name),
                                String::from_utf16_lossy(&prev.name)
                            ),
                        ));
                    }
                }
                previous = Some(child);
            }
        }
        Ok(())
    }
}

/// Checks the key tree of the hbins in `image` (the whole hive, base block first) whose hive
/// bins data is `bins_size` bytes.
pub(crate) fn check_image(image: &crate::image::Image, bins_size: u32) -> Result<()> {
    let mut collector = Collector::default();
    let mut pos = 0u32;
    while pos < bins_size {
        let at = BINS_START + pos as usize;
        let header = image
            .get(at..at + hbin::CHECKED)
            .ok_or_else(|| Error::corrupt(at as u64, "hbin header cannot be read"))?;
        let size = hbin::size_of(header, pos, bins_size)?;
        let bin = image
            .try_get(at..at + size as usize)?
            .ok_or_else(|| Error::corrupt(at as u64, "hbin cannot be read"))?;
        collector.feed(pos, bin);
        pos += size;
    }
    collector.finish()
}
