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

/// Lower-case letters whose upper-case partner only arrived in Unicode 14 to 16: the case
/// tables of Windows hives (as carried by nt-hive) do not pair them, so neither do we.
const UNPAIRED_RECENT: &[u16] = &[
    0x019B, 0x0264, 0x1C8A, 0x2C5F, 0xA7C1, 0xA7CD, 0xA7CF, 0xA7D1, 0xA7D3, 0xA7D5, 0xA7D7, 0xA7D9,
    0xA7DB,
];

/// Upper-cases one UTF-16 code unit the way Windows does: the simple (one to one) Unicode
/// mapping; characters without one, and surrogates, stay as they are.
pub(crate) fn upcase_unit(u: u16) -> u16 {
    if u < 0x80 {
        return u16::from((u as u8).to_ascii_uppercase());
    }
    let Some(c) = char::from_u32(u32::from(u)) else {
        return u;
    };
    if UNPAIRED_RECENT.contains(&u) {
        return u;
    }
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(x), None) if (x as u32) <= 0xFFFF => x as u16,
        (Some(_), Some(_)) => simple_upper_of_special(c).unwrap_or(u),
        _ => u,
    }
}

/// For a character whose full upper case is several characters (e.g. Greek letters with
/// ypogegrammeni), the simple mapping is the title-case letter that lower-cases to it; it lives
/// in the same 256-character block.
fn simple_upper_of_special(c: char) -> Option<u16> {
    let base = (c as u32) & 0xFF00;
    (base..=base + 0xFF).find_map(|x| {
        let xc = char::from_u32(x)?;
        let mut low = xc.to_lowercase();
        (xc != c && !xc.is_uppercase() && low.next() == Some(c) && low.next().is_none())
            .then_some(x as u16)
    })
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

    /// nt-hive carries a table of the upper-case mapping Windows hives use: for every BMP
    /// character, our comparison agrees with it on the character's case partners.
    #[test]
    fn case_folding_agrees_with_nt_hive_on_the_whole_bmp() {
        use nt_hive::NtHiveNameString;
        let mut checked = 0;
        let mut mismatches = Vec::new();
        for u in 0u16..=0xFFFF {
            let Some(c) = char::from_u32(u32::from(u)) else {
                continue;
            };
            let up = upcase_unit(u).to_le_bytes();
            let own = u.to_le_bytes();
            if NtHiveNameString::Utf16LE(&own) != NtHiveNameString::Utf16LE(&up) {
                mismatches.push((u, upcase_unit(u)));
            }
            let partners: Vec<char> = c.to_lowercase().chain(c.to_uppercase()).collect();
            for p in partners {
                if (p as u32) > 0xFFFF {
                    continue;
                }
                let pu = p as u16;
                let a = u.to_le_bytes();
                let b = pu.to_le_bytes();
                let theirs = NtHiveNameString::Utf16LE(&a) == NtHiveNameString::Utf16LE(&b);
                if eq(&[u], &[pu]) != theirs {
                    mismatches.push((u, pu));
                }
                checked += 1;
            }
        }
        assert!(checked > 60_000);
        assert!(mismatches.is_empty(), "{mismatches:x?}");
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
