//! Name constraints (RFC 5280 4.2.1.10) on synthetic PKIs made with openssl; every verdict is
//! compared with `openssl verify` on the same files.

mod common;

use chain::ProblemKind;
use common::*;

fn ec() -> Alg {
    Alg::Ec("P-256")
}

/// A CA issued by `issuer` with the nameConstraints value `nc` (openssl config syntax, e.g.
/// `critical,permitted;DNS:example.test`) and `extra` lines (config sections it refers to).
fn constrained_ca(pki: &Pki, subject: &str, issuer: &Issued, nc: &str, extra: &[&str]) -> Issued {
    let key = pki.key(ec());
    let mut spec = pki.spec(subject, &key, Some(issuer));
    spec.ext = ca_ext(None);
    spec.ext.push("authorityKeyIdentifier=keyid:always".into());
    spec.ext.push(format!("nameConstraints={nc}"));
    spec.ext.extend(extra.iter().map(|l| l.to_string()));
    pki.issue(&spec)
}

/// A self-signed root with the nameConstraints value `nc`.
fn constrained_root(pki: &Pki, cn: &str, nc: &str) -> Issued {
    let key = pki.key(ec());
    let mut spec = pki.spec(&pki.dn(cn), &key, None);
    spec.ext = ca_ext(None);
    spec.ext.push(format!("nameConstraints={nc}"));
    pki.issue(&spec)
}

/// A server certificate with subject `subject` and the subjectAltName value `san` (none when
/// `None`).
fn leaf_with(pki: &Pki, subject: &str, san: Option<&str>, issuer: &Issued) -> Issued {
    let key = pki.key(ec());
    let mut spec = pki.leaf_spec("unused", &[], &key, issuer);
    spec.subject = subject.to_string();
    if let Some(san) = san {
        spec.ext.push(format!("subjectAltName={san}"));
    }
    pki.issue(&spec)
}

/// Asserts agreement with openssl and the expected verdict, and, when not trusted, a
/// name-constraint problem on `path[cert]` whose message names the CA.
fn expect(case: &Case<'_>, pki: &Pki, trusted: bool, violation: Option<(usize, &str)>) {
    let (v, ossl) = case.run(pki);
    assert_agrees(&v, ossl, trusted);
    match violation {
        Some((cert, ca)) => {
            assert_problem(&v, ProblemKind::NameConstraintViolated, cert);
            let p = v
                .problems
                .iter()
                .find(|p| p.kind == ProblemKind::NameConstraintViolated)
                .unwrap();
            assert!(p.message.contains(ca), "{p:?} does not name {ca}");
        }
        None => assert!(
            !kinds(&v).contains(&ProblemKind::NameConstraintViolated),
            "{v:#?}"
        ),
    }
}

#[test]
fn permitted_dns_subtree_satisfied_and_violated() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int = constrained_ca(
        &pki,
        &pki.dn("Example Only CA"),
        &root,
        "critical,permitted;DNS:example.test",
        &[],
    );
    // Inside: the base itself and names below it.
    let good = pki.leaf(
        "www.example.test",
        &["www.example.test", "example.test", "a.b.EXAMPLE.test"],
        &int,
    );
    let mut case = Case::new(&good, &[&int], &[&root]);
    case.name = Some("www.example.test");
    expect(&case, &pki, true, None);
    // Outside: another domain, and a name that merely ends with the same letters.
    for dns in ["www.other.test", "badexample.test"] {
        let bad = pki.leaf(dns, &["www.example.test", dns], &int);
        let case = Case::new(&bad, &[&int], &[&root]);
        expect(&case, &pki, false, Some((0, "Example Only CA")));
        let (v, _) = case.run(&pki);
        assert!(v.problems[0].message.contains(dns), "{:?}", v.problems);
    }
}

#[test]
fn leading_dot_permits_subdomains_only() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int = constrained_ca(
        &pki,
        &pki.dn("Subdomains CA"),
        &root,
        "critical,permitted;DNS:.example.test",
        &[],
    );
    let sub = pki.leaf("a.example.test", &["a.example.test"], &int);
    expect(&Case::new(&sub, &[&int], &[&root]), &pki, true, None);
    let apex = pki.leaf("example.test", &["example.test"], &int);
    expect(
        &Case::new(&apex, &[&int], &[&root]),
        &pki,
        false,
        Some((0, "Subdomains CA")),
    );
}

#[test]
fn leaf_inside_an_excluded_subtree_of_the_roots_child() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int = constrained_ca(
        &pki,
        &pki.dn("Exclusive CA"),
        &root,
        "critical,permitted;DNS:example.test,excluded;DNS:secret.example.test",
        &[],
    );
    let ok = pki.leaf("www.example.test", &["www.example.test"], &int);
    expect(&Case::new(&ok, &[&int], &[&root]), &pki, true, None);
    let bad = pki.leaf(
        "db.secret.example.test",
        &["www.example.test", "db.secret.example.test"],
        &int,
    );
    expect(
        &Case::new(&bad, &[&int], &[&root]),
        &pki,
        false,
        Some((0, "Exclusive CA")),
    );
}

#[test]
fn excluded_directory_name_on_the_roots_child_binds_the_intermediate_below() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int1 = constrained_ca(
        &pki,
        &pki.dn("Policy CA"),
        &root,
        "critical,excluded;dirName:blocked",
        &["[blocked]", "O=Test PKI", "OU=Blocked"],
    );
    // The intermediate two below the root is in the excluded subtree.
    let key = pki.key(ec());
    let mut spec = pki.spec("/O=Test PKI/OU=Blocked/CN=Blocked CA", &key, Some(&int1));
    spec.ext = ca_ext(None);
    spec.ext.push("authorityKeyIdentifier=keyid:always".into());
    let blocked = pki.issue(&spec);
    let leaf = pki.leaf("b.example.test", &["b.example.test"], &blocked);
    expect(
        &Case::new(&leaf, &[&int1, &blocked], &[&root]),
        &pki,
        false,
        Some((1, "Policy CA")),
    );
    // A sibling outside it is fine, and so is its leaf.
    let open = pki.intermediate("Open CA", ec(), &int1);
    let leaf = pki.leaf("o.example.test", &["o.example.test"], &open);
    expect(
        &Case::new(&leaf, &[&int1, &open], &[&root]),
        &pki,
        true,
        None,
    );
}

#[test]
fn constraint_two_levels_up_binds_the_leaf() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int1 = constrained_ca(
        &pki,
        &pki.dn("Constrained Policy CA"),
        &root,
        "critical,permitted;DNS:example.test",
        &[],
    );
    let int2 = pki.intermediate("Issuing CA", ec(), &int1);
    let good = pki.leaf("www.example.test", &["www.example.test"], &int2);
    expect(
        &Case::new(&good, &[&int1, &int2], &[&root]),
        &pki,
        true,
        None,
    );
    let bad = pki.leaf("www.other.test", &["www.other.test"], &int2);
    let case = Case::new(&bad, &[&int1, &int2], &[&root]);
    expect(&case, &pki, false, Some((0, "Constrained Policy CA")));
    let (v, _) = case.run(&pki);
    assert_eq!(v.path.len(), 4, "{v:#?}");
    assert_eq!(kinds(&v), vec![ProblemKind::NameConstraintViolated]);
}

#[test]
fn constraints_of_the_anchor_apply() {
    let pki = Pki::new();
    let root = constrained_root(
        &pki,
        "Constrained Root",
        "critical,permitted;DNS:example.test",
    );
    let int = pki.intermediate("Issuing CA", ec(), &root);
    let good = pki.leaf("www.example.test", &["www.example.test"], &int);
    expect(&Case::new(&good, &[&int], &[&root]), &pki, true, None);
    let bad = pki.leaf("www.other.test", &["www.other.test"], &int);
    expect(
        &Case::new(&bad, &[&int], &[&root]),
        &pki,
        false,
        Some((0, "Constrained Root")),
    );
}

#[test]
fn ip_address_subtrees_with_masks() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int = constrained_ca(
        &pki,
        &pki.dn("Private Net CA"),
        &root,
        "critical,permitted;IP:10.1.0.0/255.255.0.0,permitted;DNS:example.test,excluded;IP:10.1.99.0/255.255.255.0",
        &[],
    );
    let inside = leaf_with(
        &pki,
        "/CN=ip.example.test",
        Some("IP:10.1.2.3,DNS:ip.example.test"),
        &int,
    );
    let mut case = Case::new(&inside, &[&int], &[&root]);
    case.name = Some("10.1.2.3");
    expect(&case, &pki, true, None);
    for (ip, what) in [("10.2.0.1", "outside"), ("10.1.99.7", "excluded")] {
        let leaf = leaf_with(
            &pki,
            "/CN=ip.example.test",
            Some(&format!("IP:{ip},DNS:ip.example.test")),
            &int,
        );
        let case = Case::new(&leaf, &[&int], &[&root]);
        expect(&case, &pki, false, Some((0, "Private Net CA")));
        let (v, _) = case.run(&pki);
        assert!(
            v.problems[0].message.contains(ip),
            "{what}: {:?}",
            v.problems
        );
    }
    // An IPv6 address meets only IPv4 subtrees: outside them.
    let v6 = leaf_with(&pki, "/CN=v6.example.test", Some("IP:fd00::1"), &int);
    expect(
        &Case::new(&v6, &[&int], &[&root]),
        &pki,
        false,
        Some((0, "Private Net CA")),
    );
}

#[test]
fn common_name_counts_as_a_dns_name_without_dns_alt_names() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int = constrained_ca(
        &pki,
        &pki.dn("CN Check CA"),
        &root,
        "critical,permitted;DNS:example.test",
        &[],
    );
    // No subjectAltName: a host-name-like CN is checked.
    let bad = leaf_with(&pki, "/O=Test PKI/CN=www.other.test", None, &int);
    expect(
        &Case::new(&bad, &[&int], &[&root]),
        &pki,
        false,
        Some((0, "CN Check CA")),
    );
    let good = leaf_with(&pki, "/O=Test PKI/CN=www.example.test", None, &int);
    expect(&Case::new(&good, &[&int], &[&root]), &pki, true, None);
    // A CN that is not a host name is not a DNS name.
    let plain = leaf_with(&pki, "/O=Test PKI/CN=Plain Server", None, &int);
    expect(&Case::new(&plain, &[&int], &[&root]), &pki, true, None);
    // A dNSName in the subjectAltName: the CN is not checked.
    let both = leaf_with(
        &pki,
        "/O=Test PKI/CN=www.other.test",
        Some("DNS:www.example.test"),
        &int,
    );
    expect(&Case::new(&both, &[&int], &[&root]), &pki, true, None);
}

#[test]
fn email_and_directory_name_subtrees() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int = constrained_ca(
        &pki,
        &pki.dn("Mail CA"),
        &root,
        "critical,permitted;email:example.test,permitted;dirName:ours",
        &["[ours]", "O=Test PKI"],
    );
    let good = leaf_with(
        &pki,
        "/O=Test PKI/CN=mail.example.test",
        Some("DNS:mail.example.test,email:admin@example.test"),
        &int,
    );
    expect(&Case::new(&good, &[&int], &[&root]), &pki, true, None);
    let bad_mail = leaf_with(
        &pki,
        "/O=Test PKI/CN=mail.example.test",
        Some("DNS:mail.example.test,email:admin@other.test"),
        &int,
    );
    expect(
        &Case::new(&bad_mail, &[&int], &[&root]),
        &pki,
        false,
        Some((0, "Mail CA")),
    );
    // The subject's emailAddress counts as an rfc822Name.
    let bad_subject_mail = leaf_with(
        &pki,
        "/O=Test PKI/CN=mail.example.test/emailAddress=admin@other.test",
        Some("DNS:mail.example.test"),
        &int,
    );
    expect(
        &Case::new(&bad_subject_mail, &[&int], &[&root]),
        &pki,
        false,
        Some((0, "Mail CA")),
    );
    // A subject outside the permitted directory name.
    let bad_dn = leaf_with(
        &pki,
        "/O=Someone Else/CN=mail.example.test",
        Some("DNS:mail.example.test"),
        &int,
    );
    expect(
        &Case::new(&bad_dn, &[&int], &[&root]),
        &pki,
        false,
        Some((0, "Mail CA")),
    );
}

#[test]
fn unsupported_subtree_forms_are_refused() {
    let pki = Pki::new();
    let root = pki.root("Root", ec());
    let int = constrained_ca(
        &pki,
        &pki.dn("Registered ID CA"),
        &root,
        "critical,permitted;RID:1.2.3.4,permitted;DNS:example.test",
        &[],
    );
    // A leaf with a registeredID name: openssl cannot check it either.
    let rid = leaf_with(
        &pki,
        "/CN=r.example.test",
        Some("DNS:r.example.test,RID:1.2.3.4"),
        &int,
    );
    let (v, ossl) = Case::new(&rid, &[&int], &[&root]).run(&pki);
    assert_agrees(&v, ossl, false);
    assert_problem(&v, ProblemKind::Malformed, 1);
    assert_problem(&v, ProblemKind::NameConstraintViolated, 0);
    // Without such a name openssl accepts, as it checks only the types a certificate has;
    // the engine refuses a critical extension it cannot fully enforce, as Windows reports an
    // unsupported name constraint.
    let dns = pki.leaf("d.example.test", &["d.example.test"], &int);
    let case = Case::new(&dns, &[&int], &[&root]);
    let (v, ossl) = case.run(&pki);
    assert!(ossl, "openssl accepts names it can check");
    assert!(!v.trusted);
    assert_eq!(kinds(&v), vec![ProblemKind::Malformed]);
    assert_problem(&v, ProblemKind::Malformed, 1);
    assert!(v.problems[0].message.contains("registeredID"), "{v:#?}");
}

#[test]
fn self_issued_intermediates_are_not_bound() {
    // A key rollover certificate (same name, new key) below a constrained root: its subject is
    // outside the root's directory subtree, but self-issued intermediates are exempt.
    let pki = Pki::new();
    let key_old = pki.key(ec());
    let mut spec = pki.spec("/O=Old Name/CN=Rollover CA", &key_old, None);
    spec.ext = ca_ext(None);
    spec.ext
        .push("nameConstraints=critical,permitted;DNS:example.test,permitted;dirName:ours".into());
    spec.ext
        .extend(["[ours]".to_string(), "O=Test PKI".to_string()]);
    let old = pki.issue(&spec);
    let key_new = pki.key(ec());
    let mut spec = pki.spec("/O=Old Name/CN=Rollover CA", &key_new, Some(&old));
    spec.ext = ca_ext(None);
    spec.ext.push("authorityKeyIdentifier=keyid:always".into());
    let rollover = pki.issue(&spec);
    let leaf = leaf_with(
        &pki,
        "/O=Test PKI/CN=r.example.test",
        Some("DNS:r.example.test"),
        &rollover,
    );
    let (v, ossl) = Case::new(&leaf, &[&rollover], &[&old]).run(&pki);
    assert_agrees(&v, ossl, true);
    assert_eq!(v.path.len(), 3);
}

/// NIST PKITS (from Debian's `python3-cryptography-vectors`), section 4.13: every name
/// constraints test, each end-entity certificate with all PKITS CA certificates as candidates
/// and the PKITS trust anchor; the verdict must agree with openssl and with the test's name
/// (Valid... or Invalid...). Skipped loudly without the package, except under CI=true.
#[test]
fn pkits_name_constraints_tests() {
    let dir = std::path::Path::new(
        "/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data/certs",
    );
    if !dir.is_dir() {
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!(
                "{} is missing: install python3-cryptography-vectors",
                dir.display()
            );
        }
        eprintln!("\n*** SKIPPED: {} is missing ***\n", dir.display());
        return;
    }
    let pki = Pki::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let name_of = |p: &std::path::Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let anchor = pki.import(&dir.join("TrustAnchorRootCertificate.crt"));
    let cas: Vec<Issued> = files
        .iter()
        .filter(|p| {
            let n = name_of(p);
            n.starts_with("nameConstraints") && n.ends_with("Cert.crt")
        })
        .map(|p| pki.import(p))
        .collect();
    let ca_refs: Vec<&Issued> = cas.iter().collect();
    let tests: Vec<_> = files
        .iter()
        .filter(|p| {
            let n = name_of(p);
            n.contains("nameConstraintsTest") && n.ends_with("EE.crt")
        })
        .collect();
    assert!(
        tests.len() >= 38,
        "{} PKITS name constraints tests",
        tests.len()
    );
    // Inside the validity of the PKITS certificates (2010-2030).
    const AT_PKITS: i64 = 1_600_000_000;
    for path in tests {
        let name = name_of(path);
        let leaf = pki.import(path);
        let mut case = Case::new(&leaf, &ca_refs, &[&anchor]);
        case.at = AT_PKITS;
        let (v, ossl) = case.run(&pki);
        let expected = name.starts_with("Valid");
        assert_eq!(
            (v.trusted, ossl),
            (expected, expected),
            "{name}: ours {:?}",
            v.problems
        );
        if !expected {
            assert!(
                kinds(&v).contains(&ProblemKind::NameConstraintViolated),
                "{name}: {:?}",
                v.problems
            );
        }
    }
}
