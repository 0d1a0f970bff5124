//! Name constraints (RFC 5280 section 4.2.1.10), enforced as openssl's `NAME_CONSTRAINTS_check`
//! does: every CA of the path with a nameConstraints extension constrains every certificate
//! below it (self-issued intermediates excepted).
//!
//! The names of a certificate are its subject DN (as a directoryName, when not empty), the
//! emailAddress attributes of its subject (as rfc822Names), every subjectAltName entry, and,
//! for the leaf only when its subjectAltName has no dNSName, each subject CN that looks like a
//! host name (two or more labels), as a dNSName. A name is checked against the subtrees of its
//! own type only: when the permitted subtrees have any of its type, one must contain it; no
//! excluded subtree of its type may contain it.
//!
//! Matching, per type: dNSName `example.com` contains `example.com` and every name ending in
//! `.example.com`, `.example.com` only the latter; rfc822Name `user@host` is that mailbox,
//! `host` any mailbox at exactly that host, `.host` any mailbox below it; URI subtrees match the
//! URI's host as rfc822Name hosts do; iPAddress subtrees are an address and a mask of the same
//! family; directoryName subtrees are RDN prefixes (compared as names are compared for
//! chaining). DNS, e-mail and URI hosts compare ASCII case-insensitively.
//!
//! Subtrees the engine cannot check (x400Address, ediPartyName, registeredID, otherName, an
//! iPAddress that is not an address and mask, a minimum other than 0 or any maximum) make a
//! critical extension unusable ([`ProblemKind::Malformed`] on the CA, as Windows reports an
//! unsupported name constraint); in a non-critical one, a name of the same type meeting such a
//! subtree is a violation, as in openssl.

use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::{Any, Class, FromDer, Tag};
use x509_parser::extensions::{GeneralName, ParsedExtension};

use crate::cert::Cert;
use crate::name::{text_of, NormName};
use crate::verdict::{Problem, ProblemKind};

/// The nameConstraints extension's OID.
const NAME_CONSTRAINTS: &str = "2.5.29.30";
/// pkcs9 emailAddress, checked as an rfc822Name when in a subject DN.
const EMAIL_ADDRESS: &str = "1.2.840.113549.1.9.1";
/// The most name-subtree comparisons for one certificate and one CA (openssl's
/// `NAME_CHECK_MAX`); beyond it the certificate is refused rather than checked.
const MAX_CHECKS: usize = 1 << 20;

/// A name, or the base of a subtree, by GeneralName type.
#[derive(Debug)]
enum Form {
    /// dNSName.
    Dns(String),
    /// rfc822Name.
    Email(String),
    /// uniformResourceIdentifier.
    Uri(String),
    /// iPAddress: 4 or 16 bytes in a name, address and mask in a subtree.
    Ip(Vec<u8>),
    /// directoryName.
    Dir(NormName, String),
    /// Another GeneralName type, by its context tag number.
    Other(u32),
}

impl Form {
    /// The GeneralName tag number of the form, which decides which names and subtrees meet.
    fn tag(&self) -> u32 {
        match self {
            Form::Email(_) => 1,
            Form::Dns(_) => 2,
            Form::Dir(..) => 4,
            Form::Uri(_) => 6,
            Form::Ip(_) => 7,
            Form::Other(tag) => *tag,
        }
    }

    /// How the form is shown in a message.
    fn describe(&self) -> String {
        match self {
            Form::Dns(s) => format!("DNS name \"{s}\""),
            Form::Email(s) => format!("e-mail address \"{s}\""),
            Form::Uri(s) => format!("URI \"{s}\""),
            Form::Ip(bytes) => format!("IP address {}", ip_text(bytes)),
            Form::Dir(_, text) => format!("directory name \"{text}\""),
            Form::Other(tag) => format!("name of GeneralName type [{tag}]"),
        }
    }
}

/// One permitted or excluded subtree.
#[derive(Debug)]
struct Subtree {
    base: Form,
    /// Why the engine cannot check names against this subtree, if it cannot.
    unsupported: Option<String>,
}

/// A parsed nameConstraints extension.
#[derive(Debug, Default)]
struct Constraints {
    permitted: Vec<Subtree>,
    excluded: Vec<Subtree>,
}

/// How one name fares against one subtree.
enum Single {
    Inside,
    Outside,
    /// Cannot be decided: the name or the subtree has a form the check cannot handle.
    Unsupported(String),
}

/// Adds the name-constraint problems of `path` (leaf first) to `out`.
pub(crate) fn check(path: &[&Cert<'_>], out: &mut Vec<Problem>) {
    for (j, ca) in path.iter().enumerate().skip(1) {
        let Some((critical, parsed)) = constraints_of(&ca.x509) else {
            continue;
        };
        let ca_subject = ca.subject_text();
        let nc = match parsed {
            Ok(nc) => nc,
            Err(why) => {
                out.push(Problem::new(
                    ProblemKind::Malformed,
                    Some(j),
                    format!("\"{ca_subject}\" is unusable: its nameConstraints extension cannot be parsed ({why})."),
                ));
                continue;
            }
        };
        if critical {
            let unsupported = nc
                .permitted
                .iter()
                .chain(&nc.excluded)
                .find_map(|s| s.unsupported.as_deref());
            if let Some(why) = unsupported {
                out.push(Problem::new(
                    ProblemKind::Malformed,
                    Some(j),
                    format!("\"{ca_subject}\" is unusable: its critical nameConstraints extension has {why}, which cannot be checked."),
                ));
            }
        }
        for (i, cert) in path.iter().enumerate().take(j) {
            if i > 0 && cert.is_self_issued() {
                continue;
            }
            if let Err(why) = check_cert(&cert.x509, i == 0, &nc) {
                out.push(Problem::new(
                    ProblemKind::NameConstraintViolated,
                    Some(i),
                    format!(
                        "\"{}\" violates the name constraints of \"{ca_subject}\": {why}.",
                        cert.subject_text()
                    ),
                ));
            }
        }
    }
}

/// The certificate's nameConstraints extension: whether it is critical and its subtrees (or
/// why they cannot be read). `None` when there is none, or when it does not parse at all
/// (reported as malformed with the certificate's other extension problems).
fn constraints_of(x509: &X509Certificate<'_>) -> Option<(bool, Result<Constraints, String>)> {
    let ext = x509
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == NAME_CONSTRAINTS)?;
    if let ParsedExtension::ParseError { .. } = ext.parsed_extension() {
        return None;
    }
    Some((ext.critical, parse(ext.value)))
}

/// Parses the extension value. x509-parser drops a subtree's minimum and maximum, which
/// matter, so the subtrees are read here and only each base is left to x509-parser.
fn parse(value: &[u8]) -> Result<Constraints, String> {
    let (rest, outer) = Any::from_der(value).map_err(|e| e.to_string())?;
    if !rest.is_empty() || outer.tag() != Tag::Sequence {
        return Err("not one SEQUENCE".into());
    }
    let mut nc = Constraints::default();
    let mut data = outer.data;
    let mut last_tag = None;
    while !data.is_empty() {
        let (rest, part) = Any::from_der(data).map_err(|e| e.to_string())?;
        data = rest;
        let tag = part.tag().0;
        if part.class() != Class::ContextSpecific || tag > 1 || last_tag >= Some(tag) {
            return Err(format!("unexpected element [{tag}]"));
        }
        last_tag = Some(tag);
        let list = if tag == 0 {
            &mut nc.permitted
        } else {
            &mut nc.excluded
        };
        if part.data.is_empty() {
            return Err("an empty list of subtrees".into());
        }
        let mut items = part.data;
        while !items.is_empty() {
            let (rest, subtree) = Any::from_der(items).map_err(|e| e.to_string())?;
            items = rest;
            list.push(subtree_of(subtree)?);
        }
    }
    Ok(nc)
}

/// One GeneralSubtree: base, minimum `[0]` (DEFAULT 0), maximum `[1]`.
fn subtree_of(any: Any<'_>) -> Result<Subtree, String> {
    if any.tag() != Tag::Sequence {
        return Err("a subtree that is not a SEQUENCE".into());
    }
    let (mut rest, base) = Any::from_der(any.data).map_err(|e| e.to_string())?;
    let base = GeneralName::try_from(base).map_err(|e| format!("a subtree base: {e}"))?;
    let mut unsupported = None;
    while !rest.is_empty() {
        let (r, field) = Any::from_der(rest).map_err(|e| e.to_string())?;
        rest = r;
        let zero = !field.data.is_empty() && field.data.iter().all(|&b| b == 0);
        match (field.class(), field.tag().0) {
            (Class::ContextSpecific, 0) if zero => {}
            (Class::ContextSpecific, 0) => unsupported = Some("a subtree minimum other than 0"),
            (Class::ContextSpecific, 1) => unsupported = Some("a subtree maximum"),
            _ => return Err("unexpected data in a subtree".into()),
        }
    }
    let (base, form_unsupported) = base_form(&base);
    let unsupported = form_unsupported.or(unsupported.map(str::to_string));
    Ok(Subtree { base, unsupported })
}

/// The form of a subtree base, and why it cannot be checked if it cannot.
fn base_form(base: &GeneralName<'_>) -> (Form, Option<String>) {
    match base {
        GeneralName::IPAddress(bytes) if !matches!(bytes.len(), 8 | 32) => (
            Form::Ip(bytes.to_vec()),
            Some(format!(
                "an iPAddress subtree of {} bytes (not an address and mask)",
                bytes.len()
            )),
        ),
        other => {
            let form = general_form(other);
            let why = match &form {
                Form::Other(tag) => Some(format!(
                    "a {} subtree",
                    match tag {
                        0 => "otherName",
                        3 => "x400Address",
                        5 => "ediPartyName",
                        _ => "registeredID",
                    }
                )),
                _ => None,
            };
            (form, why)
        }
    }
}

/// The form of a GeneralName.
fn general_form(name: &GeneralName<'_>) -> Form {
    match name {
        GeneralName::DNSName(s) => Form::Dns((*s).to_string()),
        GeneralName::RFC822Name(s) => Form::Email((*s).to_string()),
        GeneralName::URI(s) => Form::Uri((*s).to_string()),
        GeneralName::IPAddress(bytes) => Form::Ip(bytes.to_vec()),
        GeneralName::DirectoryName(dn) => Form::Dir(NormName::new(dn), dn.to_string()),
        GeneralName::OtherName(..) => Form::Other(0),
        GeneralName::X400Address(_) => Form::Other(3),
        GeneralName::EDIPartyName(_) => Form::Other(5),
        GeneralName::RegisteredID(_) => Form::Other(8),
    }
}

/// Checks every name of one certificate; `Err` says the first name that fails and why.
fn check_cert(x509: &X509Certificate<'_>, is_leaf: bool, nc: &Constraints) -> Result<(), String> {
    let names = names_of(x509, is_leaf)?;
    let subtrees = nc.permitted.len() + nc.excluded.len();
    if names.len().saturating_mul(subtrees) > MAX_CHECKS {
        return Err(format!(
            "{} names against {subtrees} subtrees are too many to check",
            names.len()
        ));
    }
    for name in &names {
        check_name(name, nc)?;
    }
    Ok(())
}

/// The names of a certificate that name constraints apply to (see the module comment).
fn names_of(x509: &X509Certificate<'_>, is_leaf: bool) -> Result<Vec<Form>, String> {
    let mut names = Vec::new();
    let subject = x509.subject();
    let norm = NormName::new(subject);
    if !norm.is_empty() {
        names.push(Form::Dir(norm, subject.to_string()));
    }
    for atv in subject.iter_attributes() {
        if atv.attr_type().to_id_string() != EMAIL_ADDRESS {
            continue;
        }
        let value = atv.attr_value();
        match std::str::from_utf8(value.data) {
            Ok(text) if value.tag() == Tag::Ia5String => names.push(Form::Email(text.to_string())),
            _ => return Err("its subject has an emailAddress that is not an IA5String".into()),
        }
    }
    let mut has_dns = false;
    for ext in x509.extensions() {
        if let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() {
            for general in &san.general_names {
                has_dns |= matches!(general, GeneralName::DNSName(_));
                names.push(general_form(general));
            }
        }
    }
    if is_leaf && !has_dns {
        for cn in subject.iter_common_name() {
            let value = cn.attr_value();
            let Some(text) = text_of(value.tag(), value.data) else {
                continue;
            };
            if let Some(dns) = cn_as_dns(&text)? {
                names.push(Form::Dns(dns));
            }
        }
    }
    Ok(names)
}

/// A subject CN as a DNS name when it looks like one, as openssl's `cn2dnsid` decides: letters,
/// digits and `_`, with `-` and `.` only inside, no `.` next to another `.` or a `-`, and at
/// least one `.` (so two labels or more). Trailing NULs are dropped; an embedded NUL is an error.
fn cn_as_dns(text: &str) -> Result<Option<String>, String> {
    let text = text.trim_end_matches('\0');
    if text.contains('\0') {
        return Err("its subject CN has an embedded NUL".into());
    }
    let bytes = text.as_bytes();
    let mut is_dns = false;
    for (i, &c) in bytes.iter().enumerate() {
        if c.is_ascii_alphanumeric() || c == b'_' {
            continue;
        }
        if i > 0 && i + 1 < bytes.len() {
            if c == b'-' {
                continue;
            }
            if c == b'.' && bytes[i + 1] != b'.' && bytes[i - 1] != b'-' && bytes[i + 1] != b'-' {
                is_dns = true;
                continue;
            }
        }
        is_dns = false;
        break;
    }
    Ok(is_dns.then(|| text.to_string()))
}

/// Checks one name against the subtrees of its type (openssl's `nc_match`).
fn check_name(name: &Form, nc: &Constraints) -> Result<(), String> {
    let mut of_type = false;
    let mut permitted = false;
    for subtree in nc.permitted.iter().filter(|s| s.base.tag() == name.tag()) {
        if permitted {
            break;
        }
        of_type = true;
        match single(name, subtree) {
            Single::Inside => permitted = true,
            Single::Outside => {}
            Single::Unsupported(why) => return Err(why),
        }
    }
    if of_type && !permitted {
        return Err(format!(
            "its {} is outside every permitted subtree",
            name.describe()
        ));
    }
    for subtree in nc.excluded.iter().filter(|s| s.base.tag() == name.tag()) {
        match single(name, subtree) {
            Single::Inside => {
                return Err(format!(
                    "its {} is inside the excluded subtree {}",
                    name.describe(),
                    subtree.base.describe()
                ))
            }
            Single::Outside => {}
            Single::Unsupported(why) => return Err(why),
        }
    }
    Ok(())
}

/// One name against one subtree of the same type.
fn single(name: &Form, subtree: &Subtree) -> Single {
    if let Some(why) = &subtree.unsupported {
        return Single::Unsupported(format!(
            "its {} cannot be checked against a subtree with {why}",
            name.describe()
        ));
    }
    let inside = match (name, &subtree.base) {
        (Form::Dns(dns), Form::Dns(base)) => dns_within(dns, base),
        (Form::Email(email), Form::Email(base)) => match email_within(email, base) {
            Some(inside) => inside,
            None => return unsupported_syntax(name),
        },
        (Form::Uri(uri), Form::Uri(base)) => match uri_host(uri) {
            Some(host) => host_within(host, base),
            None => return unsupported_syntax(name),
        },
        (Form::Ip(ip), Form::Ip(base)) => match ip_within(ip, base) {
            Some(inside) => inside,
            None => return unsupported_syntax(name),
        },
        (Form::Dir(dn, _), Form::Dir(base, _)) => dn.starts_with(base),
        _ => {
            return Single::Unsupported(format!(
                "its {} is of a type the engine cannot check",
                name.describe()
            ))
        }
    };
    if inside {
        Single::Inside
    } else {
        Single::Outside
    }
}

fn unsupported_syntax(name: &Form) -> Single {
    Single::Unsupported(format!(
        "its {} has a form that cannot be checked",
        name.describe()
    ))
}

/// ASCII case-insensitive equality of byte strings.
fn eq_ci(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// openssl's `nc_dns`: an empty base contains everything; otherwise the name ends with the
/// base, and a longer name has a `.` before it unless the base starts with one.
fn dns_within(dns: &str, base: &str) -> bool {
    let (dns, base) = (dns.as_bytes(), base.as_bytes());
    if base.is_empty() {
        return true;
    }
    if dns.len() < base.len() {
        return false;
    }
    let start = dns.len() - base.len();
    if start > 0 && base[0] != b'.' && dns[start - 1] != b'.' {
        return false;
    }
    eq_ci(&dns[start..], base)
}

/// openssl's `nc_email`; `None` when the address has no `@`.
fn email_within(email: &str, base: &str) -> Option<bool> {
    let (local, host) = email.split_once('@')?;
    if base.starts_with('.') && !base.contains('@') {
        let (e, b) = (email.as_bytes(), base.as_bytes());
        return Some(e.len() > b.len() && eq_ci(&e[e.len() - b.len()..], b));
    }
    let base_host = match base.split_once('@') {
        Some((base_local, base_host)) => {
            // A local part is compared exactly.
            if !base_local.is_empty() && base_local != local {
                return Some(false);
            }
            base_host
        }
        None => base,
    };
    Some(eq_ci(base_host.as_bytes(), host.as_bytes()))
}

/// The host of `scheme://host[:port][/...]`; `None` when there is none (openssl's `nc_uri`).
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once(':')?;
    let rest = rest.strip_prefix("//")?;
    let end = rest
        .find(':')
        .or_else(|| rest.find('/'))
        .unwrap_or(rest.len());
    let host = &rest[..end];
    (!host.is_empty()).then_some(host)
}

/// A URI host against a URI subtree: a leading `.` matches any host below it, anything else
/// only the same host.
fn host_within(host: &str, base: &str) -> bool {
    let (h, b) = (host.as_bytes(), base.as_bytes());
    if b.first() == Some(&b'.') {
        return h.len() > b.len() && eq_ci(&h[h.len() - b.len()..], b);
    }
    eq_ci(h, b)
}

/// openssl's `nc_ip`: address and mask of the same family; `None` for an address that is
/// neither IPv4 nor IPv6.
fn ip_within(ip: &[u8], base: &[u8]) -> Option<bool> {
    if !matches!(ip.len(), 4 | 16) {
        return None;
    }
    if ip.len() * 2 != base.len() {
        return Some(false);
    }
    let (addr, mask) = base.split_at(ip.len());
    Some(
        ip.iter()
            .zip(addr)
            .zip(mask)
            .all(|((&i, &a), &m)| i & m == a & m),
    )
}

/// An IP address (or address and mask) for messages.
fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::from([bytes[0], bytes[1], bytes[2], bytes[3]]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            std::net::Ipv6Addr::from(a).to_string()
        }
        8 | 32 => {
            let (addr, mask) = bytes.split_at(bytes.len() / 2);
            format!("{}/{}", ip_text(addr), ip_text(mask))
        }
        _ => bytes.iter().map(|b| format!("{b:02X}")).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_subtrees() {
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("www.EXAMPLE.com", "example.com"));
        assert!(dns_within("a.b.example.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.org", "example.com"));
        assert!(!dns_within("com", "example.com"));
        // A leading dot: subdomains only.
        assert!(dns_within("www.example.com", ".example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        // An empty base contains everything.
        assert!(dns_within("anything.test", ""));
    }

    #[test]
    fn email_subtrees() {
        assert_eq!(email_within("u@example.com", "example.com"), Some(true));
        assert_eq!(email_within("u@EXAMPLE.com", "example.com"), Some(true));
        assert_eq!(email_within("u@a.example.com", "example.com"), Some(false));
        assert_eq!(email_within("u@a.example.com", ".example.com"), Some(true));
        assert_eq!(email_within("u@example.com", ".example.com"), Some(false));
        assert_eq!(email_within("u@example.com", "u@example.com"), Some(true));
        assert_eq!(email_within("U@example.com", "u@example.com"), Some(false));
        assert_eq!(email_within("no-at-sign", "example.com"), None);
    }

    #[test]
    fn uri_subtrees() {
        assert_eq!(
            uri_host("https://www.example.com:8443/x"),
            Some("www.example.com")
        );
        assert_eq!(
            uri_host("https://www.example.com/x"),
            Some("www.example.com")
        );
        assert_eq!(uri_host("urn:isbn:123"), None);
        assert!(host_within("www.example.com", ".example.com"));
        assert!(!host_within("www.example.com", "example.com"));
        assert!(host_within("Example.com", "example.com"));
    }

    #[test]
    fn ip_subtrees() {
        let base = [10, 1, 0, 0, 255, 255, 0, 0];
        assert_eq!(ip_within(&[10, 1, 2, 3], &base), Some(true));
        assert_eq!(ip_within(&[10, 2, 2, 3], &base), Some(false));
        assert_eq!(ip_within(&[0; 16], &base), Some(false));
        assert_eq!(ip_within(&[1, 2, 3], &base), None);
        assert_eq!(ip_text(&base), "10.1.0.0/255.255.0.0");
    }

    #[test]
    fn common_names_that_look_like_host_names() {
        assert_eq!(
            cn_as_dns("www.example.com").unwrap().as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            cn_as_dns("a_b.example").unwrap().as_deref(),
            Some("a_b.example")
        );
        assert_eq!(cn_as_dns("localhost").unwrap(), None);
        assert_eq!(cn_as_dns("Example Server").unwrap(), None);
        assert_eq!(cn_as_dns("*.example.com").unwrap(), None);
        assert_eq!(cn_as_dns("a..b").unwrap(), None);
        assert_eq!(cn_as_dns("a-.b").unwrap(), None);
        assert_eq!(cn_as_dns(".a.b").unwrap(), None);
        assert_eq!(cn_as_dns("a.b\0").unwrap().as_deref(), Some("a.b"));
        assert!(cn_as_dns("a\0.b").is_err());
    }

    #[test]
    fn subtrees_parse_with_minimum_and_maximum() {
        // SEQUENCE { [0] { SEQUENCE { [2] "a.test" } ,
        //                 SEQUENCE { [2] "b.test", [0] 1 } },
        //            [1] { SEQUENCE { [2] "c.test", [1] 2 } } }
        let der = [
            0x30, 0x28, 0xA0, 0x17, 0x30, 0x08, 0x82, 0x06, b'a', b'.', b't', b'e', b's', b't',
            0x30, 0x0B, 0x82, 0x06, b'b', b'.', b't', b'e', b's', b't', 0x80, 0x01, 0x01, 0xA1,
            0x0D, 0x30, 0x0B, 0x82, 0x06, b'c', b'.', b't', b'e', b's', b't', 0x81, 0x01, 0x02,
        ];
        let nc = parse(&der).unwrap();
        assert_eq!(nc.permitted.len(), 2);
        assert!(nc.permitted[0].unsupported.is_none());
        assert!(nc.permitted[1]
            .unsupported
            .as_deref()
            .unwrap()
            .contains("minimum"));
        assert!(nc.excluded[0]
            .unsupported
            .as_deref()
            .unwrap()
            .contains("maximum"));
        // Truncated, trailing bytes, an empty list, elements out of order: errors, no panic.
        for bad in [
            &der[..20],
            &[&der[..], &[0][..]].concat()[..],
            &[0x30, 0x02, 0xA0, 0x00][..],
        ] {
            assert!(parse(bad).is_err());
        }
        assert!(parse(&[0x30, 0x04, 0xA1, 0x00, 0xA0, 0x00]).is_err());
    }
}
