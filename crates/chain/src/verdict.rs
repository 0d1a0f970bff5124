//! The engine's answer: the chosen path, its problems, warnings and URLs.

/// The result of [`crate::evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict {
    /// True when a path from the leaf to an anchor passed every check.
    pub trusted: bool,
    /// Leaf first, anchor (or last certificate found) last: the trusted path, or the best
    /// failing one.
    pub path: Vec<PathCert>,
    /// Why the path is not trusted; empty exactly when `trusted`.
    pub problems: Vec<Problem>,
    /// Things worth knowing that do not change `trusted`.
    pub warnings: Vec<Warning>,
    /// CRL distribution points and AIA (caIssuers, OCSP) URLs of the path's certificates, in
    /// path order, without duplicates.
    pub urls: Vec<PathUrl>,
    /// Set when the path stops at a certificate whose issuer was not found.
    pub missing_issuer: Option<MissingIssuer>,
    /// How many candidate paths were explored.
    pub paths_tried: usize,
}

/// One certificate of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PathCert {
    /// Subject DN (RFC 4514-like).
    pub subject: String,
    /// Issuer DN (RFC 4514-like).
    pub issuer: String,
    /// SHA-1 of the DER.
    pub thumbprint: [u8; 20],
    /// The candidate's source label, or [`crate::LEAF_SOURCE`] for the leaf.
    pub source: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// True for the trust anchor that ends a trusted-anchor path.
    pub is_anchor: bool,
    /// The certificate's DER bytes.
    pub der: Vec<u8>,
}

/// A reason a path is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// Index into [`Verdict::path`] of the certificate concerned, if any.
    pub cert: Option<usize>,
    /// One plain sentence naming the certificate's subject.
    pub message: String,
}

/// Kinds of [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The issuer of the last path certificate was not found among candidates or anchors.
    MissingIssuer,
    /// The path ends at a self-signed certificate that is not a trust anchor.
    UntrustedRoot,
    /// A signature on the path does not verify with its issuer's key.
    BadSignature,
    /// A signature uses an unsupported or insecure algorithm (MD2, MD5, unknown), or the
    /// issuer's key cannot be used.
    UnsupportedAlgorithm,
    /// A certificate's validity period ended before the check time.
    Expired,
    /// A certificate's validity period starts after the check time.
    NotYetValid,
    /// An issuing certificate is not a CA (basicConstraints missing or cA=FALSE).
    NotCa,
    /// An issuer's pathLenConstraint is exceeded by the intermediates below it.
    PathLenExceeded,
    /// An issuer's keyUsage lacks keyCertSign.
    NoKeyCertSign,
    /// The leaf's or an intermediate's extendedKeyUsage lacks serverAuth and
    /// anyExtendedKeyUsage.
    NoServerAuth,
    /// The leaf does not cover the name the client connects to.
    NameMismatch,
    /// A path certificate is in the disallowed list.
    Disallowed,
    /// A path certificate has an extension that cannot be parsed, or a critical extension
    /// the engine does not understand.
    Malformed,
    /// The path would be longer than [`crate::MAX_PATH_LEN`] certificates.
    PathTooLong,
    /// A name of the certificate concerned (subject DN, subjectAltName entry, or the leaf's
    /// host-name-like CN when it has no dNSName) is outside the permitted or inside the
    /// excluded subtrees of a CA above it, or cannot be checked against them; the message
    /// names the CA and the name. (A critical nameConstraints extension with subtree forms
    /// the engine cannot check at all is [`ProblemKind::Malformed`] on the CA.)
    NameConstraintViolated,
}

/// Something worth knowing that does not make the path untrusted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warning {
    /// What kind of warning.
    pub kind: WarningKind,
    /// Index into [`Verdict::path`] of the certificate concerned.
    pub cert: usize,
    /// One plain sentence naming the certificate's subject.
    pub message: String,
}

/// Kinds of [`Warning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WarningKind {
    /// A certificate below the anchor is signed with SHA-1 (or weaker).
    Sha1Signature,
    /// A path certificate has an RSA key shorter than 2048 bits.
    WeakRsaKey,
    /// A path certificate expires within 90 days of the check time.
    ExpiresSoon,
}

/// A URL found in a path certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PathUrl {
    /// Index into [`Verdict::path`] of the certificate holding the URL.
    pub cert: usize,
    /// Where in the certificate the URL was found.
    pub kind: UrlKind,
    /// The URL as written in the certificate.
    pub url: String,
}

/// Where a [`PathUrl`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlKind {
    /// A cRLDistributionPoints URI.
    CrlDistributionPoint,
    /// An authorityInfoAccess caIssuers URI.
    CaIssuers,
    /// An authorityInfoAccess OCSP URI.
    Ocsp,
}

/// The issuer that was looked for and not found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingIssuer {
    /// Subject of the last path certificate.
    pub issued_to: String,
    /// The issuer DN it names.
    pub issuer: String,
    /// Its authorityKeyIdentifier keyIdentifier, upper-case hex.
    pub authority_key_id: Option<String>,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, cert: Option<usize>, message: String) -> Problem {
        Problem {
            kind,
            cert,
            message,
        }
    }
}

impl Warning {
    pub(crate) fn new(kind: WarningKind, cert: usize, message: String) -> Warning {
        Warning {
            kind,
            cert,
            message,
        }
    }
}
