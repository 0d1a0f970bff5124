//! The 36 real roots in testdata/certs, checked against openssl as the oracle, in every input
//! form admins hand over (DER, PEM with CRLF, text before the header, bare Base64, one PEM bundle,
//! PKCS#7 in DER and PEM).

mod cert_common;

use std::path::Path;

use cert_common::{openssl, openssl_str, openssl_succeeds, real_roots, s};
use certblob::{
    parse_certificates, read_certificates, Certificate, FindingKind, SelfSignedCheck, Severity,
    Thumbprint,
};

/// openssl's SHA-1 fingerprint of the DER form: `openssl x509 -in F -outform DER | sha1sum`.
fn openssl_thumbprint(path: &Path) -> String {
    let der = openssl(&["x509", "-in", s(path), "-outform", "DER"], None);
    let out = openssl(&["dgst", "-sha1", "-r"], Some(&der));
    String::from_utf8(out).unwrap()[..40].to_ascii_uppercase()
}

/// Unix seconds of an ISO 8601 time, computed by GNU `date` (an independent oracle).
fn unix_seconds(iso: &str) -> i64 {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", iso, "+%s"])
        .output()
        .expect("date (Debian package coreutils)");
    assert!(out.status.success(), "date -d {iso}");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn thumbprints(certs: &[Certificate]) -> Vec<String> {
    certs.iter().map(|c| c.thumbprint().to_hex()).collect()
}

#[test]
fn thumbprints_and_facts_match_openssl() {
    for path in real_roots() {
        let certs = read_certificates(&path).unwrap();
        assert_eq!(certs.len(), 1, "{}", path.display());
        let c = &certs[0];
        assert_eq!(
            c.thumbprint().to_hex(),
            openssl_thumbprint(&path),
            "{}",
            path.display()
        );
        let der = openssl(&["x509", "-in", s(&path), "-outform", "DER"], None);
        assert_eq!(c.der(), &der[..]);

        // Serial: openssl prints the INTEGER without leading zero octets.
        let serial = openssl_str(&["x509", "-in", s(&path), "-noout", "-serial"]);
        let serial = serial.trim().trim_start_matches("serial=");
        assert_eq!(
            c.info().serial_hex.trim_start_matches("00"),
            serial.trim_start_matches("00"),
            "{}",
            path.display()
        );
        let text = openssl_str(&["x509", "-in", s(&path), "-noout", "-text"]);
        let bits = text
            .split("Public-Key: (")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok())
            .expect("openssl key size");
        assert_eq!(c.info().key_bits, bits, "{}", path.display());
        assert_eq!(
            c.info().is_ca,
            text.contains("CA:TRUE"),
            "{}",
            path.display()
        );
        assert!(
            c.info().is_self_signed,
            "{} should be self-signed",
            path.display()
        );
        // Every root here uses RSA PKCS#1 or ECDSA with SHA-2/SHA-1, which the verifier supports
        // unless the key is a legacy size.
        assert_ne!(
            c.info().self_signed_check,
            SelfSignedCheck::SignatureMismatch
        );
        // Validity: openssl's ISO dates, converted by `date` (GNU coreutils) to Unix seconds.
        let dates = openssl_str(&[
            "x509",
            "-in",
            s(&path),
            "-noout",
            "-dates",
            "-dateopt",
            "iso_8601",
        ]);
        for (field, ours) in [
            ("notBefore=", c.info().not_before),
            ("notAfter=", c.info().not_after),
        ] {
            let iso = dates
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .expect("openssl date");
            assert_eq!(unix_seconds(iso), ours, "{} {field}", path.display());
        }
        // Findings: a real root is never refused as a non-CA, and is refused as expired exactly
        // when `openssl x509 -checkend 0` says it has expired.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let findings = c.findings(now);
        assert!(
            !findings.iter().any(|f| f.kind == FindingKind::NotCa),
            "{}",
            path.display()
        );
        assert!(!findings
            .iter()
            .any(|f| f.kind == FindingKind::NotSelfSigned));
        let expired = !openssl_succeeds(&["x509", "-in", s(&path), "-noout", "-checkend", "0"]);
        assert_eq!(
            findings
                .iter()
                .any(|f| f.kind == FindingKind::Expired && f.severity == Severity::Refuse),
            expired,
            "{}",
            path.display()
        );
        // Thumbprint text round trip.
        let tp: Thumbprint = c.thumbprint().to_hex().to_lowercase().parse().unwrap();
        assert_eq!(tp, c.thumbprint());
    }
}

#[test]
fn every_input_form_gives_the_same_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let roots = real_roots();
    let mut expected = Vec::new();
    let mut bundle = String::new();
    for (i, path) in roots.iter().enumerate() {
        let want = openssl_thumbprint(path);
        expected.push(want.clone());

        let der_path = dir.path().join(format!("{i}.cer"));
        openssl(
            &[
                "x509",
                "-in",
                s(path),
                "-outform",
                "DER",
                "-out",
                s(&der_path),
            ],
            None,
        );
        assert_eq!(
            thumbprints(&read_certificates(&der_path).unwrap()),
            vec![want.clone()]
        );

        let pem = openssl_str(&["x509", "-in", s(path)]);
        let crlf_path = dir.path().join(format!("{i}-crlf.cer"));
        std::fs::write(&crlf_path, pem.replace('\n', "\r\n")).unwrap();
        assert_eq!(
            thumbprints(&read_certificates(&crlf_path).unwrap()),
            vec![want.clone()]
        );

        // openssl -text puts a human-readable dump before the PEM block.
        let with_text = openssl(&["x509", "-in", s(path), "-text"], None);
        assert_eq!(
            thumbprints(&parse_certificates(&with_text, "with-text.crt").unwrap()),
            vec![want.clone()]
        );

        // Bare Base64 (the PEM body without its BEGIN/END lines).
        let bare: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\r\n");
        assert_eq!(
            thumbprints(&parse_certificates(bare.as_bytes(), "bare.b64").unwrap()),
            vec![want.clone()]
        );
        // UTF-16LE with BOM (as Windows PowerShell 5 `Out-File` writes text).
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(pem.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(
            thumbprints(&parse_certificates(&utf16, "utf16.cer").unwrap()),
            vec![want.clone()]
        );
        bundle.push_str(&pem);
    }

    let bundle_path = dir.path().join("bundle.pem");
    std::fs::write(&bundle_path, &bundle).unwrap();
    assert_eq!(
        thumbprints(&read_certificates(&bundle_path).unwrap()),
        expected
    );

    let p7b_der = dir.path().join("bundle.p7b");
    let p7b_pem = dir.path().join("bundle-pem.p7b");
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            s(&bundle_path),
            "-outform",
            "DER",
            "-out",
            s(&p7b_der),
        ],
        None,
    );
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            s(&bundle_path),
            "-out",
            s(&p7b_pem),
        ],
        None,
    );
    assert!(std::fs::read_to_string(&p7b_pem)
        .unwrap()
        .contains("-----BEGIN PKCS7-----"));
    let mut from_der = thumbprints(&read_certificates(&p7b_der).unwrap());
    let mut from_pem = thumbprints(&read_certificates(&p7b_pem).unwrap());
    let mut want = expected.clone();
    from_der.sort();
    from_pem.sort();
    want.sort();
    assert_eq!(from_der, want);
    assert_eq!(from_pem, want);

    // Every certificate in the PKCS#7 bundle is byte-identical to openssl's DER of it.
    let oracle_certs = openssl(
        &[
            "pkcs7",
            "-in",
            s(&p7b_der),
            "-inform",
            "DER",
            "-print_certs",
        ],
        None,
    );
    let reparsed = parse_certificates(&oracle_certs, "print_certs").unwrap();
    let mut a = thumbprints(&reparsed);
    a.sort();
    assert_eq!(a, want);
}

/// PKCS#7 in BER with indefinite lengths (as `openssl cms -sign -stream` and some Windows tools
/// write it): the certificates inside are found.
#[test]
fn ber_indefinite_length_pkcs7() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let signer = dir.path().join("c.pem");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&key),
            "-subj",
            "/CN=signer",
            "-days",
            "2",
            "-out",
            s(&signer),
        ],
        None,
    );
    let msg = dir.path().join("msg");
    std::fs::write(&msg, b"hello").unwrap();
    let root = &real_roots()[0];
    let p7 = dir.path().join("s.p7m");
    openssl(
        &[
            "cms",
            "-sign",
            "-in",
            s(&msg),
            "-signer",
            s(&signer),
            "-inkey",
            s(&key),
            "-certfile",
            s(root),
            "-outform",
            "DER",
            "-stream",
            "-out",
            s(&p7),
        ],
        None,
    );
    let bytes = std::fs::read(&p7).unwrap();
    assert_eq!(
        &bytes[..2],
        &[0x30, 0x80],
        "openssl should write indefinite-length BER"
    );
    let mut got = thumbprints(&read_certificates(&p7).unwrap());
    got.sort();
    let mut want = vec![openssl_thumbprint(&signer), openssl_thumbprint(root)];
    want.sort();
    assert_eq!(got, want);
}
