//! Reading a non-solid resource into memory (chunks decompressed in parallel, in bounded
//! batches so that a damaged size never allocates more than the data proves), and building a
//! new resource that reuses an old one's stored chunks wherever the data is unchanged.

use std::fs::File;

use rayon::prelude::*;
use sha1::{Digest, Sha1};

use crate::codec::{Compressor, Decompressor};
use crate::file_io::{read_at, ReadError};
use crate::format::chunks::{self, Chunk};
use crate::format::header::{Codec, ResourceHeader, RES_COMPRESSED};
use crate::format::FormatError;

/// Chunks decompressed per parallel batch (8 MiB at the usual 32 KiB chunk size).
const BATCH_CHUNKS: usize = 256;

/// The chunks of a compressed resource, with its stored bytes.
pub(crate) struct StoredResource {
    /// The chunk list.
    pub chunks: Vec<Chunk>,
    /// The whole stored resource (chunk table included).
    pub bytes: Vec<u8>,
}

/// Reads a compressed resource's stored bytes and chunk table.
pub(crate) fn read_stored(
    file: &File,
    file_len: u64,
    res: &ResourceHeader,
    chunk_size: u32,
) -> Result<StoredResource, ReadError> {
    let bytes = read_at(file, file_len, res.offset, res.size_in_wim)?;
    let tsize = chunks::table_size(res.uncompressed_size, chunk_size);
    let table = bytes
        .get(..tsize.min(bytes.len() as u64) as usize)
        .unwrap_or(&[]);
    let chunks = chunks::parse(
        table,
        res.size_in_wim,
        res.uncompressed_size,
        chunk_size,
        res.offset,
    )?;
    Ok(StoredResource { chunks, bytes })
}

/// Reads and decompresses a resource whole. `limit` caps the uncompressed size.
pub(crate) fn read_resource(
    file: &File,
    file_len: u64,
    res: &ResourceHeader,
    codec: Codec,
    chunk_size: u32,
) -> Result<Vec<u8>, ReadError> {
    if !res.is_compressed() || codec == Codec::None {
        if res.uncompressed_size > res.size_in_wim {
            return Err(FormatError::new(
                res.offset,
                format!(
                    "uncompressed resource at {:#x} claims {} bytes but stores {}",
                    res.offset, res.uncompressed_size, res.size_in_wim
                ),
            )
            .into());
        }
        return read_at(file, file_len, res.offset, res.uncompressed_size);
    }
    let stored = read_stored(file, file_len, res, chunk_size)?;
    decompress_all(&stored, codec, chunk_size, res.offset)
}

/// Reads and decompresses a resource whole, and gives the SHA-1 of the data, computed while
/// the next batch of chunks decompresses.
pub(crate) fn read_resource_hashed(
    file: &File,
    file_len: u64,
    res: &ResourceHeader,
    codec: Codec,
    chunk_size: u32,
) -> Result<(Vec<u8>, [u8; 20]), ReadError> {
    if !res.is_compressed() || codec == Codec::None {
        let data = read_resource(file, file_len, res, codec, chunk_size)?;
        let hash = Sha1::digest(&data).into();
        return Ok((data, hash));
    }
    let stored = read_stored(file, file_len, res, chunk_size)?;
    let mut hasher = Sha1::new();
    let data = decompress_batches(&stored, codec, chunk_size, res.offset, Some(&mut hasher))?;
    Ok((data, hasher.finalize().into()))
}

/// Decompresses every chunk of `stored`, in parallel batches.
pub(crate) fn decompress_all(
    stored: &StoredResource,
    codec: Codec,
    chunk_size: u32,
    at: u64,
) -> Result<Vec<u8>, ReadError> {
    decompress_batches(stored, codec, chunk_size, at, None)
}

/// Decompresses every chunk of `stored` in parallel batches; with a hasher, each batch is
/// hashed while the next one decompresses. Memory is reserved up front only as far as the
/// stored size makes plausible (1024 times it), so a damaged size cannot claim more.
fn decompress_batches(
    stored: &StoredResource,
    codec: Codec,
    chunk_size: u32,
    at: u64,
    mut hasher: Option<&mut Sha1>,
) -> Result<Vec<u8>, ReadError> {
    let total: usize = stored.chunks.iter().map(|c| c.size as usize).sum();
    let mut out: Vec<u8> = Vec::with_capacity(total.min(stored.bytes.len().saturating_mul(1024)));
    let mut hashed = 0usize;
    for (b, batch) in stored.chunks.chunks(BATCH_CHUNKS).enumerate() {
        let start = out.len();
        let batch_len: usize = batch.iter().map(|c| c.size as usize).sum();
        out.resize(start + batch_len, 0);
        let (done, rest) = out.split_at_mut(start);
        let pending = &done[hashed..];
        hashed = start;
        let mut slices = Vec::with_capacity(batch.len());
        let mut rest = rest;
        for c in batch {
            let (head, tail) = rest.split_at_mut(c.size as usize);
            slices.push(head);
            rest = tail;
        }
        let decompress = || {
            slices
                .into_par_iter()
                .zip(batch.par_iter())
                .enumerate()
                .map_init(
                    || Decompressor::new(codec, chunk_size),
                    |dec, (i, (dst, c))| {
                        let src = &stored.bytes[c.stored_offset as usize
                            ..(c.stored_offset + u64::from(c.stored_size)) as usize];
                        let ok = if c.is_raw() {
                            dst.copy_from_slice(src);
                            true
                        } else {
                            dec.as_mut().is_some_and(|d| d.decompress(src, dst))
                        };
                        if ok {
                            None
                        } else {
                            Some(b * BATCH_CHUNKS + i)
                        }
                    },
                )
                .flatten()
                .min()
        };
        let failed = match hasher.as_deref_mut() {
            Some(h) => rayon::join(|| h.update(pending), decompress).1,
            None => decompress(),
        };
        if let Some(i) = failed {
            let c = stored.chunks[i];
            return Err(FormatError::new(
                at + c.stored_offset,
                format!("chunk {i} of the resource at {at:#x} does not decompress"),
            )
            .into());
        }
    }
    if let Some(h) = hasher {
        h.update(&out[hashed..]);
    }
    Ok(out)
}

/// A resource built for writing.
pub(crate) struct Built {
    /// The bytes to store (chunk table and chunks, or the raw data).
    pub bytes: Vec<u8>,
    /// Resource flags to record besides the caller's own (`RES_COMPRESSED` or none).
    pub flags: u8,
    /// Chunks copied from the old resource.
    pub reused: u64,
    /// Chunks compressed anew.
    pub compressed: u64,
    /// Time comparing chunks with the old data.
    pub compare: std::time::Duration,
    /// Time compressing the changed chunks.
    pub compress: std::time::Duration,
}

/// The old version of a resource, whose stored chunks may be reused.
pub(crate) struct Base<'a> {
    /// The old uncompressed data.
    pub data: &'a [u8],
    /// The old stored resource (only when it was compressed with the same chunk size).
    pub stored: Option<&'a StoredResource>,
}

/// Builds the stored form of `data`: with `codec` in chunks of `chunk_size`, copying each
/// stored chunk of `base` whose uncompressed bytes are identical, compressing the others (in
/// parallel), storing raw any chunk that does not shrink. Falls back to a raw resource when
/// compression does not pay as a whole, as writers do.
pub(crate) fn build(data: &[u8], codec: Codec, chunk_size: u32, base: Option<Base<'_>>) -> Built {
    if codec == Codec::None || data.is_empty() {
        return Built {
            bytes: data.to_vec(),
            flags: 0,
            reused: 0,
            compressed: 0,
            compare: std::time::Duration::ZERO,
            compress: std::time::Duration::ZERO,
        };
    }
    let cs = chunk_size as usize;
    let pieces: Vec<&[u8]> = data.chunks(cs).collect();
    let reuse = |i: usize, piece: &[u8]| -> Option<&[u8]> {
        let base = base.as_ref()?;
        let stored = base.stored?;
        let c = stored.chunks.get(i)?;
        let old = base.data.get(i * cs..i * cs + c.size as usize)?;
        if old != piece {
            return None;
        }
        stored
            .bytes
            .get(c.stored_offset as usize..(c.stored_offset + u64::from(c.stored_size)) as usize)
    };
    // First which chunks are unchanged (compared in parallel), then the others compressed.
    let t0 = std::time::Instant::now();
    let reusable: Vec<Option<&[u8]>> = pieces
        .par_iter()
        .enumerate()
        .map(|(i, piece)| reuse(i, piece))
        .collect();
    let compare = t0.elapsed();
    let t1 = std::time::Instant::now();
    let stored: Vec<(std::borrow::Cow<'_, [u8]>, bool)> = pieces
        .par_iter()
        .zip(reusable.par_iter())
        .map_init(
            || None::<Option<Compressor>>,
            |comp, (piece, old)| {
                if let Some(old) = old {
                    return (std::borrow::Cow::Borrowed(*old), true);
                }
                let c = comp.get_or_insert_with(|| Compressor::new(codec, chunk_size));
                let out = c.as_mut().and_then(|c| c.compress(piece));
                (
                    out.map_or(std::borrow::Cow::Borrowed(*piece), std::borrow::Cow::Owned),
                    false,
                )
            },
        )
        .collect();
    let compress = t1.elapsed();
    let sizes: Vec<u32> = stored.iter().map(|(b, _)| b.len() as u32).collect();
    let table = chunks::build(&sizes, data.len() as u64);
    let total = table.len() + sizes.iter().map(|&s| s as usize).sum::<usize>();
    let reused = stored.iter().filter(|(_, r)| *r).count() as u64;
    let compressed = stored.len() as u64 - reused;
    if total >= data.len() {
        return Built {
            bytes: data.to_vec(),
            flags: 0,
            reused: 0,
            compressed,
            compare,
            compress,
        };
    }
    let mut bytes = Vec::with_capacity(total);
    bytes.extend_from_slice(&table);
    for (b, _) in &stored {
        bytes.extend_from_slice(b);
    }
    Built {
        bytes,
        flags: RES_COMPRESSED,
        reused,
        compressed,
        compare,
        compress,
    }
}
