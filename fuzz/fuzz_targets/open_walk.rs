//! Fuzz opening and walking a hive: `Hive::from_bytes` on arbitrary bytes, then a bounded walk
//! of every key and value (names, types, data), must return typed errors, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Walk at most this many keys (a cyclic hive must be caught by the engine, but the fuzz target
/// must terminate even if it is not).
const MAX_KEYS: usize = 20_000;

fuzz_target!(|data: &[u8]| {
    let Ok(h) = hive::Hive::from_bytes(data.to_vec()) else {
        return;
    };
    let Ok(root) = h.root() else { return };
    let mut stack = vec![root];
    let mut seen = 0usize;
    while let Some(k) = stack.pop() {
        seen += 1;
        if seen > MAX_KEYS {
            break;
        }
        let _ = (k.name(), k.path(), k.last_written());
        if let Ok(values) = k.values() {
            for v in values {
                let _ = (v.name(), v.value_type(), v.data());
            }
        }
        if let Ok(subkeys) = k.subkeys() {
            stack.extend(subkeys);
        }
    }
});
