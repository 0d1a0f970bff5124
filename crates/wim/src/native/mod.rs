//! The native backend ([`NativeWim`]): reads and writes the layouts boot images use
//! (non-solid resources; LZX, XPRESS or no compression; any number of images; with or
//! without an integrity table) from the on-disk structures of [`crate::format`], with
//! wimlib's codecs ([`crate::codec`]) for the chunks. It declines any other layout at open
//! ([`Declined::Unsupported`]), and the wimlib backend takes the file as it was opened.
//!
//! - [`read`]: metadata resources, lookups, file data;
//! - [`stage`]: replacements staged in working copies of the metadata;
//! - [`commit`] with [`plan`], [`append`] and [`rebuild`]: the write;
//! - [`resource`]: reading and building compressed resources; [`lock`]: the append lock.

mod append;
mod commit;
mod lock;
mod plan;
mod read;
mod rebuild;
mod resource;
mod stage;

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::backend::{Backend, Engine, Opened};
use crate::commit_types::{CommitOptions, CommitStats, Progress, ReadTimes};
use crate::error::{Error, Result};
use crate::format::blob_table::{self, BlobEntry};
use crate::format::header::{Codec, Header, FLAG_READONLY, FLAG_WRITE_IN_PROGRESS, RES_SOLID};
use crate::format::xml::{Field, ImageXml, XmlData};
use crate::format::FormatError;
use crate::info::{Compression, ImageInfo, WimInfo};
use crate::metadata::FileMetadata;

/// A staged new blob.
#[derive(Debug, Clone)]
struct NewBlob {
    data: Arc<Vec<u8>>,
    /// The blob it replaced, whose stored chunks may be reused.
    base: Option<[u8; 20]>,
}

/// An open WIM read natively.
pub(crate) struct NativeWim {
    path: PathBuf,
    file: File,
    writable: bool,
    header: Header,
    codec: Codec,
    chunk_size: u32,
    file_len: u64,
    blobs: Vec<BlobEntry>,
    /// File blobs by hash (index into `blobs`).
    by_hash: HashMap<[u8; 20], usize>,
    /// The metadata entry of each image (index into `blobs`), image 1 first.
    metadata_entries: Vec<usize>,
    xml: XmlData,
    xml_images: Vec<ImageXml>,
    /// Decompressed original metadata resources.
    metadata: Mutex<HashMap<u32, Arc<Vec<u8>>>>,
    /// Decompressed file blobs read so far (the old data the writer compares chunks with).
    cache: Mutex<HashMap<[u8; 20], Arc<Vec<u8>>>>,
    times: Mutex<ReadTimes>,
    /// Working copies of changed images' metadata.
    staged_metadata: HashMap<u32, Arc<Vec<u8>>>,
    /// New blobs in the order staged.
    new_blobs: Vec<([u8; 20], NewBlob)>,
    /// Reference count changes per blob hash.
    ref_delta: HashMap<[u8; 20], i64>,
    /// Change of each image's total bytes.
    size_delta: HashMap<u32, i64>,
    changed_images: Vec<u32>,
}

/// Why [`NativeWim::open`] did not open a WIM.
pub(crate) enum Declined {
    /// A layout the native backend does not handle (e.g. "solid resources"): the file, as
    /// opened, for the wimlib backend.
    Unsupported {
        /// The file and its header.
        file: Box<Opened>,
        /// The layout, for [`Backend::Wimlib`]'s reason.
        reason: String,
    },
    /// The WIM cannot be opened at all.
    Failed(Error),
}

impl From<Error> for Declined {
    fn from(e: Error) -> Self {
        Declined::Failed(e)
    }
}

/// Why the native backend does not handle the layout `header` describes, if it does not.
fn unhandled_layout(header: &Header) -> Option<&'static str> {
    let handled = !header.is_pipable()
        && header.total_parts == 1
        && header.part_number == 1
        && header.version != crate::format::header::VERSION_SOLID
        && matches!(header.codec(), Ok(Codec::None | Codec::Xpress | Codec::Lzx));
    if handled {
        None
    } else if header.is_pipable() {
        Some("pipable WIM")
    } else if header.total_parts != 1 {
        Some("split WIM")
    } else {
        Some("solid (LZMS) resources")
    }
}

/// Hex of a hash, for messages.
fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
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
    /// Opens the WIM `f` (its header already read), or declines it.
    pub(crate) fn open(f: Opened) -> std::result::Result<NativeWim, Declined> {
        let unsupported = |file, reason: &str| Declined::Unsupported {
            file: Box::new(file),
            reason: reason.into(),
        };
        if let Some(reason) = unhandled_layout(&f.header) {
            return Err(unsupported(f, reason));
        }
        let path = f.path.as_path();
        let header = &f.header;
        if f.writable && header.flags & FLAG_READONLY != 0 {
            return Err(Declined::Failed(Error::ReadOnly {
                path: path.to_path_buf(),
                message: "the WIM header is marked read-only".into(),
                source: None,
            }));
        }
        let ferr = |e| Error::malformed(path, e);
        let file_len = f.file_len()?;
        let codec = header.codec().map_err(ferr)?;
        let chunk_size = header.effective_chunk_size();
        if codec != Codec::None
            && !(chunk_size.is_power_of_two() && (4096..=1 << 21).contains(&chunk_size))
        {
            return Err(ferr(FormatError::new(
                0x14,
                format!("unsupported chunk size {chunk_size}"),
            ))
            .into());
        }
        let bt = header.blob_table;
        let bt_bytes = resource::read_resource(&f.file, file_len, &bt, codec, chunk_size)
            .map_err(|e| e.at(path))?;
        let blobs = blob_table::parse(&bt_bytes, bt.offset).map_err(ferr)?;
        let mut by_hash = HashMap::new();
        let mut metadata_entries = Vec::new();
        for (i, b) in blobs.iter().enumerate() {
            if b.resource.flags & RES_SOLID != 0 {
                // Solid blob entries behind a non-solid header.
                return Err(unsupported(f, "solid resources"));
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
            ))
            .into());
        }
        if header.boot_index > header.image_count {
            return Err(ferr(FormatError::new(
                0x78,
                format!("boot index {} names no image", header.boot_index),
            ))
            .into());
        }
        let xml_bytes = if header.xml.is_zero() {
            Vec::new()
        } else {
            resource::read_resource(&f.file, file_len, &header.xml, codec, chunk_size)
                .map_err(|e| e.at(path))?
        };
        let xml = XmlData::decode(&xml_bytes, header.xml.offset).map_err(ferr)?;
        let xml_images = xml.images();
        Ok(NativeWim {
            path: f.path,
            file: f.file,
            writable: f.writable,
            header: f.header,
            codec,
            chunk_size,
            file_len,
            blobs,
            by_hash,
            metadata_entries,
            xml,
            xml_images,
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
}

impl Engine for NativeWim {
    fn path(&self) -> &Path {
        &self.path
    }

    fn kind(&self) -> Backend {
        Backend::Native
    }

    fn info(&self) -> WimInfo {
        let h = &self.header;
        WimInfo {
            image_count: h.image_count,
            boot_index: h.boot_index,
            compression: Compression::of_codec(self.codec),
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
            marked_readonly: h.flags & FLAG_READONLY != 0,
            write_in_progress: h.flags & FLAG_WRITE_IN_PROGRESS != 0,
            wim_version: h.version,
            total_bytes: self
                .xml
                .get(&Field::WimTotalBytes)
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0),
        }
    }

    fn images(&self) -> Vec<ImageInfo> {
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

    fn image_property(&self, index: u32, name: &str) -> Option<String> {
        self.xml.image_property(index, name)
    }

    fn file_metadata(&self, index: u32, file: &str) -> Result<FileMetadata> {
        NativeWim::file_metadata(self, index, file)
    }

    fn file_sha1(&self, index: u32, file: &str) -> Result<[u8; 20]> {
        NativeWim::file_sha1(self, index, file)
    }

    fn read_file_shared(&self, index: u32, file: &str) -> Result<Arc<Vec<u8>>> {
        NativeWim::read_file_shared(self, index, file)
    }

    fn replace_files(&mut self, items: Vec<(u32, String, Arc<Vec<u8>>)>) -> Result<()> {
        NativeWim::replace_files(self, items)
    }

    fn changed_images(&self) -> &[u32] {
        &self.changed_images
    }

    fn read_times(&self) -> ReadTimes {
        self.times.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn commit(
        self: Box<Self>,
        opts: &CommitOptions,
        progress: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<CommitStats> {
        commit::commit(*self, opts, progress)
    }
}
