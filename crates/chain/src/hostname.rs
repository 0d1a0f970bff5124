//! Does the leaf cover the name the client connects to? RFC 6125 rules: subjectAltName
//! dNSName (or iPAddress for an IP literal); a wildcard only as the whole left-most label,
//! matching exactly one label, and never over a two-label name such as `*.com`; comparison
//! case-insensitive with a trailing dot ignored; the subject CN only when there is no
//! subjectAltName extension at all.

use std::net::IpAddr;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

/// True when `cert` is valid for `name` (a DNS name or an IP literal).
pub(crate) fn matches(cert: &X509Certificate<'_>, name: &str) -> bool {
    let wanted = normalize(name);
    if wanted.is_empty() {
        return false;
    }
    let ip = parse_ip(&wanted);
    let mut has_san = false;
    let mut found = false;
    for ext in cert.extensions() {
        if let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() {
            has_san = true;
            for general in &san.general_names {
                found |= match (general, ip) {
                    (GeneralName::DNSName(pattern), None) => dns_matches(pattern, &wanted),
                    (GeneralName::IPAddress(bytes), Some(ip)) => ip_bytes_equal(bytes, ip),
                    _ => false,
                };
            }
        }
    }
    if has_san {
        return found;
    }
    cert.subject().iter_common_name().any(|cn| {
        let Ok(cn) = cn.as_str() else { return false };
        match ip {
            Some(ip) => parse_ip(&normalize(cn)) == Some(ip),
            None => dns_matches(cn, &wanted),
        }
    })
}

/// Lower case, surrounding brackets of an IPv6 literal and one trailing dot removed.
fn normalize(name: &str) -> String {
    let name = name.trim();
    let name = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

fn parse_ip(name: &str) -> Option<IpAddr> {
    name.parse().ok()
}

fn ip_bytes_equal(bytes: &[u8], ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => bytes == v4.octets(),
        IpAddr::V6(v6) => bytes == v6.octets(),
    }
}

/// Matches one dNSName pattern against a normalized host name.
fn dns_matches(pattern: &str, wanted: &str) -> bool {
    let pattern = normalize(pattern);
    if pattern.is_empty() || wanted.starts_with('.') || wanted.contains("..") {
        return false;
    }
    if let Some(rest) = pattern.strip_prefix("*.") {
        // The rest must be a proper name of at least two labels, without more wildcards.
        if rest.contains('*') || !rest.contains('.') || rest.starts_with('.') {
            return false;
        }
        if parse_ip(wanted).is_some() {
            return false;
        }
        return match wanted.split_once('.') {
            Some((first, tail)) => !first.is_empty() && !first.contains('*') && tail == rest,
            None => false,
        };
    }
    !pattern.contains('*') && pattern == wanted
}

#[cfg(test)]
mod tests {
    use super::dns_matches;

    #[test]
    fn exact_names_ignore_case_and_trailing_dot() {
        assert!(dns_matches("WWW.Example.com", "www.example.com"));
        assert!(dns_matches("www.example.com.", "www.example.com"));
        assert!(!dns_matches("www.example.com", "example.com"));
    }

    #[test]
    fn wildcards_cover_exactly_one_label() {
        assert!(dns_matches("*.example.com", "a.example.com"));
        assert!(!dns_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_matches("*.example.com", "example.com"));
        assert!(!dns_matches("*.com", "example.com"));
        assert!(!dns_matches("w*.example.com", "www.example.com"));
        assert!(!dns_matches("*.*.example.com", "a.b.example.com"));
    }
}
