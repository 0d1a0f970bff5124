//! Per-file metadata of a file inside an image ([`FileMetadata`]), as both backends read it
//! from the image's metadata resource (natively from the directory entries, through wimlib
//! from `wimlib_iterate_dir_tree`).

use crate::format::dentry::{ATTR_DIRECTORY, ATTR_REPARSE_POINT};

/// One named (alternate) data stream of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// Stream name (without the `:`).
    pub name: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// SHA-1 of the stream's contents as recorded in the WIM.
    pub sha1: [u8; 20],
}

/// Metadata of one file in an image, as stored in the image's metadata resource (staged
/// replacements included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMetadata {
    /// Full path inside the image, in the image's own letter case, `/`-separated and
    /// starting with `/`.
    pub full_path: String,
    /// File name (last path component), in the image's own letter case.
    pub name: String,
    /// DOS 8.3 short name, if the file has one.
    pub short_name: Option<String>,
    /// FILE_ATTRIBUTE_* bits.
    pub attributes: u32,
    /// Self-relative Windows security descriptor, if the file has one.
    pub security_descriptor: Option<Vec<u8>>,
    /// Creation time (FILETIME: 100 ns since 1601-01-01 UTC).
    pub creation_time: u64,
    /// Last write time (FILETIME).
    pub last_write_time: u64,
    /// Last access time (FILETIME).
    pub last_access_time: u64,
    /// Reparse tag (0 if not a reparse point).
    pub reparse_tag: u32,
    /// Number of hard links to the file's inode.
    pub hard_link_count: u32,
    /// Identifier shared by all hard links of the inode (0 if only one link).
    pub hard_link_group_id: u64,
    /// Size of the unnamed data stream (the file's contents) in bytes.
    pub size: u64,
    /// SHA-1 of the file's contents as recorded in the WIM (zero for an empty file).
    pub sha1: [u8; 20],
    /// Named data streams (alternate data streams).
    pub alternate_streams: Vec<StreamInfo>,
}

impl FileMetadata {
    /// True when the entry is a directory.
    pub fn is_directory(&self) -> bool {
        self.attributes & ATTR_DIRECTORY != 0
    }

    /// True when the entry is a reparse point (symbolic link, junction, ...).
    pub fn is_reparse_point(&self) -> bool {
        self.attributes & ATTR_REPARSE_POINT != 0
    }
}
