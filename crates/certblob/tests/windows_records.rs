//! Every record we write against what Windows itself computed: Blobs that Windows wrote in real
//! hives (../shared/testdata/blobs), the serialized store Windows wrote (roots.sst, 434 roots),
//! and record 15 (the signature hash) for every signature algorithm, computed with openssl.

mod cert_common;

use std::collections::HashMap;

use cert_common::*;
use certblob::*;

/// The records of a serialized store body: (id, data) in order, up to the end record.
fn sst_records(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    assert_eq!(&bytes[..8], &SST_MAGIC);
    let mut out = Vec::new();
    let mut off = 8;
    loop {
        let u = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let (id, len) = (u(off), u(off + 8) as usize);
        if id == 0 {
            return out;
        }
        out.push((id, bytes[off + 12..off + 12 + len].to_vec()));
        off += 12 + len;
    }
}

#[test]
fn our_records_equal_windows_own_wherever_both_hold_one() {
    let dir = shared_testdata().join("blobs");
    let mut blobs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "blob") {
            continue;
        }
        blobs += 1;
        let windows = decode_blob(&std::fs::read(&path).unwrap()).unwrap();
        let cert = windows.certificate().unwrap();
        assert!(
            blob_disagreements(&windows, &cert).is_empty(),
            "{}: {:?}",
            path.display(),
            blob_disagreements(&windows, &cert)
        );
        for style in BlobStyle::ALL {
            let ours = decode_blob(&encode_blob_with(&cert, style)).unwrap();
            for record in &ours.records {
                if let Some(theirs) = windows.property(record.prop_id) {
                    assert_eq!(
                        hex::encode_upper(&record.data),
                        hex::encode_upper(theirs),
                        "{}: record {} ({style:?})",
                        path.display(),
                        record.prop_id
                    );
                }
            }
        }
        // Record 15 of a SHA-256 or SHA-384 certificate is 32 or 48 bytes, as Windows wrote it.
        assert_eq!(
            ours_15_len(&cert),
            windows
                .property(CERT_SIGNATURE_HASH_PROP_ID)
                .map(<[u8]>::len)
        );
    }
    assert!(
        blobs >= 4,
        "{blobs} Windows-written Blobs in {}",
        dir.display()
    );
}

fn ours_15_len(cert: &Certificate) -> Option<usize> {
    derived_property(cert, CERT_SIGNATURE_HASH_PROP_ID).map(|d| d.len())
}

#[test]
fn roots_sst_certificates_names_and_records_3_20_29_equal_windows() {
    let path = shared_testdata().join("sst/roots.sst");
    let bytes = std::fs::read(&path).unwrap();
    let certs = read_certificates(&path).unwrap();
    assert_eq!(certs.len(), 434);
    // The file's own records, grouped per certificate (its properties precede its record 32).
    let mut groups = Vec::new();
    let mut current = HashMap::new();
    for (id, data) in sst_records(&bytes) {
        if id == CERT_CERT_PROP_ID {
            current.insert(id, data);
            groups.push(std::mem::take(&mut current));
        } else {
            current.insert(id, data);
        }
    }
    assert_eq!(groups.len(), 434);
    for (cert, file) in certs.iter().zip(&groups) {
        assert_eq!(cert.der(), &file[&CERT_CERT_PROP_ID][..]);
        assert_eq!(cert.thumbprint().0.to_vec(), file[&CERT_SHA1_HASH_PROP_ID]);
        for id in [
            CERT_SHA1_HASH_PROP_ID,
            CERT_KEY_IDENTIFIER_PROP_ID,
            CERT_SUBJECT_NAME_MD5_HASH_PROP_ID,
        ] {
            assert_eq!(
                derived_property(cert, id).map(hex::encode_upper),
                Some(hex::encode_upper(&file[&id])),
                "{}: record {id}",
                cert.info().subject
            );
        }
        assert_eq!(
            cert.friendly_name().map(str::to_string),
            Some(utf16z_text(&file[&CERT_FRIENDLY_NAME_PROP_ID])).filter(|n| !n.is_empty())
        );
        // The Blob we write carries the friendly name and holds no record copied from the
        // file that the certificate does not give (83, 98, 9, ...).
        let ours = decode_blob(&encode_blob(cert)).unwrap();
        assert_eq!(ours.friendly_name().as_deref(), cert.friendly_name());
        for id in ours.prop_ids() {
            assert!(
                [3, 11, 15, 20, 25, 32, 92, 107].contains(&id),
                "record {id} written"
            );
        }
    }
}

/// Generates a self-signed CA with openssl and returns its DER.
fn generated(dir: &std::path::Path, name: &str, key_args: &[&str], sign_args: &[&str]) -> Vec<u8> {
    let key = dir.join(format!("{name}.key"));
    let crt = dir.join(format!("{name}.crt"));
    let mut gen = vec!["genpkey", "-out", s(&key)];
    gen.extend_from_slice(key_args);
    openssl(&gen, None);
    let mut req = vec![
        "req",
        "-x509",
        "-new",
        "-key",
        s(&key),
        "-out",
        s(&crt),
        "-days",
        "30",
        "-subj",
        "/CN=inject-root test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
    ];
    req.extend_from_slice(sign_args);
    openssl(&req, None);
    openssl(&["x509", "-in", s(&crt), "-outform", "DER"], None)
}

#[test]
fn record_15_is_the_tbs_hashed_with_the_signature_s_own_hash_for_every_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
    let p256 = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    let p384 = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"];
    let pss = [
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
    ];
    let cases: Vec<(&str, &[&str], Vec<&str>, &str)> = vec![
        ("rsa-sha256", &rsa, vec!["-sha256"], "-sha256"),
        ("rsa-sha384", &rsa, vec!["-sha384"], "-sha384"),
        ("rsa-sha512", &rsa, vec!["-sha512"], "-sha512"),
        ("rsa-sha224", &rsa, vec!["-sha224"], "-sha224"),
        ("rsa-sha1", &rsa, vec!["-sha1"], "-sha1"),
        (
            "pss-sha256",
            &rsa,
            [&["-sha256"][..], &pss].concat(),
            "-sha256",
        ),
        (
            "pss-sha384",
            &rsa,
            [&["-sha384"][..], &pss].concat(),
            "-sha384",
        ),
        ("ecdsa-p256", &p256, vec!["-sha256"], "-sha256"),
        ("ecdsa-p384", &p384, vec!["-sha384"], "-sha384"),
        ("ecdsa-p384-sha512", &p384, vec!["-sha512"], "-sha512"),
    ];
    for (name, key, sign, hash) in cases {
        let der = generated(dir.path(), name, key, &sign);
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
        let want = openssl(&["dgst", hash, "-binary"], Some(&tbs));
        let cert = Certificate::from_der(&der).unwrap();
        assert_eq!(
            derived_property(&cert, CERT_SIGNATURE_HASH_PROP_ID),
            Some(want),
            "{name}"
        );
        let blob = decode_blob(&encode_blob(&cert)).unwrap();
        assert!(blob_disagreements(&blob, &cert).is_empty(), "{name}");
        // Record 92 only for RSA (what Windows-written Blobs confirm).
        let has_92 = blob
            .property(CERT_ISSUER_PUB_KEY_BIT_LENGTH_PROP_ID)
            .is_some();
        assert_eq!(
            has_92,
            name.starts_with("rsa") || name.starts_with("pss"),
            "{name}"
        );
    }
    // A signature whose hash Windows is not known to use here: record 15 is not written.
    let md5 = generated(dir.path(), "rsa-md5", &rsa, &["-md5"]);
    if let Ok(cert) = Certificate::from_der(&md5) {
        assert_eq!(derived_property(&cert, CERT_SIGNATURE_HASH_PROP_ID), None);
        let ids = decode_blob(&encode_blob(&cert)).unwrap().prop_ids();
        assert!(!ids.contains(&CERT_SIGNATURE_HASH_PROP_ID), "{ids:?}");
    }
}

#[test]
fn a_wrong_record_is_flagged() {
    let windows = std::fs::read(
        shared_testdata().join("blobs/CA-1392E4C7FF25B9517E931077BBE2664DC87EF70D.blob"),
    )
    .unwrap();
    let decoded = decode_blob(&windows).unwrap();
    let cert = decoded.certificate().unwrap();
    // What an older writer put there: the SHA-1 of the TBSCertificate for a SHA-256 certificate.
    let mut records: Vec<(u32, Vec<u8>)> = decoded
        .records
        .iter()
        .map(|r| (r.prop_id, r.data.clone()))
        .collect();
    for (id, data) in &mut records {
        if *id == CERT_SIGNATURE_HASH_PROP_ID {
            *data = vec![0xAB; 20];
        }
    }
    let stale = decode_blob(&encode_records(&records)).unwrap();
    let found = blob_disagreements(&stale, &cert);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("record 15 (signature hash)"),
        "{}",
        found[0]
    );
}
