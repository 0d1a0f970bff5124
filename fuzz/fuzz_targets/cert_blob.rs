//! Fuzzes the `Blob` decoder: any bytes must decode or give a typed error, never a panic; a
//! decoded blob re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(decoded) = certblob::decode_blob(data) {
        assert!(decoded.records.len() <= data.len() / 12);
        let records: Vec<(u32, Vec<u8>)> = decoded
            .records
            .iter()
            .map(|r| (r.prop_id, r.data.clone()))
            .collect();
        assert_eq!(certblob::encode_records(&records), data);
        if let Some(der) = decoded.cert_der.as_deref() {
            let _ = certblob::Certificate::from_der(der);
        }
    }
});
