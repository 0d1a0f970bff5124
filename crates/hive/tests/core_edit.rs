//! Editing the offreg-written test hive, checked with the independent nt-hive reader.

mod common;
use common::*;
use hive::{Hive, ValueType};

const CERTS: &str = "Microsoft\\SystemCertificates\\AuthRoot\\Certificates";
const THUMB: &str = "0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43";
const T0: u64 = 133_000_000_000_000_000;

fn blob(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn cert_key() -> String {
    format!("{CERTS}\\{THUMB}")
}

/// Applies the certificate edit to `bytes` and returns the finished image.
fn add_cert(bytes: Vec<u8>, data: &[u8]) -> (bool, Vec<u8>) {
    let mut h = Hive::from_bytes(bytes).unwrap();
    h.set_timestamp(T0);
    let changed = h
        .set_value(&cert_key(), "Blob", ValueType::Binary, data)
        .unwrap();
    (changed, h.into_bytes().unwrap())
}

/// Every key and value of `before` is in `after`, unchanged.
fn assert_preserved(before: &TreeSnap, after: &TreeSnap) {
    for (path, entry) in before {
        assert_eq!(after.get(path), Some(entry), "key {path:?} changed");
    }
}

fn sk_refcount(bytes: &[u8], key_cell: u32) -> u32 {
    let nk = 4096 + key_cell as usize + 4;
    let sk = u32::from_le_bytes(bytes[nk + 44..nk + 48].try_into().unwrap()) as usize;
    let at = 4096 + sk + 4;
    assert_eq!(&bytes[at..at + 2], b"sk");
    u32::from_le_bytes(bytes[at + 12..at + 16].try_into().unwrap())
}

fn root_cell(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[36..40].try_into().unwrap())
}

#[test]
fn certificate_key_reads_back_in_nt_hive_and_nothing_else_changes() {
    let original = testhive();
    let before = snap_nt(&original);
    let refs_before = sk_refcount(&original, root_cell(&original));
    let data = blob(1234, 7);
    let (changed, out) = add_cert(original.clone(), &data);
    assert!(changed);

    let nt = nt_hive::Hive::new(&out[..]).expect("nt-hive validates the result");
    let root = nt.root_key_node().unwrap();
    let key = root.subpath(&cert_key()).expect("key present").unwrap();
    let v = key.value("Blob").expect("Blob present").unwrap();
    assert_eq!(v.data_type().unwrap(), nt_hive::KeyValueDataType::RegBinary);
    assert_eq!(v.data().unwrap().into_vec().unwrap(), data);

    let after = snap_nt(&out);
    assert_preserved(&before, &after);
    assert_eq!(after.len(), before.len() + 5, "five keys created");
    assert_eq!(comparable(&snap_ours(&out)), after);

    // Sequence numbers bumped together, once; checksum right (nt-hive checked it).
    let seq = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    assert_eq!(seq(&out, 4), seq(&original, 4) + 1);
    assert_eq!(seq(&out, 4), seq(&out, 8));
    // The five new keys inherit the root's security descriptor.
    assert_eq!(sk_refcount(&out, root_cell(&out)), refs_before + 5);

    let ours = Hive::from_bytes(out).unwrap();
    let k = ours.key(&cert_key()).unwrap().unwrap();
    assert_eq!(k.last_written(), T0);
    assert_eq!(ours.key("Microsoft").unwrap().unwrap().last_written(), T0);
}

#[test]
fn rerunning_the_same_edit_changes_nothing() {
    let data = blob(900, 3);
    let (_, first) = add_cert(testhive(), &data);
    let mut h = Hive::from_bytes(first.clone()).unwrap();
    assert!(!h.create_key(&cert_key()).unwrap());
    assert!(!h
        .set_value(&cert_key(), "blob", ValueType::Binary, &data)
        .unwrap());
    assert!(!h.is_modified());
    assert_eq!(h.to_bytes().unwrap(), first);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    std::fs::write(&path, &first).unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut h = Hive::open(&path).unwrap();
    h.set_value(&cert_key(), "Blob", ValueType::Binary, &data)
        .unwrap();
    h.write_atomic(&path).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    assert_eq!(std::fs::read(&path).unwrap(), first);
}

#[test]
fn unchanged_regions_stay_byte_identical() {
    let original = testhive();
    let data = blob(2000, 9);
    let (_, out) = add_cert(original.clone(), &data);
    let common = original.len().min(out.len());
    let differing: Vec<usize> = (4096..common).filter(|&i| original[i] != out[i]).collect();
    // New cells (5 keys, lists, the vk, the data) plus a few fields of existing cells.
    assert!(
        differing.len() < data.len() + 1500,
        "{} bytes differ",
        differing.len()
    );
    // The big-data-test values (far from the edit) are byte-identical: every differing byte is
    // outside the cells those values use.
    let h = Hive::from_bytes(original.clone()).unwrap();
    let k = h.key("big-data-test").unwrap().unwrap();
    for v in k.values().unwrap() {
        assert_eq!(
            Hive::from_bytes(out.clone())
                .unwrap()
                .key("big-data-test")
                .unwrap()
                .unwrap()
                .value(&v.name())
                .unwrap()
                .unwrap()
                .data()
                .unwrap(),
            v.data().unwrap()
        );
    }
    // Base block: only sequence numbers, timestamp and checksum changed.
    let changed_header: Vec<usize> = (0..4096).filter(|&i| original[i] != out[i]).collect();
    assert!(changed_header
        .iter()
        .all(|&i| (4..20).contains(&i) || (40..44).contains(&i) || (508..512).contains(&i)));
}

#[test]
fn big_data_values_are_written_as_db_and_read_back() {
    let data = blob(40_000, 1);
    let mut h = Hive::from_bytes(testhive()).unwrap();
    assert!(h
        .set_value("new-big", "v", ValueType::Binary, &data)
        .unwrap());
    // Replace it with a smaller cell value, then a big one again.
    let out = h.into_bytes().unwrap();
    let nt = nt_hive::Hive::new(&out[..]).unwrap();
    let v = nt
        .root_key_node()
        .unwrap()
        .subpath("new-big")
        .unwrap()
        .unwrap()
        .value("v")
        .unwrap()
        .unwrap();
    assert!(matches!(v.data().unwrap(), nt_hive::KeyValueData::Big(_)));
    assert_eq!(v.data().unwrap().into_vec().unwrap(), data);

    let mut h = Hive::from_bytes(out).unwrap();
    let small = blob(100, 2);
    assert!(h
        .set_value("new-big", "V", ValueType::Binary, &small)
        .unwrap());
    assert!(h
        .set_value("new-big", "d", ValueType::Dword, &7u32.to_le_bytes())
        .unwrap());
    let out = h.into_bytes().unwrap();
    let ours = snap_ours(&out);
    assert_eq!(comparable(&ours), snap_nt(&out));
    let vals = &ours["new-big"].1;
    assert_eq!(vals[0], ("d".into(), Some(4), 7u32.to_le_bytes().to_vec()));
    assert_eq!(vals[1], ("v".into(), Some(3), small));
}

#[test]
fn every_value_type_round_trips_through_nt_hive() {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    let sz: Vec<u8> = "hello\0"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let multi: Vec<u8> = "a\0bc\0\0"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let cases: Vec<(&str, ValueType, Vec<u8>)> = vec![
        ("none", ValueType::None, vec![]),
        ("sz", ValueType::Sz, sz.clone()),
        ("expand", ValueType::ExpandSz, sz.clone()),
        ("bin", ValueType::Binary, vec![1, 2, 3]),
        (
            "dword",
            ValueType::Dword,
            0x1234_5678u32.to_le_bytes().to_vec(),
        ),
        (
            "dwordbe",
            ValueType::DwordBigEndian,
            0x1234_5678u32.to_be_bytes().to_vec(),
        ),
        ("link", ValueType::Link, sz.clone()),
        ("multi", ValueType::MultiSz, multi),
        ("qword", ValueType::Qword, u64::MAX.to_le_bytes().to_vec()),
        ("odd", ValueType::Unknown(0x20), vec![9; 33]),
        ("", ValueType::Sz, sz),
        ("ünïcødé 名前", ValueType::Binary, vec![5; 4]),
    ];
    for (name, ty, data) in &cases {
        assert!(h.set_value("types", name, *ty, data).unwrap());
    }
    let out = h.into_bytes().unwrap();
    let nt = nt_hive::Hive::new(&out[..]).unwrap();
    let key = nt
        .root_key_node()
        .unwrap()
        .subkey("types")
        .unwrap()
        .unwrap();
    for (name, ty, data) in &cases {
        let v = key.value(name).expect("value present").unwrap();
        assert_eq!(&v.data().unwrap().into_vec().unwrap(), data, "{name}");
        match v.data_type() {
            Ok(t) => assert_eq!(t as u32, ty.code()),
            Err(_) => assert_eq!(ty.code(), 0x20),
        }
    }
    let ours = Hive::from_bytes(out).unwrap();
    let k = ours.key("types").unwrap().unwrap();
    assert_eq!(k.values().unwrap().len(), cases.len());
    assert_eq!(
        k.value("ÜNÏCØDÉ 名前").unwrap().unwrap().data().unwrap(),
        vec![5; 4]
    );
}

#[test]
fn many_new_keys_stay_sorted_and_findable() {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    let mut names: Vec<String> = (0..300)
        .map(|i| format!("K{:03}_{}", (i * 7919) % 1000, i))
        .collect();
    names.push("_under".into());
    names.push("zed".into());
    names.push("Ärger".into());
    for n in &names {
        assert!(h.create_key(&format!("many\\{n}")).unwrap());
    }
    // Insert into the existing index-root list of subkey-test as well.
    for n in ["AAA", "key255x", "ZZZ", "Key100a"] {
        assert!(h.create_key(&format!("subkey-test\\{n}")).unwrap());
    }
    let out = h.into_bytes().unwrap();
    let nt = nt_hive::Hive::new(&out[..]).unwrap();
    let root = nt.root_key_node().unwrap();
    for n in &names {
        assert!(
            root.subpath(&format!("many\\{n}")).is_some(),
            "nt-hive binary search finds {n}"
        );
    }
    for n in ["AAA", "key255x", "ZZZ", "Key100a", "aaa"] {
        assert!(root.subpath(&format!("subkey-test\\{n}")).is_some(), "{n}");
    }
    let ours = Hive::from_bytes(out.clone()).unwrap();
    assert_eq!(
        ours.key("many").unwrap().unwrap().subkeys().unwrap().len(),
        names.len()
    );
    assert_eq!(
        ours.key("subkey-test").unwrap().unwrap().subkey_count(),
        516
    );
    assert_preserved(&snap_nt(&testhive()), &snap_nt(&out));
}

#[test]
fn deleting_keys_frees_their_subtree_and_keeps_the_hive_valid() {
    let original = testhive();
    let refs_before = sk_refcount(&original, root_cell(&original));
    let mut h = Hive::from_bytes(original.clone()).unwrap();
    h.set_value(&cert_key(), "Blob", ValueType::Binary, &blob(30_000, 4))
        .unwrap();
    assert!(h.delete_key("Microsoft").unwrap());
    assert!(!h.delete_key("Microsoft").unwrap());
    assert!(h.delete_key("SUBKEY-TEST").unwrap());
    let out = h.into_bytes().unwrap();
    let after = snap_nt(&out);
    assert!(!after
        .keys()
        .any(|p| p.starts_with("Microsoft") || p.starts_with("subkey-test")));
    assert_eq!(comparable(&snap_ours(&out)), after);
    let before = snap_nt(&original);
    for (p, v) in &before {
        if !p.starts_with("subkey-test") && !p.is_empty() {
            assert_eq!(after.get(p), Some(v), "{p}");
        }
    }
    // The root's security cell lost the references of every key deleted below it.
    let ours = Hive::from_bytes(out.clone()).unwrap();
    assert!(sk_refcount(&out, root_cell(&out)) < refs_before);
    // Re-adding after the delete reuses the freed space: the hive does not grow.
    let mut h = ours;
    h.set_value(&cert_key(), "Blob", ValueType::Binary, &blob(1000, 4))
        .unwrap();
    let again = h.into_bytes().unwrap();
    assert_eq!(again.len(), out.len());
    nt_hive::Hive::new(&again[..]).unwrap();
}

#[test]
fn deleting_values_updates_the_key() {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    let names: Vec<String> = h
        .key("data-test")
        .unwrap()
        .unwrap()
        .values()
        .unwrap()
        .iter()
        .map(|v| v.name())
        .collect();
    assert!(!h.delete_value("data-test", "no such value").unwrap());
    assert!(!h.delete_value("no-such-key", "x").unwrap());
    assert!(h.delete_value("data-test", &names[0]).unwrap());
    let out = h.to_bytes().unwrap();
    let snap = snap_nt(&out);
    assert_eq!(snap["data-test"].1.len(), names.len() - 1);
    for n in &names[1..] {
        h.delete_value("data-test", n).unwrap();
    }
    let out = h.into_bytes().unwrap();
    let snap = snap_nt(&out);
    assert!(snap["data-test"].1.is_empty());
    assert_eq!(comparable(&snap_ours(&out)), snap);
}

#[test]
fn write_atomic_writes_a_file_that_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    std::fs::write(&path, testhive()).unwrap();
    let mut h = Hive::open(&path).unwrap();
    h.set_value(&cert_key(), "Blob", ValueType::Binary, &blob(500, 1))
        .unwrap();
    h.write_atomic(&path).unwrap();
    let back = Hive::open(&path).unwrap();
    assert_eq!(
        back.key(&cert_key())
            .unwrap()
            .unwrap()
            .value("Blob")
            .unwrap()
            .unwrap()
            .data()
            .unwrap(),
        blob(500, 1)
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}

/// Raw elements of the (single-leaf) subkey list of the key node at cell `nk`.
fn raw_leaf(bytes: &[u8], nk: usize) -> (Vec<u8>, Vec<(u32, u32)>) {
    let d = 4096 + nk + 4;
    let list = u32::from_le_bytes(bytes[d + 28..d + 32].try_into().unwrap()) as usize;
    let at = 4096 + list + 4;
    let sig = bytes[at..at + 2].to_vec();
    let n = u16::from_le_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
    let elems = (0..n)
        .map(|i| {
            let e = at + 4 + i * 8;
            (
                u32::from_le_bytes(bytes[e..e + 4].try_into().unwrap()),
                u32::from_le_bytes(bytes[e + 4..e + 8].try_into().unwrap()),
            )
        })
        .collect();
    (sig, elems)
}

fn raw_name(bytes: &[u8], nk: u32) -> String {
    let d = 4096 + nk as usize + 4;
    let len = u16::from_le_bytes([bytes[d + 72], bytes[d + 73]]) as usize;
    String::from_utf8(bytes[d + 76..d + 76 + len].to_vec()).unwrap()
}

#[test]
fn new_lh_entries_carry_the_windows_name_hash() {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    let names = ["Alpha", "beta", "GAMMA_1", "x", "Certificates"];
    for n in names {
        h.create_key(&format!("hashes\\{n}")).unwrap();
    }
    let out = h.into_bytes().unwrap();
    // Find the "hashes" key in the root's lh list by its raw name.
    let root = u32::from_le_bytes(out[36..40].try_into().unwrap()) as usize;
    let (sig, elems) = raw_leaf(&out, root);
    assert_eq!(sig, b"lh");
    let (hashes_nk, _) = *elems
        .iter()
        .find(|(off, _)| raw_name(&out, *off) == "hashes")
        .expect("hashes key in root list");
    let (sig, elems) = raw_leaf(&out, hashes_nk as usize);
    assert_eq!(sig, b"lh", "new lists use the form the hive uses");
    assert_eq!(elems.len(), names.len());
    for (off, hash) in elems {
        let name = raw_name(&out, off);
        // The spec's formula: H = 37 * H + code of each upper-cased character.
        let expected = name
            .to_ascii_uppercase()
            .bytes()
            .fold(0u32, |h, c| h.wrapping_mul(37).wrapping_add(c as u32));
        assert_eq!(hash, expected, "{name}");
    }
    // And every pre-existing root entry's hash is untouched and right too.
    let (_, root_elems) = raw_leaf(&out, root);
    for (off, hash) in root_elems {
        let name = raw_name(&out, off);
        let expected = name
            .to_ascii_uppercase()
            .bytes()
            .fold(0u32, |h, c| h.wrapping_mul(37).wrapping_add(c as u32));
        assert_eq!(hash, expected, "{name}");
    }
}

#[test]
fn deleting_every_key_of_an_index_root_list_one_by_one() {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    let names: Vec<String> = h
        .key("subkey-test")
        .unwrap()
        .unwrap()
        .subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name())
        .collect();
    assert_eq!(names.len(), 512);
    for (i, n) in names.iter().enumerate() {
        assert!(h.delete_key(&format!("subkey-test\\{n}")).unwrap());
        if i == 300 {
            let mid = h.to_bytes().unwrap();
            let snap = snap_nt(&mid);
            assert_eq!(
                snap.keys()
                    .filter(|p| p.starts_with("subkey-test\\"))
                    .count(),
                512 - 301
            );
            for rest in &names[301..] {
                assert!(nt_hive::Hive::new(&mid[..])
                    .unwrap()
                    .root_key_node()
                    .unwrap()
                    .subpath(&format!("subkey-test\\{rest}"))
                    .is_some());
            }
        }
    }
    let out = h.into_bytes().unwrap();
    let snap = snap_nt(&out);
    assert!(!snap.keys().any(|p| p.starts_with("subkey-test\\")));
    let ours = Hive::from_bytes(out).unwrap();
    let k = ours.key("subkey-test").unwrap().unwrap();
    assert_eq!(k.subkey_count(), 0);
    assert!(k.subkeys().unwrap().is_empty());
}

#[test]
fn a_full_leaf_becomes_an_index_root_and_full_leaves_split() {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    let names: Vec<String> = (0..1100u32)
        .map(|i| format!("n{:05}", i.wrapping_mul(7919) % 10007))
        .collect();
    for n in &names {
        assert!(h.create_key(&format!("wide\\{n}")).unwrap());
    }
    let out = h.into_bytes().unwrap();
    let root = u32::from_le_bytes(out[36..40].try_into().unwrap()) as usize;
    let (_, elems) = raw_leaf(&out, root);
    let (wide, _) = *elems
        .iter()
        .find(|(off, _)| raw_name(&out, *off) == "wide")
        .unwrap();
    let d = 4096 + wide as usize + 4;
    let list = u32::from_le_bytes(out[d + 28..d + 32].try_into().unwrap()) as usize;
    let at = 4096 + list + 4;
    assert_eq!(&out[at..at + 2], b"ri");
    let n = u16::from_le_bytes([out[at + 2], out[at + 3]]) as usize;
    assert!(n >= 2, "{n} leaves");
    let mut total = 0;
    for i in 0..n {
        let leaf = u32::from_le_bytes(out[at + 4 + i * 4..at + 8 + i * 4].try_into().unwrap());
        let la = 4096 + leaf as usize + 4;
        assert_eq!(&out[la..la + 2], b"lh");
        let c = u16::from_le_bytes([out[la + 2], out[la + 3]]) as usize;
        assert!(c <= 1013, "leaf of {c}");
        total += c;
    }
    assert_eq!(total, names.len());
    let nt = nt_hive::Hive::new(&out[..]).unwrap();
    let r = nt.root_key_node().unwrap();
    for name in &names {
        assert!(r.subpath(&format!("wide\\{name}")).is_some(), "{name}");
    }
    assert_eq!(
        snap_nt(&out)
            .keys()
            .filter(|p| p.starts_with("wide\\"))
            .count(),
        1100
    );
}

#[cfg(unix)]
#[test]
fn write_atomic_keeps_the_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    std::fs::write(&path, testhive()).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut h = Hive::open(&path).unwrap();
    h.create_key("mode-test").unwrap();
    h.write_atomic(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert!(Hive::open(&path)
        .unwrap()
        .key("mode-test")
        .unwrap()
        .is_some());
}
