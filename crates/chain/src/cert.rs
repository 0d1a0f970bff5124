//! One parsed certificate with the facts path building needs, plus the public DER helpers.

use sha1::{Digest, Sha1};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use crate::name::NormName;

/// Where a pooled certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The server certificate.
    Leaf,
    /// A candidate issuer.
    Intermediate,
    /// A trust anchor.
    Anchor,
}

/// A parsed certificate borrowed from the caller's bytes.
pub(crate) struct Cert<'a> {
    /// The exact DER of the certificate.
    pub der: &'a [u8],
    /// The parsed form.
    pub x509: X509Certificate<'a>,
    /// The caller's source label.
    pub source: &'a str,
    /// Leaf, intermediate or anchor.
    pub role: Role,
    /// SHA-1 of `der`.
    pub thumbprint: [u8; 20],
    /// Normalized subject, for issuer matching.
    pub subject: NormName,
    /// Normalized issuer, for issuer matching.
    pub issuer: NormName,
    /// subjectKeyIdentifier, if any.
    pub skid: Option<&'a [u8]>,
    /// authorityKeyIdentifier keyIdentifier, if any.
    pub akid: Option<&'a [u8]>,
}

impl<'a> Cert<'a> {
    /// Parses one certificate; the bytes must hold exactly one certificate.
    pub fn parse(der: &'a [u8], source: &'a str, role: Role) -> Result<Cert<'a>, String> {
        let x509 = parse_exact(der)?;
        let subject = NormName::new(x509.subject());
        let issuer = NormName::new(x509.issuer());
        let skid = subject_key_id_of(&x509);
        let akid = authority_key_id_of(&x509);
        Ok(Cert {
            der,
            x509,
            source,
            role,
            thumbprint: thumbprint(der),
            subject,
            issuer,
            skid,
            akid,
        })
    }

    /// Subject and issuer names are equal (RFC 5280 comparison).
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// Subject DN for display.
    pub fn subject_text(&self) -> String {
        self.x509.subject().to_string()
    }

    /// Issuer DN for display.
    pub fn issuer_text(&self) -> String {
        self.x509.issuer().to_string()
    }

    /// Whether `issuer` could have issued `self`, going by names and key identifiers only.
    pub fn could_be_issued_by(&self, issuer: &Cert<'_>) -> bool {
        if self.issuer != issuer.subject {
            return false;
        }
        match (self.akid, issuer.skid) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
    }
}

/// Parses a DER certificate that must span all of `der`.
pub(crate) fn parse_exact(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok((rest, _)) => Err(format!(
            "{} bytes follow the certificate's DER encoding",
            rest.len()
        )),
        Err(e) => Err(e.to_string()),
    }
}

fn subject_key_id_of<'a>(x509: &X509Certificate<'a>) -> Option<&'a [u8]> {
    x509.extensions()
        .iter()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0),
            _ => None,
        })
}

fn authority_key_id_of<'a>(x509: &X509Certificate<'a>) -> Option<&'a [u8]> {
    x509.extensions()
        .iter()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                aki.key_identifier.as_ref().map(|k| k.0)
            }
            _ => None,
        })
}

/// Upper-case hex of bytes.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The SHA-1 thumbprint (Windows' certificate hash) of DER bytes.
pub fn thumbprint(der: &[u8]) -> [u8; 20] {
    Sha1::digest(der).into()
}

/// Whether the certificate names itself as its issuer (subject and issuer DNs equal under
/// RFC 5280 comparison); `None` when the bytes are not one parseable certificate.
pub fn is_self_issued(der: &[u8]) -> Option<bool> {
    let x509 = parse_exact(der).ok()?;
    Some(NormName::new(x509.subject()) == NormName::new(x509.issuer()))
}

/// The certificate's subjectKeyIdentifier; `None` when absent or unparseable.
pub fn subject_key_id(der: &[u8]) -> Option<Vec<u8>> {
    let x509 = parse_exact(der).ok()?;
    subject_key_id_of(&x509).map(<[u8]>::to_vec)
}

/// The keyIdentifier of the certificate's authorityKeyIdentifier; `None` when absent or
/// unparseable.
pub fn authority_key_id(der: &[u8]) -> Option<Vec<u8>> {
    let x509 = parse_exact(der).ok()?;
    authority_key_id_of(&x509).map(<[u8]>::to_vec)
}
