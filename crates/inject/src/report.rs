//! The report a job returns: one entry per target and image, serializable to JSON. The CLI prints
//! it as text or JSON; pipelines read the JSON.

use serde::Serialize;

use crate::error::ErrorKind;
use crate::target::Target;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Operation {
    /// Add (or replace) certificates.
    Add,
    /// Remove certificates by thumbprint.
    Remove,
    /// List the certificates of every store.
    List,
    /// Check that every given certificate is present and well-formed.
    Verify,
    /// Check whether each image would trust a server certificate (certification path).
    Check,
}

/// What happened to one certificate in one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
    /// `check` (and an add with an expected trust): will this image trust the server
    /// certificate, and through which path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<TrustReport>,
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
    /// What kind of failure `error` is (locked, disk full, read-only, changed meanwhile...), for
    /// callers that branch on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
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
            error_kind: None,
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
    /// Why it goes to that store: "self-signed CA -> AuthRoot", "issued by CN=... -> CA",
    /// "--store Root", "written in the .reg file -> Root".
    pub placement: String,
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
    /// An add with an expected trust (`Job::expect_trust`): some image would not trust the
    /// server after the change, so nothing was written; `targets` then hold the check.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub expect_trust_failed: bool,
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

    /// `check`: true when some image does not trust the server certificate (an image that could
    /// not be checked is a target failure, see [`Report::all_ok`]).
    pub fn trust_failed(&self) -> bool {
        self.targets
            .iter()
            .flat_map(|t| &t.images)
            .any(|i| i.trust.as_ref().is_some_and(|t| !t.trusted))
    }
}

/// Will one image trust the server certificate: the certification path Windows' chain engine
/// would build from the server certificate to a trust anchor of the image, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustReport {
    /// True when a path to an anchor of the image's root stores was found and every check
    /// passed.
    pub trusted: bool,
    /// The server certificate's subject.
    pub server: String,
    /// The name the server certificate was checked for (`--name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The time of the check, RFC 3339.
    pub at: String,
    /// The path, server certificate first, anchor last: the trusted one, or the best failing
    /// one.
    pub path: Vec<PathEntry>,
    /// Why it is not trusted (empty when trusted).
    pub problems: Vec<TrustProblem>,
    /// What fixes it: commands to run, certificates to obtain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<String>,
    /// Not failures, but worth knowing (SHA-1 signatures, small keys, near expiry, a path that
    /// needs certificates from `--chain`).
    pub warnings: Vec<String>,
    /// CRL distribution points and AIA URLs of the path's certificates: a client booted on the
    /// internet must reach them when revocation is checked.
    pub urls: Vec<TrustUrl>,
    /// When the path stops at a certificate whose issuer was found nowhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_issuer: Option<MissingIssuer>,
    /// How many candidate paths were tried.
    pub paths_tried: usize,
}

/// One certificate of a certification path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathEntry {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// SHA-1 thumbprint, 40 upper-case hex digits.
    pub thumbprint: String,
    /// Where it was found: "server certificate", "--chain FILE", "image store machine/CA",
    /// "added by this run (FILE)".
    pub found_in: String,
    /// Expiry as RFC 3339.
    pub not_after: Option<String>,
    /// True for the trust anchor (a certificate of the image's root stores).
    pub anchor: bool,
}

/// One reason a path is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustProblem {
    /// What kind of problem: "missing_issuer", "untrusted_root", "bad_signature", "expired",
    /// "not_yet_valid", "not_ca", "path_len_exceeded", "no_key_cert_sign", "no_server_auth",
    /// "name_mismatch", "name_constraint_violated", "disallowed", "unsupported_algorithm",
    /// "malformed", "path_too_long"
    pub kind: String,
    /// Thumbprint of the certificate it is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// A sentence for the user.
    pub message: String,
}

/// A URL named by a certificate of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustUrl {
    /// Thumbprint of the certificate naming it.
    pub certificate: String,
    /// "crl", "ca_issuers" or "ocsp".
    pub kind: String,
    /// The URL.
    pub url: String,
}

/// The issuer a path needs and nobody supplied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingIssuer {
    /// Subject of the certificate whose issuer is missing.
    pub issued_to: String,
    /// The issuer's distinguished name, as that certificate names it.
    pub issuer: String,
    /// The authority key identifier that certificate names (upper-case hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_identifier: Option<String>,
}
