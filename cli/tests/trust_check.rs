//! Placement by kind (roots to AuthRoot, intermediates to CA) and `inject-root check` /
//! `--expect-trust`, end to end on WIMs and hives, against test PKIs made here with openssl.
//! Every trust verdict is compared with `openssl verify` on the same certificates; where the
//! certificates landed is read back with hivexget.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use common::*;
use testsupport::pki::{ca_ext, Alg, Issued, Pki};

const NAME: &str = "cmg.contoso.com";

/// A private PKI as a PKI team hands it out: root, issuing CA signed by it, server certificate
/// for cmg.contoso.com signed by the issuing CA, and the bundle issuing + root.
struct Contoso {
    pki: Pki,
    root: Issued,
    issuing: Issued,
    server: Issued,
    bundle: PathBuf,
}

const RSA: Alg = Alg::Rsa(2048);
const P256: Alg = Alg::Ec("P-256");

fn contoso(key: Alg) -> Contoso {
    need("openssl", "openssl");
    let pki = Pki::with_org("Contoso Test");
    let root = pki.root("Contoso Root CA", key);
    let issuing = pki.intermediate("Contoso Issuing CA", key, &root);
    let server = server(&pki, NAME, &issuing, key);
    let bundle = pki.bundle(&[&issuing, &root]);
    Contoso {
        pki,
        root,
        issuing,
        server,
        bundle,
    }
}

/// A server certificate for `name` issued by `issuer`, with the Contoso CRL and AIA URLs.
fn server(pki: &Pki, name: &str, issuer: &Issued, key: Alg) -> Issued {
    let key = pki.key(key);
    let mut spec = pki.leaf_spec(name, &[name], &key, issuer);
    spec.ext.retain(|l| {
        !l.starts_with("crlDistributionPoints") && !l.starts_with("authorityInfoAccess")
    });
    spec.ext.extend([
        "crlDistributionPoints=URI:http://pki.contoso.test/issuing.crl".to_string(),
        "authorityInfoAccess=caIssuers;URI:http://pki.contoso.test/issuing.cer".to_string(),
    ]);
    pki.issue(&spec)
}

/// A CA certificate for `subject`'s name and key, signed by `issuer` (a cross certificate).
fn cross(pki: &Pki, subject: &Issued, issuer: &Issued) -> Issued {
    let mut spec = pki.spec(&subject.subject, &subject.key, Some(issuer));
    spec.ext = ca_ext(None);
    spec.ext.push("authorityKeyIdentifier=keyid:always".into());
    pki.issue(&spec)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn store_key(store: &str, thumbprint: &str) -> String {
    format!("\\Microsoft\\SystemCertificates\\{store}\\Certificates\\{thumbprint}")
}

/// Runs inject-root with `args` plus `--json`; returns (exit code, report).
fn json_run(args: &[&std::ffi::OsStr]) -> (i32, serde_json::Value) {
    let out = bin().args(args).arg("--json").output().unwrap();
    let code = out.status.code().unwrap();
    assert!(
        !out.stdout.is_empty(),
        "no report (exit {code}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, json(&out.stdout))
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

fn trust(report: &serde_json::Value, image: usize) -> &serde_json::Value {
    &report["targets"][0]["images"][image]["trust"]
}

#[test]
fn a_bundle_puts_the_root_in_authroot_and_the_intermediate_in_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let c = contoso(RSA);
    let wim = make_wim(tmp.path(), "boot.wim", 2);
    let out = bin()
        .arg("--wim")
        .arg(&wim)
        .arg("--cert")
        .arg(&c.bundle)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("self-signed CA -> AuthRoot"),
        "placement reason missing: {text}"
    );
    assert!(
        text.contains("issued by") && text.contains("-> CA"),
        "placement reason missing: {text}"
    );
    assert!(
        !text.contains("an intermediate, not a root"),
        "no warning when placed by kind: {text}"
    );
    let root_tp = openssl_thumbprint(&c.root.pem);
    let issuing_tp = openssl_thumbprint(&c.issuing.pem);
    for index in 1..=2 {
        let hive = extract_hive(&wim, index, tmp.path());
        assert_eq!(
            hivex_blob(&hive, &store_key("AuthRoot", &root_tp))
                .map(|b| contains(&b, &der(&c.root.pem))),
            Some(true)
        );
        assert_eq!(
            hivex_blob(&hive, &store_key("CA", &issuing_tp))
                .map(|b| contains(&b, &der(&c.issuing.pem))),
            Some(true)
        );
        assert_eq!(hivex_blob(&hive, &store_key("AuthRoot", &issuing_tp)), None);
        assert_eq!(hivex_blob(&hive, &store_key("CA", &root_tp)), None);
    }
    // list shows them where they are; verify and remove find them without --store
    let (_, report) = json_run(&[os("list"), os("--wim"), wim.as_os_str()]);
    let listed: Vec<(String, String)> = report["targets"][0]["images"][0]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["store"].as_str().unwrap().to_string(),
                e["thumbprint"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(listed.contains(&("AuthRoot".into(), root_tp.clone())));
    assert!(listed.contains(&("CA".into(), issuing_tp.clone())));
    bin()
        .args([os("verify"), os("--wim"), wim.as_os_str(), os("--cert")])
        .arg(&c.bundle)
        .assert()
        .success();
    bin()
        .args(["verify", "--wim"])
        .arg(&wim)
        .args(["--thumbprint", &issuing_tp])
        .assert()
        .success();
    // with --store AuthRoot, verify looks only there: the intermediate is not found
    bin()
        .args(["verify", "--store", "AuthRoot", "--wim"])
        .arg(&wim)
        .args(["--thumbprint", &issuing_tp])
        .assert()
        .code(3);
    let (code, report) = json_run(&[
        os("remove"),
        os("--wim"),
        wim.as_os_str(),
        os("--thumbprint"),
        os(&issuing_tp),
    ]);
    assert_eq!(code, 0);
    assert_eq!(actions(&report, 0, 0), ["removed"]);
    assert_eq!(
        report["targets"][0]["images"][0]["certificates"][0]["store"],
        "CA"
    );
    let hive = extract_hive(&wim, 1, tmp.path());
    assert_eq!(hivex_blob(&hive, &store_key("CA", &issuing_tp)), None);
    assert!(hivex_blob(&hive, &store_key("AuthRoot", &root_tp)).is_some());
}

#[test]
fn p7b_and_single_files_are_placed_by_kind_and_explicit_stores_warn() {
    let tmp = tempfile::tempdir().unwrap();
    let c = contoso(P256);
    let p7b = c.pki.p7b(&[&c.issuing, &c.root]);
    let hive = tmp.path().join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    let report = report_of([
        os("--hive"),
        hive.as_os_str(),
        os("--cert"),
        p7b.as_os_str(),
    ]);
    let placements: Vec<(String, String)> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["store"].as_str().unwrap().to_string(),
                i["placement"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(placements
        .iter()
        .any(|(s, p)| s == "AuthRoot" && p == "self-signed CA -> AuthRoot"));
    assert!(placements
        .iter()
        .any(|(s, p)| s == "CA" && p.starts_with("issued by ") && p.ends_with("-> CA")));

    // single files, root to Root with --root-store
    let hive2 = tmp.path().join("SOFTWARE2");
    fs::copy(testhive(), &hive2).unwrap();
    report_of([
        os("--hive"),
        hive2.as_os_str(),
        os("--cert"),
        c.issuing.pem.as_os_str(),
        os("--cert"),
        c.root.pem.as_os_str(),
        os("--root-store"),
        os("Root"),
    ]);
    let root_tp = openssl_thumbprint(&c.root.pem);
    let issuing_tp = openssl_thumbprint(&c.issuing.pem);
    assert!(hivex_blob(&hive2, &store_key("Root", &root_tp)).is_some());
    assert!(hivex_blob(&hive2, &store_key("CA", &issuing_tp)).is_some());

    // --store AuthRoot for an intermediate: written there, with the wizard's choice as warning
    let hive3 = tmp.path().join("SOFTWARE3");
    fs::copy(testhive(), &hive3).unwrap();
    let report = report_of([
        os("--hive"),
        hive3.as_os_str(),
        os("--cert"),
        c.issuing.pem.as_os_str(),
        os("--store"),
        os("AuthRoot"),
    ]);
    let warnings = report["inputs"][0]["warnings"].to_string();
    assert!(
        warnings.contains("would put it in CA"),
        "no wizard warning: {warnings}"
    );
    assert!(hivex_blob(&hive3, &store_key("AuthRoot", &issuing_tp)).is_some());
    // a root put into CA warns the other way
    let report = report_of([
        os("--hive"),
        hive3.as_os_str(),
        os("--cert"),
        c.root.pem.as_os_str(),
        os("--store"),
        os("CA"),
    ]);
    let warnings = report["inputs"][0]["warnings"].to_string();
    assert!(
        warnings.contains("root store"),
        "no wizard warning: {warnings}"
    );
    // a server certificate stays refused
    bin()
        .arg("--hive")
        .arg(&hive3)
        .arg("--cert")
        .arg(&c.server.pem)
        .assert()
        .code(4);
}

#[test]
fn check_on_a_wim_agrees_with_openssl_before_and_after_the_root_is_added() {
    let tmp = tempfile::tempdir().unwrap();
    let c = contoso(RSA);
    let wim = make_wim(tmp.path(), "boot.wim", 2);
    let at = now();
    let check = |extra: &[&std::ffi::OsStr]| {
        let mut args = vec![
            os("check"),
            os("--wim"),
            wim.as_os_str(),
            os("--server-cert"),
            c.server.pem.as_os_str(),
        ];
        args.extend_from_slice(extra);
        json_run(&args)
    };

    // nothing in the image: not trusted, the issuing CA is the missing issuer
    let before = fs::read(&wim).unwrap();
    let (code, report) = check(&[
        os("--chain"),
        c.issuing.pem.as_os_str(),
        os("--name"),
        os(NAME),
    ]);
    assert_eq!(code, 3, "{report}");
    assert_eq!(fs::read(&wim).unwrap(), before, "check must not write");
    assert!(!c
        .pki
        .openssl_verify(&c.server, &[], &[&c.issuing], Some(NAME), at));
    for image in 0..2 {
        let t = trust(&report, image);
        assert_eq!(t["trusted"], false);
        assert_eq!(
            t["missing_issuer"]["issuer"],
            "O=Contoso Test, CN=Contoso Root CA"
        );
        assert_eq!(t["path"].as_array().unwrap().len(), 2, "{t}");
        let fixes = t["fixes"].to_string();
        assert!(
            fixes.contains("obtain the certificate for O=Contoso Test, CN=Contoso Root CA"),
            "{fixes}"
        );
    }
    // the root only in --chain: an untrusted root, and the fix names the file
    let (code, report) = check(&[os("--chain"), c.bundle.as_os_str()]);
    assert_eq!(code, 3);
    let t = trust(&report, 0);
    assert!(t["problems"].to_string().contains("untrusted_root"), "{t}");
    let fix = format!("--cert {}", shown_path(&c.bundle));
    assert!(
        t["fixes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains(&fix)),
        "{t}"
    );

    // add the bundle: root to AuthRoot, issuing CA to CA
    report_of([
        os("--wim"),
        wim.as_os_str(),
        os("--cert"),
        c.bundle.as_os_str(),
    ]);
    assert!(c
        .pki
        .openssl_verify(&c.server, &[&c.root], &[&c.issuing], Some(NAME), at));
    let (code, report) = check(&[os("--name"), os(NAME)]);
    assert_eq!(code, 0, "{report}");
    for image in 0..2 {
        let t = trust(&report, image);
        assert_eq!(t["trusted"], true, "{t}");
        let path = t["path"].as_array().unwrap();
        assert_eq!(path.len(), 3);
        assert_eq!(path[0]["found_in"], "server certificate");
        assert_eq!(path[1]["found_in"], "image store machine/CA");
        assert_eq!(path[2]["found_in"], "image store machine/AuthRoot");
        assert_eq!(path[2]["anchor"], true);
        assert_eq!(path[1]["thumbprint"], openssl_thumbprint(&c.issuing.pem));
        assert_eq!(path[2]["thumbprint"], openssl_thumbprint(&c.root.pem));
        let urls = t["urls"].to_string();
        assert!(
            urls.contains("http://pki.contoso.test/issuing.crl"),
            "{urls}"
        );
        assert!(t["problems"].as_array().unwrap().is_empty());
    }
    // another name
    assert!(!c.pki.openssl_verify(
        &c.server,
        &[&c.root],
        &[&c.issuing],
        Some("other.contoso.com"),
        at
    ));
    let (code, report) = check(&[os("--name"), os("other.contoso.com")]);
    assert_eq!(code, 3);
    assert!(trust(&report, 0)["problems"]
        .to_string()
        .contains("name_mismatch"));
    // far past expiry
    let later = 4_102_444_800; // 2100-01-01
    assert!(!c
        .pki
        .openssl_verify(&c.server, &[&c.root], &[&c.issuing], None, later));
    let (code, report) = check(&[os("--at"), os("2100-01-01T00:00:00Z")]);
    assert_eq!(code, 3);
    assert!(trust(&report, 0)["problems"]
        .to_string()
        .contains("expired"));
    assert_eq!(trust(&report, 0)["at"], "2100-01-01T00:00:00Z");
    // the same instant with an offset
    let (_, report) = check(&[os("--at"), os("2100-01-01T02:00:00+02:00")]);
    assert_eq!(trust(&report, 0)["at"], "2100-01-01T00:00:00Z");
    // a bad --at is a usage error
    bin()
        .args(["check", "--wim"])
        .arg(&wim)
        .arg("--server-cert")
        .arg(&c.server.pem)
        .args(["--at", "tomorrow"])
        .assert()
        .code(2);

    // the issuing CA disallowed: not trusted, as in Windows
    report_of([
        os("--wim"),
        wim.as_os_str(),
        os("--index"),
        os("2"),
        os("--cert"),
        c.issuing.pem.as_os_str(),
        os("--store"),
        os("Disallowed"),
    ]);
    let (code, report) = check(&[]);
    assert_eq!(code, 3);
    assert_eq!(trust(&report, 0)["trusted"], true);
    assert_eq!(trust(&report, 1)["trusted"], false);
    let t = trust(&report, 1);
    assert!(t["problems"].to_string().contains("disallowed"), "{t}");
    assert!(t["fixes"].to_string().contains("--store Disallowed"), "{t}");
}

#[test]
fn expect_trust_writes_only_when_every_image_will_trust_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let c = contoso(P256);
    let wim = make_wim(tmp.path(), "boot.wim", 2);
    let before = fs::read(&wim).unwrap();
    // the root alone: the issuing CA is nowhere, so nothing is written and the exit code is 4
    let out = bin()
        .arg("--wim")
        .arg(&wim)
        .arg("--cert")
        .arg(&c.root.pem)
        .arg("--expect-trust")
        .arg(&c.server.pem)
        .args(["--name", NAME])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NOT TRUSTED"), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    assert_eq!(fs::read(&wim).unwrap(), before);

    // root and issuing CA: trusted after the change, written
    let (code, report) = json_run(&[
        os("--wim"),
        wim.as_os_str(),
        os("--cert"),
        c.bundle.as_os_str(),
        os("--expect-trust"),
        c.server.pem.as_os_str(),
        os("--name"),
        os(NAME),
    ]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["targets"][0]["written"], true);
    let t = trust(&report, 0);
    assert_eq!(t["trusted"], true);
    assert!(t["path"][1]["found_in"]
        .as_str()
        .unwrap()
        .starts_with("added by this run to machine/CA"));
    // and a check of the written image agrees
    let (code, _) = json_run(&[
        os("check"),
        os("--wim"),
        wim.as_os_str(),
        os("--server-cert"),
        c.server.pem.as_os_str(),
        os("--name"),
        os(NAME),
    ]);
    assert_eq!(code, 0);
}

#[test]
fn check_bad_input_is_a_clear_error_or_a_clear_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let c = contoso(RSA);
    let hive = tmp.path().join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    let before = fs::read(&hive).unwrap();
    let check = |server: &Path, chain: Option<&Path>| {
        let mut cmd = bin();
        cmd.args(["check", "--hive"])
            .arg(&hive)
            .arg("--server-cert")
            .arg(server);
        if let Some(chain) = chain {
            cmd.arg("--chain").arg(chain);
        }
        cmd.output().unwrap()
    };
    // not a certificate, a private key, an empty chain file
    let junk = tmp.path().join("junk.cer");
    fs::write(&junk, b"this is not a certificate").unwrap();
    let key = c.server.key.path.clone();
    let empty = tmp.path().join("empty.pem");
    fs::write(&empty, b"").unwrap();
    for (server, chain) in [
        (junk.as_path(), None),
        (key.as_path(), None),
        (c.server.pem.as_path(), Some(empty.as_path())),
    ] {
        let out = check(server, chain);
        assert_eq!(out.status.code(), Some(4), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("inject-root: "), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // a PFX
    let pfx = tmp.path().join("server.pfx");
    run(std::process::Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:x", "-inkey"])
        .arg(&key)
        .arg("-in")
        .arg(&c.server.pem)
        .arg("-out")
        .arg(&pfx));
    assert_eq!(check(&pfx, None).status.code(), Some(4));

    // a loop: A issues B issues A (two CAs that cross-sign each other), no anchor
    let p = Pki::with_org("Contoso Test");
    let a = p.root("Loop A", RSA);
    let b = p.root("Loop B", RSA);
    let ab = cross(&p, &b, &a);
    let ba = cross(&p, &a, &b);
    let leaf = server(&p, NAME, &b, RSA);
    let loop_chain = p.bundle(&[&ab, &ba]);
    let out = check(&leaf.pem, Some(&loop_chain));
    assert_eq!(out.status.code(), Some(3), "{out:?}");

    // 50 CA certificates of one name, none an anchor: finishes, not trusted
    let many = Pki::with_org("Contoso Test");
    let mut issuer = many.root("Many Root", P256);
    let mut parts = Vec::new();
    for _ in 0..50 {
        issuer = many.intermediate("Same Name CA", P256, &issuer);
        parts.push(issuer.clone());
    }
    let leaf = server(&many, NAME, &issuer, P256);
    let refs: Vec<&Issued> = parts.iter().collect();
    let fifty = many.bundle(&refs);
    let out = check(&leaf.pem, Some(&fifty));
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(fs::read(&hive).unwrap(), before, "check must not write");
}
