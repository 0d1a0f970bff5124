//! One parsed X.509 certificate, its facts and the checks we run on it.

use md5::Md5;
use sha1::{Digest, Sha1};
use x509_parser::der_parser::oid::Oid;
use x509_parser::error::X509Error;
use x509_parser::extensions::ParsedExtension;
use x509_parser::objects::{oid2sn, oid_registry};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::{AlgorithmIdentifier, X509Version};

use crate::error::{Error, Result};
use crate::thumbprint::Thumbprint;

/// How [`CertInfo::is_self_signed`] was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfSignedCheck {
    /// Issuer equals subject and the signature verifies with the certificate's own public key.
    SignatureVerified,
    /// Issuer equals subject; the signature could not be checked (algorithm not supported by
    /// the verifier, e.g. MD5, RSA-PSS or RSA under 2048 bits with SHA-2), so the decision rests on
    /// the names and on the authority key identifier matching the subject key identifier (when
    /// both are present).
    NamesAndKeyIdentifiers,
    /// Issuer equals subject but the signature does not verify with the own key.
    SignatureMismatch,
    /// Issuer differs from subject.
    NamesDiffer,
}

/// Facts about a certificate, for display and for the checks in [`Certificate::findings`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject distinguished name (RFC 4514 style).
    pub subject: String,
    /// Issuer distinguished name (RFC 4514 style).
    pub issuer: String,
    /// Serial number, upper-case hex of its DER content bytes.
    pub serial_hex: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// Key algorithm: "RSA", "EC P-256", "EC P-384", "EC P-521", "Ed25519", "DSA", or the OID.
    pub key_type: String,
    /// Key size in bits (0 if unknown).
    pub key_bits: u32,
    /// Signature algorithm short name (e.g. "sha256WithRSAEncryption") or dotted OID.
    pub signature_algorithm: String,
    /// True when basicConstraints says cA = TRUE.
    pub is_ca: bool,
    /// X.509 version number as written on the certificate (1, 2 or 3).
    pub version: u32,
    /// True when the certificate is its own issuer (see `self_signed_check` for how we know).
    pub is_self_signed: bool,
    /// How `is_self_signed` was decided.
    pub self_signed_check: SelfSignedCheck,
}

/// How serious a [`Finding`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth telling the user; does not stop anything.
    Warn,
    /// The caller must not install the certificate unless the user forces it.
    Refuse,
}

/// What a [`Finding`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FindingKind {
    /// basicConstraints does not mark the certificate as a CA.
    NotCa,
    /// The validity period has ended.
    Expired,
    /// The validity period has not begun.
    NotYetValid,
    /// Signed with MD2/MD5/SHA-1.
    WeakSignatureHash,
    /// RSA key under 2048 bits.
    SmallRsaKey,
    /// Not a root (issuer differs from subject, or its signature does not verify with its own key).
    NotSelfSigned,
}

/// One result of [`Certificate::findings`]; the library reports, the caller decides and prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What this is about.
    pub kind: FindingKind,
    /// Refuse (unless forced) or warn.
    pub severity: Severity,
    /// A sentence for the user.
    pub message: String,
}

/// One parsed X.509 certificate, with everything the `Blob` needs computed up front.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    thumbprint: Thumbprint,
    info: CertInfo,
    pub(crate) derived: Derived,
    weak_signature: bool,
    friendly_name: Option<String>,
}

/// Values derived from the certificate that Windows stores as properties in the `Blob`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Derived {
    /// Hash of the DER-encoded TBSCertificate with the signature's own hash algorithm
    /// (CERT_SIGNATURE_HASH_PROP_ID); `None` when that algorithm is not one Windows is known to
    /// use here (see [`signature_hash_of`]).
    pub signature_hash: Option<Vec<u8>>,
    /// subjectKeyIdentifier value, else SHA-1 of the DER SubjectPublicKeyInfo
    /// (CERT_KEY_IDENTIFIER_PROP_ID).
    pub key_identifier: Vec<u8>,
    /// MD5 of the subjectPublicKey BIT STRING contents (CERT_SUBJECT_PUBLIC_KEY_MD5_HASH_PROP_ID).
    pub subject_public_key_md5: [u8; 16],
    /// MD5 of the DER subject name (CERT_SUBJECT_NAME_MD5_HASH_PROP_ID).
    pub subject_name_md5: [u8; 16],
}

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_DSA: &str = "1.2.840.10040.4.1";

/// Signature algorithms whose hash is MD2, MD5 or SHA-1.
const WEAK_SIGNATURE_OIDS: [&str; 8] = [
    "1.2.840.113549.1.1.2", // md2WithRSAEncryption
    "1.2.840.113549.1.1.4", // md5WithRSAEncryption
    "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
    "1.3.14.3.2.29",        // sha1WithRSA (OIW)
    "1.3.14.3.2.3",         // md5WithRSA (OIW)
    "1.2.840.10045.4.1",    // ecdsa-with-SHA1
    "1.2.840.10040.4.3",    // dsa-with-sha1
    "1.3.14.3.2.27",        // dsaWithSHA1 (OIW)
];

/// The hash of `tbs` that Windows stores as CERT_SIGNATURE_HASH_PROP_ID (record 15): the
/// TBSCertificate hashed with the signature algorithm's own hash (Windows-written Blobs: SHA-1
/// for sha1WithRSA, SHA-256 for sha256WithRSA, SHA-384 for sha384WithRSA). Covered: RSA PKCS#1
/// v1.5 and ECDSA with SHA-1/224/256/384/512, and RSA-PSS with the hash its parameters name
/// (SHA-1 when they name none, the PSS default). `None` for anything else (MD2, MD5, DSA,
/// EdDSA, unknown): the record is then not written, and Windows computes it when it needs it.
pub(crate) fn signature_hash_of(alg: &AlgorithmIdentifier, tbs: &[u8]) -> Option<Vec<u8>> {
    let hash = match alg.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" => "sha1",
        "1.2.840.113549.1.1.14" | "1.2.840.10045.4.3.1" => "sha224",
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => "sha256",
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => "sha384",
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => "sha512",
        "1.2.840.113549.1.1.10" => pss_hash(alg)?,
        _ => return None,
    };
    Some(match hash {
        "sha1" => Sha1::digest(tbs).to_vec(),
        "sha224" => sha2::Sha224::digest(tbs).to_vec(),
        "sha256" => sha2::Sha256::digest(tbs).to_vec(),
        "sha384" => sha2::Sha384::digest(tbs).to_vec(),
        _ => sha2::Sha512::digest(tbs).to_vec(),
    })
}

/// The hash named by RSASSA-PSS parameters (RFC 4055: `[0] hashAlgorithm DEFAULT sha1`).
fn pss_hash(alg: &AlgorithmIdentifier) -> Option<&'static str> {
    let oid = match &alg.parameters {
        None => return Some("sha1"),
        Some(any) => RsaSsaPssParams::try_from(any)
            .ok()?
            .hash_algorithm_oid()
            .to_id_string(),
    };
    match oid.as_str() {
        "1.3.14.3.2.26" => Some("sha1"),
        "2.16.840.1.101.3.4.2.4" => Some("sha224"),
        "2.16.840.1.101.3.4.2.1" => Some("sha256"),
        "2.16.840.1.101.3.4.2.2" => Some("sha384"),
        "2.16.840.1.101.3.4.2.3" => Some("sha512"),
        _ => None,
    }
}

fn oid_name(oid: &Oid) -> String {
    match oid2sn(oid, oid_registry()) {
        Ok(sn) => sn.to_string(),
        Err(_) => oid.to_id_string(),
    }
}

fn curve(params_oid: Option<String>) -> (&'static str, u32) {
    match params_oid.as_deref() {
        Some("1.2.840.10045.3.1.7") => ("EC P-256", 256),
        Some("1.3.132.0.34") => ("EC P-384", 384),
        Some("1.3.132.0.35") => ("EC P-521", 521),
        _ => ("EC", 0),
    }
}

impl Certificate {
    /// Parses one DER certificate (no trailing bytes allowed); errors call the input "certificate".
    pub fn from_der(der: &[u8]) -> Result<Certificate> {
        Self::from_der_named(der, "certificate", 0)
    }

    /// Like [`Certificate::from_der`], naming the file and the certificate's offset in errors.
    pub(crate) fn from_der_named(der: &[u8], source: &str, offset: usize) -> Result<Certificate> {
        let bad = |detail: String| Error::BadCertificate {
            file: source.to_string(),
            offset,
            detail,
        };
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| bad(format!("{e}")))?;
        if !rest.is_empty() {
            return Err(bad(format!(
                "{} unexpected bytes after the certificate",
                rest.len()
            )));
        }
        let spki = cert.public_key();
        let alg_oid = spki.algorithm.algorithm.to_id_string();
        let params_oid = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|o| o.to_id_string());
        let (key_type, key_bits) = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => ("RSA".to_string(), rsa.key_size() as u32),
            Ok(PublicKey::EC(_)) => {
                let (name, bits) = curve(params_oid);
                (name.to_string(), bits)
            }
            Ok(PublicKey::DSA(y)) => ("DSA".to_string(), (y.len() as u32).saturating_mul(8)),
            _ if alg_oid == OID_ED25519 => ("Ed25519".to_string(), 256),
            _ if alg_oid == OID_EC_PUBLIC_KEY => {
                let (name, bits) = curve(params_oid);
                (name.to_string(), bits)
            }
            _ if alg_oid == OID_RSA_ENCRYPTION => ("RSA".to_string(), 0),
            _ if alg_oid == OID_DSA => ("DSA".to_string(), 0),
            _ => (oid_name(&spki.algorithm.algorithm), 0),
        };

        let is_ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
        let mut ski: Option<Vec<u8>> = None;
        let mut aki: Option<Vec<u8>> = None;
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => {}
            }
        }

        let names_equal = cert.subject().as_raw() == cert.issuer().as_raw();
        let self_signed_check = if !names_equal {
            SelfSignedCheck::NamesDiffer
        } else {
            match cert.verify_signature(None) {
                Ok(()) => SelfSignedCheck::SignatureVerified,
                Err(X509Error::SignatureUnsupportedAlgorithm) => {
                    SelfSignedCheck::NamesAndKeyIdentifiers
                }
                // ring refuses RSA keys under 2048 bits for SHA-2: we cannot tell.
                Err(_) if key_type == "RSA" && key_bits < 2048 => {
                    SelfSignedCheck::NamesAndKeyIdentifiers
                }
                Err(_) => SelfSignedCheck::SignatureMismatch,
            }
        };
        let is_self_signed = match self_signed_check {
            SelfSignedCheck::SignatureVerified => true,
            SelfSignedCheck::NamesAndKeyIdentifiers => match (&aki, &ski) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            },
            SelfSignedCheck::SignatureMismatch | SelfSignedCheck::NamesDiffer => false,
        };

        let version = match cert.version() {
            X509Version::V1 => 1,
            X509Version::V2 => 2,
            X509Version::V3 => 3,
            X509Version(n) => n.saturating_add(1),
        };
        let info = CertInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            serial_hex: hex::encode_upper(cert.raw_serial()),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            key_type,
            key_bits,
            signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
            is_ca,
            version,
            is_self_signed,
            self_signed_check,
        };

        let derived = Derived {
            signature_hash: signature_hash_of(
                &cert.signature_algorithm,
                cert.tbs_certificate.as_ref(),
            ),
            key_identifier: match ski {
                Some(k) => k,
                None => Sha1::digest(spki.raw).to_vec(),
            },
            subject_public_key_md5: Md5::digest(&*spki.subject_public_key.data).into(),
            subject_name_md5: Md5::digest(cert.subject().as_raw()).into(),
        };
        let weak_signature = WEAK_SIGNATURE_OIDS
            .contains(&cert.signature_algorithm.algorithm.to_id_string().as_str());
        let c = Certificate {
            der: der.to_vec(),
            thumbprint: Thumbprint::of_der(der),
            info,
            derived,
            weak_signature,
            friendly_name: None,
        };
        Ok(c)
    }

    /// The certificate's DER bytes, exactly as read.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-1 of [`Certificate::der`].
    pub fn thumbprint(&self) -> Thumbprint {
        self.thumbprint
    }

    /// Facts about the certificate.
    pub fn info(&self) -> &CertInfo {
        &self.info
    }

    /// Checks that decide whether the certificate may be installed as a trusted root.
    /// Refuse: not a CA, expired, not yet valid. Warn: MD5/SHA-1 signature, RSA under 2048
    /// bits, not self-signed (an intermediate). `now_unix` is the current time in Unix seconds.
    pub fn findings(&self, now_unix: i64) -> Vec<Finding> {
        let i = &self.info;
        let mut out = Vec::new();
        let mut push = |kind, severity, message: String| {
            out.push(Finding {
                kind,
                severity,
                message,
            })
        };
        if !i.is_ca {
            if i.version == 1 && i.is_self_signed {
                push(
                    FindingKind::NotCa,
                    Severity::Warn,
                    "X.509 v1 certificate without basicConstraints; Windows treats a self-signed \
                     v1 certificate as a CA"
                        .to_string(),
                );
            } else {
                push(
                    FindingKind::NotCa,
                    Severity::Refuse,
                    "not a CA certificate (basicConstraints cA is not TRUE); it cannot act as a \
                     root"
                        .to_string(),
                );
            }
        }
        if now_unix > i.not_after {
            push(
                FindingKind::Expired,
                Severity::Refuse,
                format!("expired on {}", fmt_time(i.not_after)),
            );
        }
        if now_unix < i.not_before {
            push(
                FindingKind::NotYetValid,
                Severity::Refuse,
                format!("not valid before {}", fmt_time(i.not_before)),
            );
        }
        if self.weak_signature {
            push(
                FindingKind::WeakSignatureHash,
                Severity::Warn,
                format!(
                    "signed with {} (a weak hash); harmless on a root, whose own signature is \
                     not checked, but a sign of an old certificate",
                    i.signature_algorithm
                ),
            );
        }
        if i.key_type == "RSA" && i.key_bits > 0 && i.key_bits < 2048 {
            push(
                FindingKind::SmallRsaKey,
                Severity::Warn,
                format!("RSA key of {} bits (under 2048)", i.key_bits),
            );
        }
        if !i.is_self_signed {
            let why = match i.self_signed_check {
                SelfSignedCheck::SignatureMismatch => {
                    "issuer equals subject but the signature does not verify with its own key"
                }
                SelfSignedCheck::NamesAndKeyIdentifiers => {
                    "issuer equals subject but the authority key identifier differs from the \
                     subject key identifier"
                }
                _ => "issuer differs from subject",
            };
            push(
                FindingKind::NotSelfSigned,
                Severity::Warn,
                format!("not self-signed ({why}): an intermediate, not a root"),
            );
        }
        out
    }

    /// Bit length of the issuer's public key when the certificate is self-signed (Windows'
    /// CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID, which it learns while verifying the signature).
    /// The issuer's key size, as Windows records it in CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID:
    /// known only for a self-signed RSA certificate (its issuer key is its own; Windows-written
    /// Blobs confirm the RSA modulus size). For other keys (EC: curve size or point size?) no
    /// Windows-written value has been seen, so none is claimed.
    pub(crate) fn issuer_key_bits(&self) -> Option<u32> {
        (self.info.is_self_signed && self.info.key_type == "RSA" && self.info.key_bits > 0)
            .then_some(self.info.key_bits)
    }

    /// The friendly name carried with the certificate by its input (a serialized store's
    /// record 11), if any.
    pub fn friendly_name(&self) -> Option<&str> {
        self.friendly_name.as_deref()
    }

    /// The same certificate with a friendly name (written as record 11 of its Blob).
    pub fn with_friendly_name(mut self, name: Option<String>) -> Certificate {
        self.friendly_name = name.filter(|n| !n.is_empty());
        self
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a Unix time (civil-from-days, proleptic Gregorian).
fn fmt_time(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}
