//! Edits: creating keys, setting and deleting values, deleting key subtrees.
//!
//! Every edit validates everything it will touch before changing a byte, then changes only the
//! cells and fields it has to, keeping the counts, the "largest length" fields, timestamps, sorted
//! subkey lists (with their `lh` hashes / `lf` hints) and `sk` reference counts right.

use std::collections::{BTreeMap, HashSet};

use crate::cell::{allocated, NIL};
use crate::db::{self, DataCells, SEGMENT};
use crate::error::{Error, Result};
use crate::hive::{split_path, Hive, MAX_VALUE_NAME};
use crate::lists::{self, Kind};
use crate::names;
use crate::nk::{self, Nk, KEY_NO_DELETE};
use crate::sk::{self, Sk};
use crate::value_type::ValueType;
use crate::vk::{self, Vk, DATA_INLINE};

/// Most keys a leaf holds before Windows moves them under an index root / splits the leaf
/// (what fits in one 4 KiB block, minus one).
const MAX_LEAF: usize = 1013;

impl Hive {
    /// Creates the key at `path` and any missing parents. Returns true if anything was created.
    /// New keys inherit their parent's security descriptor.
    pub fn create_key(&mut self, path: &str) -> Result<bool> {
        self.transaction(|h| Ok(h.ensure_key(path)?.1))
    }

    /// Sets value `name` of key `key` (created if missing). Returns false when a value of that
    /// name, type and data already exists (nothing is changed then).
    pub fn set_value(&mut self, key: &str, name: &str, ty: ValueType, data: &[u8]) -> Result<bool> {
        self.transaction(|h| h.set_value_inner(key, name, ty, data))
    }

    fn set_value_inner(
        &mut self,
        key: &str,
        name: &str,
        ty: ValueType,
        data: &[u8],
    ) -> Result<bool> {
        let units: Vec<u16> = name.encode_utf16().collect();
        if units.len() > MAX_VALUE_NAME {
            return Err(Error::InvalidName {
                name: name.to_string(),
                why: "a value name is longer than 16383 characters",
            });
        }
        if data.len() > 0x7FFF_FFFF
            || (db::is_big(self.base.minor, data.len()) && data.len().div_ceil(SEGMENT) > 0xFFFF)
        {
            return Err(Error::Limit {
                what: format!("value data of {} bytes is too large", data.len()),
            });
        }
        let (nk, created) = self.ensure_key(key)?;
        let len = data.len() as u32;
        match self.find_value(&nk, &units)? {
            Some((_, v)) => {
                let old_cells = db::cells(&self.bytes, self.base.bins_size, self.base.minor, &v)?;
                if v.ty == ty.code() && self.read_data(&v)? == data {
                    return Ok(created);
                }
                let reuse = match &old_cells {
                    DataCells::Single(c)
                        if data.len() > 4
                            && !db::is_big(self.base.minor, data.len())
                            && c.len >= data.len() =>
                    {
                        Some(*c)
                    }
                    _ => None,
                };
                let (raw_size, data_off) = match reuse {
                    Some(c) => {
                        self.write(c.start, data);
                        (len, c.off)
                    }
                    None => {
                        let stored = self.store_data(data)?;
                        self.free_data(&old_cells)?;
                        stored
                    }
                };
                self.put_u32(v.cell.start + vk::off::DATA_SIZE, raw_size);
                self.put_u32(v.cell.start + vk::off::DATA_OFF, data_off);
                self.put_u32(v.cell.start + vk::off::TYPE, ty.code());
            }
            None => {
                // Validate the value list before allocating anything.
                let entries = self.value_offsets(&nk)?;
                let (raw_size, data_off) = self.store_data(data)?;
                let vk_off = self.alloc_cell(&Vk::build(&units, ty.code(), raw_size, data_off))?;
                self.append_value(&nk, &entries, vk_off)?;
                self.put_u32(nk.pos(nk::off::VALUE_COUNT), nk.value_count + 1);
            }
        }
        let name_len = names::utf16_len(&units);
        if name_len > nk.max_value_name {
            self.put_u32(nk.pos(nk::off::MAX_VALUE_NAME), name_len);
        }
        if len > nk.max_value_data {
            self.put_u32(nk.pos(nk::off::MAX_VALUE_DATA), len);
        }
        let now = self.now();
        self.put_u64(nk.pos(nk::off::LAST_WRITTEN), now);
        self.touch();
        Ok(true)
    }

    /// Deletes value `name` of key `key`. Returns false if the key or the value does not exist.
    pub fn delete_value(&mut self, key: &str, name: &str) -> Result<bool> {
        self.transaction(|h| h.delete_value_inner(key, name))
    }

    fn delete_value_inner(&mut self, key: &str, name: &str) -> Result<bool> {
        let units: Vec<u16> = name.encode_utf16().collect();
        let Some(nk) = self.find_key(key)? else {
            return Ok(false);
        };
        let Some((index, v)) = self.find_value(&nk, &units)? else {
            return Ok(false);
        };
        let cells = db::cells(&self.bytes, self.base.bins_size, self.base.minor, &v)?;
        let entries = self.value_offsets(&nk)?;
        self.free_data(&cells)?;
        self.free_cell(v.cell.off)?;
        let remaining = nk.value_count - 1;
        if remaining == 0 {
            self.free_cell(nk.value_list)?;
            self.put_u32(nk.pos(nk::off::VALUE_LIST), NIL);
            self.put_u32(nk.pos(nk::off::MAX_VALUE_NAME), 0);
            self.put_u32(nk.pos(nk::off::MAX_VALUE_DATA), 0);
        } else {
            let list = allocated(
                &self.bytes,
                self.base.bins_size,
                nk.value_list,
                nk.cell.at(nk::off::VALUE_LIST),
            )?;
            for (i, off) in entries.iter().skip(index + 1).enumerate() {
                self.put_u32(list.start + (index + i) * 4, *off);
            }
        }
        self.put_u32(nk.pos(nk::off::VALUE_COUNT), remaining);
        let now = self.now();
        self.put_u64(nk.pos(nk::off::LAST_WRITTEN), now);
        self.touch();
        Ok(true)
    }

    /// Deletes the key at `path` with its whole subtree, freeing every cell it owned and
    /// dropping its security references. Returns false if the key does not exist.
    pub fn delete_key(&mut self, path: &str) -> Result<bool> {
        self.transaction(|h| h.delete_key_inner(path))
    }

    fn delete_key_inner(&mut self, path: &str) -> Result<bool> {
        let comps = split_path(path)?;
        let Some((last, parents)) = comps.split_last() else {
            return Err(Error::InvalidName {
                name: path.to_string(),
                why: "the root key cannot be deleted",
            });
        };
        let mut parent = self.root_nk()?;
        for comp in parents {
            match self.find_subkey(&parent, comp)? {
                Some(c) => parent = c,
                None => return Ok(false),
            }
        }
        let Some(target) = self.find_subkey(&parent, last)? else {
            return Ok(false);
        };
        if target.flags & KEY_NO_DELETE != 0 {
            return Err(Error::InvalidName {
                name: path.to_string(),
                why: "the key is marked as not deletable",
            });
        }
        // Plan: collect and validate everything first.
        let (cells, sk_refs) = self.subtree_cells(&target)?;
        let mut sks = Vec::new();
        for (&sk_off, &n) in &sk_refs {
            let s = Sk::read(
                &self.bytes,
                self.base.bins_size,
                sk_off,
                crate::cell::file_off(sk_off),
            )?;
            if s.refcount < n {
                return Err(Error::corrupt(
                    s.cell.at(sk::off::REFCOUNT),
                    format!(
                        "security cell has {} references, {n} keys use it",
                        s.refcount
                    ),
                ));
            }
            sks.push((sk_off, n));
        }
        let list = self.subkey_list(&parent)?;
        // Apply.
        self.remove_from_list(&parent, &list, target.cell.off)?;
        for off in cells {
            self.free_cell(off)?;
        }
        for (sk_off, n) in sks {
            self.release_sk(sk_off, n)?;
        }
        let remaining = parent.subkey_count - 1;
        self.put_u32(parent.pos(nk::off::SUBKEY_COUNT), remaining);
        if remaining == 0 {
            let keep = parent.max_subkey_name & 0xFFFF_0000;
            self.put_u32(parent.pos(nk::off::MAX_SUBKEY_NAME), keep);
            self.put_u32(parent.pos(nk::off::MAX_SUBKEY_CLASS), 0);
        }
        let now = self.now();
        self.put_u64(parent.pos(nk::off::LAST_WRITTEN), now);
        self.touch();
        Ok(true)
    }

    /// The key node at `path`, if it exists.
    pub(crate) fn find_key(&self, path: &str) -> Result<Option<Nk>> {
        let mut cur = self.root_nk()?;
        for comp in split_path(path)? {
            match self.find_subkey(&cur, &comp)? {
                Some(c) => cur = c,
                None => return Ok(None),
            }
        }
        Ok(Some(cur))
    }

    /// The key node at `path`, created with its missing parents; true if anything was created.
    fn ensure_key(&mut self, path: &str) -> Result<(Nk, bool)> {
        let mut cur = self.root_nk()?;
        let mut created = false;
        for comp in split_path(path)? {
            cur = match self.find_subkey(&cur, &comp)? {
                Some(c) => c,
                None => {
                    created = true;
                    self.add_subkey(&cur, &comp)?
                }
            };
        }
        Ok((cur, created))
    }

    /// Creates subkey `name` under `parent` (which has no such subkey).
    fn add_subkey(&mut self, parent: &Nk, name: &[u16]) -> Result<Nk> {
        let security = Sk::read(
            &self.bytes,
            self.base.bins_size,
            parent.security,
            parent.cell.at(nk::off::SECURITY),
        )?;
        if security.refcount == u32::MAX {
            return Err(Error::Limit {
                what: "security cell reference count overflow".into(),
            });
        }
        let list = self.subkey_list(parent)?;
        if parent.subkey_count >= 0x00FF_FFFF {
            return Err(Error::Limit {
                what: "too many subkeys".into(),
            });
        }
        let now = self.now();
        let off = self.alloc_cell(&Nk::build(name, parent.cell.off, security.cell.off, now))?;
        self.insert_into_list(parent, &list, off, name)?;
        self.put_u32(
            security.cell.start + sk::off::REFCOUNT,
            security.refcount + 1,
        );
        self.put_u32(parent.pos(nk::off::SUBKEY_COUNT), parent.subkey_count + 1);
        let len = names::utf16_len(name);
        if len > parent.max_subkey_name & 0xFFFF {
            let v = (parent.max_subkey_name & 0xFFFF_0000) | len;
            self.put_u32(parent.pos(nk::off::MAX_SUBKEY_NAME), v);
        }
        self.put_u64(parent.pos(nk::off::LAST_WRITTEN), now);
        self.touch();
        self.read_nk(off, parent.cell.at(nk::off::SUBKEY_LIST))
    }

    /// The leaf form for a brand-new subkey list: the form the hive's root list uses,
    /// otherwise `lh` (version 1.5 and later) or `lf`.
    fn preferred_kind(&self) -> Result<Kind> {
        let root = self.root_nk()?;
        let list = self.subkey_list(&root)?;
        if let Some(k) = list
            .leaves
            .first()
            .map(|l| l.kind)
            .filter(|k| matches!(k, Kind::Lf | Kind::Lh))
        {
            return Ok(k);
        }
        Ok(if self.base.minor >= 5 {
            Kind::Lh
        } else {
            Kind::Lf
        })
    }

    /// Inserts key node `off` named `name` into `parent`'s subkey list at its sorted place.
    fn insert_into_list(
        &mut self,
        parent: &Nk,
        list: &lists::SubkeyList,
        off: u32,
        name: &[u16],
    ) -> Result<()> {
        if list.leaves.is_empty() {
            let kind = self.preferred_kind()?;
            let data = lists::build_leaf(kind, &[lists::element(kind, off, name)]);
            let new = self.alloc_cell(&data)?;
            self.put_u32(parent.pos(nk::off::SUBKEY_LIST), new);
            return Ok(());
        }
        let mut list = list.clone();
        // A full leaf becomes the only leaf of a new index root, as Windows does.
        if list.root.is_none() && list.leaves[0].entries.len() >= MAX_LEAF {
            let ri = self.alloc_cell(&lists::build_root(&[list.leaves[0].cell.off]))?;
            self.put_u32(parent.pos(nk::off::SUBKEY_LIST), ri);
            list = self.current_list(parent)?;
        }
        let mut leaf_idx = self.choose_leaf(&list, name)?;
        if list.root.is_some() && list.leaves[leaf_idx].entries.len() >= MAX_LEAF {
            self.split_leaf(parent, &list, leaf_idx)?;
            list = self.current_list(parent)?;
            leaf_idx = self.choose_leaf(&list, name)?;
        }
        let list = &list;
        let leaf = &list.leaves[leaf_idx];
        if leaf.entries.len() >= 0xFFFF {
            return Err(Error::Limit {
                what: "a subkey list leaf would hold more than 65535 keys".into(),
            });
        }
        let mut pos = leaf.entries.len();
        for (i, &e) in leaf.entries.iter().enumerate() {
            let at = leaf.cell.at(4 + i * leaf.kind.stride());
            if Nk::cmp_name(&self.bytes, self.base.bins_size, e, at, name)?
                == std::cmp::Ordering::Greater
            {
                pos = i;
                break;
            }
        }
        let mut raw = leaf.raw.clone();
        raw.insert(pos, lists::element(leaf.kind, off, name));
        let data = lists::build_leaf(leaf.kind, &raw);
        self.replace_leaf(parent, list, leaf_idx, &data)
    }

    /// The subkey list `parent` points at now (its count not yet changed by the edit).
    fn current_list(&self, parent: &Nk) -> Result<lists::SubkeyList> {
        let at = parent.pos(nk::off::SUBKEY_LIST);
        let off = crate::cell::le_u32(&self.bytes, at).unwrap_or(NIL);
        lists::read(
            &self.bytes,
            self.base.bins_size,
            off,
            parent.subkey_count,
            at as u64,
        )
    }

    /// The leaf a new key named `name` goes to: the last one whose first key sorts at or
    /// before `name` (the first leaf when `name` sorts before all of them).
    fn choose_leaf(&self, list: &lists::SubkeyList, name: &[u16]) -> Result<usize> {
        let mut leaf_idx = 0;
        if list.leaves.len() > 1 {
            for (i, leaf) in list.leaves.iter().enumerate() {
                if let Some(&first) = leaf.entries.first() {
                    let n = self.read_nk(first, leaf.cell.at(4))?.name;
                    if names::cmp(&n, name) != std::cmp::Ordering::Greater {
                        leaf_idx = i;
                    }
                }
            }
        }
        Ok(leaf_idx)
    }

    /// Splits full leaf `leaf_idx` of an index root in two halves (as Windows does).
    fn split_leaf(&mut self, parent: &Nk, list: &lists::SubkeyList, leaf_idx: usize) -> Result<()> {
        let Some(root) = list.root else {
            return Ok(());
        };
        if list.leaves.len() >= 0xFFFF {
            return Err(Error::Limit {
                what: "an index root would hold more than 65535 leaves".into(),
            });
        }
        let leaf = &list.leaves[leaf_idx];
        let half = leaf.raw.len() / 2;
        let second = self.alloc_cell(&lists::build_leaf(leaf.kind, &leaf.raw[half..]))?;
        self.write(
            leaf.cell.start,
            &lists::build_leaf(leaf.kind, &leaf.raw[..half]),
        );
        let mut leaves: Vec<u32> = list.leaves.iter().map(|l| l.cell.off).collect();
        leaves.insert(leaf_idx + 1, second);
        let data = lists::build_root(&leaves);
        if data.len() <= root.len {
            self.write(root.start, &data);
        } else {
            let new = self.alloc_cell(&data)?;
            self.free_cell(root.off)?;
            self.put_u32(parent.pos(nk::off::SUBKEY_LIST), new);
        }
        Ok(())
    }

    /// Writes new contents for leaf `leaf_idx`: in place when they fit, else in a new cell.
    fn replace_leaf(
        &mut self,
        parent: &Nk,
        list: &lists::SubkeyList,
        leaf_idx: usize,
        data: &[u8],
    ) -> Result<()> {
        let leaf = &list.leaves[leaf_idx];
        if data.len() <= leaf.cell.len {
            self.write(leaf.cell.start, data);
            self.touch();
            return Ok(());
        }
        let new = self.alloc_cell(data)?;
        self.free_cell(leaf.cell.off)?;
        match list.root {
            Some(root) => self.put_u32(root.start + 4 + leaf_idx * 4, new),
            None => self.put_u32(parent.pos(nk::off::SUBKEY_LIST), new),
        }
        Ok(())
    }

    /// Removes key node `off` from `parent`'s subkey list.
    fn remove_from_list(&mut self, parent: &Nk, list: &lists::SubkeyList, off: u32) -> Result<()> {
        let found =
            list.leaves.iter().enumerate().find_map(|(li, leaf)| {
                leaf.entries.iter().position(|&e| e == off).map(|p| (li, p))
            });
        let Some((leaf_idx, pos)) = found else {
            return Err(Error::corrupt(
                parent.cell.at(nk::off::SUBKEY_LIST),
                "key to delete is not in its parent's subkey list",
            ));
        };
        let leaf = &list.leaves[leaf_idx];
        let mut raw = leaf.raw.clone();
        raw.remove(pos);
        if !raw.is_empty() {
            let data = lists::build_leaf(leaf.kind, &raw);
            return self.replace_leaf(parent, list, leaf_idx, &data);
        }
        self.free_cell(leaf.cell.off)?;
        match list.root {
            Some(root) => {
                let mut leaves: Vec<u32> = list.leaves.iter().map(|l| l.cell.off).collect();
                leaves.remove(leaf_idx);
                if leaves.is_empty() {
                    self.free_cell(root.off)?;
                    self.put_u32(parent.pos(nk::off::SUBKEY_LIST), NIL);
                } else {
                    let data = lists::build_root(&leaves);
                    self.write(root.start, &data);
                }
            }
            None => self.put_u32(parent.pos(nk::off::SUBKEY_LIST), NIL),
        }
        Ok(())
    }

    /// Appends `vk_off` to the value list of `nk` (whose current entries are `entries`).
    fn append_value(&mut self, nk: &Nk, entries: &[u32], vk_off: u32) -> Result<()> {
        if entries.is_empty() {
            let list = self.alloc_cell(&vk_off.to_le_bytes())?;
            self.put_u32(nk.pos(nk::off::VALUE_LIST), list);
            return Ok(());
        }
        let cell = allocated(
            &self.bytes,
            self.base.bins_size,
            nk.value_list,
            nk.cell.at(nk::off::VALUE_LIST),
        )?;
        if (entries.len() + 1) * 4 <= cell.len {
            self.put_u32(cell.start + entries.len() * 4, vk_off);
            return Ok(());
        }
        let mut data: Vec<u8> = entries.iter().flat_map(|e| e.to_le_bytes()).collect();
        data.extend_from_slice(&vk_off.to_le_bytes());
        let new = self.alloc_cell(&data)?;
        self.free_cell(cell.off)?;
        self.put_u32(nk.pos(nk::off::VALUE_LIST), new);
        Ok(())
    }

    /// Stores value data; returns the vk's (data size, data offset) fields.
    fn store_data(&mut self, data: &[u8]) -> Result<(u32, u32)> {
        let len = data.len();
        if len <= 4 {
            let mut b = [0u8; 4];
            b[..len].copy_from_slice(data);
            return Ok((len as u32 | DATA_INLINE, u32::from_le_bytes(b)));
        }
        if db::is_big(self.base.minor, len) {
            let mut segs = Vec::with_capacity(len.div_ceil(SEGMENT) * 4);
            // Every segment cell gets the full segment size, the last one too, as Windows and
            // offreg allocate them (hivex and libregf read whole segment cells).
            let mut buf = vec![0u8; SEGMENT];
            for chunk in data.chunks(SEGMENT) {
                buf.fill(0);
                buf[..chunk.len()].copy_from_slice(chunk);
                segs.extend_from_slice(&self.alloc_cell(&buf)?.to_le_bytes());
            }
            let count = (segs.len() / 4) as u16;
            let list = self.alloc_cell(&segs)?;
            let mut rec = b"db".to_vec();
            rec.extend_from_slice(&count.to_le_bytes());
            rec.extend_from_slice(&list.to_le_bytes());
            let db_off = self.alloc_cell(&rec)?;
            return Ok((len as u32, db_off));
        }
        Ok((len as u32, self.alloc_cell(data)?))
    }

    /// Frees the cells holding a value's data.
    fn free_data(&mut self, cells: &DataCells) -> Result<()> {
        match cells {
            DataCells::Inline => Ok(()),
            DataCells::Single(c) => self.free_cell(c.off),
            DataCells::Big { db, list, segments } => {
                for s in segments {
                    self.free_cell(s.off)?;
                }
                self.free_cell(list.off)?;
                self.free_cell(db.off)
            }
        }
    }

    /// Collects (and validates) every cell owned by the subtree at `top`, and how many of its
    /// keys use each security cell.
    fn subtree_cells(&self, top: &Nk) -> Result<(Vec<u32>, BTreeMap<u32, u32>)> {
        let mut cells = Vec::new();
        let mut sk_refs: BTreeMap<u32, u32> = BTreeMap::new();
        let mut seen = HashSet::new();
        let mut stack = vec![top.clone()];
        while let Some(k) = stack.pop() {
            if !seen.insert(k.cell.off) {
                return Err(Error::Cycle {
                    offset: k.cell.at(0),
                    what: "key node reached twice while walking a subtree",
                });
            }
            let vat = k.cell.at(nk::off::VALUE_LIST);
            for vk_off in self.value_offsets(&k)? {
                let v = self.read_vk(vk_off, vat)?;
                match db::cells(&self.bytes, self.base.bins_size, self.base.minor, &v)? {
                    DataCells::Inline => {}
                    DataCells::Single(c) => cells.push(c.off),
                    DataCells::Big { db, list, segments } => {
                        cells.extend(segments.iter().map(|s| s.off));
                        cells.push(list.off);
                        cells.push(db.off);
                    }
                }
                cells.push(v.cell.off);
            }
            if k.value_count > 0 {
                cells.push(k.value_list);
            }
            if k.class != NIL {
                allocated(
                    &self.bytes,
                    self.base.bins_size,
                    k.class,
                    k.cell.at(nk::off::CLASS),
                )?;
                cells.push(k.class);
            }
            let list = self.subkey_list(&k)?;
            for leaf in &list.leaves {
                cells.push(leaf.cell.off);
                for (i, &e) in leaf.entries.iter().enumerate() {
                    stack.push(self.read_nk(e, leaf.cell.at(4 + i * leaf.kind.stride()))?);
                }
            }
            if let Some(root) = list.root {
                cells.push(root.off);
            }
            let n = sk_refs.entry(k.security).or_insert(0);
            *n += 1;
            cells.push(k.cell.off);
        }
        let mut unique = HashSet::with_capacity(cells.len());
        for &c in &cells {
            if !unique.insert(c) {
                return Err(Error::corrupt(
                    crate::cell::file_off(c),
                    "a cell is shared by two records of the subtree being deleted",
                ));
            }
        }
        Ok((cells, sk_refs))
    }

    /// Drops `n` references to security cell `off`; frees it (unlinking it from the list of
    /// security cells) when none remain.
    fn release_sk(&mut self, off: u32, n: u32) -> Result<()> {
        let bins = self.base.bins_size;
        let s = Sk::read(&self.bytes, bins, off, crate::cell::file_off(off))?;
        let left = s.refcount.saturating_sub(n);
        if left > 0 {
            self.put_u32(s.cell.start + sk::off::REFCOUNT, left);
            return Ok(());
        }
        if s.flink != off {
            let prev = Sk::read(&self.bytes, bins, s.blink, s.cell.at(sk::off::BLINK))?;
            let next = Sk::read(&self.bytes, bins, s.flink, s.cell.at(sk::off::FLINK))?;
            self.put_u32(prev.cell.start + sk::off::FLINK, next.cell.off);
            let next = Sk::read(&self.bytes, bins, s.flink, s.cell.at(sk::off::FLINK))?;
            self.put_u32(next.cell.start + sk::off::BLINK, prev.cell.off);
        }
        self.put_u32(s.cell.start + sk::off::REFCOUNT, 0);
        self.free_cell(off)
    }
}
