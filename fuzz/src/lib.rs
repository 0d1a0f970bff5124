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

/// The fuzz input as a WIM file in a fresh temporary directory, when its header is one the
/// native WIM path handles (not solid, pipable or split: those go to wimlib, which is not
/// what these targets fuzz). The directory lives as long as the returned guard.
pub fn native_wim_file(data: &[u8]) -> Option<(tempfile::TempDir, std::path::PathBuf)> {
    use wim::format::header::{Codec, Header, VERSION_SOLID};
    let h = Header::parse(data).ok()?;
    if h.is_pipable()
        || h.total_parts != 1
        || h.part_number != 1
        || h.version == VERSION_SOLID
        || !matches!(h.codec(), Ok(Codec::None | Codec::Xpress | Codec::Lzx))
    {
        return None;
    }
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("f.wim");
    std::fs::write(&path, data).ok()?;
    Some((dir, path))
}
