//! What a commit is asked to do ([`CommitOptions`]) and what it reports ([`Progress`],
//! [`CommitStats`]), with one meaning for both backends.

use std::time::Duration;

/// How [`crate::Wim::commit`] writes the WIM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitOptions {
    /// Rewrite the whole WIM into a temporary file in the same directory, fsync it, rename it
    /// over the original and fsync the directory. Default (false): append the new data after
    /// the old end of the WIM, fsync, and switch the header last, so a crash at any point
    /// leaves the old WIM valid. Pipable WIMs are always rebuilt (wimlib cannot append to
    /// them).
    pub rebuild: bool,
    /// Threads that compress (and, natively, compare and hash) during the commit; 0 = one per
    /// CPU. The native writer runs its commit in a thread pool of this size; wimlib takes it
    /// as its compression thread count.
    pub threads: u32,
}

/// Progress of a commit: bytes written to the WIM file (or the rebuild's temporary file) so
/// far, of the bytes the commit writes in total. The total is an estimate that may change
/// while the commit runs; the last report has `bytes_done == bytes_total`.
///
/// The native writer counts every byte it writes (new resources, copied ones on a rebuild,
/// the tables). wimlib reports only the file data it writes, as stored (compressed), of a
/// total extrapolated from the compression ratio so far; the metadata resources and tables
/// it writes after the file data are not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes written so far.
    pub bytes_done: u64,
    /// Bytes to write in total (an estimate until the last report).
    pub bytes_total: u64,
}

/// What a commit did. The figures mean the same for both backends; the timings and chunk
/// counts are measured by the native writer only (zero from wimlib).
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
    /// Bytes written to disk. Native: every appended or copied byte and the header. wimlib:
    /// taken from the file sizes, `new_size - old_size` for an append (wimlib's rewrite of
    /// the header in place is not counted), `new_size` for a rebuild.
    pub bytes_written: u64,
    /// Wall time of the write.
    pub duration: Duration,
    /// Stored chunks copied unchanged from the old resources (native writer).
    pub chunks_reused: u64,
    /// Chunks compressed (or stored raw) anew (native writer).
    pub chunks_compressed: u64,
    /// Where the time went (native writer).
    pub times: CommitTimes,
    /// Written by the native writer (false: by wimlib); for reports, the figures above need
    /// no interpretation by writer.
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
    /// The fsyncs of the WIM (for a rebuild, of the temporary file; the rename and the
    /// directory fsync after it are not counted).
    pub fsync: Duration,
}

/// Time the native reader spent reading (zero on the wimlib backend).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadTimes {
    /// Reading stored bytes, decompressing them and checking their SHA-1.
    pub read_and_decompress: Duration,
}

impl CommitStats {
    /// The stats of a commit that wrote nothing to a file of `size` bytes.
    pub(crate) fn nothing(size: u64, native: bool) -> CommitStats {
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
