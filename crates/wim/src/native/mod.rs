//! The native WIM reader and writer for the layouts boot images use (non-solid resources;
//! LZX, XPRESS or no compression; any number of images; with or without an integrity table).
//! It reads the on-disk structures of [`crate::format`] itself and uses wimlib only for the
//! chunk codecs ([`crate::codec`]).

mod commit;
mod lock;
pub(crate) mod resource;
mod temp;

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha1::{Digest, Sha1};

use crate::error::{Error, Result};
use crate::format::blob_table::{self, BlobEntry};
use crate::format::dentry::{self, Dentry};
use crate::format::header::{Codec, Header, HEADER_SIZE, RES_SOLID};
use crate::format::xml::{ImageXml, XmlData};
use crate::format::{security, FormatError};
use crate::info::{Compression, ImageInfo, WimInfo};
use crate::metadata::{FileMetadata, StreamInfo};
use resource::ReadError;

pub use commit::commit;

/// Largest file read into memory (registry hives are at most 4 GiB).
const MAX_READ_SIZE: u64 = crate::MAX_READ_SIZE;

/// Time spent reading, by phase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadTimes {
    /// Reading stored bytes, decompressing them and checking their SHA-1.
    pub read_and_decompress: Duration,
}

/// A staged new blob.
#[derive(Debug, Clone)]
pub(crate) struct NewBlob {
    pub data: Arc<Vec<u8>>,
    /// The blob it replaced, whose stored chunks may be reused.
    pub base: Option<[u8; 20]>,
}

/// An open WIM read natively.
pub(crate) struct NativeWim {
    pub path: PathBuf,
    pub file: File,
    pub writable: bool,
    pub header: Header,
    pub codec: Codec,
    pub chunk_size: u32,
    pub file_len: u64,
    pub blobs: Vec<BlobEntry>,
    /// File blobs by hash (index into `blobs`).
    pub by_hash: HashMap<[u8; 20], usize>,
    /// The metadata entry of each image (index into `blobs`), image 1 first.
    pub metadata_entries: Vec<usize>,
    pub xml: XmlData,
    pub xml_images: Vec<ImageXml>,
    /// Decompressed original metadata resources.
    pub metadata: Mutex<HashMap<u32, Arc<Vec<u8>>>>,
    /// Decompressed file blobs read so far (the old data the writer compares chunks with).
    pub cache: Mutex<HashMap<[u8; 20], Arc<Vec<u8>>>>,
    pub times: Mutex<ReadTimes>,
    /// Working copies of changed images' metadata.
    pub staged_metadata: HashMap<u32, Arc<Vec<u8>>>,
    /// New blobs in the order staged.
    pub new_blobs: Vec<([u8; 20], NewBlob)>,
    /// Reference count changes per blob hash.
    pub ref_delta: HashMap<[u8; 20], i64>,
    /// Change of each image's total bytes.
    pub size_delta: HashMap<u32, i64>,
    pub changed_images: Vec<u32>,
}

/// True when `header` describes a WIM the native path handles.
pub(crate) fn handles(header: &Header) -> bool {
    !header.is_pipable()
        && header.total_parts == 1
        && header.part_number == 1
        && header.version != crate::format::header::VERSION_SOLID
        && matches!(header.codec(), Ok(Codec::None | Codec::Xpress | Codec::Lzx))
}

pub(crate) fn format_error(path: &Path, e: FormatError) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        offset: e.offset,
        message: e.message,
    }
}

pub(crate) fn read_error(path: &Path, e: ReadError) -> Error {
    match e {
        ReadError::Format(f) => format_error(path, f),
        ReadError::Io(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
    }
}

fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// The components of a path inside an image.
fn components(file: &str) -> Result<Vec<&str>> {
    let comps: Vec<&str> = file.split(['/', '\\']).filter(|c| !c.is_empty()).collect();
    if comps.is_empty()
        || comps
            .iter()
            .any(|c| *c == "." || *c == ".." || c.contains('\0'))
    {
        return Err(Error::InvalidPath {
            file: file.to_string(),
        });
    }
    Ok(comps)
}

impl NativeWim {
    /// Opens the WIM at `path` whose header was already read as `header`.
    pub(crate) fn open(
        path: &Path,
        file: File,
        header: Header,
        writable: bool,
    ) -> Result<NativeWim> {
        let ferr = |e| format_error(path, e);
        let rerr = |e| read_error(path, e);
        let file_len = file_len(path, &file)?;
        let codec = header.codec().map_err(ferr)?;
        let chunk_size = header.effective_chunk_size();
        if codec != Codec::None
            && !(chunk_size.is_power_of_two() && (4096..=1 << 21).contains(&chunk_size))
        {
            return Err(ferr(FormatError::new(
                0x14,
                format!("unsupported chunk size {chunk_size}"),
            )));
        }
        let bt = header.blob_table;
        let bt_bytes =
            resource::read_resource(&file, file_len, &bt, codec, chunk_size).map_err(rerr)?;
        let blobs = blob_table::parse(&bt_bytes, bt.offset).map_err(ferr)?;
        let mut by_hash = HashMap::new();
        let mut metadata_entries = Vec::new();
        for (i, b) in blobs.iter().enumerate() {
            if b.resource.flags & RES_SOLID != 0 {
                return Err(Error::Unsupported {
                    path: path.to_path_buf(),
                    what: "solid resources".into(),
                });
            }
            if b.is_metadata() {
                metadata_entries.push(i);
            } else {
                // Should a table hold one hash twice, the entry in use is the one read.
                let slot = by_hash.entry(b.hash).or_insert(i);
                if blobs[*slot].ref_count == 0 && b.ref_count > 0 {
                    *slot = i;
                }
            }
        }
        if metadata_entries.len() != header.image_count as usize {
            return Err(ferr(FormatError::new(
                0x2c,
                format!(
                    "the header counts {} images but the blob table holds {} metadata resources",
                    header.image_count,
                    metadata_entries.len()
                ),
            )));
        }
        if header.boot_index > header.image_count {
            return Err(ferr(FormatError::new(
                0x78,
                format!("boot index {} names no image", header.boot_index),
            )));
        }
        let xml_bytes = if header.xml.is_zero() {
            Vec::new()
        } else {
            resource::read_resource(&file, file_len, &header.xml, codec, chunk_size)
                .map_err(rerr)?
        };
        let xml = XmlData::decode(&xml_bytes, header.xml.offset).map_err(ferr)?;
        let xml_images = xml.images();
        Ok(NativeWim {
            path: path.to_path_buf(),
            file,
            writable,
            codec,
            chunk_size,
            file_len,
            blobs,
            by_hash,
            metadata_entries,
            xml,
            xml_images,
            header,
            metadata: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
            times: Mutex::new(ReadTimes::default()),
            staged_metadata: HashMap::new(),
            new_blobs: Vec::new(),
            ref_delta: HashMap::new(),
            size_delta: HashMap::new(),
            changed_images: Vec::new(),
        })
    }

    /// Header-level description.
    pub(crate) fn info(&self) -> WimInfo {
        let h = &self.header;
        WimInfo {
            image_count: h.image_count,
            boot_index: h.boot_index,
            compression: match self.codec {
                Codec::None => Compression::None,
                Codec::Xpress => Compression::Xpress,
                Codec::Lzx => Compression::Lzx,
                Codec::Lzms => Compression::Lzms,
            },
            chunk_size: if self.codec == Codec::None {
                h.chunk_size
            } else {
                self.chunk_size
            },
            has_integrity: !h.integrity.is_zero(),
            guid: h.guid,
            solid: false,
            split: None,
            pipable: false,
            marked_readonly: h.flags & crate::format::header::FLAG_READONLY != 0,
            write_in_progress: h.flags & crate::format::header::FLAG_WRITE_IN_PROGRESS != 0,
            wim_version: h.version,
            total_bytes: self
                .xml
                .get(&crate::format::xml::Field::WimTotalBytes)
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0),
        }
    }

    /// Image descriptions from the XML.
    pub(crate) fn images(&self) -> Vec<ImageInfo> {
        (1..=self.header.image_count)
            .map(|index| {
                let x = self.xml_images.iter().find(|x| x.index == index);
                ImageInfo {
                    index,
                    name: x.and_then(|x| x.name.clone()).filter(|s| !s.is_empty()),
                    description: x.and_then(|x| x.description.clone()),
                    arch: x.and_then(|x| x.arch.clone()),
                    edition: x.and_then(|x| x.edition.clone()),
                    flags: x.and_then(|x| x.flags.clone()),
                }
            })
            .collect()
    }

    /// An image property by `/`-separated element path (e.g. `WINDOWS/VERSION/BUILD`).
    pub(crate) fn image_property(&self, index: u32, name: &str) -> Option<String> {
        self.xml.image_property(index, name)
    }

    fn check_index(&self, index: u32) -> Result<()> {
        if index == 0 || index > self.header.image_count {
            return Err(Error::NoSuchImage {
                path: self.path.clone(),
                index,
                count: self.header.image_count,
            });
        }
        Ok(())
    }

    /// The original decompressed metadata resource of image `index`.
    pub(crate) fn original_metadata(&self, index: u32) -> Result<Arc<Vec<u8>>> {
        self.check_index(index)?;
        if let Some(m) = self
            .metadata
            .lock()
            .ok()
            .and_then(|m| m.get(&index).cloned())
        {
            return Ok(m);
        }
        let entry = self.blobs[self.metadata_entries[index as usize - 1]];
        let data = self.read_blob_entry(&entry)?;
        let data = Arc::new(data);
        if let Ok(mut m) = self.metadata.lock() {
            m.insert(index, data.clone());
        }
        Ok(data)
    }

    /// Reads and checks one blob.
    fn read_blob_entry(&self, entry: &BlobEntry) -> Result<Vec<u8>> {
        let start = std::time::Instant::now();
        let (data, hash) = resource::read_resource_hashed(
            &self.file,
            self.file_len,
            &entry.resource,
            self.codec,
            self.chunk_size,
        )
        .map_err(|e| read_error(&self.path, e))?;
        if hash != entry.hash {
            return Err(Error::Malformed {
                path: self.path.clone(),
                offset: entry.resource.offset,
                message: format!(
                    "the resource at {:#x} does not match its SHA-1 {}",
                    entry.resource.offset,
                    hex(&entry.hash)
                ),
            });
        }
        if let Ok(mut t) = self.times.lock() {
            t.read_and_decompress += start.elapsed();
        }
        Ok(data)
    }

    /// The metadata of image `index` as it stands (staged changes included).
    fn current_metadata(&self, index: u32) -> Result<Arc<Vec<u8>>> {
        match self.staged_metadata.get(&index) {
            Some(m) => Ok(Arc::clone(m)),
            None => self.original_metadata(index),
        }
    }

    fn metadata_error(&self, index: u32, e: FormatError) -> Error {
        Error::Malformed {
            path: self.path.clone(),
            offset: e.offset,
            message: format!(
                "image {index}'s metadata resource, at byte {:#x} of it: {}",
                e.offset, e.message
            ),
        }
    }

    /// The chain of entries from the root to `file` in `meta`.
    fn lookup(&self, index: u32, meta: &[u8], file: &str) -> Result<Vec<Dentry>> {
        let comps = components(file)?;
        let sd = security::parse(meta).map_err(|e| self.metadata_error(index, e))?;
        let root =
            dentry::root(meta, sd.total_length).map_err(|e| self.metadata_error(index, e))?;
        dentry::lookup(meta, &root, &comps)
            .map_err(|e| self.metadata_error(index, e))?
            .ok_or_else(|| Error::FileNotFound {
                path: self.path.clone(),
                index,
                file: file.to_string(),
            })
    }

    fn regular_file(&self, index: u32, meta: &[u8], file: &str) -> Result<(Dentry, usize)> {
        let chain = self.lookup(index, meta, file)?;
        let d = chain
            .last()
            .cloned()
            .ok_or_else(|| Error::InvalidPath { file: file.into() })?;
        let stream = match d.data_stream() {
            Some(s) if !d.is_directory() && !d.is_reparse_point() => s,
            _ => {
                return Err(Error::NotAFile {
                    path: self.path.clone(),
                    index,
                    file: file.to_string(),
                })
            }
        };
        Ok((d, stream))
    }

    /// Size of the blob `hash` (staged ones included); 0 for the zero hash.
    fn blob_size(&self, hash: &[u8; 20]) -> u64 {
        if *hash == [0; 20] {
            return 0;
        }
        if let Some((_, b)) = self.new_blobs.iter().find(|(h, _)| h == hash) {
            return b.data.len() as u64;
        }
        self.by_hash
            .get(hash)
            .map_or(0, |&i| self.blobs[i].resource.uncompressed_size)
    }

    /// Reads a file's contents into memory.
    pub(crate) fn read_file(&self, index: u32, file: &str) -> Result<Vec<u8>> {
        Ok(self.read_file_shared(index, file)?.as_ref().clone())
    }

    /// The SHA-1 of a regular file's contents as the image records it (zero: empty).
    pub(crate) fn file_sha1(&self, index: u32, file: &str) -> Result<[u8; 20]> {
        let meta = self.current_metadata(index)?;
        let (d, stream) = self.regular_file(index, &meta, file)?;
        Ok(d.streams[stream].hash)
    }

    /// Reads a file's contents, shared with the reader's own copy.
    pub(crate) fn read_file_shared(&self, index: u32, file: &str) -> Result<Arc<Vec<u8>>> {
        let hash = self.file_sha1(index, file)?;
        self.blob_data(index, file, &hash)
    }

    /// The data of blob `hash`, read once and kept.
    pub(crate) fn blob_data(
        &self,
        index: u32,
        file: &str,
        hash: &[u8; 20],
    ) -> Result<Arc<Vec<u8>>> {
        if *hash == [0; 20] {
            return Ok(Arc::new(Vec::new()));
        }
        if let Some((_, b)) = self.new_blobs.iter().find(|(h, _)| h == hash) {
            return Ok(b.data.clone());
        }
        if let Some(d) = self.cache.lock().ok().and_then(|c| c.get(hash).cloned()) {
            return Ok(d);
        }
        let Some(&i) = self.by_hash.get(hash) else {
            return Err(Error::Malformed {
                path: self.path.clone(),
                offset: self.header.blob_table.offset,
                message: format!(
                    "image {index}: {file}'s data (SHA-1 {}) is not in the blob table",
                    hex(hash)
                ),
            });
        };
        let entry = self.blobs[i];
        if entry.resource.uncompressed_size > MAX_READ_SIZE {
            return Err(Error::FileTooLarge {
                path: self.path.clone(),
                index,
                file: file.to_string(),
                size: entry.resource.uncompressed_size,
                limit: MAX_READ_SIZE,
            });
        }
        let data = Arc::new(self.read_blob_entry(&entry)?);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(*hash, data.clone());
        }
        Ok(data)
    }

    /// A file's metadata.
    pub(crate) fn file_metadata(&self, index: u32, file: &str) -> Result<FileMetadata> {
        let meta = self.current_metadata(index)?;
        let chain = self.lookup(index, &meta, file)?;
        let d = chain
            .last()
            .cloned()
            .ok_or_else(|| Error::InvalidPath { file: file.into() })?;
        let sd = security::parse(&meta).map_err(|e| self.metadata_error(index, e))?;
        let full_path: String = chain
            .iter()
            .skip(1)
            .map(|c| format!("/{}", c.name_string()))
            .collect();
        let links = if d.hard_link_group != 0 {
            self.group_members(index, &meta, d.hard_link_group)?.len() as u32
        } else {
            1
        };
        let data = d
            .data_stream()
            .map(|s| d.streams[s].hash)
            .unwrap_or([0; 20]);
        Ok(FileMetadata {
            full_path: if full_path.is_empty() {
                "/".into()
            } else {
                full_path
            },
            name: d.name_string(),
            short_name: (!d.short_name.is_empty()).then(|| String::from_utf16_lossy(&d.short_name)),
            attributes: d.attributes,
            security_descriptor: usize::try_from(d.security_id)
                .ok()
                .and_then(|i| sd.descriptors.get(i))
                .map(|r| meta[r.clone()].to_vec()),
            creation_time: d.creation_time,
            last_write_time: d.last_write_time,
            last_access_time: d.last_access_time,
            reparse_tag: d.reparse_tag,
            hard_link_count: links,
            hard_link_group_id: d.hard_link_group,
            size: self.blob_size(&data),
            sha1: data,
            alternate_streams: d
                .named_streams()
                .map(|s| StreamInfo {
                    name: String::from_utf16_lossy(&s.name),
                    size: self.blob_size(&s.hash),
                    sha1: s.hash,
                })
                .collect(),
        })
    }

    /// Every entry of image `index` in hard link group `group`.
    fn group_members(&self, index: u32, meta: &[u8], group: u64) -> Result<Vec<Dentry>> {
        let sd = security::parse(meta).map_err(|e| self.metadata_error(index, e))?;
        let root =
            dentry::root(meta, sd.total_length).map_err(|e| self.metadata_error(index, e))?;
        let mut out = Vec::new();
        dentry::walk(meta, &root, &mut |d| {
            if d.hard_link_group == group && !d.is_directory() {
                out.push(d.clone());
            }
        })
        .map_err(|e| self.metadata_error(index, e))?;
        Ok(out)
    }

    /// Stages new contents for a regular file: only its data stream hash changes in the
    /// image's metadata (and in every hard link to it).
    pub(crate) fn replace_file(&mut self, index: u32, file: &str, contents: &[u8]) -> Result<()> {
        self.replace_file_arc(index, file, Arc::new(contents.to_vec()))
    }

    /// [`NativeWim::replace_file`] with shared contents.
    pub(crate) fn replace_file_arc(
        &mut self,
        index: u32,
        file: &str,
        contents: Arc<Vec<u8>>,
    ) -> Result<()> {
        self.replace_with_hash(index, file, contents, None)
    }

    /// Stages several replacements; the new contents are hashed in parallel first.
    pub(crate) fn replace_files(&mut self, items: Vec<(u32, String, Arc<Vec<u8>>)>) -> Result<()> {
        use rayon::prelude::*;
        let hashes: Vec<[u8; 20]> = items
            .par_iter()
            .map(|(_, _, c)| if c.is_empty() { [0; 20] } else { sha1(c) })
            .collect();
        for ((index, file, contents), hash) in items.into_iter().zip(hashes) {
            self.replace_with_hash(index, &file, contents, Some(hash))?;
        }
        Ok(())
    }

    /// Stages a replacement whose SHA-1 may already be known.
    fn replace_with_hash(
        &mut self,
        index: u32,
        file: &str,
        contents: Arc<Vec<u8>>,
        known_hash: Option<[u8; 20]>,
    ) -> Result<()> {
        if !self.writable {
            return Err(Error::ReadOnly {
                path: self.path.clone(),
                message: "opened with Wim::open; use Wim::open_for_update to change it".into(),
            });
        }
        let meta = self.current_metadata(index)?;
        let (d, stream) = self.regular_file(index, &meta, file)?;
        let old = d.streams[stream].hash;
        let new = match known_hash {
            Some(h) => h,
            None if contents.is_empty() => [0; 20],
            None => sha1(&contents),
        };
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
                    offset: self.header.blob_table.offset,
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
    pub(crate) fn count_references(
        &self,
        hashes: &std::collections::HashSet<[u8; 20]>,
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

    /// Read timings so far.
    pub(crate) fn read_times(&self) -> ReadTimes {
        self.times.lock().map(|t| t.clone()).unwrap_or_default()
    }
}

/// Hex of a hash, for messages.
pub(crate) fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks, before wimlib opens the file, that its XML has exactly one `IMAGE` element per
/// image: wimlib 1.14.4 frees memory twice on that error path (`setup_images`, found by the
/// `wim_open_read` fuzz target), so such a file never reaches it.
pub(crate) fn check_xml_for_wimlib(path: &Path, file: &File, header: &Header) -> Result<()> {
    let r = header.xml;
    if r.is_zero() || r.is_compressed() {
        return Ok(());
    }
    let file_len = file_len(path, file)?;
    let bytes = resource::read_at(
        file,
        file_len,
        r.offset,
        r.uncompressed_size.min(r.size_in_wim),
    )
    .map_err(|e| read_error(path, e))?;
    let xml = XmlData::decode(&bytes, r.offset).map_err(|e| format_error(path, e))?;
    if !xml.image_indices_are_exact() {
        return Err(Error::Malformed {
            path: path.to_path_buf(),
            offset: r.offset,
            message: "the XML data does not hold exactly one IMAGE element per image".into(),
        });
    }
    Ok(())
}

/// The length of the open `file` (named `path` in errors).
fn file_len(path: &Path, file: &File) -> Result<u64> {
    file.metadata().map(|m| m.len()).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })
}

/// Reads the header of the file at `path`.
pub(crate) fn read_header(path: &Path, file: &File) -> Result<Header> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; HEADER_SIZE];
    let mut got = 0;
    while got < HEADER_SIZE {
        match file.read_at(&mut buf[got..], got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    source: e,
                })
            }
        }
    }
    buf.truncate(got);
    Header::parse(&buf).map_err(|e| {
        if e.offset == 0 {
            Error::NotAWim {
                path: path.to_path_buf(),
                message: e.message,
            }
        } else {
            format_error(path, e)
        }
    })
}
