//! PKCS#7 / CMS `SignedData` certificate bundles (.p7b/.p7c): only the walk down to the
//! `certificates` field, done with asn1-rs (BER, so indefinite lengths are fine too).

use x509_parser::der_parser::asn1_rs::{Any, Class, FromBer, Tag};

use crate::error::{Error, Result};

/// id-signedData, 1.2.840.113549.1.7.2.
const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

/// Byte offset of `part` inside `base` (both slices of the same buffer).
pub(crate) fn offset_in(base: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(base.as_ptr() as usize)
}

/// If `der` is a ContentInfo of type signedData, returns the raw DER of each certificate in its
/// `certificates` field (possibly none). `Ok(None)` means "not PKCS#7".
pub(crate) fn pkcs7_certificates<'a>(der: &'a [u8], source: &str) -> Result<Option<Vec<&'a [u8]>>> {
    let Ok((_, content_info)) = Any::from_ber(der) else {
        return Ok(None);
    };
    if content_info.tag() != Tag::Sequence {
        return Ok(None);
    }
    let Ok((rest, oid)) = Any::from_ber(content_info.data) else {
        return Ok(None);
    };
    let is_signed_data = oid.tag() == Tag::Oid
        && oid
            .as_oid()
            .map(|o| o.to_id_string() == OID_SIGNED_DATA)
            .unwrap_or(false);
    if !is_signed_data {
        return Ok(None);
    }
    let bad = |at: &[u8], detail: &str| Error::BadPkcs7 {
        file: source.to_string(),
        offset: offset_in(der, at),
        detail: detail.to_string(),
    };
    let (_, explicit) = Any::from_ber(rest).map_err(|_| bad(rest, "missing [0] content"))?;
    if explicit.class() != Class::ContextSpecific || explicit.tag() != Tag(0) {
        return Err(bad(rest, "content is not [0] EXPLICIT"));
    }
    let (_, signed_data) = Any::from_ber(explicit.data)
        .map_err(|_| bad(explicit.data, "SignedData does not parse"))?;
    if signed_data.tag() != Tag::Sequence {
        return Err(bad(explicit.data, "SignedData is not a SEQUENCE"));
    }
    // version, digestAlgorithms, encapContentInfo, then [0] IMPLICIT certificates OPTIONAL.
    let mut input = signed_data.data;
    let mut index = 0usize;
    while !input.is_empty() {
        let (rest, item) =
            Any::from_ber(input).map_err(|_| bad(input, "SignedData field does not parse"))?;
        if index >= 3 && item.class() == Class::ContextSpecific && item.tag() == Tag(0) {
            return collect_certificates(der, item.data, source).map(Some);
        }
        if index >= 3 {
            break;
        }
        input = rest;
        index += 1;
    }
    Ok(Some(Vec::new()))
}

fn collect_certificates<'a>(
    der: &'a [u8],
    mut set: &'a [u8],
    source: &str,
) -> Result<Vec<&'a [u8]>> {
    let mut out = Vec::new();
    while !set.is_empty() {
        let (rest, item) = Any::from_ber(set).map_err(|_| Error::BadPkcs7 {
            file: source.to_string(),
            offset: offset_in(der, set),
            detail: "certificate entry does not parse".to_string(),
        })?;
        // CertificateChoices: only the plain `Certificate` (a SEQUENCE) is a certificate; the
        // obsolete extended/attribute certificates are tagged [0]..[3] and skipped.
        if item.class() == Class::Universal && item.tag() == Tag::Sequence {
            let used = set.len() - rest.len();
            out.push(&set[..used]);
        }
        set = rest;
    }
    Ok(out)
}
