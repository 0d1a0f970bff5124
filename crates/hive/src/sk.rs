//! Key security (`sk`) records: reference counts and the doubly linked list of all of them.

use crate::cell::{allocated, le_u16, le_u32, Cell};
use crate::error::Result;
use crate::image::Image;

/// Field offsets inside the sk cell data.
pub(crate) mod off {
    pub const FLINK: usize = 4;
    pub const BLINK: usize = 8;
    pub const REFCOUNT: usize = 12;
}

/// A parsed key security record.
#[derive(Debug, Clone)]
pub(crate) struct Sk {
    pub cell: Cell,
    pub flink: u32,
    pub blink: u32,
    pub refcount: u32,
}

impl Sk {
    /// Reads the sk at cell `off`.
    pub fn read(bytes: &Image, bins_size: u32, off: u32, referrer: u64) -> Result<Sk> {
        let cell = allocated(bytes, bins_size, off, referrer)?;
        cell.expect_sig(bytes, "sk")?;
        Ok(Sk {
            cell,
            flink: cell.u32(bytes, off::FLINK, "sk flink")?,
            blink: cell.u32(bytes, off::BLINK, "sk blink")?,
            refcount: cell.u32(bytes, off::REFCOUNT, "sk reference count")?,
        })
    }
}

/// Offset of the descriptor's length, then of the descriptor, in the sk cell data.
const DESCRIPTOR_LEN: usize = 16;
const DESCRIPTOR: usize = 20;
/// SECURITY_DESCRIPTOR control bits.
const SE_DACL_PRESENT: u16 = 0x0004;
const SE_SACL_PRESENT: u16 = 0x0010;
const SE_SELF_RELATIVE: u16 = 0x8000;

/// Why the security descriptor of an sk cell (`data`: the cell's bytes after its size) is not
/// one Windows accepts, or `None` when it is whole and well formed: it fits the cell, is at
/// least a descriptor header, revision 1, self-relative, and its owner and group SIDs and its
/// present ACLs (with every ACE) lie inside it.
pub(crate) fn descriptor_problem(data: &[u8]) -> Option<String> {
    let Some(len) = le_u32(data, DESCRIPTOR_LEN) else {
        return Some("the security cell is too small for a descriptor".into());
    };
    let Some(sd) = (len as usize)
        .checked_add(DESCRIPTOR)
        .and_then(|end| data.get(DESCRIPTOR..end))
    else {
        return Some(format!(
            "the security descriptor of {len} bytes does not fit its cell"
        ));
    };
    if sd.len() < 20 {
        return Some(format!(
            "the security descriptor of {len} bytes is too small"
        ));
    }
    if sd[0] != 1 {
        return Some(format!("security descriptor revision {} (not 1)", sd[0]));
    }
    let control = le_u16(sd, 2).unwrap_or(0);
    if control & SE_SELF_RELATIVE == 0 {
        return Some(format!(
            "the security descriptor is not self-relative (control {control:#06x})"
        ));
    }
    let field = |at| le_u32(sd, at).unwrap_or(0) as usize;
    for (what, at) in [("owner", field(4)), ("group", field(8))] {
        if at != 0 && !sid_fits(sd, at) {
            return Some(format!(
                "the {what} SID at {at:#x} of the security descriptor is malformed or outside it"
            ));
        }
    }
    for (what, present, at) in [
        ("SACL", SE_SACL_PRESENT, field(12)),
        ("DACL", SE_DACL_PRESENT, field(16)),
    ] {
        if control & present != 0 && at != 0 {
            if let Some(why) = acl_problem(sd, at) {
                return Some(format!(
                    "the {what} at {at:#x} of the security descriptor: {why}"
                ));
            }
        }
    }
    None
}

/// True when a SID (revision 1, at most 15 sub-authorities) lies wholly in `sd` at `at`.
fn sid_fits(sd: &[u8], at: usize) -> bool {
    match sd.get(at..at.saturating_add(8)) {
        Some(head) if head[0] == 1 && head[1] <= 15 => {
            sd.len() - at - 8 >= 4 * usize::from(head[1])
        }
        _ => false,
    }
}

/// Why the ACL at `at` of `sd` is not whole (its header, its size, each of its ACEs), if so.
fn acl_problem(sd: &[u8], at: usize) -> Option<&'static str> {
    let Some(head) = sd.get(at..at.saturating_add(8)) else {
        return Some("its header lies outside the descriptor");
    };
    if head[0] != 2 && head[0] != 4 {
        return Some("an ACL revision other than 2 or 4");
    }
    let size = usize::from(u16::from_le_bytes([head[2], head[3]]));
    let count = u16::from_le_bytes([head[4], head[5]]);
    let Some(acl) = sd.get(at..at + size).filter(|_| size >= 8) else {
        return Some("its size reaches outside the descriptor");
    };
    let mut pos = 8usize;
    for _ in 0..count {
        let Some(ace) = acl.get(pos..pos + 4) else {
            return Some("an ACE header lies outside the ACL");
        };
        let ace_size = usize::from(u16::from_le_bytes([ace[2], ace[3]]));
        if ace_size < 4 || ace_size > acl.len() - pos {
            return Some("an ACE reaches outside the ACL");
        }
        pos += ace_size;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An sk cell's data holding a self-relative descriptor: owner and group SIDs
    /// (S-1-5-32-544, S-1-5-18) and a DACL with one ACE.
    fn cell() -> Vec<u8> {
        let admins = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0];
        let system = [1u8, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0];
        let mut ace = vec![0u8, 0, 0, 0, 0x3f, 0, 0x0f, 0];
        ace.extend_from_slice(&system);
        let ace_len = ace.len() as u16;
        ace[2..4].copy_from_slice(&ace_len.to_le_bytes());
        let mut acl = vec![2u8, 0, 0, 0, 1, 0, 0, 0];
        acl.extend_from_slice(&ace);
        let acl_len = acl.len() as u16;
        acl[2..4].copy_from_slice(&acl_len.to_le_bytes());
        let (owner, group) = (20u32, 20 + admins.len() as u32);
        let dacl = group + system.len() as u32;
        let mut sd = vec![1u8, 0];
        sd.extend_from_slice(&(SE_SELF_RELATIVE | SE_DACL_PRESENT).to_le_bytes());
        for f in [owner, group, 0, dacl] {
            sd.extend_from_slice(&f.to_le_bytes());
        }
        sd.extend_from_slice(&admins);
        sd.extend_from_slice(&system);
        sd.extend_from_slice(&acl);
        let mut data = b"sk\0\0".to_vec();
        data.extend_from_slice(&[0; 12]);
        data.extend_from_slice(&(sd.len() as u32).to_le_bytes());
        data.extend_from_slice(&sd);
        data
    }

    #[test]
    fn a_whole_descriptor_passes_and_each_damage_is_named() {
        assert_eq!(descriptor_problem(&cell()), None);
        let damaged = |at: usize, byte: u8| {
            let mut d = cell();
            d[at] = byte;
            descriptor_problem(&d).expect("a problem")
        };
        let sd = DESCRIPTOR;
        assert!(damaged(DESCRIPTOR_LEN, 0xff).contains("does not fit its cell"));
        assert!(damaged(DESCRIPTOR_LEN, 8).contains("too small"));
        assert!(damaged(sd, 2).contains("revision 2"));
        assert!(damaged(sd + 3, 0).contains("not self-relative"));
        assert!(damaged(sd + 4, 0xf0).contains("owner SID"));
        assert!(damaged(sd + 20 + 1, 16).contains("owner SID"));
        assert!(damaged(sd + 8, 0xf0).contains("group SID"));
        assert!(damaged(sd + 16, 0xf0).contains("DACL"));
        // the DACL: header at 48 of the descriptor; its size, its revision, its ACE
        assert!(damaged(sd + 48, 3).contains("revision other than 2 or 4"));
        assert!(damaged(sd + 48 + 2, 0xff).contains("outside the descriptor"));
        assert!(damaged(sd + 48 + 4, 2).contains("ACE header"));
        assert!(damaged(sd + 48 + 8 + 2, 0xff).contains("ACE reaches outside"));
        // an absent DACL (control bit clear) is not looked at
        let mut d = cell();
        d[sd + 2] = 0;
        d[sd + 48] = 9;
        assert_eq!(descriptor_problem(&d), None);
        assert!(descriptor_problem(b"sk\0\0").is_some());
    }
}
