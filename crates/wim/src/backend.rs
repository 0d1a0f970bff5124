//! The seam between the friendly [`crate::Wim`] API and the two backends: [`Backend`] says
//! which one serves a WIM, [`Engine`] is what each implements (`native/` and `wimlib/`), and
//! [`Opened`] is the WIM file as opened once, with its header read once, handed from one
//! backend to the other when the native one declines it. A new backend is a new module
//! implementing [`Engine`], chosen in `wim.rs`.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::commit_types::{CommitOptions, CommitStats, Progress, ReadTimes};
use crate::error::{Error, Result};
use crate::file_io;
use crate::format::header::Header;
use crate::info::{ImageInfo, WimInfo};
use crate::metadata::FileMetadata;

/// Which backend serves an open [`crate::Wim`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The native reader and writer: a replaced file keeps its whole directory entry but the
    /// stream hash.
    Native,
    /// wimlib, for a layout the native path does not handle; a replaced file's directory
    /// entry is rebuilt by wimlib (see docs/wim.md).
    Wimlib {
        /// Why (e.g. "solid resources").
        reason: String,
    },
}

/// What a backend does for [`crate::Wim`]; the doc comments there are the contract.
pub(crate) trait Engine: Send {
    /// The WIM file's path.
    fn path(&self) -> &Path;
    /// Which backend this is.
    fn kind(&self) -> Backend;
    /// Header-level description, as read when the WIM was opened.
    fn info(&self) -> WimInfo;
    /// All images, in index order.
    fn images(&self) -> Vec<ImageInfo>;
    /// An image property by `/`-separated element path (e.g. `WINDOWS/VERSION/BUILD`).
    fn image_property(&self, index: u32, name: &str) -> Option<String>;
    /// A file's (or directory's) metadata.
    fn file_metadata(&self, index: u32, file: &str) -> Result<FileMetadata>;
    /// The SHA-1 of a regular file's contents as the image records it.
    fn file_sha1(&self, index: u32, file: &str) -> Result<[u8; 20]>;
    /// A regular file's contents (staged ones included).
    fn read_file_shared(&self, index: u32, file: &str) -> Result<Arc<Vec<u8>>>;
    /// Stages replacements, `(image, path, contents)`, stopping at the first error.
    fn replace_files(&mut self, items: Vec<(u32, String, Arc<Vec<u8>>)>) -> Result<()>;
    /// Images with staged replacements, in the order they were first changed.
    fn changed_images(&self) -> &[u32];
    /// Time spent reading so far.
    fn read_times(&self) -> ReadTimes;
    /// Writes every staged replacement and closes the WIM.
    fn commit(
        self: Box<Self>,
        opts: &CommitOptions,
        progress: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<CommitStats>;
}

/// A WIM file opened (for writing too when `writable`) and its header read, once.
#[derive(Debug)]
pub(crate) struct Opened {
    /// The WIM file's path.
    pub path: PathBuf,
    /// The open file.
    pub file: File,
    /// Its header, as read at open.
    pub header: Header,
    /// Opened for writing.
    pub writable: bool,
}

impl Opened {
    /// Opens `path` (read-write when `writable`) and reads its header.
    pub fn open(path: &Path, writable: bool) -> Result<Opened> {
        let file = if writable {
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map_err(|e| Error::from_io(path, e))?
        } else {
            File::open(path).map_err(|e| Error::from_read(path, e))?
        };
        let header = file_io::read_header(path, &file)?;
        Ok(Opened {
            path: path.to_path_buf(),
            file,
            header,
            writable,
        })
    }

    /// The length of the open file.
    pub fn file_len(&self) -> Result<u64> {
        file_io::file_len(&self.path, &self.file)
    }
}
