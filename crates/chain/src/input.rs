//! What the caller offers the engine: the leaf, candidate issuers, anchors and the context.

/// A certificate offered to the engine with a caller-defined label saying where it was found
/// (e.g. `"--chain issuing.p7b"`, `"image store CA (machine)"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The certificate's DER bytes (unparseable bytes are skipped silently).
    pub der: Vec<u8>,
    /// Where the certificate was found; copied to [`crate::PathCert::source`].
    pub source: String,
}

impl Candidate {
    /// A candidate from DER bytes and a source label.
    pub fn new(der: impl Into<Vec<u8>>, source: impl Into<String>) -> Candidate {
        Candidate {
            der: der.into(),
            source: source.into(),
        }
    }
}

/// Everything [`crate::evaluate`] judges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    /// DER of the server certificate.
    pub leaf: Vec<u8>,
    /// Possible issuers (user-given chain files and the image's non-root stores).
    pub intermediates: Vec<Candidate>,
    /// Trust anchors (the image's root stores: Root, AuthRoot, ...).
    pub anchors: Vec<Candidate>,
    /// SHA-1 thumbprints of certificates that must never be trusted (the Disallowed store).
    pub disallowed: Vec<[u8; 20]>,
    /// The time the check is made for, in seconds since the Unix epoch.
    pub at_unix: i64,
    /// The DNS name (or IP literal) the client connects to; `None` skips the name check.
    pub name: Option<String>,
}

impl Input {
    /// An input with the leaf and the time only; fill the other fields as needed.
    pub fn new(leaf: impl Into<Vec<u8>>, at_unix: i64) -> Input {
        Input {
            leaf: leaf.into(),
            at_unix,
            ..Input::default()
        }
    }
}
