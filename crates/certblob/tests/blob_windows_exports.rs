//! Our `Blob` against Blobs that Windows itself wrote (regedit exports in testdata/certblob,
//! see SOURCE.md there), and against openssl-computed hashes for the 36 real roots.

mod cert_common;

use cert_common::{blob_from_reg_export, openssl, real_roots, s, testdata};
use certblob::{
    decode_blob, encode_blob, encode_blob_with, encode_records, BlobStyle, Certificate,
    CERT_CERT_PROP_ID, CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID, CERT_KEY_IDENTIFIER_PROP_ID,
    CERT_MD5_HASH_PROP_ID, CERT_SHA1_HASH_PROP_ID, CERT_SHA256_HASH_PROP_ID,
    CERT_SIGNATURE_HASH_PROP_ID, CERT_SUBJECT_PUBLIC_KEY_MD5_HASH_PROP_ID,
};

fn windows_blob(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(testdata().join("certblob").join(name)).unwrap();
    blob_from_reg_export(&text)
}

/// Windows 10/11 (2025), certificate added to LocalMachine\Root with .NET X509Store.Add:
/// our encoder writes the very same bytes.
#[test]
fn byte_identical_to_windows_11_root_export() {
    let theirs = windows_blob("root-DD70024CA91CB2DF49477155BB4E0C836DA6527E.reg");
    let decoded = decode_blob(&theirs).unwrap();
    let cert = Certificate::from_der(decoded.cert_der.as_deref().unwrap()).unwrap();
    assert_eq!(
        cert.thumbprint().to_hex(),
        "DD70024CA91CB2DF49477155BB4E0C836DA6527E"
    );
    assert_eq!(
        decoded.prop_ids(),
        [107, 15, 20, 25, 92, 3, 32],
        "the export's own record order"
    );
    assert!(decoded.records.iter().all(|r| r.reserved == 1));
    let ours = encode_blob(&cert);
    assert_eq!(ours, theirs, "our Blob differs from the one Windows wrote");
    assert_eq!(encode_blob_with(&cert, BlobStyle::Windows10), theirs);
}

/// An older export (certificate added to Root without the SHA-256 property): Windows wrote
/// the MD5 hash (4) instead of SHA-256 (107), and SHA-1 (3) before the issuer key length (92).
/// Every property both blobs carry has the same bytes; only the set and order differ.
#[test]
fn older_windows_export_differs_only_in_md5_and_order() {
    let theirs = windows_blob("root-B759697225BF14DA7F67596D9A687058C4EBAC60.reg");
    let decoded = decode_blob(&theirs).unwrap();
    assert_eq!(decoded.prop_ids(), [4, 15, 20, 25, 3, 92, 32]);
    let der = decoded.cert_der.clone().unwrap();
    let cert = Certificate::from_der(&der).unwrap();
    assert_eq!(
        cert.thumbprint().to_hex(),
        "B759697225BF14DA7F67596D9A687058C4EBAC60"
    );
    // This certificate has no subjectKeyIdentifier: Windows used SHA-1 of the SubjectPublicKeyInfo.
    let ours = decode_blob(&encode_blob(&cert)).unwrap();
    for id in [15, 20, 25, 3, 92, 32] {
        assert_eq!(ours.property(id), decoded.property(id), "property {id}");
    }
    // The MD5 record Windows wrote is MD5 of the DER (checked with openssl).
    let md5 = openssl(&["dgst", "-md5", "-binary"], Some(&der));
    assert_eq!(decoded.property(CERT_MD5_HASH_PROP_ID), Some(&md5[..]));
    // Rebuilt in Windows' order from our own derived values, the blob is byte-identical.
    let rebuilt: Vec<(u32, Vec<u8>)> = [4u32, 15, 20, 25, 3, 92, 32]
        .iter()
        .map(|&id| {
            let data = if id == 4 {
                md5.clone()
            } else {
                ours.property(id).unwrap().to_vec()
            };
            (id, data)
        })
        .collect();
    assert_eq!(encode_records(&rebuilt), theirs);
    // ... which is what the Legacy style writes.
    assert_eq!(encode_blob_with(&cert, BlobStyle::Legacy), theirs);
}

/// For each real root: the Blob decodes to the same DER, and the hash properties equal what
/// openssl computes (SHA-1, SHA-256 of the DER, SHA-1 of the TBSCertificate, the key identifier).
#[test]
fn real_roots_blob_properties_match_openssl() {
    let mut with_ski = 0;
    for path in real_roots() {
        let der = openssl(&["x509", "-in", s(&path), "-outform", "DER"], None);
        let cert = Certificate::from_der(&der).unwrap();
        let blob = encode_blob(&cert);
        let d = decode_blob(&blob).unwrap();
        assert_eq!(d.cert_der.as_deref(), Some(&der[..]));
        let text = String::from_utf8(openssl(
            &["x509", "-inform", "DER", "-noout", "-text"],
            Some(&der),
        ))
        .unwrap();
        // Record 92 (issuer key bits) only where Windows-written Blobs confirm its value: a
        // self-signed RSA root (all of these are self-signed).
        let rsa = text.contains("Public Key Algorithm: rsaEncryption");
        // Records 25 and 92 only where Windows-written Blobs confirm their values: RSA keys.
        let expected: Vec<u32> = [107, 15, 20, 25, 92, 3, 32]
            .into_iter()
            .filter(|&id| (id != 92 && id != 25) || rsa)
            .collect();
        assert_eq!(d.prop_ids(), expected, "{}", path.display());
        let dgst = |alg: &str, data: &[u8]| openssl(&["dgst", alg, "-binary"], Some(data));
        assert_eq!(
            d.property(CERT_SHA1_HASH_PROP_ID).unwrap(),
            &dgst("-sha1", &der)[..]
        );
        assert_eq!(
            d.property(CERT_SHA256_HASH_PROP_ID).unwrap(),
            &dgst("-sha256", &der)[..]
        );
        // TBSCertificate = first element of the certificate SEQUENCE (openssl asn1parse -strparse).
        let tbs = openssl(
            &[
                "asn1parse",
                "-inform",
                "DER",
                "-strparse",
                "4",
                "-noout",
                "-out",
                "/dev/stdout",
            ],
            Some(&der),
        );
        // Record 15: the TBSCertificate hashed with the signature algorithm's own hash.
        let sig = text
            .lines()
            .find(|l| l.contains("Signature Algorithm:"))
            .unwrap()
            .to_ascii_lowercase();
        let hash = ["sha1", "sha224", "sha256", "sha384", "sha512"]
            .into_iter()
            .find(|h| sig.contains(h))
            .unwrap_or_else(|| panic!("{}: {sig}", path.display()));
        assert_eq!(
            d.property(CERT_SIGNATURE_HASH_PROP_ID).unwrap(),
            &dgst(&format!("-{hash}"), &tbs)[..],
            "{}: {sig}",
            path.display()
        );
        if let Some(ski) = text.split("Subject Key Identifier: \n").nth(1) {
            let hex: String = ski
                .lines()
                .next()
                .unwrap()
                .chars()
                .filter(|c| c.is_ascii_hexdigit())
                .collect();
            assert_eq!(
                hex::encode_upper(d.property(CERT_KEY_IDENTIFIER_PROP_ID).unwrap()),
                hex
            );
            with_ski += 1;
        }
        if rsa {
            let bits = u32::from_le_bytes(
                d.property(CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID)
                    .unwrap()
                    .try_into()
                    .unwrap(),
            );
            assert_eq!(bits, cert.info().key_bits);
        }
        assert_eq!(
            d.property(CERT_SUBJECT_PUBLIC_KEY_MD5_HASH_PROP_ID)
                .map(<[u8]>::len),
            rsa.then_some(16)
        );
        assert_eq!(d.property(CERT_CERT_PROP_ID).unwrap(), &der[..]);
    }
    assert!(
        with_ski >= 30,
        "openssl showed a subjectKeyIdentifier for only {with_ski} roots"
    );
}

/// A minimal Blob (SHA-1 hash + certificate only), as written by older tools and by Wine:
/// our decoder reads it; our own Blob carries the same two records plus the derived hashes.
#[test]
fn minimal_export_is_read_and_shares_its_records_with_ours() {
    let theirs = windows_blob("root-A31D3E0A4D99335EBD9B6F18E0915490F13525CA.reg");
    let decoded = decode_blob(&theirs).unwrap();
    assert_eq!(decoded.prop_ids(), [3, 32]);
    let cert = Certificate::from_der(decoded.cert_der.as_deref().unwrap()).unwrap();
    assert_eq!(
        cert.thumbprint().to_hex(),
        "A31D3E0A4D99335EBD9B6F18E0915490F13525CA"
    );
    let ours = decode_blob(&encode_blob(&cert)).unwrap();
    for id in [3, 32] {
        assert_eq!(ours.property(id), decoded.property(id), "property {id}");
    }
    let extra: Vec<u32> = ours
        .prop_ids()
        .into_iter()
        .filter(|id| ![3, 32].contains(id))
        .collect();
    assert_eq!(extra, [107, 15, 20, 25, 92]);
    // The Minimal style writes exactly this blob.
    assert_eq!(encode_blob_with(&cert, BlobStyle::Minimal), theirs);
}

/// check_blob accepts each real export under its own key name and refuses a wrong name, a
/// tampered SHA-1 property, and a blob without a certificate.
#[test]
fn check_blob_on_real_exports() {
    for name in [
        "root-DD70024CA91CB2DF49477155BB4E0C836DA6527E.reg",
        "root-B759697225BF14DA7F67596D9A687058C4EBAC60.reg",
        "root-A31D3E0A4D99335EBD9B6F18E0915490F13525CA.reg",
    ] {
        let blob = windows_blob(name);
        let key: certblob::Thumbprint = name[5..45].parse().unwrap();
        let cert = certblob::check_blob(&blob, &key).unwrap();
        assert_eq!(cert.thumbprint(), key);
        let other: certblob::Thumbprint = "00".repeat(20).parse().unwrap();
        assert!(matches!(
            certblob::check_blob(&blob, &other),
            Err(certblob::Error::BlobMismatch { .. })
        ));
        // Flip one byte of the SHA-1 property's data.
        let d = decode_blob(&blob).unwrap();
        let sha1 = d.records.iter().find(|r| r.prop_id == 3).unwrap();
        let mut tampered = blob.clone();
        tampered[sha1.offset + 12] ^= 1;
        let err = certblob::check_blob(&tampered, &key).unwrap_err();
        assert!(err.to_string().contains("SHA-1 property"), "{err}");
    }
    let no_cert = encode_records(&[(3, vec![0; 20])]);
    let key: certblob::Thumbprint = "00".repeat(20).parse().unwrap();
    assert!(certblob::check_blob(&no_cert, &key).is_err());
}
