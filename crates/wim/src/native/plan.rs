//! What a native commit writes, decided before any byte is written: the blob table entries
//! with where each one's data comes from, and the newly built resources (new blobs and the
//! changed images' metadata, reusing the old stored chunks where the data is unchanged).

use std::collections::{HashMap, HashSet};

use sha1::{Digest, Sha1};

use super::resource::{self, Base, Built, StoredResource};
use super::NativeWim;
use crate::error::Result;
use crate::format::blob_table::BlobEntry;
use crate::format::header::{Codec, ResourceHeader};

/// Where a blob table entry's data comes from.
pub(super) enum Source {
    /// Stays where it is (append) or is copied raw (rebuild).
    Old,
    /// Newly built: index into the plan's pieces.
    Piece(usize),
}

/// Everything the commit writes, before any byte is written.
pub(super) struct Plan {
    pub(super) table: Vec<(BlobEntry, Source)>,
    pub(super) pieces: Vec<Built>,
    pub(super) reused: u64,
    pub(super) compressed: u64,
}

/// The old stored resource of `entry`, when its chunks can be reused.
fn old_stored(w: &NativeWim, entry: &BlobEntry) -> Option<StoredResource> {
    if !entry.resource.is_compressed() || w.codec == Codec::None {
        return None;
    }
    resource::read_stored(&w.file, w.file_len, &entry.resource, w.chunk_size).ok()
}

fn build_with_base(w: &NativeWim, data: &[u8], base: Option<(&[u8], &BlobEntry)>) -> Built {
    let stored = base.and_then(|(_, e)| old_stored(w, e));
    let base = base.map(|(d, _)| Base {
        data: d,
        stored: stored.as_ref(),
    });
    resource::build(data, w.codec, w.chunk_size, base)
}

pub(super) fn plan(w: &NativeWim) -> Result<Plan> {
    let mut pieces = Vec::new();
    let mut table: Vec<(BlobEntry, Source)> = Vec::new();
    let part_number = w.header.part_number;
    // Blobs whose count falls to zero are dropped only if no entry of any image still uses
    // them.
    let falling: HashSet<[u8; 20]> = w
        .blobs
        .iter()
        .enumerate()
        .filter(|(i, e)| !e.is_metadata() && w.by_hash.get(&e.hash) == Some(i))
        .filter(|(_, e)| {
            let d = w.ref_delta.get(&e.hash).copied().unwrap_or(0);
            d < 0 && i64::from(e.ref_count) + d <= 0
        })
        .map(|(_, e)| e.hash)
        .collect();
    let still_used = if falling.is_empty() {
        HashMap::new()
    } else {
        w.count_references(&falling)?
    };
    for (i, e) in w.blobs.iter().enumerate() {
        if let Some(img) = w.metadata_entries.iter().position(|&m| m == i) {
            let index = img as u32 + 1;
            let Some(new_meta) = w.staged_metadata.get(&index) else {
                table.push((*e, Source::Old));
                continue;
            };
            let hash: [u8; 20] = Sha1::digest(new_meta.as_slice()).into();
            if hash == e.hash {
                table.push((*e, Source::Old));
                continue;
            }
            let old = w.original_metadata(index)?;
            let built = build_with_base(w, new_meta, Some((&old, e)));
            let mut entry = *e;
            entry.hash = hash;
            entry.resource.uncompressed_size = new_meta.len() as u64;
            pieces.push(built);
            table.push((entry, Source::Piece(pieces.len() - 1)));
            continue;
        }
        // The count changes on the entry the reader uses for that hash.
        let delta = match w.by_hash.get(&e.hash) {
            Some(&chosen) if chosen == i => w.ref_delta.get(&e.hash).copied().unwrap_or(0),
            _ => 0,
        };
        let mut entry = *e;
        if delta != 0 {
            let count = i64::from(e.ref_count) + delta;
            if count <= 0 {
                match still_used.get(&e.hash) {
                    None | Some(0) => continue,
                    Some(&n) => entry.ref_count = n,
                }
            } else {
                entry.ref_count = u32::try_from(count).unwrap_or(u32::MAX);
            }
        }
        table.push((entry, Source::Old));
    }
    for (hash, blob) in &w.new_blobs {
        let count = w.ref_delta.get(hash).copied().unwrap_or(0);
        if count <= 0 {
            continue;
        }
        let base_entry = blob
            .base
            .and_then(|b| w.by_hash.get(&b))
            .map(|&i| w.blobs[i]);
        let base_data = match (&blob.base, &base_entry) {
            (Some(h), Some(_)) => w.cache.lock().ok().and_then(|c| c.get(h).cloned()),
            _ => None,
        };
        let built = match (&base_data, &base_entry) {
            (Some(d), Some(e)) => build_with_base(w, &blob.data, Some((d.as_slice(), e))),
            _ => build_with_base(w, &blob.data, None),
        };
        pieces.push(built);
        table.push((
            BlobEntry {
                resource: ResourceHeader {
                    size_in_wim: 0,
                    flags: 0,
                    offset: 0,
                    uncompressed_size: blob.data.len() as u64,
                },
                part_number,
                ref_count: u32::try_from(count).unwrap_or(u32::MAX),
                hash: *hash,
            },
            Source::Piece(pieces.len() - 1),
        ));
    }
    let reused = pieces.iter().map(|p| p.reused).sum();
    let compressed = pieces.iter().map(|p| p.compressed).sum();
    Ok(Plan {
        table,
        pieces,
        reused,
        compressed,
    })
}
