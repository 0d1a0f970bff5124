//! Fuzzes certificate input: any bytes must give certificates or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(certs) = certblob::parse_certificates(data, "fuzz") {
        for cert in &certs {
            // Everything computed from a parsed certificate must hold up too.
            let _ = cert.findings(0);
            for style in certblob::BlobStyle::ALL {
                let blob = certblob::encode_blob_with(cert, style);
                let decoded = certblob::decode_blob(&blob).expect("our own blob decodes");
                assert_eq!(decoded.cert_der.as_deref(), Some(cert.der()));
            }
        }
    }
});
