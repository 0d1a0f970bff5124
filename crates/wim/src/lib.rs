//! Safe Rust layer over wimlib (via `wimlib-sys`, wimlib 1.14.4 built statically): open a WIM,
//! describe it and its images, read a file of an image with its metadata, stage new contents
//! for files in one or many images, and commit them in one crash-safe write.
//!
//! All `unsafe` code of the project lives in this crate. See docs/wim.md for the design,
//! the metadata wimlib can and cannot keep, and crash-safety notes.

#![deny(missing_docs)]

mod commit;
mod error;
mod info;
mod init;
mod metadata;
mod wim;

pub use commit::{CommitOptions, CommitStats, Progress};
pub use error::{Error, Result};
pub use info::{Compression, ImageInfo, WimInfo};
pub use metadata::{FileMetadata, StreamInfo};
pub use wim::{Wim, MAX_READ_SIZE, SOFTWARE_HIVE_PATH};
