//! The crate's error type: only an unusable leaf is an error; everything else is a verdict.

/// Why [`crate::evaluate`] could not judge at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server certificate is not a parseable DER X.509 certificate.
    #[error("the server certificate is not a parseable X.509 certificate: {0}")]
    LeafUnparseable(String),
}
