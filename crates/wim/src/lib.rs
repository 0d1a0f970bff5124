//! Read and replace files inside WIM images, and commit the change in one crash-safe write.
//!
//! Two engines sit behind the one [`Wim`] type:
//! - the native reader and writer ([`format`] for the on-disk structures, `native` for the
//!   reader/writer) for the layouts boot images use: non-solid resources, LZX, XPRESS or no
//!   compression. A replaced file changes only its stream hash in the image's metadata, and
//!   the commit writes only what the change costs, reusing stored chunks that did not change;
//! - wimlib (through `wimlib-sys`, wimlib 1.14.4 built statically) for solid and pipable WIMs.
//!
//! wimlib's codecs serve both (`codec`). All `unsafe` code of the project lives in this crate,
//! in the modules that call wimlib. See docs/wim.md.

#![deny(missing_docs)]

mod codec;
mod commit;
mod error;
pub mod format;
mod info;
mod init;
mod libwim;
mod libwim_commit;
mod metadata;
mod native;
mod wim;

pub use commit::{CommitOptions, CommitStats, CommitTimes, Progress};
pub use error::{Error, Result};
pub use info::{Compression, ImageInfo, WimInfo};
pub use metadata::{FileMetadata, StreamInfo};
pub use native::ReadTimes;
pub use wim::{Backend, Wim};

/// Largest file [`Wim::read_file`] reads into memory (registry hives are at most 4 GiB).
pub const MAX_READ_SIZE: u64 = 4 << 30;

/// Path of the SOFTWARE registry hive inside a Windows image.
pub const SOFTWARE_HIVE_PATH: &str = "Windows/System32/config/SOFTWARE";
