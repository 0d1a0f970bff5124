//! Synthetic PKIs made with openssl at test time; every verdict is compared with
//! `openssl verify` on the same files.

mod common;

use std::time::Instant;

use chain::{ProblemKind, UrlKind, WarningKind};
use common::*;

fn rsa() -> Alg {
    Alg::Rsa(2048)
}

#[test]
fn rsa_chain_with_one_intermediate_is_trusted() {
    let pki = Pki::new();
    let root = pki.root("RSA Root", rsa());
    let int = pki.intermediate("RSA Issuing CA", rsa(), &root);
    let leaf = pki.leaf("www.example.test", &["www.example.test"], &int);
    let mut case = Case::new(&leaf, &[&int], &[&root]);
    case.name = Some("www.example.test");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, true);
    assert_eq!(v.path.len(), 3);
    assert_eq!(v.path[0].thumbprint, leaf.thumbprint());
    assert_eq!(v.path[0].source, chain::LEAF_SOURCE);
    assert_eq!(v.path[1].thumbprint, int.thumbprint());
    assert_eq!(v.path[2].thumbprint, root.thumbprint());
    assert!(v.path[2].is_anchor && !v.path[1].is_anchor);
    assert_eq!(v.path[2].source, "test anchors");
    assert!(v.path[0].subject.contains("www.example.test"));
    assert_eq!(v.path[0].issuer, v.path[1].subject);
    assert!(v.missing_issuer.is_none());
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
    assert_eq!(v.paths_tried, 1);
    // The leaf's URLs, in order, once each.
    let urls: Vec<(usize, UrlKind, &str)> = v
        .urls
        .iter()
        .map(|u| (u.cert, u.kind, u.url.as_str()))
        .collect();
    assert_eq!(
        urls,
        vec![
            (
                0,
                UrlKind::CrlDistributionPoint,
                "http://crl.test.invalid/ca.crl"
            ),
            (0, UrlKind::CaIssuers, "http://ca.test.invalid/ca.crt"),
            (0, UrlKind::Ocsp, "http://ocsp.test.invalid/"),
        ]
    );
}

fn ecdsa_chain(curve: &'static str) {
    let pki = Pki::new();
    let root = pki.root(&format!("{curve} Root"), Alg::Ec(curve));
    let int = pki.intermediate(&format!("{curve} Issuing CA"), Alg::Ec(curve), &root);
    let leaf = pki.leaf("ec.example.test", &["ec.example.test"], &int);
    let mut case = Case::new(&leaf, &[&int], &[&root]);
    case.name = Some("ec.example.test");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, true);
    assert_eq!(v.path.len(), 3);

    // A flipped bit in the intermediate's signature must be caught.
    let mut der = int.der.clone();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let bad = pki.write_der(&der, &int);
    let case = Case::new(&leaf, &[&bad], &[&root]);
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, false);
    assert_problem(&v, ProblemKind::BadSignature, 1);
}

#[test]
fn ecdsa_p256_chain() {
    ecdsa_chain("P-256");
}

#[test]
fn ecdsa_p384_chain() {
    ecdsa_chain("P-384");
}

#[test]
fn ecdsa_p521_chain() {
    ecdsa_chain("P-521");
}

#[test]
fn ecdsa_with_mismatched_digest_sizes() {
    // P-521 issuer signing with SHA-256, P-256 issuer signing with SHA-512.
    let pki = Pki::new();
    let key = pki.key(Alg::Ec("P-521"));
    let mut spec = pki.spec("/CN=P-521 Root SHA-256", &key, None);
    spec.ext = ca_ext(None);
    let root = pki.issue(&spec);
    let key = pki.key(Alg::Ec("P-256"));
    let mut spec = pki.spec("/CN=P-256 Int SHA-512", &key, Some(&root));
    spec.ext = ca_ext(None);
    let int = pki.issue(&spec);
    let key = pki.key(Alg::Ec("P-256"));
    let mut spec = pki.leaf_spec("mixed.example.test", &["mixed.example.test"], &key, &int);
    spec.md = "sha512";
    let leaf = pki.issue(&spec);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, true);
}

#[test]
fn rsa_tampered_leaf_signature_is_bad() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let int = pki.intermediate("Int", rsa(), &root);
    let leaf = pki.leaf("t.example.test", &["t.example.test"], &int);
    let mut der = leaf.der.clone();
    let last = der.len() - 1;
    der[last] ^= 0x80;
    let bad = pki.write_der(&der, &leaf);
    let (v, ossl) = Case::new(&bad, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_problem(&v, ProblemKind::BadSignature, 0);
}

fn pss_chain(md: &'static str, salt: &'static str) {
    let pki = Pki::new();
    let root = pki.root("PSS Root", rsa());
    let key = pki.key(rsa());
    let mut spec = pki.spec("/CN=PSS Issuing CA", &key, Some(&root));
    spec.ext = ca_ext(None);
    spec.md = md;
    spec.sigopts = vec!["rsa_padding_mode:pss", salt];
    let int = pki.issue(&spec);
    let leaf = pki.leaf("pss.example.test", &["pss.example.test"], &int);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, true);

    let mut der = int.der.clone();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let bad = pki.write_der(&der, &int);
    let (v, ossl) = Case::new(&leaf, &[&bad], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_problem(&v, ProblemKind::BadSignature, 1);
}

#[test]
fn rsa_pss_sha256_intermediate() {
    pss_chain("sha256", "rsa_pss_saltlen:32");
}

#[test]
fn rsa_pss_sha384_intermediate_with_odd_salt() {
    pss_chain("sha384", "rsa_pss_saltlen:20");
}

#[test]
fn two_intermediates_given_out_of_order() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let int1 = pki.intermediate("Policy CA", rsa(), &root);
    let int2 = pki.intermediate("Issuing CA", Alg::Ec("P-384"), &int1);
    let leaf = pki.leaf("two.example.test", &["two.example.test"], &int2);
    let (v, ossl) = Case::new(&leaf, &[&int1, &int2], &[&root]).run(&pki);
    assert_agrees(&v, ossl, true);
    let thumbs: Vec<[u8; 20]> = v.path.iter().map(|p| p.thumbprint).collect();
    assert_eq!(
        thumbs,
        vec![
            leaf.thumbprint(),
            int2.thumbprint(),
            int1.thumbprint(),
            root.thumbprint()
        ]
    );
}

#[test]
fn cross_signed_intermediate_uses_the_valid_path() {
    let pki = Pki::new();
    let old_root = pki.root("Old Root", rsa());
    let new_root = pki.root("New Root", rsa());
    let key = pki.key(rsa());
    // The same CA (subject and key) certified by both roots; the old cross-cert has expired.
    let mut spec = pki.spec(&pki.dn("Cross CA"), &key, Some(&old_root));
    spec.ext = ca_ext(None);
    spec.until = "20250101000000Z".into();
    let cross_old = pki.issue(&spec);
    spec.issuer = Some(&new_root);
    spec.until = UNTIL.into();
    let cross_new = pki.issue(&spec);
    let leaf = pki.leaf("x.example.test", &["x.example.test"], &cross_new);

    let (v, ossl) = Case::new(&leaf, &[&cross_old, &cross_new], &[&old_root, &new_root]).run(&pki);
    assert_agrees(&v, ossl, true);
    assert_eq!(v.path[1].thumbprint, cross_new.thumbprint());
    assert_eq!(v.path[2].thumbprint, new_root.thumbprint());

    // Only the expired cross-cert: not trusted, and the reason is its expiry.
    let (v, ossl) = Case::new(&leaf, &[&cross_old], &[&old_root, &new_root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::Expired]);
    assert_problem(&v, ProblemKind::Expired, 1);
}

#[test]
fn search_backtracks_past_a_failing_branch() {
    // Both cross-certs are time-valid and correctly signed; the first one offered is
    // restricted to client authentication, so the first path fails and the second succeeds.
    let pki = Pki::new();
    let root_a = pki.root("Root A", rsa());
    let root_b = pki.root("Root B", rsa());
    let key = pki.key(rsa());
    let mut spec = pki.spec(&pki.dn("Cross CA"), &key, Some(&root_a));
    spec.ext = ca_ext(None);
    spec.ext.push("extendedKeyUsage=clientAuth".into());
    let client_only = pki.issue(&spec);
    spec.issuer = Some(&root_b);
    spec.ext = ca_ext(None);
    let good = pki.issue(&spec);
    let leaf = pki.leaf("bt.example.test", &["bt.example.test"], &good);
    let case = Case::new(&leaf, &[&client_only, &good], &[&root_a, &root_b]);
    let v = chain::evaluate(&case.input()).unwrap();
    assert!(v.trusted, "{v:#?}");
    assert_eq!(v.paths_tried, 2);
    assert_eq!(v.path[1].thumbprint, good.thumbprint());
    // openssl builds one path only; it may or may not agree, so it is not consulted here.

    // Without the good cross-cert the failing branch is the verdict, with its reason; this
    // openssl judges too.
    let (v, ossl) = Case::new(&leaf, &[&client_only], &[&root_a, &root_b]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::NoServerAuth]);
    assert_problem(&v, ProblemKind::NoServerAuth, 1);
}

#[test]
fn path_length_constraint_violated() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let key = pki.key(rsa());
    let mut spec = pki.spec("/CN=Policy CA pathlen 0", &key, Some(&root));
    spec.ext = ca_ext(Some(0));
    let int1 = pki.issue(&spec);
    let int2 = pki.intermediate("Issuing CA", rsa(), &int1);
    let leaf = pki.leaf("pl.example.test", &["pl.example.test"], &int2);
    let (v, ossl) = Case::new(&leaf, &[&int1, &int2], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::PathLenExceeded]);
    assert_problem(&v, ProblemKind::PathLenExceeded, 2);

    // pathlen 0 directly above the leaf is fine.
    let leaf = pki.leaf("ok.example.test", &["ok.example.test"], &int1);
    let (v, ossl) = Case::new(&leaf, &[&int1], &[&root]).run(&pki);
    assert_agrees(&v, ossl, true);
}

#[test]
fn intermediate_without_key_cert_sign() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let key = pki.key(rsa());
    let mut spec = pki.spec("/CN=CA without keyCertSign", &key, Some(&root));
    spec.ext = vec![
        "basicConstraints=critical,CA:TRUE".into(),
        "keyUsage=critical,digitalSignature,cRLSign".into(),
    ];
    let int = pki.issue(&spec);
    let leaf = pki.leaf("ku.example.test", &["ku.example.test"], &int);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::NoKeyCertSign]);
    assert_problem(&v, ProblemKind::NoKeyCertSign, 1);
}

#[test]
fn intermediate_that_is_not_a_ca() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let key = pki.key(rsa());
    let mut spec = pki.spec("/CN=Not a CA", &key, Some(&root));
    spec.ext = vec!["basicConstraints=critical,CA:FALSE".into()];
    let int = pki.issue(&spec);
    let leaf = pki.leaf("ca.example.test", &["ca.example.test"], &int);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::NotCa]);
    assert_problem(&v, ProblemKind::NotCa, 1);
}

#[test]
fn leaf_and_intermediate_extended_key_usage() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let key = pki.key(rsa());
    let mut spec = pki.spec("/CN=Client CA", &key, Some(&root));
    spec.ext = ca_ext(None);
    spec.ext
        .push("extendedKeyUsage=clientAuth,emailProtection".into());
    let client_ca = pki.issue(&spec);
    let leaf = pki.leaf("eku.example.test", &["eku.example.test"], &client_ca);
    let (v, ossl) = Case::new(&leaf, &[&client_ca], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_problem(&v, ProblemKind::NoServerAuth, 1);

    // A CA whose EKU includes serverAuth is fine; a leaf for clients only is not.
    let mut spec = pki.spec("/CN=Server CA", &key, Some(&root));
    spec.ext = ca_ext(None);
    spec.ext
        .push("extendedKeyUsage=serverAuth,clientAuth".into());
    let server_ca = pki.issue(&spec);
    let leaf = pki.leaf("eku.example.test", &["eku.example.test"], &server_ca);
    let (v, ossl) = Case::new(&leaf, &[&server_ca], &[&root]).run(&pki);
    assert_agrees(&v, ossl, true);
    let lkey = pki.key(Alg::Ec("P-256"));
    let mut spec = pki.leaf_spec(
        "client.example.test",
        &["client.example.test"],
        &lkey,
        &server_ca,
    );
    for line in spec.ext.iter_mut() {
        if line.starts_with("extendedKeyUsage") {
            *line = "extendedKeyUsage=clientAuth".into();
        }
    }
    let client_leaf = pki.issue(&spec);
    let (v, ossl) = Case::new(&client_leaf, &[&server_ca], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::NoServerAuth]);
    assert_problem(&v, ProblemKind::NoServerAuth, 0);
}

#[test]
fn expired_and_not_yet_valid_leaves() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let int = pki.intermediate("Issuing CA", rsa(), &root);
    let key = pki.key(Alg::Ec("P-256"));
    let mut spec = pki.leaf_spec("old.example.test", &["old.example.test"], &key, &int);
    spec.until = "20250101000000Z".into();
    let old = pki.issue(&spec);
    let (v, ossl) = Case::new(&old, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::Expired]);
    assert_problem(&v, ProblemKind::Expired, 0);

    // Checked in 2024 instead, the same leaf is fine.
    let mut case = Case::new(&old, &[&int], &[&root]);
    case.at = 1_704_067_200; // 2024-01-01
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, true);

    let mut spec = pki.leaf_spec("new.example.test", &["new.example.test"], &key, &int);
    spec.from = "20310101000000Z".into();
    let new = pki.issue(&spec);
    let (v, ossl) = Case::new(&new, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::NotYetValid]);
    assert_problem(&v, ProblemKind::NotYetValid, 0);
}

#[test]
fn expired_anchor_is_not_trusted() {
    let pki = Pki::new();
    let key = pki.key(rsa());
    let mut spec = pki.spec("/CN=Short-lived Root", &key, None);
    spec.ext = ca_ext(None);
    spec.until = "20250101000000Z".into();
    let root = pki.issue(&spec);
    let int = pki.intermediate("Issuing CA", rsa(), &root);
    let leaf = pki.leaf("r.example.test", &["r.example.test"], &int);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::Expired]);
    assert_problem(&v, ProblemKind::Expired, 2);
    assert!(v.path[2].is_anchor);
}

#[test]
fn leaf_for_another_name() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let int = pki.intermediate("Issuing CA", rsa(), &root);
    let leaf = pki.leaf(
        "www.example.test",
        &["www.example.test", "example.test"],
        &int,
    );
    for (name, ok) in [
        ("www.example.test", true),
        ("example.test", true),
        ("WWW.Example.TEST", true),
        ("other.example.test", false),
        ("www.example.test.evil", false),
    ] {
        let mut case = Case::new(&leaf, &[&int], &[&root]);
        case.name = Some(name);
        let (v, ossl) = case.run(&pki);
        assert_agrees(&v, ossl, ok);
        if !ok {
            assert_eq!(kinds(&v), vec![ProblemKind::NameMismatch], "{name}");
            assert_problem(&v, ProblemKind::NameMismatch, 0);
        }
    }
}

#[test]
fn wildcard_leaf_matches_exactly_one_label() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let int = pki.intermediate("Issuing CA", rsa(), &root);
    let leaf = pki.leaf("*.example.test", &["*.example.test"], &int);
    for (name, ok) in [
        ("a.example.test", true),
        ("A.EXAMPLE.TEST", true),
        ("a.b.example.test", false),
        ("example.test", false),
        ("a.example.other", false),
    ] {
        let mut case = Case::new(&leaf, &[&int], &[&root]);
        case.name = Some(name);
        let (v, ossl) = case.run(&pki);
        assert_agrees(&v, ossl, ok);
        if !ok {
            assert_eq!(kinds(&v), vec![ProblemKind::NameMismatch], "{name}");
        }
    }
    // No wildcard over a two-label name.
    let broad = pki.leaf("*.test", &["*.test"], &int);
    let mut case = Case::new(&broad, &[&int], &[&root]);
    case.name = Some("example.test");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::NameMismatch]);
}

#[test]
fn common_name_is_used_only_without_subject_alt_name() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let int = pki.intermediate("Issuing CA", rsa(), &root);
    let no_san = pki.leaf("cn.example.test", &[], &int);
    let mut case = Case::new(&no_san, &[&int], &[&root]);
    case.name = Some("cn.example.test");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, true);

    let with_san = pki.leaf("cn.example.test", &["san.example.test"], &int);
    let mut case = Case::new(&with_san, &[&int], &[&root]);
    case.name = Some("cn.example.test");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::NameMismatch]);
}

#[test]
fn disallowed_intermediate_is_not_trusted() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let int = pki.intermediate("Revoked Issuing CA", rsa(), &root);
    let leaf = pki.leaf("d.example.test", &["d.example.test"], &int);
    let mut case = Case::new(&leaf, &[&int], &[&root]);
    case.disallowed = vec![int.thumbprint()];
    let (v, ossl) = case.run(&pki);
    // openssl has no Disallowed store: it trusts the chain; we must not.
    assert!(ossl, "openssl should accept the chain itself");
    assert!(!v.trusted);
    assert_eq!(kinds(&v), vec![ProblemKind::Disallowed]);
    assert_problem(&v, ProblemKind::Disallowed, 1);
    assert!(v.problems[0].message.contains("Revoked Issuing CA"));
}

#[test]
fn sha1_signed_intermediate_warns() {
    // openssl's default security level refuses SHA-1 signatures; the oracle runs with
    // `-auth_level 0` so that it judges the path itself.
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let key = pki.key(rsa());
    let mut spec = pki.spec("/CN=SHA-1 Issuing CA", &key, Some(&root));
    spec.ext = ca_ext(None);
    spec.md = "sha1";
    let int = pki.issue(&spec);
    let leaf = pki.leaf("sha1.example.test", &["sha1.example.test"], &int);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, true);
    let warned: Vec<(WarningKind, usize)> = v.warnings.iter().map(|w| (w.kind, w.cert)).collect();
    assert_eq!(warned, vec![(WarningKind::Sha1Signature, 1)]);
}

#[test]
fn weak_rsa_key_and_expiring_soon_warn() {
    let pki = Pki::new();
    let root = pki.root("Small Root", Alg::Rsa(1024));
    let int = pki.intermediate("Issuing CA", rsa(), &root);
    let key = pki.key(Alg::Ec("P-256"));
    let mut spec = pki.leaf_spec("soon.example.test", &["soon.example.test"], &key, &int);
    spec.until = "20300201000000Z".into(); // 31 days after AT
    let leaf = pki.issue(&spec);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, true);
    let mut warned: Vec<(WarningKind, usize)> =
        v.warnings.iter().map(|w| (w.kind, w.cert)).collect();
    warned.sort();
    assert_eq!(
        warned,
        vec![(WarningKind::WeakRsaKey, 2), (WarningKind::ExpiresSoon, 0)]
    );
}

#[test]
fn missing_issuer_names_the_issuer_and_key_id() {
    let pki = Pki::new();
    let root = pki.root("Absent Root", rsa());
    let other = pki.root("Unrelated Root", rsa());
    let int = pki.intermediate("Orphan Issuing CA", rsa(), &root);
    let leaf = pki.leaf("m.example.test", &["m.example.test"], &int);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&other]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::MissingIssuer]);
    assert_problem(&v, ProblemKind::MissingIssuer, 1);
    let missing = v.missing_issuer.as_ref().expect("missing issuer reported");
    assert!(missing.issued_to.contains("Orphan Issuing CA"));
    assert!(missing.issuer.contains("Absent Root"), "{missing:?}");
    // The AKI as openssl prints the root's SKI.
    let out = openssl(
        pki.path(),
        &[
            "x509",
            "-in",
            root.pem.to_str().unwrap(),
            "-noout",
            "-ext",
            "subjectKeyIdentifier",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let ski: String = text
        .lines()
        .nth(1)
        .expect("openssl prints the SKI")
        .trim()
        .replace(':', "")
        .to_uppercase();
    assert_eq!(missing.authority_key_id.as_deref(), Some(ski.as_str()));
    assert!(v.problems[0].message.contains("Absent Root"));
}

#[test]
fn root_offered_only_as_intermediate_is_untrusted_root() {
    let pki = Pki::new();
    let root = pki.root("Self-made Root", rsa());
    let int = pki.intermediate("Issuing CA", rsa(), &root);
    let leaf = pki.leaf("u.example.test", &["u.example.test"], &int);
    let (v, ossl) = Case::new(&leaf, &[&int, &root], &[]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::UntrustedRoot]);
    assert_problem(&v, ProblemKind::UntrustedRoot, 2);
    assert!(v.missing_issuer.is_none());

    // The same root offered both ways counts as the anchor.
    let (v, ossl) = Case::new(&leaf, &[&int, &root], &[&root]).run(&pki);
    assert_agrees(&v, ossl, true);
    assert!(v.path[2].is_anchor);
    assert_eq!(v.path[2].source, "test anchors");
}

#[test]
fn self_signed_leaf_in_anchors_is_trusted() {
    let pki = Pki::new();
    let key = pki.key(Alg::Ec("P-256"));
    let mut spec = pki.spec("/CN=self.example.test", &key, None);
    spec.ext = vec![
        "basicConstraints=CA:FALSE".into(),
        "subjectAltName=DNS:self.example.test".into(),
        "extendedKeyUsage=serverAuth".into(),
    ];
    let leaf = pki.issue(&spec);
    let mut case = Case::new(&leaf, &[], &[&leaf]);
    case.name = Some("self.example.test");
    let (v, ossl) = case.run(&pki);
    assert_agrees(&v, ossl, true);
    assert_eq!(v.path.len(), 1);
    assert!(v.path[0].is_anchor);

    let (v, ossl) = Case::new(&leaf, &[], &[]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::UntrustedRoot]);
}

#[test]
fn md5_signature_is_never_a_pass() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let key = pki.key(rsa());
    let mut spec = pki.spec("/CN=MD5 Issuing CA", &key, Some(&root));
    spec.ext = ca_ext(None);
    spec.md = "md5";
    let int = pki.issue(&spec);
    let leaf = pki.leaf("md5.example.test", &["md5.example.test"], &int);
    let (v, ossl) = Case::new(&leaf, &[&int], &[&root]).run(&pki);
    assert!(!v.trusted);
    assert_eq!(kinds(&v), vec![ProblemKind::UnsupportedAlgorithm]);
    assert_problem(&v, ProblemKind::UnsupportedAlgorithm, 1);
    // openssl at -auth_level 0 still accepts MD5; Windows does not, and neither do we.
    assert!(ossl, "openssl -auth_level 0 accepts MD5 signatures");
}

#[test]
fn issuer_loop_terminates_untrusted() {
    let pki = Pki::new();
    let key_a = pki.key(Alg::Ec("P-256"));
    let key_b = pki.key(Alg::Ec("P-256"));
    // Self-signed stand-ins lend their names and keys to the loop.
    let mut spec = pki.spec("/CN=Loop A", &key_a, None);
    spec.ext = ca_ext(None);
    let a0 = pki.issue(&spec);
    let mut spec = pki.spec("/CN=Loop B", &key_b, None);
    spec.ext = ca_ext(None);
    let b0 = pki.issue(&spec);
    // A issued by B, B issued by A.
    let mut spec = pki.spec("/CN=Loop A", &key_a, Some(&b0));
    spec.ext = ca_ext(None);
    let a = pki.issue(&spec);
    let mut spec = pki.spec("/CN=Loop B", &key_b, Some(&a0));
    spec.ext = ca_ext(None);
    let b = pki.issue(&spec);
    let leaf = pki.leaf("loop.example.test", &["loop.example.test"], &a0);
    let other = pki.root("Unrelated Root", Alg::Ec("P-256"));
    let start = Instant::now();
    let (v, ossl) = Case::new(&leaf, &[&a, &b], &[&other]).run(&pki);
    assert!(start.elapsed().as_secs() < 10);
    assert_agrees(&v, ossl, false);
    assert_eq!(kinds(&v), vec![ProblemKind::MissingIssuer]);
    assert_eq!(v.path.len(), 3, "{v:#?}");
    assert_eq!(v.path[1].thumbprint, a.thumbprint());
    assert_eq!(v.path[2].thumbprint, b.thumbprint());
}

#[test]
fn fifty_loopy_cas_finish_quickly() {
    let pki = Pki::new();
    let keys: Vec<Key> = (0..10).map(|_| pki.key(Alg::Ec("P-256"))).collect();
    // Ten self-signed stand-ins named "Busy CA", one per key, without key identifiers, so
    // every certificate below matches every other one by name.
    let stand_ins: Vec<Issued> = keys
        .iter()
        .map(|k| {
            let mut spec = pki.spec("/CN=Busy CA", k, None);
            spec.ext = vec!["basicConstraints=critical,CA:TRUE".into()];
            pki.issue(&spec)
        })
        .collect();
    let mut cas = Vec::new();
    for i in 0..50 {
        let mut spec = pki.spec("/CN=Busy CA", &keys[i % 10], Some(&stand_ins[(i + 1) % 10]));
        spec.ext = vec!["basicConstraints=critical,CA:TRUE".into()];
        cas.push(pki.issue(&spec));
    }
    let other = pki.root("Unrelated Root", Alg::Ec("P-256"));
    let leaf_key = pki.key(Alg::Ec("P-256"));
    let mut spec = pki.spec("/CN=busy.example.test", &leaf_key, Some(&stand_ins[0]));
    spec.ext = vec!["subjectAltName=DNS:busy.example.test".into()];
    let leaf = pki.issue(&spec);
    let refs: Vec<&Issued> = cas.iter().collect();
    let case = Case::new(&leaf, &refs, &[&other]);
    let start = Instant::now();
    let v = chain::evaluate(&case.input()).unwrap();
    let took = start.elapsed();
    assert!(took.as_secs() < 10, "took {took:?}");
    assert!(!v.trusted);
    assert!(
        v.paths_tried >= 1 && v.paths_tried <= chain::MAX_PATHS,
        "{}",
        v.paths_tried
    );
    assert!(v.path.len() <= chain::MAX_PATH_LEN);
    assert!(!case.openssl(&pki));
}

#[test]
fn unparseable_leaf_is_an_error() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    for leaf in [
        Vec::new(),
        b"not a certificate".to_vec(),
        root.der[..root.der.len() / 2].to_vec(),
    ] {
        let input = chain::Input {
            anchors: vec![chain::Candidate::new(root.der.clone(), "anchors")],
            ..chain::Input::new(leaf, AT)
        };
        let err = chain::evaluate(&input).unwrap_err();
        assert!(
            err.to_string()
                .contains("not a parseable X.509 certificate"),
            "{err}"
        );
    }
}

#[test]
fn unparseable_candidates_are_skipped() {
    let pki = Pki::new();
    let root = pki.root("Root", rsa());
    let int = pki.intermediate("Issuing CA", rsa(), &root);
    let leaf = pki.leaf("s.example.test", &["s.example.test"], &int);
    let mut input = Case::new(&leaf, &[&int], &[&root]).input();
    input
        .intermediates
        .insert(0, chain::Candidate::new(b"junk".to_vec(), "junk"));
    input.anchors.insert(
        0,
        chain::Candidate::new(int.der[..40].to_vec(), "truncated"),
    );
    let v = chain::evaluate(&input).unwrap();
    assert!(v.trusted, "{v:#?}");
}
