//! `check`: will an image trust a server certificate? Gathers what Windows' chain engine would
//! look at in the image (anchors: the Root and AuthRoot stores of every location; possible
//! issuers: the CA stores; the Disallowed stores), the caller's chain certificates and, for an
//! add with an expected trust, the certificates the add would write; asks `chain` for the
//! certification path, and turns its verdict into the report, with what fixes a failure.

use std::path::{Path, PathBuf};

use certblob::{Certificate, Location, Store};

use crate::error::Error;
use crate::inputs::Insertion;
use crate::inspect::StoreCert;
use crate::report::{MissingIssuer, PathEntry, TrustProblem, TrustReport, TrustUrl};
use crate::stores;
use crate::target::Target;
use crate::time::rfc3339;

/// What to check, the same for every image of a job.
#[derive(Debug, Clone)]
pub struct TrustQuery {
    /// The server certificate and the file it came from.
    pub server: (Certificate, PathBuf),
    /// Certificates given as the chain (`--chain`), each with its file.
    pub chain: Vec<(Certificate, PathBuf)>,
    /// The name the client connects to.
    pub name: Option<String>,
    /// The time of the check, unix seconds.
    pub at_unix: i64,
    /// An add with an expected trust: the certificates the add would write, as if present.
    pub additions: Vec<Insertion>,
}

impl TrustQuery {
    /// Loads the server certificate (the first certificate of `server`) and every certificate
    /// of the chain files.
    pub fn load(
        server: &Path,
        chain_files: &[PathBuf],
        name: Option<String>,
        at_unix: i64,
    ) -> Result<TrustQuery, Error> {
        let mut certs = read(server)?;
        let leaf = certs.remove(0);
        let mut chain: Vec<(Certificate, PathBuf)> = certs
            .into_iter()
            .map(|c| (c, server.to_path_buf()))
            .collect();
        for file in chain_files {
            chain.extend(read(file)?.into_iter().map(|c| (c, file.clone())));
        }
        if let Some(name) = &name {
            if name.trim().is_empty() {
                return Err(Error::Usage("--name is empty".into()));
            }
        }
        Ok(TrustQuery {
            server: (leaf, server.to_path_buf()),
            chain,
            name,
            at_unix,
            additions: Vec::new(),
        })
    }
}

fn read(path: &Path) -> Result<Vec<Certificate>, Error> {
    let certs = certblob::read_certificates(path).map_err(|e| Error::Certificate {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    if certs.is_empty() {
        return Err(Error::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// Where a certificate of the image sits, as the report names it.
fn store_label(location: Location, store: Store) -> String {
    format!(
        "image store {}/{}",
        stores::location_name(location),
        stores::store_name(location, store)
    )
}

/// Judges one image whose stores hold `in_image`.
pub fn check_image(query: &TrustQuery, in_image: &[StoreCert]) -> TrustReport {
    let mut input = chain::Input::new(query.server.0.der().to_vec(), query.at_unix);
    input.name.clone_from(&query.name);
    let mut place = |store: Store, cert: &Certificate, source: String| {
        let candidate = chain::Candidate::new(cert.der().to_vec(), source);
        match store {
            Store::Root | Store::AuthRoot => input.anchors.push(candidate),
            Store::Ca => input.intermediates.push(candidate),
            Store::Disallowed => input.disallowed.push(cert.thumbprint().0),
            // Windows' chain engine builds no path through these stores.
            _ => {}
        }
    };
    for found in in_image {
        place(
            found.store,
            &found.certificate,
            store_label(found.location, found.store),
        );
    }
    for added in &query.additions {
        place(
            added.store,
            &added.certificate,
            format!(
                "added by this run to {}/{} ({})",
                stores::location_name(added.location),
                stores::store_name(added.location, added.store),
                added.source.display()
            ),
        );
    }
    for (cert, file) in &query.chain {
        input.intermediates.push(chain::Candidate::new(
            cert.der().to_vec(),
            format!("--chain {}", file.display()),
        ));
    }
    let at = rfc3339(query.at_unix).unwrap_or_else(|| query.at_unix.to_string());
    let server = query.server.0.info().subject.clone();
    match chain::evaluate(&input) {
        Ok(verdict) => to_report(verdict, server, query.name.clone(), at),
        // The server certificate was parsed by certblob already; the engine disagreeing is
        // reported, never a panic.
        Err(e) => TrustReport {
            trusted: false,
            server,
            name: query.name.clone(),
            at,
            path: Vec::new(),
            problems: vec![TrustProblem {
                kind: "malformed".into(),
                certificate: Some(query.server.0.thumbprint().to_string()),
                message: format!("the server certificate cannot be judged: {e}"),
            }],
            fixes: Vec::new(),
            warnings: Vec::new(),
            urls: Vec::new(),
            missing_issuer: None,
            paths_tried: 0,
        },
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn to_report(
    verdict: chain::Verdict,
    server: String,
    name: Option<String>,
    at: String,
) -> TrustReport {
    let thumb = |i: usize| verdict.path.get(i).map(|c| hex(&c.thumbprint));
    let path = verdict
        .path
        .iter()
        .map(|c| PathEntry {
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            thumbprint: hex(&c.thumbprint),
            found_in: c.source.clone(),
            not_after: rfc3339(c.not_after),
            anchor: c.is_anchor,
        })
        .collect::<Vec<_>>();
    let problems = verdict
        .problems
        .iter()
        .map(|p| TrustProblem {
            kind: problem_kind(p.kind).to_string(),
            certificate: p.cert.and_then(thumb),
            message: p.message.clone(),
        })
        .collect();
    let mut warnings: Vec<String> = verdict.warnings.iter().map(|w| w.message.clone()).collect();
    if verdict.trusted {
        for c in path.iter().filter(|c| c.found_in.starts_with("--chain ")) {
            warnings.push(format!(
                "{} ({}) was found only in {}: WinPE trusts the server only if the server \
                 sends it in its TLS handshake, or once it is in the image's CA store",
                c.subject, c.thumbprint, c.found_in
            ));
        }
    }
    let urls = verdict
        .urls
        .iter()
        .map(|u| TrustUrl {
            certificate: thumb(u.cert).unwrap_or_default(),
            kind: match u.kind {
                chain::UrlKind::CrlDistributionPoint => "crl",
                chain::UrlKind::CaIssuers => "ca_issuers",
                chain::UrlKind::Ocsp => "ocsp",
                _ => "other",
            }
            .to_string(),
            url: u.url.clone(),
        })
        .collect();
    TrustReport {
        trusted: verdict.trusted,
        server,
        name,
        at,
        path,
        problems,
        fixes: Vec::new(),
        warnings,
        urls,
        missing_issuer: verdict.missing_issuer.map(|m| MissingIssuer {
            issued_to: m.issued_to,
            issuer: m.issuer,
            key_identifier: m.authority_key_id,
        }),
        paths_tried: verdict.paths_tried,
    }
}

fn problem_kind(kind: chain::ProblemKind) -> &'static str {
    use chain::ProblemKind as K;
    match kind {
        K::MissingIssuer => "missing_issuer",
        K::UntrustedRoot => "untrusted_root",
        K::BadSignature => "bad_signature",
        K::UnsupportedAlgorithm => "unsupported_algorithm",
        K::Expired => "expired",
        K::NotYetValid => "not_yet_valid",
        K::NotCa => "not_ca",
        K::PathLenExceeded => "path_len_exceeded",
        K::NoKeyCertSign => "no_key_cert_sign",
        K::NoServerAuth => "no_server_auth",
        K::NameMismatch => "name_mismatch",
        K::Disallowed => "disallowed",
        K::Malformed => "malformed",
        K::PathTooLong => "path_too_long",
        K::NameConstraintViolated => "name_constraint_violated",
        _ => "other",
    }
}

/// The command-line words that name `target` again, quoted where needed.
fn target_words(target: &Target) -> String {
    format!("--{} {}", target.kind(), quoted(target.path()))
}

fn quoted(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .any(|c| c.is_whitespace() || "\"'$`&;|<>()*?".contains(c))
    {
        format!("\"{}\"", text.replace('"', "\\\""))
    } else {
        text
    }
}

/// Fills `report.fixes`: what makes the image trust the server, as commands where one of the
/// given files holds what is missing.
pub fn fill_fixes(query: &TrustQuery, target: &Target, report: &mut TrustReport) {
    if report.trusted {
        return;
    }
    let target = target_words(target);
    let mut fixes = Vec::new();
    let files = || {
        std::iter::once((&query.server.0, &query.server.1))
            .chain(query.chain.iter().map(|(c, f)| (c, f)))
    };
    if let Some(missing) = &report.missing_issuer {
        // A given file may hold a certificate of that name that the engine could not use (a
        // different key): say so rather than suggest it blindly.
        let holder = files().find(|(c, _)| c.info().subject == missing.issuer);
        match holder {
            Some((cert, file)) => fixes.push(format!(
                "{} holds a certificate named {} ({}), but it is not the issuer of {} (its key \
                 differs, or it is not valid for that role); obtain the right one",
                file.display(),
                missing.issuer,
                cert.thumbprint(),
                missing.issued_to
            )),
            None => {
                let key = missing
                    .key_identifier
                    .as_deref()
                    .map(|k| format!(", key identifier {k}"))
                    .unwrap_or_default();
                let url = report
                    .urls
                    .iter()
                    .find(|u| {
                        u.kind == "ca_issuers"
                            && report.path.last().map(|c| c.thumbprint.as_str())
                                == Some(u.certificate.as_str())
                    })
                    .map(|u| format!(" (published at {})", u.url))
                    .unwrap_or_default();
                fixes.push(format!(
                    "obtain the certificate for {}{key}{url}, then: inject-root {target} --cert \
                     <that file> (a root goes to AuthRoot, an intermediate to CA)",
                    missing.issuer
                ));
            }
        }
    }
    for problem in &report.problems {
        let cert = problem
            .certificate
            .as_deref()
            .and_then(|t| report.path.iter().find(|c| c.thumbprint == t));
        match (problem.kind.as_str(), cert) {
            ("untrusted_root", Some(root)) => {
                let file = root.found_in.strip_prefix("--chain ").or_else(|| {
                    (root.found_in == chain::LEAF_SOURCE)
                        .then(|| query.server.1.to_str())
                        .flatten()
                });
                fixes.push(match file {
                    Some(file) => format!(
                        "add the root {} to the image: inject-root {target} --cert {}",
                        root.subject,
                        quoted(Path::new(file))
                    ),
                    None => format!(
                        "add the root {} ({}) to a root store of the image: inject-root \
                         {target} --cert <its file>",
                        root.subject, root.thumbprint
                    ),
                });
            }
            ("disallowed", Some(c)) => fixes.push(format!(
                "{} ({}) is in the image's Disallowed store; only if it is distrusted by \
                 mistake: inject-root remove {target} --thumbprint {} --store Disallowed",
                c.subject, c.thumbprint, c.thumbprint
            )),
            ("expired" | "not_yet_valid", Some(c)) => fixes.push(format!(
                "replace {} ({}): it is not valid at {}",
                c.subject, c.thumbprint, report.at
            )),
            ("name_mismatch", _) => fixes.push(format!(
                "the server needs a certificate issued for {}",
                report
                    .name
                    .as_deref()
                    .unwrap_or("the name it is reached by")
            )),
            _ => {}
        }
    }
    fixes.dedup();
    report.fixes = fixes;
}
