//! Read and replace files inside WIM images, and commit the change in one crash-safe write.
//!
//! One type, [`Wim`], over two backends ([`Backend`]), chosen when the file is opened:
//! - the native reader and writer (`native/`, over the on-disk structures of [`format`](mod@format)) for
//!   the layouts boot images use: non-solid resources, LZX, XPRESS or no compression. A
//!   replaced file changes only its stream hash in the image's metadata, and the commit
//!   writes only what the change costs, reusing stored chunks that did not change;
//! - wimlib (`wimlib/`, through `wimlib-sys`, wimlib 1.14.4 built statically) for solid,
//!   pipable and split WIMs.
//!
//! Both commit the same way to the caller: by default the new data is appended and the
//! header switched last; with [`CommitOptions::rebuild`] a compacted copy replaces the file.
//! [`Progress`] and [`CommitStats`] mean the same for both. wimlib's codecs serve the native
//! backend too (`codec`). All `unsafe` code of the project lives in this crate, in the modules
//! that call wimlib. See docs/wim.md.
//!
//! Layout: `wim.rs` (the API, and the choice of backend), `backend.rs` (the seam each backend
//! implements), `native/` and `wimlib/` (the backends), `format/` (the raw structures),
//! `error.rs`, and the shared types in `info.rs`, `metadata.rs` and `commit_types.rs`.

#![deny(missing_docs)]

mod backend;
mod callback;
mod codec;
mod commit_types;
mod error;
mod file_io;
pub mod format;
mod info;
mod init;
mod metadata;
mod native;
mod wim;
mod wimlib;

pub use backend::Backend;
pub use commit_types::{CommitOptions, CommitStats, CommitTimes, Progress, ReadTimes};
pub use error::{Error, Result};
pub use info::{Compression, ImageInfo, WimInfo};
pub use init::wimlib_version;
pub use metadata::{FileMetadata, StreamInfo};
pub use wim::Wim;

/// Largest file [`Wim::read_file`] reads into memory (registry hives are at most 4 GiB).
pub const MAX_READ_SIZE: u64 = 4 << 30;

/// Path of the SOFTWARE registry hive inside a Windows image.
pub const SOFTWARE_HIVE_PATH: &str = "Windows/System32/config/SOFTWARE";
