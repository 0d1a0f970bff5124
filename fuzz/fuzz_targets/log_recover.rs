//! Fuzz `hive::log`: the input is split into a primary and two logs; assessing, replaying and the
//! after-write policy must never panic, and replay output must stay bounded by its inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Layout: [u16 primary len][u16 log1 len][rest...]; the primary is padded to a real hive
    // prefix length only by the fuzzer's choice (corpus seeds hold real base blocks).
    if data.len() < 4 {
        return;
    }
    let p = usize::from(u16::from_le_bytes([data[0], data[1]])) * 8;
    let l1 = usize::from(u16::from_le_bytes([data[2], data[3]])) * 8;
    let rest = &data[4..];
    let p = p.min(rest.len());
    let (primary, rest) = rest.split_at(p);
    let l1 = l1.min(rest.len());
    let (log1, log2) = rest.split_at(l1);
    let _ = hive::log::assess(primary, Some(log1), Some(log2));
    if let Ok(Some(rec)) = hive::log::recover(primary, Some(log1), Some(log2)) {
        assert!(rec.bytes.len() <= primary.len() + log1.len() + log2.len() + 4096);
    }
    let _ = hive::log::log_action_after_write(primary, log1);
});
