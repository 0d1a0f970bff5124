//! Reading the offreg-written test hive: every key and value agrees with nt-hive, every value
//! type and big data read correctly, round trips keep everything.

mod common;
use common::*;
use hive::{Hive, ValueType};

#[test]
fn whole_tree_agrees_with_nt_hive() {
    let bytes = testhive();
    let ours = snap_ours(&bytes);
    let theirs = snap_nt(&bytes);
    assert!(ours.len() > 10, "expected many keys, got {}", ours.len());
    assert_eq!(comparable(&ours), theirs);
}

#[test]
fn round_trip_unmodified_is_byte_identical() {
    let bytes = testhive();
    let hive = Hive::from_bytes(bytes.clone()).unwrap();
    assert!(!hive.is_modified());
    let out = hive.into_bytes().unwrap();
    assert_eq!(out, bytes);
    let again = Hive::from_bytes(out.clone()).unwrap();
    assert_eq!(snap_ours(&out), snap_ours(&bytes));
    let mut again = again;
    assert_eq!(again.to_bytes().unwrap(), bytes);
}

#[test]
fn every_value_in_data_test_matches_nt_hive_byte_for_byte() {
    let bytes = testhive();
    let ours = Hive::from_bytes(bytes.clone()).unwrap();
    let nt = nt_hive::Hive::new(&bytes[..]).unwrap();
    let nt_root = nt.root_key_node().unwrap();
    for key in ["data-test", "big-data-test"] {
        let k = ours.key(key).unwrap().expect("key exists");
        let nk = nt_root.subkey(key).unwrap().unwrap();
        let values = k.values().unwrap();
        assert!(!values.is_empty());
        for v in values {
            let nv = nk.value(&v.name()).expect("nt-hive has the value").unwrap();
            assert_eq!(
                v.data().unwrap(),
                nv.data().unwrap().into_vec().unwrap(),
                "{key}\\{}",
                v.name()
            );
            assert_eq!(v.data_len(), nv.data_size());
            match nv.data_type() {
                Ok(t) => assert_eq!(v.value_type().code(), t as u32),
                Err(_) => assert!(matches!(v.value_type(), ValueType::Unknown(_))),
            }
        }
    }
}

#[test]
fn typed_values_decode_as_nt_hive_decodes_them() {
    let bytes = testhive();
    let ours = Hive::from_bytes(bytes.clone()).unwrap();
    let nt = nt_hive::Hive::new(&bytes[..]).unwrap();
    let nk = nt
        .root_key_node()
        .unwrap()
        .subkey("data-test")
        .unwrap()
        .unwrap();
    let k = ours.key("DATA-TEST").unwrap().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for v in k.values().unwrap() {
        let nv = nk.value(&v.name()).unwrap().unwrap();
        let d = v.data().unwrap();
        seen.insert(v.value_type().code());
        match v.value_type() {
            ValueType::Sz | ValueType::ExpandSz => {
                let s = String::from_utf16_lossy(
                    &d.chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .collect::<Vec<_>>(),
                );
                assert_eq!(s.trim_end_matches('\0'), nv.string_data().unwrap());
            }
            ValueType::Dword | ValueType::DwordBigEndian => {
                let n = if v.value_type() == ValueType::Dword {
                    u32::from_le_bytes(d[..4].try_into().unwrap())
                } else {
                    u32::from_be_bytes(d[..4].try_into().unwrap())
                };
                assert_eq!(n, nv.dword_data().unwrap());
            }
            ValueType::Qword => {
                assert_eq!(
                    u64::from_le_bytes(d[..8].try_into().unwrap()),
                    nv.qword_data().unwrap()
                );
            }
            ValueType::MultiSz => {
                let theirs: Vec<String> = nv
                    .multi_string_data()
                    .unwrap()
                    .map(|s| s.unwrap())
                    .collect();
                let units: Vec<u16> = d
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let ours: Vec<String> = units
                    .split(|&u| u == 0)
                    .filter(|s| !s.is_empty())
                    .map(String::from_utf16_lossy)
                    .collect();
                assert_eq!(ours, theirs);
            }
            _ => {}
        }
    }
    // data-test holds the common types.
    for code in [1u32, 2, 3, 4, 5, 7, 11] {
        assert!(
            seen.contains(&code),
            "data-test has no value of type {code}: {seen:?}"
        );
    }
}

#[test]
fn big_data_values_read_whole() {
    let bytes = testhive();
    let ours = Hive::from_bytes(bytes.clone()).unwrap();
    let k = ours.key("big-data-test").unwrap().unwrap();
    let mut big = 0;
    for v in k.values().unwrap() {
        let d = v.data().unwrap();
        assert_eq!(d.len() as u32, v.data_len());
        if d.len() > 16344 {
            big += 1;
        }
    }
    assert!(
        big > 0,
        "big-data-test should hold a value over 16344 bytes"
    );
}

#[test]
fn paths_are_case_insensitive_and_names_keep_case() {
    let ours = Hive::from_bytes(testhive()).unwrap();
    let a = ours.key("subpath-test").unwrap().unwrap();
    let b = ours.key("SUBPATH-TEST").unwrap().unwrap();
    assert_eq!(a.path(), b.path());
    assert_eq!(b.name(), "subpath-test");
    assert!(ours.key("no-such-key").unwrap().is_none());
    assert_eq!(ours.key("").unwrap().unwrap().path(), "");
    // Every key found by enumeration is found again by path, in another case.
    for k in ours.root().unwrap().subkeys().unwrap() {
        for s in k.subkeys().unwrap() {
            let p = s.path().to_ascii_lowercase();
            let again = ours.key(&p).unwrap().expect("lookup by lower-case path");
            assert_eq!(again.path(), s.path());
        }
    }
}

#[test]
fn non_ascii_names_match_case_insensitively_per_utf16_unit() {
    let ours = Hive::from_bytes(testhive()).unwrap();
    let k = ours.key("character-encoding-test").unwrap().unwrap();
    let mut checked = 0;
    for s in k.subkeys().unwrap() {
        let name = s.name();
        // Upper-case only characters that map to one BMP character (Windows' rule).
        let upper: String = name
            .chars()
            .map(|c| {
                let mut u = c.to_uppercase();
                match (u.next(), u.next()) {
                    (Some(x), None) if (c as u32) <= 0xFFFF && (x as u32) <= 0xFFFF => x,
                    _ => c,
                }
            })
            .collect();
        let found = k
            .subkey(&upper)
            .unwrap()
            .expect("found by upper-cased name");
        assert_eq!(found.name(), name);
        checked += 1;
    }
    assert!(checked >= 4);
}

#[test]
fn subkey_lists_are_sorted_the_way_nt_hive_binary_searches_them() {
    let bytes = testhive();
    let ours = Hive::from_bytes(bytes.clone()).unwrap();
    let nt = nt_hive::Hive::new(&bytes[..]).unwrap();
    let nt_root = nt.root_key_node().unwrap();
    let mut stack = vec![ours.root().unwrap()];
    let mut n = 0;
    while let Some(k) = stack.pop() {
        let subs = k.subkeys().unwrap();
        for s in &subs {
            // nt-hive finds subkeys by binary search: this only works on a correctly sorted list.
            let found = nt_root
                .subpath(&s.path())
                .expect("nt-hive finds the key")
                .unwrap();
            assert_eq!(found.name().unwrap().to_string_lossy(), s.name());
            n += 1;
        }
        stack.extend(subs);
    }
    assert!(n > 10);
}
