//! [`Wim`]: an open WIM file, served by the native backend when its layout allows, by wimlib
//! otherwise. This is the one place that chooses a backend; everything else goes through
//! [`Engine`].

use std::path::Path;
use std::sync::Arc;

use crate::backend::{Backend, Engine, Opened};
use crate::commit_types::{CommitOptions, CommitStats, Progress, ReadTimes};
use crate::error::Result;
use crate::info::{ImageInfo, WimInfo};
use crate::metadata::FileMetadata;
use crate::native::{Declined, NativeWim};
use crate::wimlib::{self, LibWim};

/// An open WIM file. `Send`, not `Sync`.
pub struct Wim {
    engine: Box<dyn Engine>,
}

impl std::fmt::Debug for Wim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wim")
            .field("path", &self.path())
            .field("backend", &self.backend())
            .finish()
    }
}

impl Wim {
    /// Opens a WIM for reading.
    pub fn open(path: &Path) -> Result<Wim> {
        Self::open_with(path, false)
    }

    /// Opens a WIM that will be changed: checks up front that the file is writable and can be
    /// updated (not split, not marked read-only).
    pub fn open_for_update(path: &Path) -> Result<Wim> {
        Self::open_with(path, true)
    }

    /// Opens the file and reads its header once; the native backend takes it or declines it,
    /// and then wimlib takes it as it was opened.
    fn open_with(path: &Path, writable: bool) -> Result<Wim> {
        let opened = Opened::open(path, writable)?;
        let engine: Box<dyn Engine> = match NativeWim::open(opened) {
            Ok(w) => Box::new(w),
            Err(Declined::Unsupported { file, reason }) => Box::new(LibWim::open(*file, reason)?),
            Err(Declined::Failed(e)) => return Err(e),
        };
        Ok(Wim { engine })
    }

    /// The backend serving this WIM.
    pub fn backend(&self) -> Backend {
        self.engine.kind()
    }

    /// The WIM file's path.
    pub fn path(&self) -> &Path {
        self.engine.path()
    }

    /// Header-level description of the WIM, as read when it was opened.
    pub fn info(&self) -> WimInfo {
        self.engine.info()
    }

    /// Descriptions of all images, in index order.
    pub fn images(&self) -> Vec<ImageInfo> {
        self.engine.images()
    }

    /// An image property from the WIM's XML by `/`-separated element path, e.g.
    /// `WINDOWS/VERSION/BUILD`; `None` when the image or the element does not exist.
    pub fn image_property(&self, index: u32, name: &str) -> Option<String> {
        self.engine.image_property(index, name)
    }

    /// Metadata of a file (or directory) of image `index`. The path may use `/` or `\` and
    /// is matched case-insensitively, as Windows does.
    pub fn file_metadata(&self, index: u32, path: &str) -> Result<FileMetadata> {
        self.engine.file_metadata(index, path)
    }

    /// Reads a regular file of image `index` into memory (its staged new contents if it was
    /// replaced). The native reader decompresses chunks in parallel and checks the SHA-1.
    pub fn read_file(&self, index: u32, path: &str) -> Result<Vec<u8>> {
        self.engine
            .read_file_shared(index, path)
            .map(Arc::unwrap_or_clone)
    }

    /// The SHA-1 of a regular file's contents as the image records it (zero for an empty
    /// file); [`Wim::read_file`] checks the data against it. Cheaper than
    /// [`Wim::file_metadata`], which also counts hard links.
    pub fn file_sha1(&self, index: u32, path: &str) -> Result<[u8; 20]> {
        self.engine.file_sha1(index, path)
    }

    /// [`Wim::read_file`] without a copy: the native reader hands out the data it keeps (it
    /// compares chunks with it at commit).
    pub fn read_file_shared(&self, index: u32, path: &str) -> Result<Arc<Vec<u8>>> {
        self.engine.read_file_shared(index, path)
    }

    /// Stages new contents for a regular file of an image; nothing is written until
    /// [`Wim::commit`]. Natively, only the file's stream hash changes in the image's metadata.
    pub fn replace_file(&mut self, index: u32, path: &str, contents: &[u8]) -> Result<()> {
        self.engine
            .replace_files(vec![(index, path.to_string(), Arc::new(contents.to_vec()))])
    }

    /// Stages several replacements at once, `(image, path, contents)`, the contents kept
    /// without a copy until the commit; natively they are hashed in parallel. Stops at the
    /// first error (what was staged before it stays staged; nothing is written until
    /// [`Wim::commit`]).
    pub fn replace_files(&mut self, items: Vec<(u32, String, Arc<Vec<u8>>)>) -> Result<()> {
        self.engine.replace_files(items)
    }

    /// Images with staged replacements, in the order they were first changed.
    pub fn changed_images(&self) -> &[u32] {
        self.engine.changed_images()
    }

    /// Time the native reader spent reading (zero on the wimlib backend).
    pub fn read_times(&self) -> ReadTimes {
        self.engine.read_times()
    }

    /// Checks the WIM file as it is on disk with wimlib (`wimlib_verify_wim`): every blob's
    /// data and hash, and the integrity table if any. Staged, uncommitted changes are not
    /// part of the file and are not checked.
    pub fn verify(&self) -> Result<()> {
        wimlib::verify_file(self.path())
    }

    /// Writes all staged replacements in one commit and closes the WIM. With no staged
    /// change, nothing is written. On any error the WIM is left as it was.
    pub fn commit(
        self,
        opts: &CommitOptions,
        progress: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<CommitStats> {
        self.engine.commit(opts, progress)
    }
}
