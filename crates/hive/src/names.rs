//! Key and value names: decoding the two on-disk forms, Windows' case-insensitive comparison,
//! the `lh` name hash and the `lf` name hint.

use std::cmp::Ordering;

/// Decodes an on-disk name: `compressed` names are one byte per character (Latin-1),
/// the others UTF-16LE. Returns UTF-16 code units.
pub(crate) fn decode(raw: &[u8], compressed: bool) -> Vec<u16> {
    if compressed {
        raw.iter().map(|&b| u16::from(b)).collect()
    } else {
        raw.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    }
}

/// The upper-cased code units of an on-disk name, without allocating.
pub(crate) fn upcased(raw: &[u8], compressed: bool) -> impl Iterator<Item = u16> + '_ {
    let step = if compressed { 1 } else { 2 };
    raw.chunks_exact(step).map(move |c| {
        let u = if compressed {
            u16::from(c[0])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        };
        upcase_unit(u)
    })
}

/// Encodes a name the way Windows stores it: compressed (one byte per character) when every
/// character is below 256, UTF-16LE otherwise. Returns the bytes and whether it is compressed.
pub(crate) fn encode(units: &[u16]) -> (Vec<u8>, bool) {
    if units.iter().all(|&u| u < 256) {
        (units.iter().map(|&u| u as u8).collect(), true)
    } else {
        (units.iter().flat_map(|u| u.to_le_bytes()).collect(), false)
    }
}

/// Upper-cases one UTF-16 code unit the way Windows does (one unit to one unit; characters
/// whose upper case is not a single BMP character, and surrogates, stay as they are).
pub(crate) fn upcase_unit(u: u16) -> u16 {
    if u < 0x80 {
        return u16::from((u as u8).to_ascii_uppercase());
    }
    let Some(c) = char::from_u32(u32::from(u)) else {
        return u;
    };
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(x), None) if (x as u32) <= 0xFFFF => x as u16,
        _ => u,
    }
}

/// Compares two names the way Windows sorts subkey lists: by upper-cased code units.
pub(crate) fn cmp(a: &[u16], b: &[u16]) -> Ordering {
    a.iter()
        .map(|&u| upcase_unit(u))
        .cmp(b.iter().map(|&u| upcase_unit(u)))
}

/// Case-insensitive equality of two names.
pub(crate) fn eq(a: &[u16], b: &[u16]) -> bool {
    a.len() == b.len() && cmp(a, b) == Ordering::Equal
}

/// The `lh` hash: H = 37 * H + upcase(c) over UTF-16 code units, wrapping.
pub(crate) fn lh_hash(units: &[u16]) -> u32 {
    units.iter().fold(0u32, |h, &u| {
        h.wrapping_mul(37).wrapping_add(u32::from(upcase_unit(u)))
    })
}

/// The `lf` name hint: the first 4 characters as extended ASCII, zero padded; first byte 0
/// when one of them does not fit in a byte.
pub(crate) fn lf_hint(units: &[u16]) -> [u8; 4] {
    let mut hint = [0u8; 4];
    for (slot, &u) in hint.iter_mut().zip(units.iter()) {
        if u > 0xFF {
            return [0; 4];
        }
        *slot = u as u8;
    }
    hint
}

/// Length in bytes of a name seen as UTF-16LE (the form of the "largest name" fields).
pub(crate) fn utf16_len(units: &[u16]) -> u32 {
    (units.len() * 2) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn comparison_is_case_insensitive_beyond_ascii() {
        assert!(eq(&u("ÄbC"), &u("äBc")));
        assert_eq!(cmp(&u("a"), &u("B")), Ordering::Less);
        // '_' (0x5F) sorts after upper-case letters, as in Windows.
        assert_eq!(cmp(&u("_x"), &u("z")), Ordering::Greater);
    }

    #[test]
    fn lh_hash_uses_upper_case() {
        assert_eq!(lh_hash(&u("ab")), lh_hash(&u("AB")));
        assert_eq!(lh_hash(&u("AB")), 65 * 37 + 66);
    }

    #[test]
    fn encoding_round_trips() {
        for s in ["plain", "café", "日本"] {
            let (raw, comp) = encode(&u(s));
            assert_eq!(decode(&raw, comp), u(s));
        }
        assert!(!encode(&u("日本")).1);
    }
}
