//! decode_blob: record walking, error offsets, and property tests (round trip, no panics).

mod cert_common;

use cert_common::{openssl, real_roots, s};
use certblob::{decode_blob, encode_blob, encode_records, parse_certificates, Certificate, Error};
use proptest::prelude::*;

#[test]
fn unknown_ids_are_kept_and_truncation_names_the_offset() {
    let blob = encode_records(&[(0x7777, vec![1, 2, 3]), (32, vec![0x30, 0x00])]);
    let d = decode_blob(&blob).unwrap();
    assert_eq!(d.prop_ids(), [0x7777, 32]);
    assert_eq!(d.records[1].offset, 15);
    assert_eq!(d.cert_der.as_deref(), Some(&[0x30, 0x00][..]));

    // Header cut short at the second record (offset 15).
    match decode_blob(&blob[..20]) {
        Err(Error::BadBlob { offset, .. }) => assert_eq!(offset, 15),
        other => panic!("expected BadBlob, got {other:?}"),
    }
    // Data shorter than the length field says.
    match decode_blob(&blob[..blob.len() - 1]) {
        Err(Error::BadBlob { offset, detail }) => {
            assert_eq!(offset, 15);
            assert!(detail.contains("claims 2"), "{detail}");
        }
        other => panic!("expected BadBlob, got {other:?}"),
    }
    // A huge length is rejected without allocating it.
    let mut huge = vec![32, 0, 0, 0, 1, 0, 0, 0];
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        decode_blob(&huge),
        Err(Error::BadBlob { offset: 0, .. })
    ));
    // Empty blob: no records, no certificate.
    let d = decode_blob(&[]).unwrap();
    assert!(d.records.is_empty() && d.cert_der.is_none());
}

#[test]
fn real_root_blobs_round_trip() {
    for path in real_roots().iter().take(6) {
        let der = openssl(&["x509", "-in", s(path), "-outform", "DER"], None);
        let cert = Certificate::from_der(&der).unwrap();
        let blob = encode_blob(&cert);
        let d = decode_blob(&blob).unwrap();
        let records: Vec<(u32, Vec<u8>)> = d
            .records
            .iter()
            .map(|r| (r.prop_id, r.data.clone()))
            .collect();
        assert_eq!(encode_records(&records), blob);
        let again = Certificate::from_der(d.cert_der.as_deref().unwrap()).unwrap();
        assert_eq!(again, cert);
    }
}

fn sample_der() -> Vec<u8> {
    static DER: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    DER.get_or_init(|| {
        let path = &real_roots()[0];
        openssl(&["x509", "-in", s(path), "-outform", "DER"], None)
    })
    .clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_then_decode_is_identity(records in proptest::collection::vec(
        (any::<u32>(), proptest::collection::vec(any::<u8>(), 0..300)), 0..12)) {
        let blob = encode_records(&records);
        let d = decode_blob(&blob).unwrap();
        let back: Vec<(u32, Vec<u8>)> = d.records.iter().map(|r| (r.prop_id, r.data.clone())).collect();
        prop_assert_eq!(&back, &records);
        prop_assert!(d.records.iter().all(|r| r.reserved == 1));
        let first_cert = records.iter().find(|(id, _)| *id == 32).map(|(_, d)| d.clone());
        prop_assert_eq!(d.cert_der, first_cert);
    }

    #[test]
    fn decode_blob_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(d) = decode_blob(&bytes) {
            prop_assert!(d.records.len() <= bytes.len() / 12);
        }
    }

    #[test]
    fn parse_certificates_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_certificates(&bytes, "fuzz");
    }

    #[test]
    fn parse_certificates_never_panics_on_text(text in "(-----BEGIN [A-Z0-9 #]{0,20}-----|-----END [A-Z0-9 ]{0,20}-----|[A-Za-z0-9+/=:\\r\\n ]{0,80}){0,8}") {
        let _ = parse_certificates(text.as_bytes(), "fuzz");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Mutated real certificates (DER and PEM): an error or a certificate, never a panic.
    #[test]
    fn mutated_certificates_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                                        cut in any::<prop::sample::Index>()) {
        let mut der = sample_der();
        for (i, b) in &flips {
            let at = i.index(der.len());
            der[at] ^= *b;
        }
        let _ = parse_certificates(&der, "mutated.der");
        let end = cut.index(der.len() + 1);
        let _ = parse_certificates(&der[..end], "cut.der");
        let _ = Certificate::from_der(&der);
    }
}
