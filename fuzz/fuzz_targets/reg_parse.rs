//! Fuzzes `certblob::reg::parse_reg`: no input may panic, and whatever parses must write back
//! (write_reg) to text that parses to the same operations.
#![no_main]

use certblob::reg::{encode_utf16le_bom, parse_reg, write_reg, RootMapping};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for mapping in [
        RootMapping::Auto,
        RootMapping::Prefix("winpe-offline".into()),
    ] {
        if let Ok(file) = parse_reg(data, "fuzz", mapping) {
            let text = write_reg(&file.ops, "HKEY_LOCAL_MACHINE\\SOFTWARE");
            let back = parse_reg(&encode_utf16le_bom(&text), "again", RootMapping::Auto)
                .expect("write_reg output parses");
            assert_eq!(back.ops, file.ops);
        }
    }
});
