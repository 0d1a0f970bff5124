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
use crate::sk;

/// What the pass keeps of the key nodes, one entry per key in each vector (in hive order, so
/// sorted by offset): column vectors and one name arena keep it compact and allocation-free.
#[derive(Debug, Default)]
struct Keys {
    off: Vec<u32>,
    parent: Vec<u32>,
    subkey_count: Vec<u32>,
    subkey_list: Vec<u32>,
    /// The cell of each key's security record.
    security: Vec<u32>,
    /// Start and length of each key's name as stored in `names`, and whether it is stored
    /// one byte per character.
    name: Vec<(u32, u32, bool)>,
    names: Vec<u8>,
}

impl Keys {
    fn index(&self, off: u32) -> Option<usize> {
        self.off.binary_search(&off).ok()
    }

    /// The upper-cased name of key `i` (computed as it is compared: siblings differ early).
    fn name(&self, i: usize) -> impl Iterator<Item = u16> + '_ {
        let (start, len, compressed) = self.name[i];
        names::upcased(
            &self.names[start as usize..(start + len) as usize],
            compressed,
        )
    }

    /// The name of key `i`, for messages.
    fn name_text(&self, i: usize) -> String {
        String::from_utf16_lossy(&self.name(i).collect::<Vec<u16>>())
    }
}

/// What the pass keeps of the subkey list cells (in hive order).
#[derive(Debug, Default)]
struct Lists {
    off: Vec<u32>,
    /// Start and length of each list's elements in `entries`, and whether it is an index root.
    span: Vec<(u32, u32, bool)>,
    entries: Vec<u32>,
}

impl Lists {
    /// The elements of the list at `off` and whether it is an index root.
    fn get(&self, off: u32) -> Option<(&[u32], bool)> {
        let i = self.off.binary_search(&off).ok()?;
        let (start, len, root) = self.span[i];
        Some((&self.entries[start as usize..(start + len) as usize], root))
    }
}

/// Gathers key and list records from hbins fed in order, then checks the tree.
///
/// A cell is taken for a key or a list by its signature alone, so value data that happens to
/// start like one is recorded too (or, when it cannot be one, noted as such): that is harmless,
/// because the check walks the tree from the root and meets only cells the tree refers to.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    keys: Keys,
    lists: Lists,
    /// Cells signed as keys, lists or security records that cannot be one, with why (in hive
    /// order).
    malformed: Vec<(u32, String)>,
    /// Keys whose own fields contradict each other, with why (in hive order): met only if the
    /// tree reaches them.
    flawed_keys: Vec<(u32, String)>,
    /// The security records (`sk` cells) whose descriptor is whole and well formed, in hive
    /// order.
    security: Vec<u32>,
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
            if size < 8 || !size.is_multiple_of(8) || at + size > bin.len() {
                self.damage = Some(Error::corrupt(
                    BINS_START as u64 + u64::from(off),
                    format!("cell size {raw} does not fit its hbin"),
                ));
                return;
            }
            if raw < 0 {
                self.cell(off, &bin[at + 4..at + size]);
            }
            at += size;
        }
    }

    /// Records one allocated cell (`data`: its bytes after the size).
    fn cell(&mut self, off: u32, data: &[u8]) {
        match data.get(0..2) {
            Some(b"nk") => {
                let u32_at = |f| le_u32(data, f).unwrap_or(0);
                let flags = le_u16(data, nk::off::FLAGS).unwrap_or(0);
                let name_len = usize::from(le_u16(data, nk::off::NAME_LEN).unwrap_or(0));
                let Some(raw) = data.get(nk::off::NAME..nk::off::NAME + name_len) else {
                    let why = format!("the key name of {name_len} bytes does not fit its cell");
                    self.malformed.push((off, why));
                    return;
                };
                let k = &mut self.keys;
                k.name.push((
                    k.names.len() as u32,
                    raw.len() as u32,
                    flags & KEY_COMP_NAME != 0,
                ));
                k.names.extend_from_slice(raw);
                k.off.push(off);
                k.parent.push(u32_at(nk::off::PARENT));
                k.subkey_count.push(u32_at(nk::off::SUBKEY_COUNT));
                k.subkey_list.push(u32_at(nk::off::SUBKEY_LIST));
                k.security.push(u32_at(nk::off::SECURITY));
                let class_len = le_u16(data, nk::off::CLASS_LEN).unwrap_or(0);
                if name_len == 0 {
                    self.flawed_keys
                        .push((off, "the key's name is empty".into()));
                } else if u32_at(nk::off::CLASS) == NIL && class_len != 0 {
                    // Windows "heals" this on load (the length set to 0): it changes the hive.
                    let why = format!("the key has no class but a class length of {class_len}");
                    self.flawed_keys.push((off, why));
                }
            }
            Some(b"sk") => match sk::descriptor_problem(data) {
                None => self.security.push(off),
                Some(why) => self.malformed.push((off, why)),
            },
            Some(sig @ (b"lf" | b"lh" | b"li" | b"ri")) => {
                let stride = if matches!(sig, b"lf" | b"lh") { 8 } else { 4 };
                let n = usize::from(le_u16(data, 2).unwrap_or(0));
                if 4 + n * stride > data.len() {
                    let why = format!("the subkey list count {n} does not fit its cell");
                    self.malformed.push((off, why));
                    return;
                }
                let l = &mut self.lists;
                let start = l.entries.len() as u32;
                l.entries
                    .extend((0..n).map(|i| le_u32(data, 4 + i * stride).unwrap_or(NIL)));
                l.span.push((start, n as u32, sig == b"ri"));
                l.off.push(off);
            }
            _ => {}
        }
    }

    /// Checks the key tree below the root key at cell `root` from the records gathered.
    pub fn finish(self, root: u32) -> Result<()> {
        if let Some(e) = self.damage {
            return Err(e);
        }
        let (keys, lists) = (&self.keys, &self.lists);
        let at = |off: u32, field: usize| BINS_START as u64 + u64::from(off) + 4 + field as u64;
        let malformed = |off: u32| {
            self.malformed
                .binary_search_by_key(&off, |m| m.0)
                .ok()
                .map(|i| Error::corrupt(at(off, 0), self.malformed[i].1.clone()))
        };
        let Some(root_index) = keys.index(root) else {
            return Err(malformed(root)
                .unwrap_or_else(|| Error::corrupt(36, "the root cell is not a key node")));
        };
        // What Windows checks of each key itself: its security record, its class fields.
        let check_key = |index: usize| -> Result<()> {
            let off = keys.off[index];
            if let Ok(i) = self.flawed_keys.binary_search_by_key(&off, |f| f.0) {
                return Err(Error::corrupt(at(off, 0), self.flawed_keys[i].1.clone()));
            }
            let sk = keys.security[index];
            if self.security.binary_search(&sk).is_err() {
                return Err(malformed(sk).unwrap_or_else(|| {
                    Error::corrupt(
                        at(off, nk::off::SECURITY),
                        format!("the key's security cell {sk:#x} is not a security record"),
                    )
                }));
            }
            Ok(())
        };
        check_key(root_index)?;
        let mut visited = vec![false; keys.off.len()];
        visited[root_index] = true;
        let mut stack = vec![root_index];
        let mut members = Vec::new();
        while let Some(index) = stack.pop() {
            let (parent, count, list_off) = (
                keys.off[index],
                keys.subkey_count[index],
                keys.subkey_list[index],
            );
            if count == 0 {
                continue;
            }
            let bad_list = |off: u32| {
                malformed(off).unwrap_or_else(|| {
                    Error::corrupt(
                        at(parent, nk::off::SUBKEY_LIST),
                        format!("the subkey list {off:#x} is not a subkey list"),
                    )
                })
            };
            let (top, index_root) = lists.get(list_off).ok_or_else(|| bad_list(list_off))?;
            members.clear();
            if index_root {
                for &leaf in top {
                    match lists.get(leaf) {
                        Some((entries, false)) => members.extend_from_slice(entries),
                        _ => return Err(bad_list(leaf)),
                    }
                }
            } else {
                members.extend_from_slice(top);
            }
            if members.len() != count as usize {
                return Err(Error::corrupt(
                    at(parent, nk::off::SUBKEY_COUNT),
                    format!(
                        "the key says it has {count} subkeys, its list holds {}",
                        members.len()
                    ),
                ));
            }
            let mut previous: Option<usize> = None;
            for &m in &members {
                let child = keys.index(m).ok_or_else(|| {
                    malformed(m).unwrap_or_else(|| {
                        Error::corrupt(
                            at(list_off, 0),
                            format!("subkey list element {m:#x} is not a key node"),
                        )
                    })
                })?;
                if keys.parent[child] != parent {
                    return Err(Error::corrupt(
                        at(m, nk::off::PARENT),
                        format!(
                            "the key's parent field says {:#x}, but it is listed under the key at {parent:#x}",
                            keys.parent[child]
                        ),
                    ));
                }
                if let Some(prev) = previous {
                    if keys.name(prev).cmp(keys.name(child)) != Ordering::Less {
                        return Err(Error::corrupt(
                            at(m, nk::off::NAME),
                            format!(
                                "subkeys of the key at {parent:#x} are out of order or listed \
                                 twice (\"{}\" after \"{}\")",
                                keys.name_text(child),
                                keys.name_text(prev)
                            ),
                        ));
                    }
                }
                previous = Some(child);
                if !visited[child] {
                    check_key(child)?;
                    visited[child] = true;
                    stack.push(child);
                }
            }
        }
        Ok(())
    }
}

/// Checks the key tree below the root key at cell `root` of the hbins in `image` (the whole
/// hive, base block first) whose hive bins data is `bins_size` bytes.
pub(crate) fn check_image(image: &crate::image::Image, bins_size: u32, root: u32) -> Result<()> {
    let mut collector = Collector::default();
    let dir = image.hbins(bins_size)?;
    for (&pos, &size) in dir.starts.iter().zip(&dir.sizes) {
        let at = BINS_START + pos as usize;
        let bin = image
            .try_get(at..at + size as usize)?
            .ok_or_else(|| Error::corrupt(at as u64, "hbin cannot be read"))?;
        collector.feed(pos, bin);
    }
    collector.finish(root)
}
