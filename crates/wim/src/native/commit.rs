//! Writing a native WIM's staged replacements: append after the old end, fsync, then switch
//! the header and fsync again (or, with `rebuild`, a compacted copy through a temporary file
//! and a rename). Only what must change does: the new blobs, the changed images' metadata
//! resources (with their stored chunks reused where unchanged), the blob table, the XML values
//! that depend on the change, the integrity table (reusing the hashes of unchanged chunks) and
//! the header's resource headers.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

use sha1::{Digest, Sha1};

use super::resource::{self, Base, Built, StoredResource};
use super::temp::{dir_of, sweep_stale, temp_path};
use super::{lock, read_error, read_header, NativeWim};
use crate::error::{Error, Result};
use crate::format::blob_table::{self, BlobEntry};
use crate::format::header::{Codec, ResourceHeader, HEADER_SIZE, RES_COMPRESSED, RES_METADATA};
use crate::format::integrity::{IntegrityTable, DEFAULT_CHUNK_SIZE};
use crate::format::xml::{format_part, Field};
use crate::{CommitOptions, CommitStats, Progress};

/// Where a blob table entry's data comes from.
enum Source {
    /// Stays where it is (append) or is copied raw (rebuild).
    Old,
    /// Newly built: index into the plan's pieces.
    Piece(usize),
}

/// Everything the commit writes, before any byte is written.
struct Plan {
    table: Vec<(BlobEntry, Source)>,
    pieces: Vec<Built>,
    reused: u64,
    compressed: u64,
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    match e.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => Error::DiskFull {
            path: path.to_path_buf(),
        },
        _ => Error::Io {
            path: path.to_path_buf(),
            source: e,
        },
    }
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

fn plan(w: &NativeWim) -> Result<Plan> {
    let mut pieces = Vec::new();
    let mut table: Vec<(BlobEntry, Source)> = Vec::new();
    let part_number = w.header.part_number;
    // Blobs whose count falls to zero are dropped only if no entry of any image still uses
    // them.
    let falling: std::collections::HashSet<[u8; 20]> = w
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
        std::collections::HashMap::new()
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

/// The XML with the changed images' values updated; `xml_offset` is where it will lie.
fn new_xml(w: &NativeWim, xml_offset: u64) -> Vec<u8> {
    let mut xml = w.xml.clone();
    let now = filetime_now();
    for &index in &w.changed_images {
        let delta = w.size_delta.get(&index).copied().unwrap_or(0);
        if let Some(old) = xml.get(&Field::ImageTotalBytes(index)) {
            if let Ok(v) = old.trim().parse::<i128>() {
                let new = (v + i128::from(delta)).max(0);
                xml.set(&Field::ImageTotalBytes(index), &new.to_string());
            }
        }
        for (field, value) in [
            (Field::ImageModifiedHigh(index), (now >> 32) as u32),
            (Field::ImageModifiedLow(index), now as u32),
        ] {
            if let Some(old) = xml.get(&field) {
                xml.set(&field, &format_part(&old, value));
            }
        }
    }
    if xml.get(&Field::WimTotalBytes).is_some() {
        xml.set(&Field::WimTotalBytes, &xml_offset.to_string());
    }
    xml.to_bytes()
}

/// Now as a FILETIME.
fn filetime_now() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_nanos() / 100) as u64 + 116_444_736_000_000_000
}

/// SHA-1 of `len` bytes of `file` at `offset`.
fn hash_range(file: &File, offset: u64, len: u64) -> std::io::Result<[u8; 20]> {
    let mut h = Sha1::new();
    let mut buf = vec![0u8; (len as usize).min(1 << 20)];
    let mut at = offset;
    let end = offset + len;
    while at < end {
        let n = ((end - at) as usize).min(buf.len());
        file.read_exact_at(&mut buf[..n], at)?;
        h.update(&buf[..n]);
        at += n as u64;
    }
    Ok(h.finalize().into())
}

/// The integrity table for `file` covering up to `check_end`, reusing `old` where the bytes
/// did not change (`old_end`: where the old table's coverage ended).
fn integrity_table(
    file: &File,
    check_end: u64,
    chunk_size: u32,
    old: Option<(&IntegrityTable, u64)>,
) -> std::io::Result<IntegrityTable> {
    let start = HEADER_SIZE as u64;
    let plan = IntegrityTable::plan(chunk_size, start, check_end, old.map(|(_, e)| e));
    // The chunks are independent: the ones not reused are hashed in parallel.
    use rayon::prelude::*;
    let hashes = plan
        .into_par_iter()
        .enumerate()
        .map(|(i, (s, e, reusable))| {
            match old.and_then(|(t, _)| t.hashes.get(i)).filter(|_| reusable) {
                Some(h) => Ok(*h),
                None => hash_range(file, s, e - s),
            }
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(IntegrityTable { chunk_size, hashes })
}

/// The old integrity table, if there is one and it is sound.
fn old_integrity(w: &NativeWim) -> Option<(IntegrityTable, u64)> {
    let r = w.header.integrity;
    if r.is_zero() {
        return None;
    }
    let bt_end = w.header.blob_table.end()?;
    let bytes = resource::read_resource(&w.file, w.file_len, &r, w.codec, w.chunk_size).ok()?;
    let t =
        IntegrityTable::parse(&bytes, bt_end.checked_sub(HEADER_SIZE as u64)?, r.offset).ok()?;
    Some((t, bt_end))
}

/// Writes `bytes` at `offset` of `file`, reporting progress.
struct Writer<'a, 'p> {
    file: &'a File,
    /// The WIM (for errors about the callback).
    wim: &'a Path,
    path: &'a Path,
    at: u64,
    written: u64,
    total: u64,
    progress: Option<&'p mut dyn FnMut(Progress)>,
}

impl Writer<'_, '_> {
    fn put(&mut self, bytes: &[u8]) -> Result<ResourceHeader> {
        let offset = self.at;
        for piece in bytes.chunks(8 << 20) {
            self.file
                .write_all_at(piece, self.at)
                .map_err(|e| io_error(self.path, e))?;
            self.at += piece.len() as u64;
            self.written += piece.len() as u64;
            if let Some(cb) = self.progress.as_mut() {
                let p = Progress {
                    bytes_done: self.written,
                    bytes_total: self.total.max(self.written),
                };
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(p))).map_err(
                    |payload| Error::CallbackPanicked {
                        path: self.wim.to_path_buf(),
                        message: crate::libwim_commit::panic_message(payload.as_ref()),
                    },
                )?;
            }
        }
        Ok(ResourceHeader {
            size_in_wim: bytes.len() as u64,
            flags: 0,
            offset,
            uncompressed_size: bytes.len() as u64,
        })
    }
}

/// Commits every staged change of `w`.
pub fn commit(
    w: NativeWim,
    opts: &CommitOptions,
    progress: Option<&mut dyn FnMut(Progress)>,
) -> Result<CommitStats> {
    let start = Instant::now();
    let old_size = w.file_len;
    let mut stats = CommitStats {
        images: w.changed_images.clone(),
        ..CommitStats::nothing(old_size, true)
    };
    if w.changed_images.is_empty() {
        return Ok(stats);
    }
    let _lock = lock::exclusive(&w.file, &w.path)?;
    sweep_stale(&w.path);
    let now_header = read_header(&w.path, &w.file)?;
    let now_len = w.file.metadata().map_err(|e| io_error(&w.path, e))?.len();
    if now_header.raw != w.header.raw || now_len != w.file_len {
        return Err(Error::ChangedMeanwhile {
            path: w.path.clone(),
        });
    }
    let plan = plan(&w)?;
    stats.chunks_reused = plan.reused;
    stats.chunks_compressed = plan.compressed;
    stats.times.chunk_compare = plan.pieces.iter().map(|p| p.compare).sum();
    stats.times.compress = plan.pieces.iter().map(|p| p.compress).sum();
    let result = if opts.rebuild {
        stats.rebuilt = true;
        rebuild(&w, &plan, progress, &mut stats)
    } else {
        append(&w, &plan, progress, &mut stats)
    };
    stats.duration = start.elapsed();
    result.map(|()| stats)
}

fn header_resources(
    w: &NativeWim,
    table: &[BlobEntry],
    bt: ResourceHeader,
    xml: ResourceHeader,
    integrity: Option<ResourceHeader>,
    rebuilt: bool,
) -> [u8; HEADER_SIZE] {
    let mut h = w.header.clone();
    // A flag a crashed writer left set: the state this header describes is complete.
    h.flags &= !crate::format::header::FLAG_WRITE_IN_PROGRESS;
    h.blob_table = ResourceHeader {
        flags: (w.header.blob_table.flags | RES_METADATA) & !RES_COMPRESSED,
        ..bt
    };
    h.xml = ResourceHeader {
        flags: (w.header.xml.flags | RES_METADATA) & !RES_COMPRESSED,
        ..xml
    };
    if let Some(i) = integrity {
        h.integrity = ResourceHeader {
            flags: w.header.integrity.flags & !RES_COMPRESSED,
            ..i
        };
    }
    let boot = w.header.boot_index;
    if boot != 0
        && (rebuilt || w.changed_images.contains(&boot))
        && !w.header.boot_metadata.is_zero()
    {
        let metas: Vec<&BlobEntry> = table.iter().filter(|e| e.is_metadata()).collect();
        if let Some(e) = metas.get(boot as usize - 1) {
            h.boot_metadata = e.resource;
        }
    }
    h.to_bytes()
}

/// Writes a newly built resource; its blob table entry.
fn put_piece(out: &mut Writer<'_, '_>, entry: &BlobEntry, built: &Built) -> Result<BlobEntry> {
    let r = out.put(&built.bytes)?;
    let mut e = *entry;
    e.resource.offset = r.offset;
    e.resource.size_in_wim = r.size_in_wim;
    e.resource.flags = (entry.resource.flags & !RES_COMPRESSED) | built.flags;
    Ok(e)
}

/// Writes the blob table, the XML and, if the WIM had one, the integrity table after the
/// resources (an append reuses the old table's hashes of unchanged chunks; a rebuild hashes
/// everything); the header to write last.
fn put_tables(
    w: &NativeWim,
    out: &mut Writer<'_, '_>,
    entries: &[BlobEntry],
    rebuilt: bool,
    stats: &mut CommitStats,
) -> Result<[u8; HEADER_SIZE]> {
    let bt = out.put(&blob_table::to_bytes(entries))?;
    let xml_at = out.at;
    let xml = out.put(&new_xml(w, xml_at))?;
    let integrity = if w.header.integrity.is_zero() {
        None
    } else {
        let t0 = Instant::now();
        let old = old_integrity(w);
        let chunk_size = old
            .as_ref()
            .map_or(DEFAULT_CHUNK_SIZE, |(t, _)| t.chunk_size);
        let reuse = old.as_ref().filter(|_| !rebuilt).map(|(t, e)| (t, *e));
        let t = integrity_table(out.file, bt.offset + bt.size_in_wim, chunk_size, reuse)
            .map_err(|e| io_error(out.path, e))?;
        stats.times.integrity = t0.elapsed();
        Some(out.put(&t.to_bytes())?)
    };
    Ok(header_resources(w, entries, bt, xml, integrity, rebuilt))
}

fn append(
    w: &NativeWim,
    plan: &Plan,
    progress: Option<&mut dyn FnMut(Progress)>,
    stats: &mut CommitStats,
) -> Result<()> {
    let total: u64 = plan
        .pieces
        .iter()
        .map(|p| p.bytes.len() as u64)
        .sum::<u64>()
        + (plan.table.len() * blob_table::ENTRY_SIZE) as u64;
    let mut out = Writer {
        file: &w.file,
        wim: &w.path,
        path: &w.path,
        at: w.file_len,
        written: 0,
        total,
        progress,
    };
    let write_start = Instant::now();
    let result = (|| -> Result<[u8; HEADER_SIZE]> {
        let mut entries = Vec::with_capacity(plan.table.len());
        for (entry, source) in &plan.table {
            entries.push(match source {
                Source::Piece(p) => put_piece(&mut out, entry, &plan.pieces[*p])?,
                Source::Old => *entry,
            });
        }
        put_tables(w, &mut out, &entries, false, stats)
    })();
    let header = match result {
        Ok(h) => h,
        Err(e) => {
            let _ = w.file.set_len(w.file_len);
            return Err(e);
        }
    };
    stats.times.write = write_start.elapsed().saturating_sub(stats.times.integrity);
    let t0 = Instant::now();
    if let Err(e) = w.file.sync_data() {
        let _ = w.file.set_len(w.file_len);
        return Err(io_error(&w.path, e));
    }
    // The header goes last: until here the old header points at the old, intact data.
    w.file
        .write_all_at(&header, 0)
        .map_err(|e| io_error(&w.path, e))?;
    w.file.sync_data().map_err(|e| io_error(&w.path, e))?;
    stats.times.fsync = t0.elapsed();
    stats.bytes_written = out.written + HEADER_SIZE as u64;
    stats.new_size = out.at;
    Ok(())
}

fn rebuild(
    w: &NativeWim,
    plan: &Plan,
    progress: Option<&mut dyn FnMut(Progress)>,
    stats: &mut CommitStats,
) -> Result<()> {
    let tmp = temp_path(&w.path);
    let result = (|| -> Result<u64> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| io_error(&tmp, e))?;
        if let Ok(m) = w.file.metadata() {
            let _ = file.set_permissions(m.permissions());
        }
        let total: u64 = plan
            .table
            .iter()
            .map(|(e, s)| match s {
                Source::Old => e.resource.size_in_wim,
                Source::Piece(p) => plan.pieces[*p].bytes.len() as u64,
            })
            .sum();
        let mut out = Writer {
            file: &file,
            wim: &w.path,
            path: &tmp,
            at: HEADER_SIZE as u64,
            written: 0,
            total,
            progress,
        };
        out.file
            .write_all_at(&[0u8; HEADER_SIZE], 0)
            .map_err(|e| io_error(&tmp, e))?;
        let write_start = Instant::now();
        let mut entries = Vec::with_capacity(plan.table.len());
        for (entry, source) in &plan.table {
            let e = match source {
                Source::Piece(p) => put_piece(&mut out, entry, &plan.pieces[*p])?,
                Source::Old => {
                    let mut e = *entry;
                    e.resource.offset = out.at;
                    let mut done = 0;
                    while done < entry.resource.size_in_wim {
                        let n = (entry.resource.size_in_wim - done).min(8 << 20);
                        let bytes =
                            resource::read_at(&w.file, w.file_len, entry.resource.offset + done, n)
                                .map_err(|e| read_error(&w.path, e))?;
                        out.put(&bytes)?;
                        done += n;
                    }
                    e
                }
            };
            entries.push(e);
        }
        let header = put_tables(w, &mut out, &entries, true, stats)?;
        file.write_all_at(&header, 0)
            .map_err(|e| io_error(&tmp, e))?;
        stats.times.write = write_start.elapsed().saturating_sub(stats.times.integrity);
        let t0 = Instant::now();
        file.sync_all().map_err(|e| io_error(&tmp, e))?;
        stats.times.fsync = t0.elapsed();
        stats.bytes_written = out.written + HEADER_SIZE as u64;
        Ok(out.at)
    })();
    let new_size = match result {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if let Err(e) = std::fs::rename(&tmp, &w.path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(&w.path, e));
    }
    let dir = dir_of(&w.path);
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, e))?;
    stats.new_size = new_size;
    Ok(())
}
