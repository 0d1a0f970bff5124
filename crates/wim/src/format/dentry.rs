//! Directory entries of an image's metadata resource, read in place: every field is taken
//! from the uncompressed resource with its byte offset, so that a file's data can be replaced
//! by rewriting only the 20 bytes of its stream hash.

use super::{align8, le_u16, le_u32, le_u64, sha1_at, FormatError};

/// Fixed part of a directory entry on disk.
pub const DENTRY_SIZE: u64 = 102;
/// Fixed part of an extra stream entry on disk.
pub const STREAM_ENTRY_SIZE: u64 = 38;
/// Offset of the main stream hash inside a directory entry.
pub const MAIN_HASH_OFFSET: usize = 0x40;
/// Offset of the hash inside an extra stream entry.
pub const STREAM_HASH_OFFSET: usize = 16;

/// FILE_ATTRIBUTE_DIRECTORY.
pub const ATTR_DIRECTORY: u32 = 0x10;
/// FILE_ATTRIBUTE_REPARSE_POINT.
pub const ATTR_REPARSE_POINT: u32 = 0x400;
/// FILE_ATTRIBUTE_ENCRYPTED.
pub const ATTR_ENCRYPTED: u32 = 0x4000;

/// Deepest directory nesting followed (as wimlib).
const MAX_DEPTH: usize = 16384;

/// One stream of a file: the unnamed data, a named (alternate) data stream, or reparse data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// UTF-16 name; empty for unnamed streams.
    pub name: Vec<u16>,
    /// SHA-1 of the stream's data (zero: empty).
    pub hash: [u8; 20],
    /// Offset in the metadata resource of those 20 bytes.
    pub hash_offset: usize,
}

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dentry {
    /// Offset of the entry in the metadata resource.
    pub offset: usize,
    /// FILE_ATTRIBUTE_* bits.
    pub attributes: u32,
    /// Index into the security data, or -1.
    pub security_id: i32,
    /// Offset of the first child entry (0: none).
    pub subdir_offset: u64,
    /// FILETIMEs.
    pub creation_time: u64,
    /// Last access FILETIME.
    pub last_access_time: u64,
    /// Last write FILETIME.
    pub last_write_time: u64,
    /// Reparse tag (reparse points only).
    pub reparse_tag: u32,
    /// Hard link group (0: not linked; reparse points have none).
    pub hard_link_group: u64,
    /// Long name (UTF-16).
    pub name: Vec<u16>,
    /// DOS short name (UTF-16), possibly empty.
    pub short_name: Vec<u16>,
    /// Main stream followed by the extra stream entries, in disk order.
    pub streams: Vec<Stream>,
    /// Offset of the next sibling entry.
    pub next: usize,
}

impl Dentry {
    /// A directory.
    pub fn is_directory(&self) -> bool {
        self.attributes & ATTR_DIRECTORY != 0
    }

    /// A reparse point.
    pub fn is_reparse_point(&self) -> bool {
        self.attributes & ATTR_REPARSE_POINT != 0
    }

    /// The long name as a Rust string (lossy).
    pub fn name_string(&self) -> String {
        String::from_utf16_lossy(&self.name)
    }

    /// Index in `streams` of the unnamed data stream, following the rules writers use: the
    /// first unnamed stream with a non-zero hash that is not the reparse data; the zero main
    /// hash (an empty file) when there is none. `None` for encrypted files and for reparse
    /// points without a data stream.
    pub fn data_stream(&self) -> Option<usize> {
        if self.attributes & ATTR_ENCRYPTED != 0 {
            return None;
        }
        let mut reparse_taken = !self.is_reparse_point();
        for (i, s) in self.streams.iter().enumerate() {
            if !s.name.is_empty() || (i == 0 && s.hash == [0; 20]) {
                continue;
            }
            if !reparse_taken {
                reparse_taken = true;
                continue;
            }
            return Some(i);
        }
        if self.is_reparse_point() {
            None
        } else {
            Some(0)
        }
    }

    /// Named data streams (alternate data streams).
    pub fn named_streams(&self) -> impl Iterator<Item = &Stream> {
        self.streams.iter().filter(|s| !s.name.is_empty())
    }
}

fn bad(at: usize, what: &str) -> FormatError {
    FormatError::new(at as u64, what.to_string())
}

fn utf16_at(buf: &[u8], at: usize, nbytes: usize) -> Option<Vec<u16>> {
    let b = buf.get(at..at.checked_add(nbytes)?)?;
    Some(
        b.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect(),
    )
}

/// Reads the entry at `offset`; `Ok(None)` for the end-of-directory marker.
pub fn read(buf: &[u8], offset: usize) -> Result<Option<Dentry>, FormatError> {
    let length = le_u64(buf, offset).ok_or_else(|| bad(offset, "directory entry past the end"))?;
    let length = align8(length).ok_or_else(|| bad(offset, "directory entry length overflows"))?;
    if length <= 8 {
        return Ok(None);
    }
    let end = (offset as u64)
        .checked_add(length)
        .filter(|&e| e <= buf.len() as u64 && length >= DENTRY_SIZE)
        .ok_or_else(|| bad(offset, "directory entry length out of bounds"))? as usize;
    let f32 = |at| le_u32(buf, offset + at).unwrap_or(0);
    let f64_ = |at| le_u64(buf, offset + at).unwrap_or(0);
    let attributes = f32(8);
    let reparse = attributes & ATTR_REPARSE_POINT != 0;
    let extra = le_u16(buf, offset + 96).unwrap_or(0);
    let short_nbytes = le_u16(buf, offset + 98).unwrap_or(0) as usize;
    let name_nbytes = le_u16(buf, offset + 100).unwrap_or(0) as usize;
    if !short_nbytes.is_multiple_of(2) || !name_nbytes.is_multiple_of(2) {
        return Err(bad(offset + 98, "odd UTF-16 name length"));
    }
    let mut need = DENTRY_SIZE as usize;
    if name_nbytes > 0 {
        need += name_nbytes + 2;
    }
    if short_nbytes > 0 {
        need += short_nbytes + 2;
    }
    if need as u64 > length {
        return Err(bad(offset, "directory entry too short for its names"));
    }
    let name_at = offset + DENTRY_SIZE as usize;
    let name = utf16_at(buf, name_at, name_nbytes).ok_or_else(|| bad(name_at, "name past end"))?;
    let short_at = name_at + if name_nbytes > 0 { name_nbytes + 2 } else { 0 };
    let short_name = utf16_at(buf, short_at, short_nbytes)
        .ok_or_else(|| bad(short_at, "short name past end"))?;
    let mut streams = vec![Stream {
        name: Vec::new(),
        hash: sha1_at(buf, offset + MAIN_HASH_OFFSET).unwrap_or([0; 20]),
        hash_offset: offset + MAIN_HASH_OFFSET,
    }];
    let mut at = end;
    for _ in 0..extra {
        let slen = le_u64(buf, at).ok_or_else(|| bad(at, "stream entry past the end"))?;
        let slen = align8(slen).ok_or_else(|| bad(at, "stream entry length overflows"))?;
        if slen < STREAM_ENTRY_SIZE || slen > (buf.len() - at) as u64 {
            return Err(bad(at, "stream entry length out of bounds"));
        }
        let nbytes = le_u16(buf, at + 36).unwrap_or(0) as usize;
        if !nbytes.is_multiple_of(2) || STREAM_ENTRY_SIZE + nbytes as u64 > slen {
            return Err(bad(at + 36, "bad stream name length"));
        }
        streams.push(Stream {
            name: utf16_at(buf, at + 38, nbytes).unwrap_or_default(),
            hash: sha1_at(buf, at + STREAM_HASH_OFFSET).unwrap_or([0; 20]),
            hash_offset: at + STREAM_HASH_OFFSET,
        });
        at += slen as usize;
    }
    Ok(Some(Dentry {
        offset,
        attributes,
        security_id: f32(12) as i32,
        subdir_offset: f64_(16),
        creation_time: f64_(40),
        last_access_time: f64_(48),
        last_write_time: f64_(56),
        reparse_tag: if reparse { f32(88) } else { 0 },
        hard_link_group: if reparse { 0 } else { f64_(88) },
        name,
        short_name,
        streams,
        next: at,
    }))
}

/// The children of directory `dir`, in disk order.
pub fn children(buf: &[u8], dir: &Dentry) -> Result<Vec<Dentry>, FormatError> {
    let mut out = Vec::new();
    if dir.subdir_offset == 0 || !dir.is_directory() {
        return Ok(out);
    }
    let mut at = usize::try_from(dir.subdir_offset)
        .map_err(|_| bad(dir.offset + 16, "child offset out of bounds"))?;
    while let Some(d) = read(buf, at)? {
        at = d.next;
        out.push(d);
    }
    Ok(out)
}

/// The root directory entry, which follows the security data.
pub fn root(buf: &[u8], security_length: u64) -> Result<Dentry, FormatError> {
    let at = usize::try_from(security_length).map_err(|_| bad(0, "security data too long"))?;
    match read(buf, at)? {
        Some(d) if d.is_directory() => Ok(d),
        Some(_) => Err(bad(at, "the image's root is not a directory")),
        None => Err(bad(at, "the image has no root directory")),
    }
}

/// Case-insensitive comparison of a UTF-16 name with a path component (as Windows looks up
/// names: simple upper-casing).
pub fn name_matches(name: &[u16], component: &str) -> bool {
    let mut a = char::decode_utf16(name.iter().copied());
    let mut b = component.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(Ok(x)), Some(y)) => {
                if x != y && !x.to_uppercase().eq(y.to_uppercase()) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Looks a `/`-separated path up from the root; the entries along the way, root first.
pub fn lookup(
    buf: &[u8],
    root: &Dentry,
    components: &[&str],
) -> Result<Option<Vec<Dentry>>, FormatError> {
    let mut chain = vec![root.clone()];
    for comp in components {
        let dir = chain.last().cloned().unwrap_or_else(|| root.clone());
        let kids = children(buf, &dir)?;
        // An exact-case match wins over a case-insensitive one.
        let exact = kids.iter().position(|d| d.name_string() == *comp);
        let found = exact.or_else(|| kids.iter().position(|d| name_matches(&d.name, comp)));
        match found {
            Some(i) => chain.push(kids[i].clone()),
            None => return Ok(None),
        }
    }
    Ok(Some(chain))
}

/// Calls `f` for every entry of the tree under `root` (root excluded), depth first. Refuses
/// cycles and nesting deeper than wimlib allows.
pub fn walk(buf: &[u8], root: &Dentry, f: &mut dyn FnMut(&Dentry)) -> Result<(), FormatError> {
    let mut stack: Vec<(Dentry, usize)> = vec![(root.clone(), 0)];
    let mut seen_dirs = std::collections::HashSet::new();
    while let Some((dir, depth)) = stack.pop() {
        if depth >= MAX_DEPTH {
            return Err(bad(dir.offset, "directory tree too deep"));
        }
        if dir.subdir_offset != 0 && !seen_dirs.insert(dir.subdir_offset) {
            return Err(bad(dir.offset + 16, "directory tree has a cycle"));
        }
        for child in children(buf, &dir)? {
            f(&child);
            if child.is_directory() && child.subdir_offset != 0 {
                stack.push((child, depth + 1));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One directory entry with `name`, `attributes`, the main hash and extra streams
    /// `(name, hash)`, as writers lay it out.
    fn entry(name: &str, attributes: u32, main: [u8; 20], extra: &[(&str, [u8; 20])]) -> Vec<u8> {
        let name16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let len = (DENTRY_SIZE as usize + name16.len() + 2 + 7) & !7;
        let mut b = vec![0u8; len];
        b[0..8].copy_from_slice(&(len as u64).to_le_bytes());
        b[8..12].copy_from_slice(&attributes.to_le_bytes());
        b[12..16].copy_from_slice(&(-1i32).to_le_bytes());
        b[40..48].copy_from_slice(&1u64.to_le_bytes());
        b[MAIN_HASH_OFFSET..MAIN_HASH_OFFSET + 20].copy_from_slice(&main);
        b[96..98].copy_from_slice(&(extra.len() as u16).to_le_bytes());
        b[100..102].copy_from_slice(&(name16.len() as u16).to_le_bytes());
        b[102..102 + name16.len()].copy_from_slice(&name16);
        for (n, h) in extra {
            let n16: Vec<u8> = n.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let slen = (STREAM_ENTRY_SIZE as usize + n16.len() + 2 + 7) & !7;
            let mut s = vec![0u8; slen];
            s[0..8].copy_from_slice(&(slen as u64).to_le_bytes());
            s[16..36].copy_from_slice(h);
            s[36..38].copy_from_slice(&(n16.len() as u16).to_le_bytes());
            s[38..38 + n16.len()].copy_from_slice(&n16);
            b.extend_from_slice(&s);
        }
        b
    }

    #[test]
    fn data_stream_rules() {
        let (a, z) = ([0xaa; 20], [0u8; 20]);
        // Plain file: the main hash.
        let d = read(&entry("f", 0x20, a, &[]), 0).unwrap().unwrap();
        assert_eq!(d.data_stream(), Some(0));
        assert_eq!(d.streams[0].hash_offset, MAIN_HASH_OFFSET);
        // Zero main hash, named stream, then the unnamed data in an extra entry.
        let buf = entry("f", 0x20, z, &[("ads", [1; 20]), ("", a)]);
        let d = read(&buf, 0).unwrap().unwrap();
        assert_eq!(d.data_stream(), Some(2));
        assert_eq!(&buf[d.streams[2].hash_offset..][..20], &a);
        assert_eq!(d.named_streams().count(), 1);
        assert_eq!(d.next, buf.len());
        // A reparse point: the first unnamed stream is the reparse data.
        let d = read(&entry("l", ATTR_REPARSE_POINT, a, &[]), 0)
            .unwrap()
            .unwrap();
        assert_eq!(d.data_stream(), None);
        let d = read(&entry("l", ATTR_REPARSE_POINT, a, &[("", [2; 20])]), 0)
            .unwrap()
            .unwrap();
        assert_eq!(d.data_stream(), Some(1));
        // An empty file: the zero main hash.
        let d = read(&entry("e", 0x20, z, &[]), 0).unwrap().unwrap();
        assert_eq!(d.data_stream(), Some(0));
        // Encrypted files are not handled.
        let d = read(&entry("x", ATTR_ENCRYPTED, a, &[]), 0)
            .unwrap()
            .unwrap();
        assert_eq!(d.data_stream(), None);
    }

    #[test]
    fn damaged_entries_are_refused() {
        let good = entry("name", 0x20, [1; 20], &[("s", [2; 20])]);
        for cut in [4, 50, good.len() - 3] {
            assert!(read(&good[..cut], 0).is_err(), "cut at {cut}");
        }
        let mut odd = good.clone();
        odd[100] = 7;
        assert!(read(&odd, 0).is_err());
        assert_eq!(read(&[0u8; 8], 0).unwrap(), None);
        assert!(name_matches(
            &"Software".encode_utf16().collect::<Vec<_>>(),
            "SOFTWARE"
        ));
        assert!(!name_matches(
            &"Soft".encode_utf16().collect::<Vec<_>>(),
            "SOFTWARE"
        ));
    }
}
