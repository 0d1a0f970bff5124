//! What a commit is asked to do and what it reports, for both writers.

use std::time::Duration;

/// How [`crate::Wim::commit`] writes the WIM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitOptions {
    /// Rewrite the whole WIM into a temporary file in the same directory, fsync it, rename it
    /// over the original and fsync the directory. Default (false): append the new data to the
    /// WIM and switch the header last (`wimlib_overwrite`), so a crash at any point leaves the
    /// old WIM valid. Pipable WIMs are always rebuilt (wimlib cannot append to them).
    pub rebuild: bool,
    /// Compression threads (0 = one per CPU, wimlib's default).
    pub threads: u32,
}

/// Progress of a commit: bytes of file data written so far out of the total to write
/// (wimlib's `WIMLIB_PROGRESS_MSG_WRITE_STREAMS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Uncompressed bytes written so far.
    pub bytes_done: u64,
    /// Uncompressed bytes to write in total.
    pub bytes_total: u64,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStats {
    /// Images whose contents changed.
    pub images: Vec<u32>,
    /// The whole WIM was rewritten (rebuild requested, or required for a pipable WIM).
    pub rebuilt: bool,
    /// WIM file size before the commit.
    pub old_size: u64,
    /// WIM file size after the commit.
    pub new_size: u64,
    /// Bytes written to disk (native path: every appended or copied byte and the header;
    /// wimlib path: the uncompressed file data wimlib wrote, its last progress total).
    pub bytes_written: u64,
    /// Wall time of the write.
    pub duration: Duration,
    /// Stored chunks copied unchanged from the old resources (native path).
    pub chunks_reused: u64,
    /// Chunks compressed (or stored raw) anew (native path).
    pub chunks_compressed: u64,
    /// Where the time went (native path).
    pub times: CommitTimes,
    /// Written by the native writer (false: by wimlib).
    pub native: bool,
}

/// Time of each phase of a native commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitTimes {
    /// Comparing chunks with the old data.
    pub chunk_compare: Duration,
    /// Compressing the changed chunks.
    pub compress: Duration,
    /// Writing the appended (or copied) bytes.
    pub write: Duration,
    /// Hashing for the integrity table.
    pub integrity: Duration,
    /// The fsyncs (and, for a rebuild, the rename's directory fsync excluded).
    pub fsync: Duration,
}

impl CommitStats {
    /// The stats of a commit that wrote nothing to a file of `size` bytes.
    pub fn nothing(size: u64, native: bool) -> CommitStats {
        CommitStats {
            images: Vec::new(),
            rebuilt: false,
            old_size: size,
            new_size: size,
            bytes_written: 0,
            duration: Duration::ZERO,
            chunks_reused: 0,
            chunks_compressed: 0,
            times: CommitTimes::default(),
            native,
        }
    }
}
