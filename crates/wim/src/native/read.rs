//! Reading a native WIM: the images' metadata resources (read once and kept), lookups of a
//! path in them, files' metadata and data (decompressed in parallel, checked against their
//! SHA-1, kept for the writer's chunk comparison).

use std::sync::Arc;

use super::{components, hex, NativeWim};
use crate::error::{Error, Result};
use crate::format::blob_table::BlobEntry;
use crate::format::dentry::{self, Dentry};
use crate::format::{security, FormatError};
use crate::metadata::{FileMetadata, StreamInfo};
use crate::native::resource;
use crate::MAX_READ_SIZE;

impl NativeWim {
    /// The original decompressed metadata resource of image `index`.
    pub(super) fn original_metadata(&self, index: u32) -> Result<Arc<Vec<u8>>> {
        Error::check_image(&self.path, index, self.header.image_count)?;
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
    pub(super) fn read_blob_entry(&self, entry: &BlobEntry) -> Result<Vec<u8>> {
        let start = std::time::Instant::now();
        let (data, hash) = resource::read_resource_hashed(
            &self.file,
            self.file_len,
            &entry.resource,
            self.codec,
            self.chunk_size,
        )
        .map_err(|e| e.at(&self.path))?;
        if hash != entry.hash {
            return Err(Error::Malformed {
                path: self.path.clone(),
                offset: Some(entry.resource.offset),
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
    pub(super) fn current_metadata(&self, index: u32) -> Result<Arc<Vec<u8>>> {
        match self.staged_metadata.get(&index) {
            Some(m) => Ok(Arc::clone(m)),
            None => self.original_metadata(index),
        }
    }

    pub(super) fn metadata_error(&self, index: u32, e: FormatError) -> Error {
        Error::Malformed {
            path: self.path.clone(),
            offset: Some(e.offset),
            message: format!(
                "image {index}'s metadata resource, at byte {:#x} of it: {}",
                e.offset, e.message
            ),
        }
    }

    /// The chain of entries from the root to `file` in `meta`.
    pub(super) fn lookup(&self, index: u32, meta: &[u8], file: &str) -> Result<Vec<Dentry>> {
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

    pub(super) fn regular_file(
        &self,
        index: u32,
        meta: &[u8],
        file: &str,
    ) -> Result<(Dentry, usize)> {
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
    pub(super) fn blob_size(&self, hash: &[u8; 20]) -> u64 {
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

    /// The SHA-1 of a regular file's contents as the image records it (zero: empty).
    pub(super) fn file_sha1(&self, index: u32, file: &str) -> Result<[u8; 20]> {
        let meta = self.current_metadata(index)?;
        let (d, stream) = self.regular_file(index, &meta, file)?;
        Ok(d.streams[stream].hash)
    }

    /// Reads a file's contents, shared with the reader's own copy.
    pub(super) fn read_file_shared(&self, index: u32, file: &str) -> Result<Arc<Vec<u8>>> {
        let hash = self.file_sha1(index, file)?;
        self.blob_data(index, file, &hash)
    }

    /// The data of blob `hash`, read once and kept.
    pub(super) fn blob_data(
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
                offset: Some(self.header.blob_table.offset),
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
    pub(super) fn file_metadata(&self, index: u32, file: &str) -> Result<FileMetadata> {
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
    pub(super) fn group_members(&self, index: u32, meta: &[u8], group: u64) -> Result<Vec<Dentry>> {
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
}
