//! Inputs we must refuse (keys, PKCS#12, CSRs, garbage) and the findings on certificates made
//! with openssl for the purpose (not a CA, expired, not yet valid, small RSA, SHA-1, intermediate).

mod cert_common;

use std::path::{Path, PathBuf};

use cert_common::{openssl, s};
use certblob::{parse_certificates, read_certificates, Error, FindingKind, Severity};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// A self-signed certificate made by `openssl req -x509` with extra arguments.
    fn self_signed(&self, name: &str, key: &str, extra: &[&str]) -> PathBuf {
        let out = self.p(name);
        let keyfile = self.p(&format!("{name}.key"));
        let mut args = vec![
            "req",
            "-x509",
            "-newkey",
            key,
            "-nodes",
            "-keyout",
            s(&keyfile),
            "-subj",
            "/CN=inject-root test",
            "-days",
            "2",
            "-out",
            s(&out),
        ];
        args.extend_from_slice(extra);
        openssl(&args, None);
        out
    }
}

fn refusal(path: &Path) -> String {
    let err = read_certificates(path).expect_err("must be refused");
    let msg = err.to_string();
    assert!(msg.contains(s(path)), "message must name the file: {msg}");
    msg
}

#[test]
fn private_keys_are_refused_in_every_form() {
    let f = Fixture::new();
    let pkcs8 = f.p("key.pem");
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            s(&pkcs8),
        ],
        None,
    );
    let pkcs1 = f.p("rsa.pem");
    openssl(
        &["rsa", "-in", s(&pkcs8), "-traditional", "-out", s(&pkcs1)],
        None,
    );
    let ec = f.p("ec.pem");
    openssl(
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            s(&ec),
        ],
        None,
    );
    let enc = f.p("enc.pem");
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            s(&pkcs8),
            "-passout",
            "pass:x",
            "-out",
            s(&enc),
        ],
        None,
    );
    let der8 = f.p("key.der");
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            s(&pkcs8),
            "-outform",
            "DER",
            "-out",
            s(&der8),
        ],
        None,
    );
    let der8enc = f.p("key-enc.der");
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            s(&pkcs8),
            "-passout",
            "pass:x",
            "-outform",
            "DER",
            "-out",
            s(&der8enc),
        ],
        None,
    );
    let der1 = f.p("rsa.der");
    openssl(
        &[
            "rsa",
            "-in",
            s(&pkcs8),
            "-traditional",
            "-outform",
            "DER",
            "-out",
            s(&der1),
        ],
        None,
    );
    let derec = f.p("ec.der");
    openssl(
        &["ec", "-in", s(&ec), "-outform", "DER", "-out", s(&derec)],
        None,
    );
    for (path, what) in [
        (&pkcs8, "PEM \"PRIVATE KEY\""),
        (&pkcs1, "PEM \"RSA PRIVATE KEY\""),
        (&ec, "PEM \"EC PRIVATE KEY\""),
        (&enc, "PEM \"ENCRYPTED PRIVATE KEY\""),
        (&der8, "PKCS#8 DER"),
        (&der8enc, "encrypted PKCS#8 DER"),
        (&der1, "PKCS#1"),
        (&derec, "SEC1 EC DER"),
    ] {
        let msg = refusal(path);
        assert!(
            msg.contains("private key") && msg.contains(what),
            "{}: {msg}",
            path.display()
        );
        assert!(matches!(
            read_certificates(path),
            Err(Error::PrivateKey { .. })
        ));
    }
    // A certificate with its key in the same PEM file is refused as a whole.
    let cert = f.self_signed("c.pem", "rsa:2048", &[]);
    let both = f.p("both.pem");
    let mut text = std::fs::read(&cert).unwrap();
    text.extend(std::fs::read(&pkcs8).unwrap());
    std::fs::write(&both, text).unwrap();
    assert!(refusal(&both).contains("private key"));
}

#[test]
fn pkcs12_csr_empty_and_garbage_are_refused() {
    let f = Fixture::new();
    let cert = f.self_signed("c.pem", "rsa:2048", &[]);
    let pfx = f.p("bundle.pfx");
    openssl(
        &[
            "pkcs12",
            "-export",
            "-in",
            s(&cert),
            "-inkey",
            s(&f.p("c.pem.key")),
            "-passout",
            "pass:x",
            "-out",
            s(&pfx),
        ],
        None,
    );
    let msg = refusal(&pfx);
    assert!(msg.contains("PKCS#12") && msg.contains("-nokeys"), "{msg}");

    let csr = f.p("req.csr");
    openssl(
        &[
            "req",
            "-new",
            "-key",
            s(&f.p("c.pem.key")),
            "-subj",
            "/CN=req",
            "-out",
            s(&csr),
        ],
        None,
    );
    assert!(refusal(&csr).contains("signing request"));
    let csr_der = f.p("req.der");
    openssl(
        &[
            "req",
            "-in",
            s(&csr),
            "-outform",
            "DER",
            "-out",
            s(&csr_der),
        ],
        None,
    );
    assert!(refusal(&csr_der).contains("signing request"));

    let empty = f.p("empty.cer");
    std::fs::write(&empty, b"").unwrap();
    assert!(refusal(&empty).contains("empty"));
    let blank = f.p("blank.cer");
    std::fs::write(&blank, b"\r\n  \r\n").unwrap();
    assert!(refusal(&blank).contains("empty"));

    let garbage = f.p("garbage.cer");
    std::fs::write(&garbage, b"this is not a certificate at all, just words").unwrap();
    assert!(refusal(&garbage).contains("not a certificate"));
    let binary = f.p("binary.cer");
    std::fs::write(&binary, [0xffu8, 0x00, 0x13, 0x37, 0x80, 0x81]).unwrap();
    assert!(refusal(&binary).contains("not a certificate"));

    // A truncated DER certificate names its byte offset.
    let der = openssl(&["x509", "-in", s(&cert), "-outform", "DER"], None);
    let cut = f.p("cut.cer");
    std::fs::write(&cut, &der[..der.len() / 2]).unwrap();
    let msg = refusal(&cut);
    assert!(msg.contains("at byte 0"), "{msg}");
    // A second certificate that is cut short names where it starts.
    let two = f.p("two.cer");
    let mut bytes = der.clone();
    bytes.extend_from_slice(&der[..100]);
    std::fs::write(&two, &bytes).unwrap();
    let msg = refusal(&two);
    assert!(msg.contains(&format!("at byte {}", der.len())), "{msg}");

    // PEM with a broken body.
    let bad_pem = f.p("bad.pem");
    std::fs::write(
        &bad_pem,
        "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    assert!(refusal(&bad_pem).contains("Base64"));
    let no_end = f.p("noend.pem");
    std::fs::write(&no_end, "-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap();
    assert!(refusal(&no_end).contains("no END"));
    // A CRL is a PEM block, but not a certificate.
    let crl_pem = "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n";
    assert!(matches!(
        parse_certificates(crl_pem.as_bytes(), "x.crl"),
        Err(Error::UnsupportedPem { .. })
    ));
}

#[test]
fn oversized_files_and_directories_are_refused() {
    let f = Fixture::new();
    let big = f.p("big.cer");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(certblob::MAX_INPUT_BYTES + 10).unwrap();
    let msg = refusal(&big);
    assert!(msg.contains("too large"), "{msg}");
    let err = read_certificates(f.dir.path()).expect_err("a directory is not a certificate");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}

/// A self-signed CA certificate with explicit validity dates, made with `openssl ca -selfsign`.
fn dated_self_signed(f: &Fixture, name: &str, start: &str, end: &str) -> PathBuf {
    let key = f.p(&format!("{name}.key"));
    let csr = f.p(&format!("{name}.csr"));
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&key),
            "-subj",
            &format!("/CN={name}"),
            "-out",
            s(&csr),
        ],
        None,
    );
    let db = f.p(&format!("{name}.index"));
    std::fs::write(&db, b"").unwrap();
    let serial = f.p(&format!("{name}.serial"));
    std::fs::write(&serial, b"01\n").unwrap();
    let cnf = f.p(&format!("{name}.cnf"));
    std::fs::write(
        &cnf,
        format!(
            "[ca]\ndefault_ca = d\n[d]\ndatabase = {}\nnew_certs_dir = {}\nserial = {}\n\
             default_md = sha256\npolicy = p\nx509_extensions = ext\n[p]\ncommonName = supplied\n\
             [ext]\nbasicConstraints = critical,CA:TRUE\n",
            s(&db),
            s(f.dir.path()),
            s(&serial)
        ),
    )
    .unwrap();
    let out = f.p(&format!("{name}.pem"));
    openssl(
        &[
            "ca",
            "-batch",
            "-config",
            s(&cnf),
            "-selfsign",
            "-keyfile",
            s(&key),
            "-in",
            s(&csr),
            "-startdate",
            start,
            "-enddate",
            end,
            "-out",
            s(&out),
        ],
        None,
    );
    out
}

#[test]
fn expired_and_not_yet_valid_certificates_made_by_openssl() {
    let f = Fixture::new();
    let expired = dated_self_signed(&f, "expired", "20200101000000Z", "20210101000000Z");
    assert_eq!(
        kinds(&expired, now()),
        [(FindingKind::Expired, Severity::Refuse)]
    );
    let info = read_certificates(&expired).unwrap()[0].info().clone();
    assert_eq!(
        (info.not_before, info.not_after),
        (1_577_836_800, 1_609_459_200)
    );
    assert!(info.is_self_signed && info.is_ca);
    let future = dated_self_signed(&f, "future", "20990101000000Z", "21000101000000Z");
    assert_eq!(
        kinds(&future, now()),
        [(FindingKind::NotYetValid, Severity::Refuse)]
    );
    let msg = &read_certificates(&future).unwrap()[0].findings(now())[0].message;
    assert!(msg.contains("2099-01-01 00:00:00 UTC"), "{msg}");
}

fn kinds(path: &Path, at: i64) -> Vec<(FindingKind, Severity)> {
    let certs = read_certificates(path).unwrap();
    assert_eq!(certs.len(), 1);
    certs[0]
        .findings(at)
        .into_iter()
        .map(|f| (f.kind, f.severity))
        .collect()
}

#[test]
fn findings_on_generated_certificates() {
    let f = Fixture::new();
    let ca_ext: &[&str] = &["-addext", "basicConstraints=critical,CA:TRUE"];
    let good = f.self_signed("good.pem", "rsa:2048", ca_ext);
    assert_eq!(kinds(&good, now()), []);
    let info = read_certificates(&good).unwrap()[0].info().clone();
    assert!(info.is_ca && info.is_self_signed);
    assert_eq!(
        info.self_signed_check,
        certblob::SelfSignedCheck::SignatureVerified
    );
    // Valid for two days: three days on it is expired, a day before it is not yet valid.
    assert_eq!(
        kinds(&good, now() + 3 * 86_400),
        [(FindingKind::Expired, Severity::Refuse)]
    );
    assert_eq!(
        kinds(&good, now() - 86_400),
        [(FindingKind::NotYetValid, Severity::Refuse)]
    );

    let leaf = f.self_signed(
        "leaf.pem",
        "rsa:2048",
        &["-addext", "basicConstraints=critical,CA:FALSE"],
    );
    assert_eq!(
        kinds(&leaf, now()),
        [(FindingKind::NotCa, Severity::Refuse)]
    );

    let ec = f.self_signed(
        "ec.pem",
        "ec",
        &[
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ],
    );
    assert_eq!(kinds(&ec, now()), []);
    let ec_info = read_certificates(&ec).unwrap()[0].info().clone();
    assert_eq!(
        (ec_info.key_type.as_str(), ec_info.key_bits),
        ("EC P-384", 384)
    );

    let small = f.self_signed("small.pem", "rsa:1024", ca_ext);
    assert_eq!(
        kinds(&small, now()),
        [(FindingKind::SmallRsaKey, Severity::Warn)]
    );

    let sha1 = f.self_signed(
        "sha1.pem",
        "rsa:2048",
        &["-sha1", "-addext", "basicConstraints=critical,CA:TRUE"],
    );
    assert_eq!(
        kinds(&sha1, now()),
        [(FindingKind::WeakSignatureHash, Severity::Warn)]
    );

    // An intermediate CA signed by `good`.
    let csr = f.p("int.csr");
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&f.p("int.key")),
            "-subj",
            "/CN=intermediate",
            "-out",
            s(&csr),
        ],
        None,
    );
    let ext = f.p("ext.cnf");
    std::fs::write(&ext, "basicConstraints=critical,CA:TRUE\n").unwrap();
    let int = f.p("int.pem");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            s(&csr),
            "-CA",
            s(&good),
            "-CAkey",
            s(&f.p("good.pem.key")),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            s(&ext),
            "-out",
            s(&int),
        ],
        None,
    );
    assert_eq!(
        kinds(&int, now()),
        [(FindingKind::NotSelfSigned, Severity::Warn)]
    );
    assert!(!read_certificates(&int).unwrap()[0].info().is_self_signed);

    // Issuer name equals subject name, but issued by `good` (another key): the names say
    // "self-signed", the signature check says no.
    let same_name_csr = f.p("same.csr");
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&f.p("same.key")),
            "-subj",
            "/CN=inject-root test",
            "-out",
            s(&same_name_csr),
        ],
        None,
    );
    let same = f.p("same.pem");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            s(&same_name_csr),
            "-CA",
            s(&good),
            "-CAkey",
            s(&f.p("good.pem.key")),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            s(&ext),
            "-out",
            s(&same),
        ],
        None,
    );
    let same_info = read_certificates(&same).unwrap()[0].info().clone();
    assert_eq!(
        same_info.self_signed_check,
        certblob::SelfSignedCheck::SignatureMismatch
    );
    assert_eq!(
        kinds(&same, now()),
        [(FindingKind::NotSelfSigned, Severity::Warn)]
    );
}
