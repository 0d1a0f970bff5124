//! Checks on a built path that do not involve signatures: validity periods, CA and path-length
//! constraints, name constraints, key usage, extended key usage, the host name, the disallowed
//! list, malformed or unhandled critical extensions; and the warnings.

use std::collections::HashSet;

use x509_parser::extensions::ParsedExtension;

use crate::cert::Cert;
use crate::signature::{rsa_key_bits, signature_hash};
use crate::verdict::{Problem, ProblemKind, Warning, WarningKind};
use crate::{constraints, hostname, EXPIRES_SOON_SECS};

/// What the checks need besides the path.
pub(crate) struct Context<'i> {
    /// The check time, Unix seconds.
    pub at: i64,
    /// The name the client connects to.
    pub name: Option<&'i str>,
    /// Thumbprints never to trust.
    pub disallowed: &'i HashSet<[u8; 20]>,
}

/// Critical extensions the engine understands (openssl's list); any other critical extension
/// makes the certificate unusable.
const HANDLED_CRITICAL: &[&str] = &[
    "2.5.29.15",             // keyUsage
    "2.5.29.17",             // subjectAltName
    "2.5.29.19",             // basicConstraints
    "2.5.29.30",             // nameConstraints
    "2.5.29.32",             // certificatePolicies
    "2.5.29.33",             // policyMappings
    "2.5.29.36",             // policyConstraints
    "2.5.29.37",             // extendedKeyUsage
    "2.5.29.54",             // inhibitAnyPolicy
    "1.3.6.1.5.5.7.1.14",    // proxyCertInfo
    "1.3.6.1.5.5.7.1.7",     // ipAddrBlocks
    "1.3.6.1.5.5.7.1.8",     // autonomousSysIds
    "2.16.840.1.113730.1.1", // netscape cert type
];

/// Problems of `path` (leaf first) other than signatures and how the path ends.
/// `anchored` says the last certificate is a trust anchor.
pub(crate) fn problems(path: &[&Cert<'_>], anchored: bool, ctx: &Context<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, cert) in path.iter().enumerate() {
        let subject = cert.subject_text();
        let is_anchor = anchored && i + 1 == path.len();
        validity(cert, i, &subject, ctx.at, &mut out);
        if ctx.disallowed.contains(&cert.thumbprint) {
            out.push(Problem::new(
                ProblemKind::Disallowed,
                Some(i),
                format!("\"{subject}\" is in the Disallowed store (explicitly distrusted)."),
            ));
        }
        malformed(cert, i, &subject, &mut out);
        if i > 0 {
            issuer_constraints(path, i, is_anchor, &subject, &mut out);
        }
        server_auth(cert, i, &subject, &mut out);
    }
    constraints::check(path, &mut out);
    if let (Some(name), Some(leaf)) = (ctx.name, path.first()) {
        if !hostname::matches(&leaf.x509, name) {
            out.push(Problem::new(
                ProblemKind::NameMismatch,
                Some(0),
                format!(
                    "\"{}\" is not valid for the name \"{name}\".",
                    leaf.subject_text()
                ),
            ));
        }
    }
    out
}

fn validity(cert: &Cert<'_>, i: usize, subject: &str, at: i64, out: &mut Vec<Problem>) {
    let validity = cert.x509.validity();
    if at > validity.not_after.timestamp() {
        out.push(Problem::new(
            ProblemKind::Expired,
            Some(i),
            format!("\"{subject}\" expired on {}.", validity.not_after),
        ));
    }
    if at < validity.not_before.timestamp() {
        out.push(Problem::new(
            ProblemKind::NotYetValid,
            Some(i),
            format!("\"{subject}\" is not valid before {}.", validity.not_before),
        ));
    }
}

fn malformed(cert: &Cert<'_>, i: usize, subject: &str, out: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for ext in cert.x509.extensions() {
        let oid = ext.oid.to_id_string();
        let why = if !seen.insert(oid.clone()) {
            Some(format!("extension {oid} appears twice"))
        } else if let ParsedExtension::ParseError { .. } = ext.parsed_extension() {
            Some(format!("extension {oid} cannot be parsed"))
        } else if ext.critical && !HANDLED_CRITICAL.contains(&oid.as_str()) {
            Some(format!("critical extension {oid} is not understood"))
        } else {
            None
        };
        if let Some(why) = why {
            out.push(Problem::new(
                ProblemKind::Malformed,
                Some(i),
                format!("\"{subject}\" is unusable: {why}."),
            ));
        }
    }
}

/// basicConstraints, pathLenConstraint and keyUsage of the issuer at `path[i]` (i > 0).
fn issuer_constraints(
    path: &[&Cert<'_>],
    i: usize,
    is_anchor: bool,
    subject: &str,
    out: &mut Vec<Problem>,
) {
    let cert = path[i];
    let bc = cert.x509.basic_constraints().ok().flatten();
    match bc {
        Some(bc) if bc.value.ca => {
            if let Some(max) = bc.value.path_len_constraint {
                // Non-self-issued intermediates between this issuer and the leaf.
                let below = path[1..i].iter().filter(|c| !c.is_self_issued()).count();
                if below > max as usize {
                    out.push(Problem::new(
                        ProblemKind::PathLenExceeded,
                        Some(i),
                        format!(
                            "\"{subject}\" allows {max} intermediate CA(s) below it, but the path has {below}."
                        ),
                    ));
                }
            }
        }
        Some(_) => out.push(not_ca(i, subject, "its basicConstraints say cA=FALSE")),
        // An anchor without basicConstraints (e.g. a v1 root) is accepted as a CA.
        None if is_anchor => {}
        None => out.push(not_ca(i, subject, "it has no basicConstraints extension")),
    }
    if let Ok(Some(ku)) = cert.x509.key_usage() {
        if !ku.value.key_cert_sign() {
            out.push(Problem::new(
                ProblemKind::NoKeyCertSign,
                Some(i),
                format!("\"{subject}\" issues certificates, but its keyUsage lacks keyCertSign."),
            ));
        }
    }
}

fn not_ca(i: usize, subject: &str, why: &str) -> Problem {
    Problem::new(
        ProblemKind::NotCa,
        Some(i),
        format!("\"{subject}\" issues certificates, but it is not a CA: {why}."),
    )
}

fn server_auth(cert: &Cert<'_>, i: usize, subject: &str, out: &mut Vec<Problem>) {
    if let Ok(Some(eku)) = cert.x509.extended_key_usage() {
        if !eku.value.server_auth && !eku.value.any {
            out.push(Problem::new(
                ProblemKind::NoServerAuth,
                Some(i),
                format!(
                    "\"{subject}\" is restricted by extendedKeyUsage to purposes that exclude server authentication."
                ),
            ));
        }
    }
}

/// Warnings for `path`; `top_is_root` says the last certificate is an anchor or a self-signed
/// root, whose own signature does not matter.
pub(crate) fn warnings(path: &[&Cert<'_>], top_is_root: bool, at: i64) -> Vec<Warning> {
    let mut out = Vec::new();
    for (i, cert) in path.iter().enumerate() {
        let subject = cert.subject_text();
        let below_top = !(top_is_root && i + 1 == path.len());
        if below_top {
            if let Some(hash) = signature_hash(&cert.x509) {
                if hash.is_weak() {
                    out.push(Warning::new(
                        WarningKind::Sha1Signature,
                        i,
                        format!("\"{subject}\" is signed with {}, which is no longer accepted by many clients.", hash.name()),
                    ));
                }
            }
        }
        if let Some(bits) = rsa_key_bits(cert.x509.public_key()) {
            if bits < 2048 {
                out.push(Warning::new(
                    WarningKind::WeakRsaKey,
                    i,
                    format!("\"{subject}\" has a {bits}-bit RSA key (less than 2048 bits)."),
                ));
            }
        }
        let not_after = cert.x509.validity().not_after.timestamp();
        let left = not_after.saturating_sub(at);
        if (0..=EXPIRES_SOON_SECS).contains(&left) {
            out.push(Warning::new(
                WarningKind::ExpiresSoon,
                i,
                format!(
                    "\"{subject}\" expires in {} day(s), on {}.",
                    left / 86_400,
                    cert.x509.validity().not_after
                ),
            ));
        }
    }
    out
}
