//! Fuzz opening and walking a hive: `Hive::from_bytes` on arbitrary bytes, then a bounded walk
//! of every key and value (names, types, data), must return typed errors, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = hive::Hive::from_bytes(data.to_vec()) {
        inject_root_fuzz::walk(&h);
    }
});
