//! [`Wim`]: an open WIM file, read and written natively when its layout allows, through
//! wimlib otherwise.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::commit::{CommitOptions, CommitStats, Progress};
use crate::error::{read_only_or_io, Error, Result};
use crate::info::{ImageInfo, WimInfo};
use crate::libwim::LibWim;
use crate::metadata::FileMetadata;
use crate::native::{self, NativeWim, ReadTimes};

/// Which engine serves an open [`Wim`].
#[derive(Debug, Clone, PartialEq, Eq)]
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

enum Inner {
    Native(Box<NativeWim>),
    Lib(LibWim, String),
}

/// An open WIM file. `Send`, not `Sync`.
pub struct Wim {
    inner: Inner,
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

    fn open_with(path: &Path, writable: bool) -> Result<Wim> {
        let file = if writable {
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map_err(|e| read_only_or_io(path, e))?
        } else {
            File::open(path).map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: e,
            })?
        };
        let header = native::read_header(path, &file)?;
        let lib = |reason: &str| -> Result<Wim> {
            let file = File::open(path).map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: e,
            })?;
            let header = native::read_header(path, &file)?;
            native::check_xml_for_wimlib(path, &file, &header)?;
            let w = if writable {
                LibWim::open_for_update(path)?
            } else {
                LibWim::open(path)?
            };
            Ok(Wim {
                inner: Inner::Lib(w, reason.to_string()),
            })
        };
        if !native::handles(&header) {
            let reason = if header.is_pipable() {
                "pipable WIM"
            } else if header.total_parts != 1 {
                "split WIM"
            } else {
                "solid (LZMS) resources"
            };
            return lib(reason);
        }
        if writable && header.flags & crate::format::header::FLAG_READONLY != 0 {
            return Err(Error::ReadOnly {
                path: path.to_path_buf(),
                message: "the WIM header is marked read-only".into(),
            });
        }
        match NativeWim::open(path, file, header, writable) {
            Ok(w) => Ok(Wim {
                inner: Inner::Native(Box::new(w)),
            }),
            Err(Error::Unsupported { what, .. }) => lib(&what),
            Err(e) => Err(e),
        }
    }

    /// The engine serving this WIM.
    pub fn backend(&self) -> Backend {
        match &self.inner {
            Inner::Native(_) => Backend::Native,
            Inner::Lib(_, reason) => Backend::Wimlib {
                reason: reason.clone(),
            },
        }
    }

    /// The WIM file's path.
    pub fn path(&self) -> &Path {
        match &self.inner {
            Inner::Native(w) => &w.path,
            Inner::Lib(w, _) => w.path(),
        }
    }

    /// Header-level description of the WIM, as read when it was opened.
    pub fn info(&self) -> WimInfo {
        match &self.inner {
            Inner::Native(w) => w.info(),
            Inner::Lib(w, _) => w.info(),
        }
    }

    /// Descriptions of all images, in index order.
    pub fn images(&self) -> Vec<ImageInfo> {
        match &self.inner {
            Inner::Native(w) => w.images(),
            Inner::Lib(w, _) => w.images(),
        }
    }

    /// An image property from the WIM's XML, e.g. `WINDOWS/VERSION/BUILD`.
    pub fn image_property(&self, index: u32, name: &std::ffi::CStr) -> Option<String> {
        match &self.inner {
            Inner::Native(w) => w.image_property(index, &name.to_string_lossy()),
            Inner::Lib(w, _) => w.image_property(index, name),
        }
    }

    /// Metadata of a file (or directory) of image `index`.
    pub fn file_metadata(&self, index: u32, path: &str) -> Result<FileMetadata> {
        match &self.inner {
            Inner::Native(w) => w.file_metadata(index, path),
            Inner::Lib(w, _) => w.file_metadata(index, path),
        }
    }

    /// Reads a regular file of image `index` into memory (its staged new contents if it was
    /// replaced). The native reader decompresses chunks in parallel and checks the SHA-1.
    pub fn read_file(&self, index: u32, path: &str) -> Result<Vec<u8>> {
        match &self.inner {
            Inner::Native(w) => w.read_file(index, path),
            Inner::Lib(w, _) => w.read_file(index, path),
        }
    }

    /// The SHA-1 of a regular file's contents as the image records it (zero for an empty
    /// file); [`Wim::read_file`] checks the data against it. Cheaper than
    /// [`Wim::file_metadata`], which also counts hard links.
    pub fn file_sha1(&self, index: u32, path: &str) -> Result<[u8; 20]> {
        match &self.inner {
            Inner::Native(w) => w.file_sha1(index, path),
            Inner::Lib(w, _) => w.file_metadata(index, path).map(|m| m.sha1),
        }
    }

    /// [`Wim::read_file`] without a copy: the native reader hands out the data it keeps (it
    /// compares chunks with it at commit).
    pub fn read_file_shared(&self, index: u32, path: &str) -> Result<std::sync::Arc<Vec<u8>>> {
        match &self.inner {
            Inner::Native(w) => w.read_file_shared(index, path),
            Inner::Lib(w, _) => w.read_file(index, path).map(std::sync::Arc::new),
        }
    }

    /// [`Wim::replace_file`] taking shared contents, kept without a copy until the commit.
    pub fn replace_file_shared(
        &mut self,
        index: u32,
        path: &str,
        contents: std::sync::Arc<Vec<u8>>,
    ) -> Result<()> {
        match &mut self.inner {
            Inner::Native(w) => w.replace_file_arc(index, path, contents),
            Inner::Lib(w, _) => w.replace_file(index, path, &contents),
        }
    }

    /// Stages several replacements at once, `(image, path, contents)`; natively the new
    /// contents are hashed in parallel. Stops at the first error (what was staged before it
    /// stays staged; nothing is written until [`Wim::commit`]).
    pub fn replace_files_shared(
        &mut self,
        items: Vec<(u32, String, std::sync::Arc<Vec<u8>>)>,
    ) -> Result<()> {
        match &mut self.inner {
            Inner::Native(w) => w.replace_files(items),
            Inner::Lib(w, _) => {
                for (index, path, contents) in items {
                    w.replace_file(index, &path, &contents)?;
                }
                Ok(())
            }
        }
    }

    /// Stages new contents for a regular file of an image; nothing is written until
    /// [`Wim::commit`]. Natively, only the file's stream hash changes in the image's metadata.
    pub fn replace_file(&mut self, index: u32, path: &str, contents: &[u8]) -> Result<()> {
        match &mut self.inner {
            Inner::Native(w) => w.replace_file(index, path, contents),
            Inner::Lib(w, _) => w.replace_file(index, path, contents),
        }
    }

    /// Images with staged replacements.
    pub fn changed_images(&self) -> &[u32] {
        match &self.inner {
            Inner::Native(w) => &w.changed_images,
            Inner::Lib(w, _) => w.changed_images(),
        }
    }

    /// Time the native reader spent reading (zero on the wimlib path).
    pub fn read_times(&self) -> ReadTimes {
        match &self.inner {
            Inner::Native(w) => w.read_times(),
            Inner::Lib(..) => ReadTimes::default(),
        }
    }

    /// Checks the whole WIM with wimlib (`wimlib_verify_wim`): every blob's data and hash.
    pub fn verify(&self) -> Result<()> {
        match &self.inner {
            Inner::Native(w) => {
                native::check_xml_for_wimlib(&w.path, &w.file, &w.header)?;
                LibWim::open(&w.path)?.verify()
            }
            Inner::Lib(w, _) => w.verify(),
        }
    }

    /// Writes all staged replacements in one commit and closes the WIM. With no staged
    /// change, nothing is written. On any error the WIM is left as it was.
    pub fn commit(
        self,
        opts: &CommitOptions,
        progress: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<CommitStats> {
        match self.inner {
            Inner::Native(w) => native::commit(*w, opts, progress),
            Inner::Lib(w, _) => w.commit(opts, progress),
        }
    }
}
