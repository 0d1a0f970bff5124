//! Real public chains: server certificates and intermediates from Debian's
//! `python3-cryptography-vectors`, and their (now expired, no longer distributed) roots kept in
//! tests/data. Every verdict is compared with `openssl verify` on the same files.
//!
//! Without the package the tests are skipped with a loud message, except under CI=true, where
//! a missing file fails them.

mod common;

use std::path::{Path, PathBuf};

use chain::{ProblemKind, UrlKind};
use common::*;

const VECTORS: &str = "/usr/lib/python3/dist-packages/cryptography_vectors/x509";

/// 2017-07-14: inside the validity of www.cryptography.io, RapidSSL G3 and GeoTrust Global CA.
const AT_2017: i64 = 1_500_000_000;
/// 2017-11-06: inside the validity of scotthelme.co.uk, Let's Encrypt X3 and DST Root CA X3.
const AT_LE: i64 = 1_510_000_000;

/// A vector file, or `None` (with a loud message) when the package is missing outside CI.
fn vector(name: &str) -> Option<PathBuf> {
    let path = Path::new(VECTORS).join(name);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "{} is missing: install the Debian package python3-cryptography-vectors \
             (scripts/deps.sh test)",
            path.display()
        );
    }
    eprintln!(
        "\n*** SKIPPED: {} is missing; install python3-cryptography-vectors to run the real-chain tests ***\n",
        path.display()
    );
    None
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A certificate from a PEM file (the first one in it).
fn load(path: &Path) -> Issued {
    Issued::load(path)
}

struct Real {
    leaf: Issued,
    int: Issued,
    root: Issued,
}

fn cryptography_io() -> Option<Real> {
    let leaf = load(&vector("cryptography.io.pem")?);
    let int = load(&vector("rapidssl_sha256_ca_g3.pem")?);
    let root = load(&data("GeoTrust_Global_CA.pem"));
    // The fixture is the real GeoTrust Global CA (its well-known thumbprint).
    assert_eq!(
        hex(&root.thumbprint()),
        "DE28F4A4FFE5B92FA3C503D1A349A7F9962A8212"
    );
    Some(Real { leaf, int, root })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn cryptography_io_is_trusted_in_2017() {
    let Some(real) = cryptography_io() else {
        return;
    };
    let pki = Pki::new();
    let mut case = Case::new(&real.leaf, &[&real.int], &[&real.root]);
    case.at = AT_2017;
    case.name = Some("www.cryptography.io");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, true);
    assert_eq!(v.path.len(), 3);
    assert!(v.path[1].subject.contains("RapidSSL SHA256 CA - G3"));
    assert!(v.path[2].subject.contains("GeoTrust Global CA") && v.path[2].is_anchor);
    assert!(v
        .urls
        .iter()
        .any(|u| u.kind == UrlKind::Ocsp && u.cert == 0));
    assert!(v
        .urls
        .iter()
        .any(|u| u.kind == UrlKind::CrlDistributionPoint && u.cert == 1));

    // The bare domain is in the SAN too.
    case.name = Some("cryptography.io");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, true);
}

#[test]
fn cryptography_io_without_its_root_names_the_missing_issuer() {
    let Some(real) = cryptography_io() else {
        return;
    };
    let other = load(&data("DST_Root_CA_X3.pem"));
    let pki = Pki::new();
    let mut case = Case::new(&real.leaf, &[&real.int], &[&other]);
    case.at = AT_2017;
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::MissingIssuer]);
    assert_problem(&v, ProblemKind::MissingIssuer, 1);
    let missing = v.missing_issuer.expect("missing issuer");
    assert!(missing.issued_to.contains("RapidSSL SHA256 CA - G3"));
    assert!(missing.issuer.contains("GeoTrust Global CA"));
    assert_eq!(
        missing.authority_key_id,
        chain::subject_key_id(&real.root.der).map(|k| hex(&k))
    );
    assert!(missing.authority_key_id.is_some());
}

#[test]
fn cryptography_io_far_past_expiry() {
    let Some(real) = cryptography_io() else {
        return;
    };
    let pki = Pki::new();
    let case = Case::new(&real.leaf, &[&real.int], &[&real.root]); // at 2030
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, false);
    for i in 0..3 {
        assert_problem(&v, ProblemKind::Expired, i);
    }
    assert!(kinds(&v).iter().all(|k| *k == ProblemKind::Expired));
}

#[test]
fn cryptography_io_for_another_name() {
    let Some(real) = cryptography_io() else {
        return;
    };
    let pki = Pki::new();
    let mut case = Case::new(&real.leaf, &[&real.int], &[&real.root]);
    case.at = AT_2017;
    case.name = Some("docs.cryptography.io");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::NameMismatch]);
}

#[test]
fn cryptography_io_with_disallowed_intermediate() {
    let Some(real) = cryptography_io() else {
        return;
    };
    let pki = Pki::new();
    let mut case = Case::new(&real.leaf, &[&real.int], &[&real.root]);
    case.at = AT_2017;
    case.disallowed = vec![real.int.thumbprint()];
    let (v, ossl) = case.run(&pki);
    assert!(
        ossl,
        "openssl has no Disallowed store and accepts the chain"
    );
    assert!(!v.trusted);
    assert_eq!(kinds(&v), vec![ProblemKind::Disallowed]);
    assert_problem(&v, ProblemKind::Disallowed, 1);
}

#[test]
fn lets_encrypt_x3_chain_among_many_anchors() {
    let Some(leaf) = vector("tls-feature-ocsp-staple.pem") else {
        return;
    };
    let Some(int) = vector("letsencryptx3.pem") else {
        return;
    };
    let leaf = load(&leaf);
    let int = load(&int);
    let root = load(&data("DST_Root_CA_X3.pem"));
    assert_eq!(
        hex(&root.thumbprint()),
        "DAC9024F54D8F6DF94935FB1732638CA6AD77C13"
    );
    // Every root this machine has, plus the real one, as anchors.
    let mut others = Vec::new();
    for dir in [
        "/work/shared/testdata/certs",
        "/usr/share/ca-certificates/mozilla",
    ] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "crt") {
                    others.push(load(&e.path()));
                }
            }
        }
    }
    let mut anchors: Vec<&Issued> = others.iter().collect();
    anchors.push(&root);
    let pki = Pki::new();
    let mut case = Case::new(&leaf, &[&int], &anchors);
    case.at = AT_LE;
    case.name = Some("scotthelme.co.uk");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, true);
    assert_eq!(v.path[2].thumbprint, root.thumbprint());
    assert!(v
        .urls
        .iter()
        .any(|u| u.kind == UrlKind::CaIssuers && u.cert == 0 && u.url.starts_with("http://")));

    // Without the DST root, none of the others will do.
    let mut case = Case::new(&leaf, &[&int], &anchors[..anchors.len() - 1]);
    case.at = AT_LE;
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::MissingIssuer]);
    assert!(v.missing_issuer.unwrap().issuer.contains("DST Root CA X3"));
}

#[test]
fn every_vector_certificate_is_judged_without_panic() {
    let Some(dir) = vector("") else { return };
    let mut ders = Vec::new();
    for entry in walk(&dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        if bytes.starts_with(b"-----BEGIN CERTIFICATE") {
            for pem in x509_parser::pem::Pem::iter_from_buffer(&bytes).flatten() {
                ders.push(pem.contents);
            }
        } else if entry.extension().is_some_and(|e| e == "der") {
            ders.push(bytes);
        }
    }
    assert!(ders.len() > 50, "only {} certificates found", ders.len());
    let candidates: Vec<chain::Candidate> = ders
        .iter()
        .map(|d| chain::Candidate::new(d.clone(), "vectors"))
        .collect();
    for der in &ders {
        let input = chain::Input {
            intermediates: candidates.clone(),
            anchors: candidates[..10].to_vec(),
            name: Some("www.cryptography.io".into()),
            ..chain::Input::new(der.clone(), AT_2017)
        };
        if let Ok(v) = chain::evaluate(&input) {
            assert_eq!(v.trusted, v.problems.is_empty());
            assert!(!v.path.is_empty() && v.path.len() <= chain::MAX_PATH_LEN);
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
