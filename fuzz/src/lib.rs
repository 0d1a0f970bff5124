//! Helpers shared by the fuzz targets.

/// Walk at most this many keys (a cyclic hive must be caught by the engine, but a fuzz target
/// must terminate even if it is not).
pub const MAX_KEYS: usize = 20_000;

/// Reads every key and value of `h` (names, path, timestamp, types, data), at most
/// [`MAX_KEYS`] keys, ignoring errors: the point is that nothing panics or hangs.
pub fn walk(h: &hive::Hive) {
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
}
