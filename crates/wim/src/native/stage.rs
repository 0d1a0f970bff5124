//! Staging replacements natively: a replaced file changes only its data stream hash in the
//! image's metadata (in a working copy, patched in place), and the counts the commit needs
//! (reference deltas, size deltas, the new blobs) are kept as they go.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sha1::{Digest, Sha1};

use super::{hex, NativeWim, NewBlob};
use crate::error::{Error, Result};
use crate::format::dentry::{self, Dentry};
use crate::format::security;

fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

impl NativeWim {
    /// Stages several replacements; the new contents are hashed in parallel first.
    pub(super) fn replace_files(&mut self, items: Vec<(u32, String, Arc<Vec<u8>>)>) -> Result<()> {
        use rayon::prelude::*;
        if !self.writable {
            return Err(Error::opened_read_only(&self.path));
        }
        let hashes: Vec<[u8; 20]> = items
            .par_iter()
            .map(|(_, _, c)| if c.is_empty() { [0; 20] } else { sha1(c) })
            .collect();
        for ((index, file, contents), hash) in items.into_iter().zip(hashes) {
            self.replace_one(index, &file, contents, hash)?;
        }
        Ok(())
    }

    /// Stages one replacement whose SHA-1 is `new` (zero for empty contents).
    fn replace_one(
        &mut self,
        index: u32,
        file: &str,
        contents: Arc<Vec<u8>>,
        new: [u8; 20],
    ) -> Result<()> {
        let meta = self.current_metadata(index)?;
        let (d, stream) = self.regular_file(index, &meta, file)?;
        let old = d.streams[stream].hash;
        if old == new {
            return Ok(());
        }
        // Contents the WIM already stores are not stored again: the entry will be shared, so
        // its data is read and checked first (a damaged table must not make the file point at
        // data that is not what was written).
        if new != [0; 20] && self.by_hash.contains_key(&new) {
            let stored = self.blob_data(index, file, &new)?;
            if stored.as_slice() != contents.as_slice() {
                return Err(Error::Malformed {
                    path: self.path.clone(),
                    offset: Some(self.header.blob_table.offset),
                    message: format!(
                        "the blob table's entry for SHA-1 {} holds other data",
                        hex(&new)
                    ),
                });
            }
        }
        // Keep the old data for the chunk comparison before the entry changes.
        let base = if old != [0; 20] && self.by_hash.contains_key(&old) {
            self.blob_data(index, file, &old).ok().map(|_| old)
        } else {
            self.new_blobs
                .iter()
                .find(|(h, _)| *h == old)
                .and_then(|(_, b)| b.base)
        };
        let targets: Vec<(Dentry, usize)> = if d.hard_link_group != 0 {
            self.group_members(index, &meta, d.hard_link_group)?
                .into_iter()
                .filter_map(|m| m.data_stream().map(|s| (m, s)))
                .filter(|(m, s)| m.streams[*s].hash == old)
                .collect()
        } else {
            vec![(d, stream)]
        };
        // The working copy is made once per image (the original stays for the chunk
        // comparison) and patched in place after that.
        drop(meta);
        let mut work = match self.staged_metadata.remove(&index) {
            Some(m) => m,
            None => self.original_metadata(index)?,
        };
        let bytes = Arc::make_mut(&mut work);
        for (m, s) in &targets {
            let at = m.streams[*s].hash_offset;
            bytes[at..at + 20].copy_from_slice(&new);
        }
        let n = targets.len() as i64;
        if old != [0; 20] {
            *self.ref_delta.entry(old).or_insert(0) -= n;
        }
        if new != [0; 20] {
            *self.ref_delta.entry(new).or_insert(0) += n;
            if !self.by_hash.contains_key(&new) && !self.new_blobs.iter().any(|(h, _)| *h == new) {
                self.new_blobs.push((
                    new,
                    NewBlob {
                        data: contents.clone(),
                        base,
                    },
                ));
            }
        }
        let old_size = self.blob_size(&old) as i64;
        *self.size_delta.entry(index).or_insert(0) += (contents.len() as i64 - old_size) * n;
        self.staged_metadata.insert(index, work);
        if !self.changed_images.contains(&index) {
            self.changed_images.push(index);
        }
        Ok(())
    }

    /// How many directory entry streams, over every image as it now stands, refer to each of
    /// `hashes` (the check made before a blob whose count reaches zero is dropped, so that a
    /// count the old writer got wrong never loses data still in use).
    pub(super) fn count_references(
        &self,
        hashes: &HashSet<[u8; 20]>,
    ) -> Result<HashMap<[u8; 20], u32>> {
        let mut counts = HashMap::new();
        for index in 1..=self.header.image_count {
            let meta = self.current_metadata(index)?;
            let sd = security::parse(&meta).map_err(|e| self.metadata_error(index, e))?;
            let root =
                dentry::root(&meta, sd.total_length).map_err(|e| self.metadata_error(index, e))?;
            dentry::walk(&meta, &root, &mut |d| {
                for s in &d.streams {
                    if hashes.contains(&s.hash) {
                        *counts.entry(s.hash).or_insert(0u32) += 1;
                    }
                }
            })
            .map_err(|e| self.metadata_error(index, e))?;
        }
        Ok(counts)
    }
}
