//! Bad input: every kind of damage gives a typed error with the file offset, never a panic, and a
//! failed edit leaves the hive exactly as it was.

mod common;
use common::*;
use hive::{Error, Hive, ValueType};

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn set_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Recomputes the base block checksum (XOR of the first 127 dwords, Windows' special cases)
/// so that a test reaches the damage it planted past the checksum check.
fn fix_checksum(b: &mut [u8]) {
    let mut x = 0u32;
    for i in 0..127 {
        x ^= u32_at(b, i * 4);
    }
    let x = match x {
        0 => 1,
        0xFFFF_FFFF => 0xFFFF_FFFE,
        v => v,
    };
    set_u32(b, 508, x);
}

/// Cell offset of the key node at `path` in the original test hive (found by a walk with
/// nt-hive-independent raw parsing: lh/ri lists of the root only).
fn nk_cell(b: &[u8], name: &str) -> u32 {
    let root = u32_at(b, 36) as usize;
    let list = u32_at(b, 4096 + root + 4 + 28) as usize;
    let at = 4096 + list + 4;
    assert_eq!(&b[at..at + 2], b"lh");
    let n = u16::from_le_bytes([b[at + 2], b[at + 3]]) as usize;
    for i in 0..n {
        let off = u32_at(b, at + 4 + i * 8);
        let nk = 4096 + off as usize + 4;
        let len = u16::from_le_bytes([b[nk + 72], b[nk + 73]]) as usize;
        if &b[nk + 76..nk + 76 + len] == name.as_bytes() {
            return off;
        }
    }
    panic!("{name} not found")
}

/// Reads the whole tree, returning the first error.
fn walk(h: &Hive) -> Result<usize, Error> {
    let mut n = 0;
    let mut stack = vec![h.root()?];
    while let Some(k) = stack.pop() {
        for v in k.values()? {
            v.data()?;
        }
        n += 1;
        stack.extend(k.subkeys()?);
    }
    Ok(n)
}

#[test]
fn truncated_files() {
    let b = testhive();
    let e = Hive::from_bytes(b[..100].to_vec()).unwrap_err();
    assert!(matches!(e, Error::Truncated { offset: 0, .. }), "{e}");
    let e = Hive::from_bytes(b[..8192].to_vec()).unwrap_err();
    assert!(matches!(e, Error::Truncated { offset: 4096, .. }), "{e}");
    let e = Hive::from_bytes(Vec::new()).unwrap_err();
    assert!(matches!(e, Error::Truncated { .. }));
}

#[test]
fn wrong_signature() {
    let mut b = testhive();
    b[0] = b'x';
    let e = Hive::from_bytes(b).unwrap_err();
    assert!(matches!(e, Error::BadSignature { offset: 0, .. }), "{e}");
    assert_eq!(e.offset(), Some(0));
}

#[test]
fn bad_checksum() {
    let mut b = testhive();
    b[100] ^= 1;
    let e = Hive::from_bytes(b).unwrap_err();
    assert!(matches!(e, Error::BadChecksum { .. }), "{e}");
}

#[test]
fn unsupported_versions() {
    for (major, minor) in [(2, 5), (1, 2), (1, 7)] {
        let mut b = testhive();
        set_u32(&mut b, 20, major);
        set_u32(&mut b, 24, minor);
        fix_checksum(&mut b);
        let e = Hive::from_bytes(b).unwrap_err();
        assert!(matches!(e, Error::UnsupportedVersion { .. }), "{e}");
    }
    for minor in 3..=6 {
        let mut b = testhive();
        set_u32(&mut b, 24, minor);
        fix_checksum(&mut b);
        Hive::from_bytes(b).unwrap();
    }
}

#[test]
fn dirty_primary_is_refused() {
    let mut b = testhive();
    let seq = u32_at(&b, 4);
    set_u32(&mut b, 8, seq + 1);
    fix_checksum(&mut b);
    let e = Hive::from_bytes(b).unwrap_err();
    assert!(matches!(e, Error::DirtyHive { .. }), "{e}");
}

#[test]
fn root_offset_out_of_range_or_misaligned() {
    for root in [0xFFFF_FF00, 4, 0x20 + 4] {
        let mut b = testhive();
        set_u32(&mut b, 36, root);
        fix_checksum(&mut b);
        let e = Hive::from_bytes(b).unwrap_err();
        assert!(
            matches!(e, Error::BadCell { offset: 36, .. }),
            "{root:#x}: {e}"
        );
    }
}

#[test]
fn root_that_is_not_a_key_node() {
    let mut b = testhive();
    let root = u32_at(&b, 36) as usize;
    b[4096 + root + 4] = b'x';
    let e = Hive::from_bytes(b).unwrap_err();
    match e {
        Error::BadSignature { offset, .. } => assert_eq!(offset, 4096 + root as u64 + 4),
        other => panic!("{other}"),
    }
}

#[test]
fn bad_hive_bins_size() {
    let mut b = testhive();
    set_u32(&mut b, 40, 1000);
    fix_checksum(&mut b);
    let e = Hive::from_bytes(b).unwrap_err();
    assert!(matches!(e, Error::Corrupt { offset: 40, .. }), "{e}");
}

#[test]
fn absurd_value_count_is_refused_without_allocating() {
    let mut b = testhive();
    let nk = nk_cell(&b, "data-test") as usize;
    set_u32(&mut b, 4096 + nk + 4 + 36, 0x4000_0000);
    let h = Hive::from_bytes(b).unwrap();
    let e = h.key("data-test").unwrap().unwrap().values().unwrap_err();
    assert!(matches!(e, Error::Corrupt { .. }), "{e}");
    assert_eq!(e.offset(), Some(4096 + nk as u64 + 4 + 40));
}

#[test]
fn absurd_subkey_count_is_refused() {
    let mut b = testhive();
    let root = u32_at(&b, 36) as usize;
    set_u32(&mut b, 4096 + root + 4 + 20, 0xFFFF_FFFF);
    let h = Hive::from_bytes(b).unwrap();
    let e = h.root().unwrap().subkeys().unwrap_err();
    assert!(matches!(e, Error::Corrupt { .. }), "{e}");
    assert!(h.key("data-test").is_err());
}

#[test]
fn value_data_damage() {
    let b = testhive();
    let nk = nk_cell(&b, "big-data-test") as usize;
    let list = u32_at(&b, 4096 + nk + 4 + 40) as usize;
    // Every value of big-data-test, damaged in three ways.
    let count = u32_at(&b, 4096 + nk + 4 + 36) as usize;
    for i in 0..count {
        let vk = u32_at(&b, 4096 + list + 4 + i * 4) as usize;
        let size_at = 4096 + vk + 4 + 4;
        let off_at = 4096 + vk + 4 + 8;
        let size = u32_at(&b, size_at);
        let mut huge = b.clone();
        set_u32(&mut huge, size_at, 0x7FFF_FFF0);
        let mut inline = b.clone();
        set_u32(&mut inline, size_at, 0x8000_0010);
        let mut dangling = b.clone();
        set_u32(&mut dangling, off_at, 0x7FFF_FFF8);
        let mut misaligned = b.clone();
        set_u32(&mut misaligned, off_at, u32_at(&b, off_at).wrapping_add(4));
        for (what, img) in [
            ("huge", huge),
            ("inline", inline),
            ("dangling", dangling),
            ("misaligned", misaligned),
        ] {
            if size & 0x8000_0000 != 0 && what != "huge" && what != "inline" {
                continue;
            }
            let h = Hive::from_bytes(img).unwrap();
            let r = walk(&h);
            let e = r.expect_err(what);
            assert!(e.offset().is_some(), "{what}: {e}");
            assert!(
                matches!(
                    e,
                    Error::Corrupt { .. } | Error::BadCell { .. } | Error::Truncated { .. }
                ),
                "{what}: {e}"
            );
        }
    }
}

#[test]
fn reference_to_a_free_cell() {
    let mut b = testhive();
    let nk = nk_cell(&b, "data-test") as usize;
    let list = u32_at(&b, 4096 + nk + 4 + 40) as usize;
    // Mark the value list cell free.
    let size = u32_at(&b, 4096 + list) as i32;
    set_u32(&mut b, 4096 + list, size.unsigned_abs());
    let h = Hive::from_bytes(b).unwrap();
    let e = h.key("data-test").unwrap().unwrap().values().unwrap_err();
    assert!(matches!(e, Error::BadCell { .. }), "{e}");
}

#[test]
fn index_root_nested_in_itself() {
    let mut b = testhive();
    let nk = nk_cell(&b, "subkey-test") as usize;
    let ri = u32_at(&b, 4096 + nk + 4 + 28);
    let at = 4096 + ri as usize + 4;
    assert_eq!(&b[at..at + 2], b"ri");
    set_u32(&mut b, at + 4, ri);
    let mut h = Hive::from_bytes(b.clone()).unwrap();
    let e = h
        .key("subkey-test")
        .unwrap()
        .unwrap()
        .subkeys()
        .unwrap_err();
    assert!(matches!(e, Error::Cycle { .. }), "{e}");
    let e = h.create_key("subkey-test\\new").unwrap_err();
    assert!(matches!(e, Error::Cycle { .. }), "{e}");
    assert!(!h.is_modified());
    assert_eq!(h.into_bytes().unwrap(), b);
}

#[test]
fn key_tree_cycle_on_delete_leaves_hive_untouched() {
    let mut b = testhive();
    // subpath-test\with-single-level-subkey\subkey gets a subkey list pointing at its parent's
    // list, which contains itself: a cycle.
    let sp = nk_cell(&b, "subpath-test") as usize;
    let sp_list = u32_at(&b, 4096 + sp + 4 + 28) as usize;
    // Find with-single-level-subkey in subpath-test's list.
    let at = 4096 + sp_list + 4;
    let n = u16::from_le_bytes([b[at + 2], b[at + 3]]) as usize;
    let stride = if &b[at..at + 2] == b"li" { 4 } else { 8 };
    let mut wsl = 0usize;
    for i in 0..n {
        let off = u32_at(&b, at + 4 + i * stride) as usize;
        let nk = 4096 + off + 4;
        let len = u16::from_le_bytes([b[nk + 72], b[nk + 73]]) as usize;
        if &b[nk + 76..nk + 76 + len] == b"with-single-level-subkey" {
            wsl = off;
        }
    }
    assert_ne!(wsl, 0);
    let wsl_list = u32_at(&b, 4096 + wsl + 4 + 28);
    let child = u32_at(&b, 4096 + wsl_list as usize + 4 + 4) as usize;
    set_u32(&mut b, 4096 + child + 4 + 20, 1);
    set_u32(&mut b, 4096 + child + 4 + 28, wsl_list);
    let mut h = Hive::from_bytes(b.clone()).unwrap();
    // Reading is one level at a time and terminates; deleting the subtree detects the cycle.
    let e = h.delete_key("subpath-test").unwrap_err();
    assert!(matches!(e, Error::Cycle { .. }), "{e}");
    assert!(!h.is_modified());
    assert_eq!(h.into_bytes().unwrap(), b);
}

#[test]
fn damaged_hbin_fails_the_first_allocation_and_changes_nothing() {
    let mut b = testhive();
    let last_bin = {
        let mut pos = 0usize;
        let total = u32_at(&b, 40) as usize;
        let mut last = 0;
        while pos < total {
            last = pos;
            pos += u32_at(&b, 4096 + pos + 8) as usize;
        }
        last
    };
    b[4096 + last_bin] = b'X';
    let mut h = Hive::from_bytes(b.clone()).unwrap();
    let e = h
        .set_value("a\\b\\c", "v", ValueType::Binary, &[1; 100])
        .unwrap_err();
    assert!(matches!(e, Error::BadSignature { .. }), "{e}");
    assert_eq!(e.offset(), Some(4096 + last_bin as u64));
    assert!(!h.is_modified());
    assert_eq!(h.into_bytes().unwrap(), b);
}

#[test]
fn invalid_names_are_refused() {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    let long = "x".repeat(256);
    assert!(matches!(
        h.create_key(&long),
        Err(Error::InvalidName { .. })
    ));
    assert!(matches!(h.delete_key(""), Err(Error::InvalidName { .. })));
    assert!(matches!(
        h.set_value("k", &"v".repeat(16384), ValueType::None, &[]),
        Err(Error::InvalidName { .. })
    ));
    assert!(!h.is_modified());
}

#[test]
fn open_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    let e = Hive::open(&path).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().contains("SOFTWARE"));
    let mut b = testhive();
    b[0] = 0;
    std::fs::write(&path, &b).unwrap();
    let e = Hive::open(&path).unwrap_err();
    assert!(e.to_string().contains("SOFTWARE"), "{e}");
    assert!(matches!(e.inner(), Error::BadSignature { .. }));
    // Logs beside the hive (any case) are read and passed to the log assessment.
    std::fs::write(&path, testhive()).unwrap();
    std::fs::write(dir.path().join("software.log1"), b"").unwrap();
    Hive::open(&path).unwrap();
    // A dirty primary (unfinished write) is refused by `open` with the file named.
    let mut dirty = testhive();
    let seq = u32_at(&dirty, 4);
    set_u32(&mut dirty, 8, seq + 1);
    fix_checksum(&mut dirty);
    std::fs::write(&path, &dirty).unwrap();
    let e = Hive::open(&path).unwrap_err();
    assert!(matches!(e, Error::DirtyLog { .. }), "{e}");
    assert!(e.to_string().contains("SOFTWARE"), "{e}");
}

#[test]
fn random_damage_never_panics() {
    // Flip bytes all over the hive bins; every outcome must be a value or a typed error.
    let b = testhive();
    let mut seed = 0x1234_5678u32;
    for _ in 0..300 {
        let mut img = b.clone();
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let pos = 4096 + (seed as usize % (b.len() - 4096));
            img[pos] = (seed >> 8) as u8;
        }
        if let Ok(mut h) = Hive::from_bytes(img) {
            let _ = walk(&h);
            let _ = h.set_value("a\\b", "v", ValueType::Binary, &[7; 20000]);
            let _ = h.delete_key("subkey-test");
            let _ = h.delete_value("data-test", "");
            let _ = h.into_bytes().unwrap();
        }
    }
}
