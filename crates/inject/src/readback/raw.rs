//! A second, minimal regf reader for the one read-back nt-hive gets wrong: in a version 1.3
//! hive, a value over 16,344 bytes is stored in one cell (big data records exist only from 1.4
//! on), and nt-hive takes it for big data. Written on its own from the format (Maxim Suhanov's
//! specification), sharing nothing with crates/hive, so that it is an independent check of what
//! the engine wrote. It follows one key path and reads one value; every offset is bounds-checked.

/// File offset of the hive bins data.
const BINS: usize = 4096;
/// Deepest key path followed.
const MAX_DEPTH: usize = 512;

fn u16_at(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("offset {at:#x} is past the end"))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("offset {at:#x} is past the end"))
}

/// The data of the allocated cell at hive bins offset `off`.
fn cell(hive: &[u8], off: u32) -> Result<&[u8], String> {
    let start = BINS + off as usize;
    let size = u32_at(hive, start)? as i32;
    if size >= 0 {
        return Err(format!("the cell at {start:#x} is not allocated"));
    }
    let len = size.unsigned_abs() as usize;
    hive.get(start + 4..start + len)
        .filter(|_| len >= 8)
        .ok_or_else(|| format!("the cell at {start:#x} runs past the end"))
}

/// A key or value name as stored (one byte per character, or UTF-16LE).
fn name(raw: &[u8], one_byte: bool) -> String {
    if one_byte {
        raw.iter().map(|&b| char::from(b)).collect()
    } else {
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.to_uppercase() == b.to_uppercase()
}

/// The key node cell `nk` names `want`.
fn key_named(hive: &[u8], nk_off: u32, want: &str) -> Result<bool, String> {
    let nk = cell(hive, nk_off)?;
    if nk.get(0..2) != Some(b"nk") {
        return Err(format!("cell {nk_off:#x} is not a key node"));
    }
    let len = u16_at(nk, 72)? as usize;
    let raw = nk
        .get(76..76 + len)
        .ok_or("a key name runs past its cell")?;
    Ok(same_name(&name(raw, u16_at(nk, 2)? & 0x20 != 0), want))
}

/// The subkey of the key at `nk_off` named `want`, searching every element of its list.
fn subkey(hive: &[u8], nk_off: u32, want: &str) -> Result<Option<u32>, String> {
    let nk = cell(hive, nk_off)?;
    if u32_at(nk, 20)? == 0 {
        return Ok(None);
    }
    let mut lists = vec![u32_at(nk, 28)?];
    let mut seen = 0usize;
    while let Some(list_off) = lists.pop() {
        seen += 1;
        if seen > 65_536 {
            return Err("too many subkey lists".into());
        }
        let list = cell(hive, list_off)?;
        let count = u16_at(list, 2)? as usize;
        let (stride, index_root) = match list.get(0..2) {
            Some(b"lf" | b"lh") => (8, false),
            Some(b"li") => (4, false),
            Some(b"ri") => (4, true),
            _ => return Err(format!("cell {list_off:#x} is not a subkey list")),
        };
        for i in 0..count {
            let element = u32_at(list, 4 + i * stride)?;
            if index_root {
                lists.push(element);
            } else if key_named(hive, element, want)? {
                return Ok(Some(element));
            }
        }
    }
    Ok(None)
}

/// The data of value `value` of the key at `path` (`\`-separated, from the root), read from a
/// hive image of minor version `minor`.
pub fn value_data(hive: &[u8], path: &str, value: &str) -> Result<Vec<u8>, String> {
    let minor = u32_at(hive, 24)?;
    let mut key = u32_at(hive, 36)?;
    for (depth, component) in path.split('\\').filter(|c| !c.is_empty()).enumerate() {
        if depth >= MAX_DEPTH {
            return Err("the key path is too deep".into());
        }
        key = subkey(hive, key, component)?.ok_or_else(|| format!("key {component} is missing"))?;
    }
    let nk = cell(hive, key)?;
    let count = u32_at(nk, 36)? as usize;
    if count == 0 {
        return Err(format!("value {value} is missing"));
    }
    let list = cell(hive, u32_at(nk, 40)?)?;
    for i in 0..count {
        let vk_off = u32_at(list, i * 4)?;
        let vk = cell(hive, vk_off)?;
        if vk.get(0..2) != Some(b"vk") {
            return Err(format!("cell {vk_off:#x} is not a value"));
        }
        let name_len = u16_at(vk, 2)? as usize;
        let raw = vk
            .get(20..20 + name_len)
            .ok_or("a value name runs past its cell")?;
        if !same_name(&name(raw, u16_at(vk, 16)? & 1 != 0), value) {
            continue;
        }
        let size = u32_at(vk, 4)?;
        let len = (size & 0x7FFF_FFFF) as usize;
        if size & 0x8000_0000 != 0 {
            return vk
                .get(8..8 + len.min(4))
                .map(<[u8]>::to_vec)
                .ok_or("bad inline data".into());
        }
        if minor >= 4 && len > 16_344 {
            return Err("big data (version 1.4 and later) is not read here".into());
        }
        let data = cell(hive, u32_at(vk, 8)?)?;
        return data
            .get(..len)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("the data of {value} runs past its cell"));
    }
    Err(format!("value {value} is missing"))
}
