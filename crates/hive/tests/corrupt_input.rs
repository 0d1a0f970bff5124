//! Corrupt-input tests: damaged copies of the real hive (truncated, wrong signatures, bad
//! checksum, out-of-range offsets, cycles in subkey lists, absurd sizes) must give a typed error
//! that names a byte offset, never a panic, hang, or huge allocation.

mod common;
use common::*;
use hive::{Error, Hive, ValueType};

/// Walk every key and value (bounded); return the first error message, if any, and keys seen.
fn walk(h: &Hive) -> (Option<String>, usize) {
    let root = match h.root() {
        Ok(r) => r,
        Err(e) => return (Some(e.to_string()), 0),
    };
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(k) = stack.pop() {
        seen += 1;
        if seen > 10_000 {
            return (None, seen);
        }
        match k.values() {
            Ok(vs) => {
                for v in vs {
                    if let Err(e) = v.data() {
                        return (Some(e.to_string()), seen);
                    }
                }
            }
            Err(e) => return (Some(e.to_string()), seen),
        }
        match k.subkeys() {
            Ok(s) => stack.extend(s),
            Err(e) => return (Some(e.to_string()), seen),
        }
    }
    (None, seen)
}

/// Opening, walking, or editing `bytes` must fail with a typed error that carries a file offset.
/// (The engine validates lazily: the hbin/cell layout is checked when the first edit needs the
/// allocator, so an edit is part of the check.) A walk that never ends is a failure.
fn must_fail(what: &str, bytes: Vec<u8>) -> hive::Error {
    let err = match Hive::from_bytes(bytes) {
        Err(e) => e,
        Ok(mut h) => match walk(&h) {
            (Some(_), _) => walk_error(&h).expect("walk error"),
            (None, seen) if seen > 10_000 => {
                panic!("{what}: walk did not terminate (cycle not detected)")
            }
            (None, _) => match h.set_value("corrupt-test", "v", ValueType::Binary, b"x") {
                Err(e) => e,
                Ok(_) => panic!("{what}: opened, walked and edited without error"),
            },
        },
    };
    assert!(
        err.offset().is_some(),
        "{what}: error names no offset: {err}"
    );
    err
}

/// The first error of a walk, as the typed error.
fn walk_error(h: &Hive) -> Option<hive::Error> {
    let root = match h.root() {
        Ok(r) => r,
        Err(e) => return Some(e),
    };
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(k) = stack.pop() {
        seen += 1;
        if seen > 10_000 {
            return None;
        }
        match k.values() {
            Ok(vs) => {
                for v in vs {
                    if let Err(e) = v.data() {
                        return Some(e);
                    }
                }
            }
            Err(e) => return Some(e),
        }
        match k.subkeys() {
            Ok(s) => stack.extend(s),
            Err(e) => return Some(e),
        }
    }
    None
}

/// u32 at `at`.
fn rd(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// Set u32 at `at`.
fn wr(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Recompute the base block checksum.
fn fix_checksum(b: &mut [u8]) {
    let c = hive::log::base_block_checksum(b).unwrap();
    wr(b, 508, c);
}

/// File offset of the root key node's cell data.
fn root_nk(b: &[u8]) -> usize {
    4096 + rd(b, 36) as usize + 4
}

#[test]
fn truncated_files() {
    let h = testhive();
    for len in [
        0,
        3,
        100,
        4095,
        4096,
        4096 + 31,
        4096 + 100,
        8192,
        h.len() / 2,
        h.len() - 1,
    ] {
        let mut cut = h.clone();
        cut.truncate(len);
        let e = must_fail(&format!("truncated to {len}"), cut);
        assert!(matches!(e.inner(), Error::Truncated { .. }), "{e:?}");
    }
}

#[test]
fn wrong_signatures() {
    let h = testhive();
    let mut b = h.clone();
    b[0..4].copy_from_slice(b"regx");
    let e = must_fail("base block signature", b);
    assert!(
        matches!(e.inner(), Error::BadSignature { offset: 0, .. }),
        "{e:?}"
    );
    let mut b = h.clone();
    b[4096..4100].copy_from_slice(b"hbix");
    let e = must_fail("first hbin signature", b);
    assert!(
        matches!(e.inner(), Error::BadSignature { offset: 4096, .. }),
        "{e:?}"
    );
    let mut b = h.clone();
    let nk = root_nk(&b);
    b[nk..nk + 2].copy_from_slice(b"xk");
    let e = must_fail("root nk signature", b);
    assert!(
        matches!(e.inner(), Error::BadSignature { offset, .. } if *offset == nk as u64),
        "{e:?}"
    );
}

#[test]
fn bad_checksum() {
    let mut b = testhive();
    b[508] ^= 0xFF;
    let e = must_fail("base block checksum", b);
    assert!(matches!(e.inner(), Error::BadChecksum { .. }), "{e:?}");
    assert_eq!(e.offset(), Some(0x1fc));
}

#[test]
fn out_of_range_offsets() {
    let h = testhive();
    let mut b = h.clone();
    wr(&mut b, 36, 0x7FFF_FFF0);
    fix_checksum(&mut b);
    let e = must_fail("root cell offset", b);
    assert!(
        matches!(e.inner(), Error::BadCell { offset: 36, .. }),
        "{e:?}"
    );
    let mut b = h.clone();
    let nk = root_nk(&b);
    wr(&mut b, nk + 28, 0x00FF_FFF8); // subkeys list far past the end
    let e = must_fail("subkeys list offset", b);
    assert!(
        matches!(e.inner(), Error::BadCell { offset, .. } if *offset == (nk + 28) as u64),
        "{e:?}"
    );
    let mut b = h.clone();
    let nk = root_nk(&b);
    wr(&mut b, nk + 28, 3); // unaligned, inside the first hbin header
    let e = must_fail("unaligned subkeys list offset", b);
    assert!(matches!(e.inner(), Error::BadCell { cell: 3, .. }), "{e:?}");
    let mut b = h.clone();
    wr(&mut b, 40, 0x7FFF_F000); // hive bins data size larger than the file
    fix_checksum(&mut b);
    let e = must_fail("hive bins data size", b);
    assert!(
        matches!(e.inner(), Error::Truncated { .. } | Error::Corrupt { .. }),
        "{e:?}"
    );
}

/// The `lh` name hash of a key name (upper-cased UTF-16 units, H = 37 * H + c).
fn lh_hash(name: &str) -> u32 {
    name.to_uppercase()
        .encode_utf16()
        .fold(0u32, |h, c| h.wrapping_mul(37).wrapping_add(u32::from(c)))
}

/// The real hive with the root's first subkey entry pointing back at the root, its hash fixed
/// so that a name lookup of the root's own name finds it.
fn root_loop() -> (Vec<u8>, String) {
    let mut b = testhive();
    let root_name = Hive::from_bytes(b.clone()).unwrap().root().unwrap().name();
    let root_off = rd(&b, 36);
    let nk = root_nk(&b);
    let list = 4096 + rd(&b, nk + 28) as usize + 4;
    assert_eq!(
        &b[list..list + 2],
        b"lh",
        "root subkey list of the offreg hive"
    );
    wr(&mut b, list + 4, root_off);
    wr(&mut b, list + 8, lh_hash(&root_name));
    (b, root_name)
}

#[test]
fn cycle_in_subkey_list_is_refused_by_delete_key() {
    let (b, root_name) = root_loop();
    let mut h = Hive::from_bytes(b).unwrap();
    match h.delete_key(&root_name) {
        Err(e) => assert!(e.offset().is_some(), "{e:?}"),
        Ok(done) => panic!("delete_key through a cycle returned Ok({done})"),
    }
}

#[test]
fn index_root_containing_itself() {
    let mut b = testhive();
    let nk = root_nk(&b);
    let list_off = rd(&b, nk + 28);
    let list = 4096 + list_off as usize + 4;
    b[list..list + 2].copy_from_slice(b"ri");
    b[list + 2..list + 4].copy_from_slice(&1u16.to_le_bytes());
    wr(&mut b, list + 4, list_off);
    let e = must_fail("index root containing itself", b);
    assert!(
        matches!(e.inner(), Error::Cycle { .. } | Error::Corrupt { .. }),
        "{e:?}"
    );
}

/// Walking keys with `Key::subkeys()` must not go round a cycle forever: a child whose parent
/// field is not its parent (here: the root listed as its own subkey) should be an error.
/// Failed on dev/hive f68559f (`subkeys()` returned the root again, forever); fixed in a1c567d
/// (ancestor-chain check in `Key::subkeys`).
#[test]
fn cycle_in_subkey_list_stops_a_walk() {
    let (b, _) = root_loop();
    let e = must_fail("subkey list entry pointing at the root", b);
    assert!(
        matches!(e.inner(), Error::Cycle { .. } | Error::Corrupt { .. }),
        "{e:?}"
    );
}

#[test]
fn absurd_sizes() {
    let h = testhive();
    // Cell size 0 for the first cell (a naive cell walk would never advance).
    let mut b = h.clone();
    wr(&mut b, 4096 + 32, 0);
    must_fail("zero cell size", b);
    // hbin size 0.
    let mut b = h.clone();
    wr(&mut b, 4096 + 8, 0);
    let e = must_fail("zero hbin size", b);
    assert_eq!(e.offset(), Some(4096 + 8), "{e:?}");
    // A value whose data length is close to 2 GiB: must be an error, not an allocation.
    let mut b = h.clone();
    let vk = find_vk(&b, "binary");
    wr(&mut b, vk + 4, 0x7FFF_FFF0);
    let e = must_fail("2 GiB value data", b);
    assert!(
        matches!(e.inner(), Error::Corrupt { offset, .. } if *offset == vk as u64 + 4 || *offset == vk as u64 - 4 || *offset == vk as u64),
        "{e:?}"
    );
    // Subkey count far beyond the list.
    let mut b = h.clone();
    let nk = root_nk(&b);
    wr(&mut b, nk + 20, 0x00FF_FFFF);
    let list = 4096 + rd(&b, nk + 28) as usize + 4;
    b[list + 2..list + 4].copy_from_slice(&0xFFFFu16.to_le_bytes());
    must_fail("subkey list count past the cell", b);
}

/// File offset of the cell data of the `vk` record with this ASCII name (scan of the file).
fn find_vk(b: &[u8], name: &str) -> usize {
    let n = name.as_bytes();
    (4096..b.len() - 24 - n.len())
        .find(|&i| {
            &b[i..i + 2] == b"vk"
                && usize::from(u16::from_le_bytes([b[i + 2], b[i + 3]])) == n.len()
                && &b[i + 20..i + 20 + n.len()] == n
        })
        .expect("vk record in the test hive")
}

/// What Windows checks of each key itself when it loads a hive (its name, class fields and
/// security record, with the descriptor in it) is checked before an edit: each damage is a
/// typed error with the offset of the field at fault.
#[test]
fn key_fields_and_security_records_windows_would_refuse() {
    let base = testhive();
    let root = root_nk(&base);
    let sk = 4096 + rd(&base, root + 44) as usize + 4;
    let check = |what: &str, bytes: Vec<u8>| -> hive::Error {
        let h = Hive::from_bytes(bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        let err = h.check_structure().expect_err(what);
        assert!(err.offset().is_some(), "{what}: no offset: {err}");
        err
    };
    Hive::from_bytes(base.clone())
        .unwrap()
        .check_structure()
        .expect("the undamaged hive passes");

    let mut b = base.clone();
    wr(&mut b, root + 48, u32::MAX);
    b[root + 74..root + 76].copy_from_slice(&5u16.to_le_bytes());
    let e = check("class nil, length 5", b);
    assert!(
        e.to_string().contains("no class but a class length of 5"),
        "{e}"
    );
    assert_eq!(e.offset(), Some((root - 4) as u64 + 4));

    let mut b = base.clone();
    b[root + 72..root + 74].copy_from_slice(&0u16.to_le_bytes());
    let e = check("empty name", b);
    assert!(e.to_string().contains("name is empty"), "{e}");

    let mut b = base.clone();
    wr(&mut b, root + 44, rd(&base, 36));
    let e = check("security cell is a key", b);
    assert!(e.to_string().contains("is not a security record"), "{e}");
    assert_eq!(e.offset(), Some(root as u64 + 44));

    let mut b = base.clone();
    b[sk + 20] = 2;
    let e = check("descriptor revision 2", b);
    assert!(e.to_string().contains("revision 2"), "{e}");
    assert_eq!(e.offset(), Some(sk as u64));

    let mut b = base.clone();
    wr(&mut b, sk + 16, 0x7fff_0000);
    let e = check("descriptor longer than its cell", b);
    assert!(e.to_string().contains("does not fit its cell"), "{e}");
}
