//! Certification-path building and verification: given a server certificate, candidate
//! issuers and trust anchors (all as DER bytes with caller-defined source labels), decide
//! whether a client that trusts those anchors would accept the certificate, the way the
//! Windows chain engine would (see docs/architecture.md, `inject-root check`).
//!
//! The crate knows nothing of hives, WIMs or certificate stores. It never panics on any
//! input and verifies every signature on the path (except the anchor's self-signature)
//! with RustCrypto implementations.
//!
//! ```no_run
//! let input = chain::Input::new(std::fs::read("leaf.der").unwrap(), 1_700_000_000);
//! let verdict = chain::evaluate(&input).unwrap();
//! println!("trusted: {}", verdict.trusted);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod build;
mod cert;
mod checks;
mod constraints;
mod error;
mod hostname;
mod input;
mod name;
mod signature;
mod urls;
mod verdict;

pub use build::evaluate;
pub use cert::{authority_key_id, is_self_issued, subject_key_id, thumbprint};
pub use error::Error;
pub use input::{Candidate, Input};
pub use verdict::{
    MissingIssuer, PathCert, PathUrl, Problem, ProblemKind, UrlKind, Verdict, Warning, WarningKind,
};

/// The most certificates one path may hold (leaf and anchor included).
pub const MAX_PATH_LEN: usize = 16;

/// The most candidate paths [`evaluate`] explores before settling for the best one seen.
pub const MAX_PATHS: usize = 1000;

/// The source label given to the leaf in [`PathCert::source`].
pub const LEAF_SOURCE: &str = "server certificate";

/// Seconds before `not_after` within which a path certificate earns a
/// [`WarningKind::ExpiresSoon`] warning (90 days).
pub const EXPIRES_SOON_SECS: i64 = 90 * 24 * 60 * 60;
