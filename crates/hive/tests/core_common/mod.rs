//! Shared helpers for the core tests: test data and whole-tree snapshots taken through this
//! crate and through the independent `nt-hive` reader.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

/// One value: name, type code (None when nt-hive does not know the type), data.
pub type ValueSnap = (String, Option<u32>, Vec<u8>);
/// Whole tree: key path -> (key name, values sorted by name).
pub type TreeSnap = BTreeMap<String, (String, Vec<ValueSnap>)>;

/// Path of a file under the repository's testdata/ directory.
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

/// The offreg-written test hive.
pub fn testhive() -> Vec<u8> {
    std::fs::read(testdata("hives/offreg-testhive")).expect("testdata/hives/offreg-testhive")
}

/// Snapshot of every key and value, read with this crate.
pub fn snap_ours(bytes: &[u8]) -> TreeSnap {
    let hive = hive::Hive::from_bytes(bytes.to_vec()).expect("our reader opens the hive");
    let mut out = TreeSnap::new();
    let mut stack = vec![hive.root().expect("root")];
    while let Some(k) = stack.pop() {
        let mut vals: Vec<ValueSnap> = k
            .values()
            .expect("values")
            .iter()
            .map(|v| {
                (
                    v.name(),
                    Some(v.value_type().code()),
                    v.data().expect("value data"),
                )
            })
            .collect();
        vals.sort();
        out.insert(k.path(), (k.name(), vals));
        stack.extend(k.subkeys().expect("subkeys"));
    }
    out
}

/// Snapshot of every key and value, read with nt-hive (after its own validation).
pub fn snap_nt(bytes: &[u8]) -> TreeSnap {
    let hive = nt_hive::Hive::new(bytes).expect("nt-hive accepts the hive");
    let mut out = TreeSnap::new();
    let root = hive.root_key_node().expect("nt-hive root");
    let mut stack = vec![(String::new(), root)];
    while let Some((path, k)) = stack.pop() {
        let name = k.name().expect("nt-hive key name").to_string_lossy();
        let mut vals = Vec::new();
        if let Some(values) = k.values() {
            for v in values.expect("nt-hive values") {
                let v = v.expect("nt-hive value");
                let ty = v.data_type().ok().map(|t| t as u32);
                let data = v
                    .data()
                    .expect("nt-hive data")
                    .into_vec()
                    .expect("nt-hive bytes");
                vals.push((
                    v.name().expect("nt-hive value name").to_string_lossy(),
                    ty,
                    data,
                ));
            }
        }
        vals.sort();
        if let Some(subs) = k.subkeys() {
            for s in subs.expect("nt-hive subkeys") {
                let s = s.expect("nt-hive subkey");
                let sname = s.name().expect("nt-hive subkey name").to_string_lossy();
                let spath = if path.is_empty() {
                    sname
                } else {
                    format!("{path}\\{sname}")
                };
                stack.push((spath, s));
            }
        }
        out.insert(path, (name, vals));
    }
    out
}

/// Our snapshot with type codes nt-hive does not know replaced by None, for comparison.
pub fn comparable(ours: &TreeSnap) -> TreeSnap {
    ours.iter()
        .map(|(p, (n, vals))| {
            let vals = vals
                .iter()
                .map(|(vn, ty, d)| (vn.clone(), ty.filter(|&t| t <= 11), d.clone()))
                .collect();
            (p.clone(), (n.clone(), vals))
        })
        .collect()
}
