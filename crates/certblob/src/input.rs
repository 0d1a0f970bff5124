//! Reading certificates the way admins hand them over: DER, PEM / Base64 (bundles too),
//! bare Base64, and PKCS#7 bundles; refusing keys, PKCS#12, CSRs and garbage.

use std::io::Read;
use std::path::Path;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::der_parser::asn1_rs::{Any, Class, FromBer, Tag};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::certificate::Certificate;
use crate::error::{Error, Result};
use crate::pkcs7::{offset_in, pkcs7_certificates};

/// Largest certificate file we read (a bundle of every public root is under 1 MiB).
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Reads every certificate in a file (DER, PEM/Base64 with any line endings, PEM bundles,
/// bare Base64, PKCS#7 .p7b/.p7c in DER or PEM). Errors name the file.
pub fn read_certificates(path: &Path) -> Result<Vec<Certificate>> {
    let name = path.display().to_string();
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // Read one byte past the limit so an oversized file is detected without reading it all.
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    parse_certificates(&bytes, &name)
}

/// Parses every certificate in `bytes`; `source` names the input in error messages.
pub fn parse_certificates(bytes: &[u8], source: &str) -> Result<Vec<Certificate>> {
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::TooLarge {
            file: source.to_string(),
            size: bytes.len() as u64,
            limit: MAX_INPUT_BYTES,
        });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
        return Err(Error::Empty {
            file: source.to_string(),
        });
    }
    if crate::sst::is_sst(bytes) {
        return crate::sst::parse_sst(bytes, source);
    }
    if bytes.first() == Some(&0x30) {
        return parse_der(bytes, source);
    }
    let text = decode_text(bytes).ok_or_else(|| Error::NotACertificate {
        file: source.to_string(),
        detail: "binary data that is not DER".to_string(),
    })?;
    parse_text(&text, source)
}

/// Text from UTF-8 (with or without BOM) or UTF-16 with a BOM; `None` if it is not text.
fn decode_text(bytes: &[u8]) -> Option<String> {
    let utf16 = |le: bool, body: &[u8]| {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).ok().map(str::to_string),
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        _ => std::str::from_utf8(bytes).ok().map(str::to_string),
    }
}

/// DER input: one or more concatenated certificates, or a PKCS#7 bundle; otherwise say what it is.
fn parse_der(der: &[u8], source: &str) -> Result<Vec<Certificate>> {
    if X509Certificate::from_der(der).is_err() {
        if let Some(certs) = pkcs7_certificates(der, source)? {
            return certs_from_pkcs7(der, &certs, source);
        }
        classify_non_certificate(der, source)?;
    }
    let mut out = Vec::new();
    let mut rest = der;
    while !rest.is_empty() {
        let offset = offset_in(der, rest);
        match X509Certificate::from_der(rest) {
            Ok((after, _)) => {
                let used = rest.len() - after.len();
                out.push(Certificate::from_der_named(&rest[..used], source, offset)?);
                rest = after;
            }
            Err(e) => {
                if rest.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
                    break;
                }
                return Err(Error::BadCertificate {
                    file: source.to_string(),
                    offset,
                    detail: format!("{e}"),
                });
            }
        }
    }
    Ok(out)
}

fn certs_from_pkcs7(der: &[u8], certs: &[&[u8]], source: &str) -> Result<Vec<Certificate>> {
    if certs.is_empty() {
        return Err(Error::BadPkcs7 {
            file: source.to_string(),
            offset: 0,
            detail: "the bundle holds no certificates".to_string(),
        });
    }
    certs
        .iter()
        .map(|c| Certificate::from_der_named(c, source, offset_in(der, c)))
        .collect()
}

/// Gives the precise refusal for a DER object that is not a certificate.
fn classify_non_certificate(der: &[u8], source: &str) -> Result<()> {
    let s = source.to_string();
    if X509CertificationRequest::from_der(der).is_ok() {
        return Err(Error::CertificateRequest { file: s });
    }
    let mut items: Vec<Any> = Vec::new();
    if let Ok((_, top)) = Any::from_ber(der) {
        if top.tag() == Tag::Sequence {
            let mut input = top.data;
            while !input.is_empty() && items.len() < 12 {
                match Any::from_ber(input) {
                    Ok((rest, item)) => {
                        items.push(item);
                        input = rest;
                    }
                    Err(_) => break,
                }
            }
        }
    }
    let universal = |i: usize, tag: Tag| {
        items
            .get(i)
            .map(|a| a.class() == Class::Universal && a.tag() == tag)
            .unwrap_or(false)
    };
    let small_int = |i: usize| -> Option<u8> {
        let a = items.get(i)?;
        (a.class() == Class::Universal && a.tag() == Tag::Integer && a.data.len() == 1)
            .then(|| a.data[0])
    };
    let first_oid_of = |i: usize| -> Option<String> {
        let a = items.get(i)?;
        let (_, oid) = Any::from_ber(a.data).ok()?;
        oid.as_oid().ok().map(|o| o.to_id_string())
    };
    let key = |what: &str| {
        Err(Error::PrivateKey {
            file: s.clone(),
            what: what.to_string(),
        })
    };
    // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData OPTIONAL }
    if small_int(0) == Some(3) && universal(1, Tag::Sequence) {
        if let Some(oid) = first_oid_of(1) {
            if oid.starts_with("1.2.840.113549.1.7.") {
                return Err(Error::Pkcs12 { file: s });
            }
        }
    }
    // PrivateKeyInfo / OneAsymmetricKey ::= SEQUENCE { INTEGER 0|1, AlgorithmIdentifier, OCTET STRING, ... }
    if matches!(small_int(0), Some(0 | 1))
        && universal(1, Tag::Sequence)
        && universal(2, Tag::OctetString)
    {
        return key("PKCS#8 DER");
    }
    // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier (PKCS#5/#12), OCTET STRING }
    if items.len() == 2 && universal(0, Tag::Sequence) && universal(1, Tag::OctetString) {
        if let Some(oid) = first_oid_of(0) {
            if oid.starts_with("1.2.840.113549.1.5.") || oid.starts_with("1.2.840.113549.1.12.") {
                return key("encrypted PKCS#8 DER");
            }
        }
    }
    // RSAPrivateKey (PKCS#1) / DSA key (OpenSSL): INTEGER 0 followed by only INTEGERs.
    if small_int(0) == Some(0)
        && items.len() >= 6
        && (0..items.len()).all(|i| universal(i, Tag::Integer))
    {
        return key("PKCS#1 / DSA DER");
    }
    // ECPrivateKey (SEC 1) ::= SEQUENCE { INTEGER 1, OCTET STRING, [0] params, [1] public key }
    if small_int(0) == Some(1) && universal(1, Tag::OctetString) {
        return key("SEC1 EC DER");
    }
    match X509Certificate::from_der(der) {
        Err(e) => Err(Error::BadCertificate {
            file: s,
            offset: 0,
            detail: format!("{e}"),
        }),
        Ok(_) => Ok(()),
    }
}

/// One `-----BEGIN X-----` ... `-----END X-----` block.
struct PemBlock {
    label: String,
    offset: usize,
    der: Vec<u8>,
}

/// Finds PEM blocks (CRLF or LF, any text around them). `Ok(None)` if there is no BEGIN line.
fn pem_blocks(text: &str, source: &str) -> Result<Option<Vec<PemBlock>>> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, usize, String)> = None;
    let mut offset = 0usize;
    let mut saw_begin = false;
    for raw_line in text.split_inclusive('\n') {
        let line_offset = offset;
        offset += raw_line.len();
        let line = raw_line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if let Some((label, at, _)) = current.take() {
                return Err(Error::BadPem {
                    file: source.to_string(),
                    offset: at,
                    detail: format!("\"{label}\" block has no END line"),
                });
            }
            saw_begin = true;
            current = Some((label.trim().to_string(), line_offset, String::new()));
            continue;
        }
        if let Some(end) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            let Some((label, at, body)) = current.take() else {
                return Err(Error::BadPem {
                    file: source.to_string(),
                    offset: line_offset,
                    detail: format!("END \"{}\" without BEGIN", end.trim()),
                });
            };
            if end.trim() != label {
                return Err(Error::BadPem {
                    file: source.to_string(),
                    offset: at,
                    detail: format!("BEGIN \"{label}\" closed by END \"{}\"", end.trim()),
                });
            }
            let der = if label.contains("PRIVATE KEY") {
                Vec::new() // never decode key material; it is refused by label alone
            } else {
                BASE64.decode(body.as_bytes()).map_err(|e| Error::BadPem {
                    file: source.to_string(),
                    offset: at,
                    detail: format!("bad Base64: {e}"),
                })?
            };
            blocks.push(PemBlock {
                label,
                offset: at,
                der,
            });
            continue;
        }
        if let Some((_, _, body)) = current.as_mut() {
            // RFC 1421 headers (Proc-Type:, DEK-Info:) carry no Base64.
            if !line.contains(':') {
                body.extend(line.chars().filter(|c| !c.is_whitespace()));
            }
        }
    }
    if let Some((label, at, _)) = current {
        return Err(Error::BadPem {
            file: source.to_string(),
            offset: at,
            detail: format!("\"{label}\" block has no END line"),
        });
    }
    Ok(saw_begin.then_some(blocks))
}

fn parse_text(text: &str, source: &str) -> Result<Vec<Certificate>> {
    let Some(blocks) = pem_blocks(text, source)? else {
        return parse_bare_base64(text, source);
    };
    // Refusals first: a file that carries a key is refused as a whole.
    for b in &blocks {
        let label = b.label.to_ascii_uppercase();
        if label.contains("PRIVATE KEY") {
            return Err(Error::PrivateKey {
                file: source.to_string(),
                what: format!("PEM \"{}\"", b.label),
            });
        }
        if label == "PKCS12" {
            return Err(Error::Pkcs12 {
                file: source.to_string(),
            });
        }
        if label.contains("CERTIFICATE REQUEST") {
            return Err(Error::CertificateRequest {
                file: source.to_string(),
            });
        }
    }
    let mut out = Vec::new();
    for b in &blocks {
        let label = b.label.to_ascii_uppercase();
        match label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "X.509 CERTIFICATE" => {
                out.extend(parse_der(&b.der, source)?);
            }
            // OpenSSL "trusted certificate": the certificate followed by trust settings.
            "TRUSTED CERTIFICATE" => {
                let used = match X509Certificate::from_der(&b.der) {
                    Ok((rest, _)) => b.der.len() - rest.len(),
                    Err(e) => {
                        return Err(Error::BadCertificate {
                            file: source.to_string(),
                            offset: 0,
                            detail: format!("{e}"),
                        })
                    }
                };
                out.push(Certificate::from_der_named(&b.der[..used], source, 0)?);
            }
            "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS" => match pkcs7_certificates(&b.der, source)? {
                Some(certs) => out.extend(certs_from_pkcs7(&b.der, &certs, source)?),
                None => {
                    return Err(Error::BadPkcs7 {
                        file: source.to_string(),
                        offset: b.offset,
                        detail: "not a PKCS#7 SignedData".to_string(),
                    })
                }
            },
            _ => {
                return Err(Error::UnsupportedPem {
                    file: source.to_string(),
                    label: b.label.clone(),
                    offset: b.offset,
                })
            }
        }
    }
    if out.is_empty() {
        return Err(Error::NotACertificate {
            file: source.to_string(),
            detail: "no certificate in the file".into(),
        });
    }
    Ok(out)
}

/// Base64 without PEM headers: accepted only if the whole file is Base64 and decodes to DER
/// that parses as a certificate or PKCS#7 bundle.
fn parse_bare_base64(text: &str, source: &str) -> Result<Vec<Certificate>> {
    let not_cert = |detail: &str| Error::NotACertificate {
        file: source.to_string(),
        detail: detail.to_string(),
    };
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let is_b64 = compact.len() >= 16
        && compact
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='));
    if !is_b64 {
        return Err(not_cert(""));
    }
    let der = BASE64
        .decode(compact.as_bytes())
        .map_err(|_| not_cert("text that is not Base64"))?;
    if der.first() != Some(&0x30) {
        return Err(not_cert("Base64 text that does not decode to DER"));
    }
    parse_der(&der, source)
}
