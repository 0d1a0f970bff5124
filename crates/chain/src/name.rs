//! Distinguished-name comparison as RFC 5280 section 7.1 and openssl do it: attribute by
//! attribute, string values case-folded (ASCII) with leading, trailing and repeated inner
//! white space removed; other values compared byte for byte.

use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::X509Name;

/// A name in comparable form.
#[derive(Debug, Clone)]
pub(crate) struct NormName {
    /// The DER of the name, for the fast path.
    raw: Vec<u8>,
    /// RDNs in order; each RDN's attributes sorted.
    rdns: Vec<Vec<(Vec<u8>, Value)>>,
}

/// One attribute value in comparable form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Value {
    /// A string type, decoded and folded.
    Text(String),
    /// Anything else: the tag and the content bytes.
    Other(u32, Vec<u8>),
}

impl NormName {
    /// The comparable form of a parsed name.
    pub fn new(name: &X509Name<'_>) -> NormName {
        let rdns = name
            .iter()
            .map(|rdn| {
                let mut attrs: Vec<(Vec<u8>, Value)> = rdn
                    .iter()
                    .map(|atv| {
                        let value = atv.attr_value();
                        (
                            atv.attr_type().as_bytes().to_vec(),
                            normalize(value.tag(), value.data),
                        )
                    })
                    .collect();
                attrs.sort();
                attrs
            })
            .collect();
        NormName {
            raw: name.as_raw().to_vec(),
            rdns,
        }
    }
}

impl PartialEq for NormName {
    fn eq(&self, other: &NormName) -> bool {
        // Equal DER implies equal normalized forms, so the fast path agrees with `Hash`.
        self.raw == other.raw || self.rdns == other.rdns
    }
}

impl Eq for NormName {}

impl std::hash::Hash for NormName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.rdns.hash(state);
    }
}

impl NormName {
    /// Whether `prefix`'s RDNs are the first RDNs of `self` (an empty `prefix` is a prefix
    /// of every name), as name constraints compare directory names.
    pub fn starts_with(&self, prefix: &NormName) -> bool {
        self.rdns.len() >= prefix.rdns.len() && self.rdns[..prefix.rdns.len()] == prefix.rdns[..]
    }

    /// Whether the name has no attributes at all.
    pub fn is_empty(&self) -> bool {
        self.rdns.iter().all(Vec::is_empty)
    }
}

/// Decodes a string type to text and folds it; other types stay bytes.
fn normalize(tag: Tag, data: &[u8]) -> Value {
    match text_of(tag, data) {
        Some(t) => Value::Text(fold(&t)),
        None => Value::Other(tag.0, data.to_vec()),
    }
}

/// The text of an attribute value of a string type (as openssl's `ASN1_STRING_to_UTF8`
/// reads it); `None` for other types and undecodable values.
pub(crate) fn text_of(tag: Tag, data: &[u8]) -> Option<String> {
    match tag {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => std::str::from_utf8(data).ok().map(str::to_owned),
        // T.61 strings are read as Latin-1, as openssl does.
        Tag::TeletexString => Some(data.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => decode_utf16be(data),
        Tag::UniversalString => decode_utf32be(data),
        _ => None,
    }
}

fn decode_utf16be(data: &[u8]) -> Option<String> {
    if !data.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

fn decode_utf32be(data: &[u8]) -> Option<String> {
    if !data.len().is_multiple_of(4) {
        return None;
    }
    data.chunks_exact(4)
        .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
        .collect()
}

/// ASCII lower case, white space trimmed and inner runs collapsed to one space.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_spacing() {
        assert_eq!(fold("  Example   CA\tRoot "), "example ca root");
        assert_eq!(
            normalize(Tag::PrintableString, b"ACME  Corp"),
            normalize(Tag::Utf8String, b"acme corp")
        );
        assert_ne!(
            normalize(Tag::Utf8String, b"acme"),
            normalize(Tag::Utf8String, b"acmf")
        );
    }

    #[test]
    fn bmp_strings_compare_as_text() {
        let bmp: Vec<u8> = "Root".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(
            normalize(Tag::BmpString, &bmp),
            normalize(Tag::Utf8String, b"ROOT")
        );
        assert!(matches!(
            normalize(Tag::BmpString, &[0]),
            Value::Other(_, _)
        ));
    }
}
