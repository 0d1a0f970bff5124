//! The report a job returns: one entry per target and image, serializable to JSON. The CLI prints
//! it as text or JSON; pipelines read the JSON.

use serde::Serialize;

use crate::target::Target;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Add (or replace) certificates.
    Add,
    /// Remove certificates by thumbprint.
    Remove,
    /// List the certificates of every store.
    List,
    /// Check that every given certificate is present and well-formed.
    Verify,
}

/// What happened to one certificate in one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The key was created with the Blob.
    Added,
    /// The key already held exactly this Blob: nothing to do.
    AlreadyPresent,
    /// The key held a different Blob, now replaced.
    Replaced,
    /// The key was deleted.
    Removed,
    /// `remove`: there was nothing to delete.
    NotPresent,
    /// `list`: an entry found in the hive.
    Listed,
    /// `verify`: present and well-formed.
    Verified,
    /// `verify`: the key or its Blob is missing.
    Missing,
    /// `verify`: present but the Blob does not hold this certificate, or cannot be decoded.
    Malformed,
}

impl Action {
    /// True when this action changes the hive.
    pub fn changes_hive(self) -> bool {
        matches!(self, Action::Added | Action::Replaced | Action::Removed)
    }

    /// True for the `verify` outcomes that make verification fail.
    pub fn is_verify_failure(self) -> bool {
        matches!(self, Action::Missing | Action::Malformed)
    }

    /// Words for humans; `dry_run` turns "added" into "would be added".
    pub fn describe(self, dry_run: bool) -> &'static str {
        match (self, dry_run) {
            (Action::Added, false) => "added",
            (Action::Added, true) => "would be added",
            (Action::Replaced, false) => "replaced",
            (Action::Replaced, true) => "would be replaced",
            (Action::Removed, false) => "removed",
            (Action::Removed, true) => "would be removed",
            (Action::AlreadyPresent, _) => "already present",
            (Action::NotPresent, _) => "not present",
            (Action::Listed, _) => "present",
            (Action::Verified, _) => "verified",
            (Action::Missing, _) => "MISSING",
            (Action::Malformed, _) => "MALFORMED",
        }
    }
}

/// One certificate entry in one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertEntry {
    /// Subject distinguished name (empty if the Blob holds no decodable certificate).
    pub subject: String,
    /// SHA-1 thumbprint, 40 upper-case hex digits (of the certificate; for `list`, of the
    /// certificate in the Blob).
    pub thumbprint: String,
    /// Expiry (notAfter) as RFC 3339, when known.
    pub not_after: Option<String>,
    /// Store name, e.g. `AuthRoot`.
    pub store: String,
    /// Location, e.g. `machine`.
    pub location: String,
    /// Registry key holding the Blob, relative to the SOFTWARE hive root.
    pub key: String,
    /// What happened.
    pub action: Action,
    /// `list`: false when the key name is not the thumbprint of the certificate in its Blob.
    pub key_matches: bool,
    /// Extra detail for humans (why malformed, what was replaced...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The certificate's friendly name (record 11 of its Blob, or of the `.sst` it came from).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// `list` / `verify`: records of the Blob whose value is not what its certificate gives
    /// (written by another tool, or stale); Windows may use them as they are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub record_warnings: Vec<String>,
}

/// One image (one SOFTWARE hive) of a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ImageReport {
    /// 1-based image index in the WIM; `None` for mount and hive targets.
    pub index: Option<u32>,
    /// Image name from the WIM's XML data.
    pub name: Option<String>,
    /// The hive this report is about (inside the image, or on disk).
    pub hive: String,
    /// Certificates and what happened to each.
    pub certificates: Vec<CertEntry>,
    /// Warnings (certblob findings, skipped `.reg` operations, log handling...).
    pub warnings: Vec<String>,
    /// Errors for this image; any error means the target was not written.
    pub errors: Vec<String>,
    /// True when the hive content changed (or would change, in a dry run).
    pub changed: bool,
    /// True when an identical hive with the same operation was already edited earlier in this
    /// batch and its result was reused.
    pub reused: bool,
    /// The hive was dirty and its logs were replayed in memory first: what was applied (which
    /// log, which entries and sequence numbers, or how many dirty pages).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replayed: Vec<String>,
}

/// One target (WIM, mount directory or hive file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetReport {
    /// The target, as `{"kind": "wim", "path": "..."}`.
    pub target: Target,
    /// Per-image results.
    pub images: Vec<ImageReport>,
    /// Target-level error (cannot open, commit failed...). Image errors are in `images`.
    pub error: Option<String>,
    /// True when the target's file was rewritten.
    pub written: bool,
    /// Bytes written to disk for this target (0 when nothing changed or in a dry run).
    pub bytes_written: u64,
    /// Wall time spent on this target, in milliseconds.
    pub elapsed_ms: u64,
    /// Target-level warnings (e.g. a WIM written through wimlib).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How a WIM commit went, and where its time went (WIM targets that were written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wim_commit: Option<WimCommitReport>,
}

/// What a WIM commit did and the time of each phase, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WimCommitReport {
    /// "native" or "wimlib".
    pub writer: String,
    /// Stored chunks copied unchanged.
    pub chunks_reused: u64,
    /// Chunks compressed (or stored raw) anew.
    pub chunks_compressed: u64,
    /// Reading the hives' stored chunks, decompressing them and checking their SHA-1.
    pub read_and_decompress_ms: u64,
    /// Editing the hives in memory.
    pub edit_ms: u64,
    /// Reading the edited hives back (footprint, nt-hive).
    pub read_back_ms: u64,
    /// Comparing chunks with the old data.
    pub chunk_compare_ms: u64,
    /// Compressing the changed chunks.
    pub compress_ms: u64,
    /// Writing the new bytes.
    pub write_ms: u64,
    /// Hashing for the integrity table.
    pub integrity_ms: u64,
    /// fsyncs.
    pub fsync_ms: u64,
}

impl TargetReport {
    /// An empty report for `target`.
    pub fn new(target: Target) -> TargetReport {
        TargetReport {
            target,
            images: Vec::new(),
            error: None,
            written: false,
            bytes_written: 0,
            elapsed_ms: 0,
            warnings: Vec::new(),
            wim_commit: None,
        }
    }

    /// True when neither the target nor any of its images recorded an error.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.images.iter().all(|i| i.errors.is_empty())
    }
}

/// A certificate given as input, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputCertificate {
    /// The file it came from.
    pub source: String,
    /// Subject distinguished name.
    pub subject: String,
    /// SHA-1 thumbprint.
    pub thumbprint: String,
    /// Expiry as RFC 3339.
    pub not_after: Option<String>,
    /// Store name it goes to.
    pub store: String,
    /// Location it goes to.
    pub location: String,
    /// certblob's warnings (and refusals overridden by force).
    pub warnings: Vec<String>,
}

/// The result of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What the job did.
    pub operation: Operation,
    /// True when nothing was written (plan only).
    pub dry_run: bool,
    /// The certificates given as input (add, verify).
    pub inputs: Vec<InputCertificate>,
    /// Warnings about the inputs (skipped `.reg` operations...).
    pub warnings: Vec<String>,
    /// One entry per target, in the order given.
    pub targets: Vec<TargetReport>,
    /// Wall time of the whole job, in milliseconds.
    pub elapsed_ms: u64,
}

impl Report {
    /// True when every target succeeded.
    pub fn all_ok(&self) -> bool {
        self.targets.iter().all(TargetReport::ok)
    }

    /// `verify`: true when some certificate is missing or malformed in some image.
    pub fn verify_failed(&self) -> bool {
        self.targets
            .iter()
            .flat_map(|t| &t.images)
            .flat_map(|i| &i.certificates)
            .any(|c| c.action.is_verify_failure())
    }
}
