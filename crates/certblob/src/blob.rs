//! The registry `Blob` value: a certificate serialized as crypt32 property records.
//!
//! Each record is `property id (u32 LE)`, `reserved (u32 LE, always 1)`, `length (u32 LE)`,
//! then `length` data bytes. Property 32 (CERT_CERT_PROP_ID) holds the DER certificate.
//! See docs/cert-blob.md for which properties Windows writes and where that was learnt.

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::certificate::Certificate;
use crate::error::{Error, Result};
use crate::thumbprint::Thumbprint;

/// CERT_SHA1_HASH_PROP_ID: SHA-1 of the DER certificate (the thumbprint).
pub const CERT_SHA1_HASH_PROP_ID: u32 = 3;
/// CERT_MD5_HASH_PROP_ID: MD5 of the DER certificate.
pub const CERT_MD5_HASH_PROP_ID: u32 = 4;
/// CERT_SIGNATURE_HASH_PROP_ID: hash of the DER TBSCertificate with the signature's hash.
pub const CERT_SIGNATURE_HASH_PROP_ID: u32 = 15;
/// CERT_FRIENDLY_NAME_PROP_ID: UTF-16LE friendly name, NUL-terminated.
pub const CERT_FRIENDLY_NAME_PROP_ID: u32 = 11;
/// CERT_KEY_IDENTIFIER_PROP_ID: subjectKeyIdentifier, else SHA-1 of the DER SubjectPublicKeyInfo.
pub const CERT_KEY_IDENTIFIER_PROP_ID: u32 = 20;
/// CERT_SUBJECT_PUBLIC_KEY_MD5_HASH_PROP_ID: MD5 of the subjectPublicKey BIT STRING contents.
pub const CERT_SUBJECT_PUBLIC_KEY_MD5_HASH_PROP_ID: u32 = 25;
/// CERT_SUBJECT_NAME_MD5_HASH_PROP_ID: MD5 of the DER subject name.
pub const CERT_SUBJECT_NAME_MD5_HASH_PROP_ID: u32 = 29;
/// CERT_CERT_PROP_ID: the DER certificate itself.
pub const CERT_CERT_PROP_ID: u32 = 32;
/// CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID: bit length of the issuer's public key (u32 LE).
pub const CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID: u32 = 92;
/// CERT_SHA256_HASH_PROP_ID: SHA-256 of the DER certificate.
pub const CERT_SHA256_HASH_PROP_ID: u32 = 107;

/// Size of a record header.
const HEADER_LEN: usize = 12;

/// One property record of a `Blob`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRecord {
    /// Property id (CERT_*_PROP_ID).
    pub prop_id: u32,
    /// The second header field; always 1 (crypt32 rejects anything else, so does `decode_blob`).
    pub reserved: u32,
    /// Byte offset of the record header within the blob.
    pub offset: usize,
    /// The property data.
    pub data: Vec<u8>,
}

/// A decoded `Blob`: its records in order and the certificate, if a CERT_CERT_PROP_ID record exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedBlob {
    /// All records, in the order they appear.
    pub records: Vec<BlobRecord>,
    /// Data of the first CERT_CERT_PROP_ID (32) record.
    pub cert_der: Option<Vec<u8>>,
}

impl DecodedBlob {
    /// The data of the first record with this property id.
    pub fn property(&self, prop_id: u32) -> Option<&[u8]> {
        self.records
            .iter()
            .find(|r| r.prop_id == prop_id)
            .map(|r| r.data.as_slice())
    }

    /// The friendly name (record 11), if the Blob has one.
    pub fn friendly_name(&self) -> Option<String> {
        self.property(CERT_FRIENDLY_NAME_PROP_ID).map(utf16z_text)
    }

    /// The property ids in order.
    pub fn prop_ids(&self) -> Vec<u32> {
        self.records.iter().map(|r| r.prop_id).collect()
    }

    /// The certificate the blob carries, parsed.
    pub fn certificate(&self) -> Result<Certificate> {
        let der = self.cert_der.as_deref().ok_or_else(|| Error::BadBlob {
            offset: 0,
            detail: "no certificate record (property 32)".to_string(),
        })?;
        Certificate::from_der_named(der, "Blob certificate", self.cert_offset())
    }

    /// Byte offset of the certificate's data within the blob (0 if there is none).
    fn cert_offset(&self) -> usize {
        self.records
            .iter()
            .find(|r| r.prop_id == CERT_CERT_PROP_ID)
            .map(|r| r.offset + HEADER_LEN)
            .unwrap_or(0)
    }
}

/// Checks a `Blob` the way crypt32 loads it from `Certificates\<key name>`: it must decode, carry
/// a certificate that parses, the certificate's SHA-1 must equal `key_thumbprint` (the key name),
/// and a SHA-1 property (3), when present, must hold that same hash (crypt32 compares the key
/// name with that property and skips the entry when they differ). Returns the certificate.
pub fn check_blob(blob: &[u8], key_thumbprint: &Thumbprint) -> Result<Certificate> {
    let decoded = decode_blob(blob)?;
    let cert = decoded.certificate()?;
    if cert.thumbprint() != *key_thumbprint {
        return Err(Error::BlobMismatch {
            detail: format!(
                "the certificate's SHA-1 is {} but the key is named {}",
                cert.thumbprint(),
                key_thumbprint
            ),
        });
    }
    if let Some(r) = decoded
        .records
        .iter()
        .find(|r| r.prop_id == CERT_SHA1_HASH_PROP_ID)
    {
        if r.data != key_thumbprint.0 {
            return Err(Error::BlobMismatch {
                detail: format!(
                    "the SHA-1 property at byte {} is {} but the key is named {}",
                    r.offset,
                    hex::encode_upper(&r.data),
                    key_thumbprint
                ),
            });
        }
    }
    Ok(cert)
}

/// `text` as UTF-16LE with a terminating NUL (how crypt32 stores string properties).
fn utf16z(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// A UTF-16LE string property (NUL-terminated or not) as text.
pub fn utf16z_text(data: &[u8]) -> String {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// The records of `decoded` whose value is not what the certificate it carries gives, one
/// line each: a Blob written by another tool may hold stale or wrong properties (a SHA-1
/// signature hash for a SHA-256 certificate, say). Only records whose value follows from the
/// certificate alone are judged (3, 4, 15, 20, 25, 29, 107, and 92 of a self-signed RSA
/// certificate); the others (friendly name, usages, issuer-chain properties) are Windows' own.
pub fn blob_disagreements(decoded: &DecodedBlob, cert: &Certificate) -> Vec<String> {
    const JUDGED: [(u32, &str); 8] = [
        (CERT_SHA1_HASH_PROP_ID, "SHA-1 hash"),
        (CERT_MD5_HASH_PROP_ID, "MD5 hash"),
        (CERT_SIGNATURE_HASH_PROP_ID, "signature hash"),
        (CERT_KEY_IDENTIFIER_PROP_ID, "key identifier"),
        (
            CERT_SUBJECT_PUBLIC_KEY_MD5_HASH_PROP_ID,
            "public key MD5 hash",
        ),
        (CERT_SUBJECT_NAME_MD5_HASH_PROP_ID, "subject name MD5 hash"),
        (CERT_SHA256_HASH_PROP_ID, "SHA-256 hash"),
        (
            CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID,
            "issuer key bit length",
        ),
    ];
    let mut out = Vec::new();
    for (id, name) in JUDGED {
        let (Some(found), Some(want)) = (decoded.property(id), derived_property(cert, id)) else {
            continue;
        };
        if found != want.as_slice() {
            out.push(format!(
                "record {id} ({name}) holds {} but the certificate gives {}",
                hex::encode_upper(found),
                hex::encode_upper(&want)
            ));
        }
    }
    out
}

fn push_record(out: &mut Vec<u8>, prop_id: u32, data: &[u8]) {
    out.extend_from_slice(&prop_id.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    // A certificate (and so any property we write) is far below 4 GiB; saturate to be total.
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(data);
}

/// Which set and order of property records to write. Every style is one that Windows (or a
/// tool that fed Windows) really wrote; see docs/cert-blob.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BlobStyle {
    /// Windows 10/11 (certificate added with `X509Store.Add`): 107, 15, 20, 25, 92, 3, 32.
    #[default]
    Windows10,
    /// Older Windows (MD5 instead of SHA-256): 4, 15, 20, 25, 3, 92, 32.
    Legacy,
    /// SHA-1 hash and certificate only: 3, 32 (what Wine and older installers write; the form
    /// most likely to be read by any crypt32, since Wine's rejects ids it does not know).
    Minimal,
}

impl BlobStyle {
    /// All styles.
    pub const ALL: [BlobStyle; 3] = [BlobStyle::Windows10, BlobStyle::Legacy, BlobStyle::Minimal];

    /// Short name ("windows10", "legacy", "minimal").
    pub fn name(self) -> &'static str {
        match self {
            BlobStyle::Windows10 => "windows10",
            BlobStyle::Legacy => "legacy",
            BlobStyle::Minimal => "minimal",
        }
    }
}

impl std::str::FromStr for BlobStyle {
    type Err = Error;

    /// Any case: "windows10" (also "default"), "legacy", "minimal".
    fn from_str(s: &str) -> Result<BlobStyle> {
        match s.trim().to_ascii_lowercase().as_str() {
            "windows10" | "win10" | "default" => Ok(BlobStyle::Windows10),
            "legacy" => Ok(BlobStyle::Legacy),
            "minimal" => Ok(BlobStyle::Minimal),
            _ => Err(Error::UnknownBlobStyle {
                input: s.to_string(),
            }),
        }
    }
}

/// The property ids [`encode_blob_with`] writes for this certificate and style, in order: only
/// those whose value is known for this certificate (see [`derived_property`]; e.g. 92 only for
/// a self-signed RSA certificate, 15 only for a known signature hash), and the friendly name
/// (11) first when the input gave one.
pub fn blob_prop_ids(cert: &Certificate, style: BlobStyle) -> Vec<u32> {
    let with_92 = cert.issuer_key_bits().is_some();
    let ids: &[u32] = match style {
        BlobStyle::Windows10 => &[107, 15, 20, 25, 92, 3, 32],
        BlobStyle::Legacy => &[4, 15, 20, 25, 3, 92, 32],
        BlobStyle::Minimal => &[3, 32],
    };
    let named = cert.friendly_name().is_some() && style != BlobStyle::Minimal;
    named
        .then_some(CERT_FRIENDLY_NAME_PROP_ID)
        .into_iter()
        .chain(ids.iter().copied())
        .filter(|&id| id != CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID || with_92)
        .filter(|&id| derived_property(cert, id).is_some())
        .collect()
}

/// The data Windows stores for `prop_id`, derived from the certificate (None for ids we do not
/// derive).
pub fn derived_property(cert: &Certificate, prop_id: u32) -> Option<Vec<u8>> {
    let d = &cert.derived;
    let der = cert.der();
    Some(match prop_id {
        CERT_SHA1_HASH_PROP_ID => cert.thumbprint().0.to_vec(),
        CERT_MD5_HASH_PROP_ID => Md5::digest(der).to_vec(),
        CERT_SHA256_HASH_PROP_ID => Sha256::digest(der).to_vec(),
        CERT_SIGNATURE_HASH_PROP_ID => d.signature_hash.clone()?,
        CERT_KEY_IDENTIFIER_PROP_ID => d.key_identifier.clone(),
        // Confirmed by Windows-written Blobs for RSA keys only: not claimed for others.
        CERT_SUBJECT_PUBLIC_KEY_MD5_HASH_PROP_ID if cert.info().key_type == "RSA" => {
            d.subject_public_key_md5.to_vec()
        }
        CERT_SUBJECT_NAME_MD5_HASH_PROP_ID => d.subject_name_md5.to_vec(),
        CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID => cert.issuer_key_bits()?.to_le_bytes().to_vec(),
        CERT_CERT_PROP_ID => der.to_vec(),
        CERT_FRIENDLY_NAME_PROP_ID => utf16z(cert.friendly_name()?),
        _ => return None,
    })
}

/// Serializes a certificate the way Windows 10/11 writes it into a registry store
/// ([`BlobStyle::Windows10`]): SHA-256 hash (107), signature hash (15), key identifier (20),
/// subject public key MD5 (25), issuer public key bit length (92, only for a self-signed
/// certificate), SHA-1 hash (3), then the certificate (32).
pub fn encode_blob(cert: &Certificate) -> Vec<u8> {
    encode_blob_with(cert, BlobStyle::Windows10)
}

/// Serializes a certificate in the given style.
pub fn encode_blob_with(cert: &Certificate, style: BlobStyle) -> Vec<u8> {
    let mut out = Vec::with_capacity(cert.der().len() + 200);
    for id in blob_prop_ids(cert, style) {
        if let Some(data) = derived_property(cert, id) {
            push_record(&mut out, id, &data);
        }
    }
    out
}

/// Encodes records as given (for tests and tools that rebuild a blob record by record).
pub fn encode_records(records: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (id, data) in records {
        push_record(&mut out, *id, data);
    }
    out
}

fn read_u32(blob: &[u8], at: usize) -> Option<u32> {
    let bytes = blob.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Splits a `Blob` into its records. Unknown property ids are kept. A record whose header or
/// data runs past the end is an error naming its byte offset; the record count is bounded by
/// the blob length (each record takes at least 12 bytes). A reserved field other than 1 is an
/// error, as in crypt32. The certificate DER is not parsed.
pub fn decode_blob(blob: &[u8]) -> Result<DecodedBlob> {
    let mut records = Vec::with_capacity(blob.len() / HEADER_LEN);
    let mut cert_der = None;
    let mut off = 0usize;
    while off < blob.len() {
        let remaining = blob.len() - off;
        if remaining < HEADER_LEN {
            return Err(Error::BadBlob {
                offset: off,
                detail: format!(
                    "truncated record header ({remaining} bytes left, a header takes {HEADER_LEN})"
                ),
            });
        }
        let (Some(prop_id), Some(reserved), Some(len)) = (
            read_u32(blob, off),
            read_u32(blob, off + 4),
            read_u32(blob, off + 8),
        ) else {
            return Err(Error::BadBlob {
                offset: off,
                detail: "truncated record header".into(),
            });
        };
        if reserved != 1 {
            return Err(Error::BadBlob {
                offset: off + 4,
                detail: format!(
                    "record for property {prop_id} has {reserved} in its reserved field, not 1 \
                     (crypt32 rejects such a record)"
                ),
            });
        }
        let data_start = off + HEADER_LEN;
        let len = len as usize;
        let available = blob.len() - data_start;
        if len > available {
            return Err(Error::BadBlob {
                offset: off,
                detail: format!(
                    "record for property {prop_id} claims {len} data bytes but only {available} remain"
                ),
            });
        }
        let data = blob[data_start..data_start + len].to_vec();
        if prop_id == CERT_CERT_PROP_ID && cert_der.is_none() {
            cert_der = Some(data.clone());
        }
        records.push(BlobRecord {
            prop_id,
            reserved,
            offset: off,
            data,
        });
        off = data_start + len;
    }
    Ok(DecodedBlob { records, cert_der })
}
