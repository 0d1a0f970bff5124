//! Writing a native WIM's staged replacements: append after the old end, fsync, then switch
//! the header and fsync again ([`super::append`]), or, with `rebuild`, a compacted copy
//! through a temporary file and a rename ([`super::rebuild`]). Only what must change does:
//! the new blobs, the changed images' metadata resources (with their stored chunks reused
//! where unchanged, [`super::plan`]), the blob table, the XML values that depend on the
//! change, the integrity table (reusing the hashes of unchanged chunks) and the header's
//! resource headers. This module holds what both ways share: the entry point, the writer
//! with its progress reports, and the tables.

use std::fs::File;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use sha1::{Digest, Sha1};

use super::resource::{self, Built};
use super::{append, lock, plan, rebuild, NativeWim};
use crate::callback;
use crate::commit_types::{CommitOptions, CommitStats, Progress};
use crate::error::{Error, Result};
use crate::file_io::{file_len, read_header};
use crate::format::blob_table::{self, BlobEntry};
use crate::format::header::{
    ResourceHeader, FLAG_WRITE_IN_PROGRESS, HEADER_SIZE, RES_COMPRESSED, RES_METADATA,
};
use crate::format::integrity::{IntegrityTable, DEFAULT_CHUNK_SIZE};
use crate::format::xml::{format_part, Field};

/// Commits every staged change of `w`.
pub(super) fn commit(
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
    let threads = Threads::new(opts.threads, &w.path)?;
    let lock = lock::exclusive(&w.file, &w.path)?;
    rebuild::sweep_stale(&w.path);
    let now_header = read_header(&w.path, &w.file)?;
    let now_len = file_len(&w.path, &w.file)?;
    if now_header.raw != w.header.raw || now_len != w.file_len {
        return Err(Error::ChangedMeanwhile {
            path: w.path.clone(),
        });
    }
    let plan = threads.run(|| plan::plan(&w))?;
    stats.chunks_reused = plan.reused;
    stats.chunks_compressed = plan.compressed;
    stats.times.chunk_compare = plan.pieces.iter().map(|p| p.compare).sum();
    stats.times.compress = plan.pieces.iter().map(|p| p.compress).sum();
    let result = if opts.rebuild {
        stats.rebuilt = true;
        rebuild::rebuild(&w, &plan, progress, &mut stats, &threads).and_then(|(file, tmp)| {
            // Every handle to the WIM (ours and the lock's) is closed for the rename: before it
            // where the OS cannot replace an open file, after it elsewhere.
            let path = w.path.clone();
            platform::replace_durably_closing(file, &tmp, &path, move || drop((lock, w)))
                .map_err(|e| Error::from_io(&path, e))
        })
    } else {
        append::append(&w, &plan, progress, &mut stats, &threads)
    };
    stats.duration = start.elapsed();
    result.map(|()| stats)
}

/// Where the commit's parallel work runs: rayon's global pool, or one of
/// [`CommitOptions::threads`] threads. The writing itself, and with it every call of the
/// progress callback, stays on the caller's thread.
pub(super) struct Threads(Option<rayon::ThreadPool>);

impl Threads {
    fn new(threads: u32, path: &Path) -> Result<Threads> {
        if threads == 0 {
            return Ok(Threads(None));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads as usize)
            .build()
            .map(|p| Threads(Some(p)))
            .map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(e),
            })
    }

    /// Runs `f`, whose parallel iterators then use this pool.
    pub(super) fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.0 {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }
}

/// The XML with the changed images' values updated; `xml_offset` is where it will lie.
fn new_xml(w: &NativeWim, xml_offset: u64) -> Vec<u8> {
    let mut xml = w.xml.clone();
    let now = platform::filetime::now();
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

/// SHA-1 of `len` bytes of `file` at `offset`.
fn hash_range(file: &File, offset: u64, len: u64) -> std::io::Result<[u8; 20]> {
    let mut h = Sha1::new();
    let mut buf = vec![0u8; (len as usize).min(1 << 20)];
    let mut at = offset;
    let end = offset + len;
    while at < end {
        let n = ((end - at) as usize).min(buf.len());
        platform::read_exact_at(file, &mut buf[..n], at)?;
        h.update(&buf[..n]);
        at += n as u64;
    }
    Ok(h.finalize().into())
}

/// The integrity table for `file` covering up to `check_end`, reusing `old` where the bytes
/// did not change (`old_end`: where the old table's coverage ended).
fn integrity_table(
    threads: &Threads,
    file: &File,
    check_end: u64,
    chunk_size: u32,
    old: Option<(&IntegrityTable, u64)>,
) -> std::io::Result<IntegrityTable> {
    let start = HEADER_SIZE as u64;
    let plan = IntegrityTable::plan(chunk_size, start, check_end, old.map(|(_, e)| e));
    // The chunks are independent: the ones not reused are hashed in parallel.
    let hashes = threads.run(|| {
        plan.into_par_iter()
            .enumerate()
            .map(|(i, (s, e, reusable))| {
                match old.and_then(|(t, _)| t.hashes.get(i)).filter(|_| reusable) {
                    Some(h) => Ok(*h),
                    None => hash_range(file, s, e - s),
                }
            })
            .collect::<std::io::Result<Vec<_>>>()
    })?;
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
pub(super) struct Writer<'a, 'p> {
    pub(super) file: &'a File,
    /// The WIM (for errors about the callback).
    pub(super) wim: &'a Path,
    /// The file written (the WIM, or the rebuild's temporary file).
    pub(super) path: &'a Path,
    pub(super) at: u64,
    pub(super) written: u64,
    pub(super) total: u64,
    pub(super) progress: Option<&'p mut dyn FnMut(Progress)>,
}

impl Writer<'_, '_> {
    pub(super) fn put(&mut self, bytes: &[u8]) -> Result<ResourceHeader> {
        let offset = self.at;
        for piece in bytes.chunks(8 << 20) {
            platform::write_all_at(self.file, piece, self.at)
                .map_err(|e| Error::from_io(self.path, e))?;
            self.at += piece.len() as u64;
            self.written += piece.len() as u64;
            if let Some(cb) = self.progress.as_mut() {
                let p = Progress {
                    bytes_done: self.written,
                    bytes_total: self.total.max(self.written),
                };
                callback::report(*cb, p).map_err(|message| Error::CallbackPanicked {
                    path: self.wim.to_path_buf(),
                    message,
                })?;
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
    h.flags &= !FLAG_WRITE_IN_PROGRESS;
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
pub(super) fn put_piece(
    out: &mut Writer<'_, '_>,
    entry: &BlobEntry,
    built: &Built,
) -> Result<BlobEntry> {
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
pub(super) fn put_tables(
    w: &NativeWim,
    out: &mut Writer<'_, '_>,
    entries: &[BlobEntry],
    rebuilt: bool,
    stats: &mut CommitStats,
    threads: &Threads,
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
        let t = integrity_table(
            threads,
            out.file,
            bt.offset + bt.size_in_wim,
            chunk_size,
            reuse,
        )
        .map_err(|e| Error::from_io(out.path, e))?;
        stats.times.integrity = t0.elapsed();
        Some(out.put(&t.to_bytes())?)
    };
    Ok(header_resources(w, entries, bt, xml, integrity, rebuilt))
}
