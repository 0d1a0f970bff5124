//! Certificate input, SHA-1 thumbprints, the Windows registry certificate `Blob` format and
//! regedit `.reg` files. See docs/architecture.md for the contract this crate offers and
//! docs/cert-blob.md for the `Blob` format.
//!
//! The library reports problems as data ([`Finding`]s, [`Error`]s); it never prints.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod blob;
mod certificate;
mod error;
mod input;
mod pkcs7;
mod sst;
mod store;
mod thumbprint;

pub mod reg;

pub use blob::{
    blob_disagreements, blob_prop_ids, check_blob, decode_blob, derived_property, encode_blob,
    encode_blob_with, encode_records, utf16z_text, BlobRecord, BlobStyle, DecodedBlob,
    CERT_CERT_PROP_ID, CERT_FRIENDLY_NAME_PROP_ID, CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID,
    CERT_KEY_IDENTIFIER_PROP_ID, CERT_MD5_HASH_PROP_ID, CERT_SHA1_HASH_PROP_ID,
    CERT_SHA256_HASH_PROP_ID, CERT_SIGNATURE_HASH_PROP_ID, CERT_SUBJECT_NAME_MD5_HASH_PROP_ID,
    CERT_SUBJECT_PUBLIC_KEY_MD5_HASH_PROP_ID,
};
pub use certificate::{CertInfo, Certificate, Finding, FindingKind, SelfSignedCheck, Severity};
pub use error::{Error, Result};
pub use input::{parse_certificates, read_certificates, MAX_INPUT_BYTES};
pub use sst::{is_sst, parse_sst, SST_MAGIC};
pub use store::{cert_key_path, certificates_key, Location, Store, BLOB_VALUE_NAME, REG_BINARY};
pub use thumbprint::Thumbprint;
