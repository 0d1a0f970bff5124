//! The crate's error type.

use std::path::PathBuf;

/// Result alias used by every fallible function of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading certificates, decoding a `Blob` or parsing names.
///
/// Variants about input files carry `file` (the file name or the label the caller gave) and,
/// where the problem sits in a binary format, the byte offset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is larger than any certificate file we accept.
    #[error("{file}: {size} bytes is too large for a certificate file (limit {limit} bytes)")]
    TooLarge {
        /// File name or label.
        file: String,
        /// Size of the input.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The input is empty or holds only white space.
    #[error("{file}: the file is empty")]
    Empty {
        /// File name or label.
        file: String,
    },
    /// The input holds a private key; we never handle private keys.
    #[error(
        "{file}: contains a private key ({what}); refusing. Give only the certificate \
         (e.g. `openssl x509 -in {file} -out root.cer`), never the key"
    )]
    PrivateKey {
        /// File name or label.
        file: String,
        /// What kind of key was found (PEM label or "PKCS#8 DER" ...).
        what: String,
    },
    /// The input is a PKCS#12 / PFX archive (certificate plus private key).
    #[error(
        "{file}: is a PKCS#12/PFX archive (certificate with private key); refusing. Export the \
         certificate alone, e.g. `openssl pkcs12 -in {file} -nokeys -out root.cer`, or in \
         certmgr.msc: All Tasks > Export > \"No, do not export the private key\" > DER encoded \
         binary X.509 (.CER)"
    )]
    Pkcs12 {
        /// File name or label.
        file: String,
    },
    /// The input is a certificate signing request, not a certificate.
    #[error(
        "{file}: is a certificate signing request (CSR), not a certificate; give the \
         certificate the CA issued"
    )]
    CertificateRequest {
        /// File name or label.
        file: String,
    },
    /// A PEM block of a kind we do not take (CRL, public key, ...).
    #[error(
        "{file}: PEM block \"{label}\" at byte {offset} is not a certificate or PKCS#7 bundle"
    )]
    UnsupportedPem {
        /// File name or label.
        file: String,
        /// The PEM label (text after `-----BEGIN `).
        label: String,
        /// Byte offset of the `-----BEGIN` line.
        offset: usize,
    },
    /// A PEM block is malformed (no END line, bad Base64).
    #[error("{file}: malformed PEM block at byte {offset}: {detail}")]
    BadPem {
        /// File name or label.
        file: String,
        /// Byte offset of the `-----BEGIN` line.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
    /// Something that looked like a certificate did not parse.
    #[error("{file}: certificate at byte {offset} does not parse: {detail}")]
    BadCertificate {
        /// File name or label.
        file: String,
        /// Byte offset of the certificate within the decoded DER (or the file for DER input).
        offset: usize,
        /// Parser message.
        detail: String,
    },
    /// A PKCS#7 bundle is malformed or holds no certificates.
    #[error("{file}: PKCS#7 bundle at byte {offset}: {detail}")]
    BadPkcs7 {
        /// File name or label.
        file: String,
        /// Byte offset of the problem within the DER.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
    /// A serialized certificate store (`.sst`) is malformed.
    #[error("{file}: serialized certificate store (.sst), record at byte {offset}: {detail}")]
    BadStore {
        /// File name or label.
        file: String,
        /// Byte offset of the record at fault.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
    /// The input is not a format we recognise.
    #[error(
        "{file}: not a certificate (expected DER or PEM/Base64 .cer/.crt, or a PKCS#7 \
         .p7b/.p7c bundle){}", if detail.is_empty() { String::new() } else { format!(": {detail}") }
    )]
    NotACertificate {
        /// File name or label.
        file: String,
        /// Optional detail.
        detail: String,
    },
    /// A `Blob` value is malformed.
    #[error("Blob: {detail} at byte {offset}")]
    BadBlob {
        /// Byte offset of the record header or field at fault.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
    /// A `Blob` decodes but would not be loaded by crypt32 under its key name.
    #[error("Blob does not match its key: {detail}")]
    BlobMismatch {
        /// What differs.
        detail: String,
    },
    /// Text that should be a SHA-1 thumbprint is not one.
    #[error("not a SHA-1 thumbprint (40 hex digits): {input:?}")]
    InvalidThumbprint {
        /// The text given.
        input: String,
    },
    /// Unknown certificate store name.
    #[error(
        "unknown certificate store {input:?} (expected AuthRoot, Root, CA, TrustedPublisher, \
         TrustedPeople or Disallowed)"
    )]
    UnknownStore {
        /// The text given.
        input: String,
    },
    /// Unknown Blob style name.
    #[error("unknown Blob style {input:?} (expected windows10, legacy or minimal)")]
    UnknownBlobStyle {
        /// The text given.
        input: String,
    },
    /// Unknown store location name.
    #[error("unknown store location {input:?} (expected Machine, Policy or Enterprise)")]
    UnknownLocation {
        /// The text given.
        input: String,
    },
}
