//! Helpers shared by the oracle tests: run independent tools (hivexregedit/hivexget from hivex,
//! regfexport from libregf, the nt-hive crate) on a hive file and turn their output into a
//! comparable dump: key path -> set of value records, each tool in its own notation; and
//! whole-tree snapshots taken through this crate and through nt-hive, for the core tests.
#![allow(dead_code, unused_imports)] // each test binary uses a different subset

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A whole-hive dump: key path (relative to the root, `\`-separated, "" = root) -> value records.
pub type Dump = BTreeMap<String, BTreeSet<String>>;

pub use testsupport::{need as require, shared_testdata};

/// Path of a file in the repository's testdata/ directory.
pub fn testdata(rel: &str) -> PathBuf {
    testsupport::testdata().join(rel)
}

/// The real offreg-written hive.
pub fn testhive() -> Vec<u8> {
    std::fs::read(testdata("hives/offreg-testhive")).expect("testdata/hives/offreg-testhive")
}

use testsupport::run;

/// Full dump through hivex's `hivexregedit --export` (Debian: libwin-hivex-perl). Values are the
/// .reg lines it prints (`"name"=hex(3):..`), keys have the leading `\` removed.
pub fn hivex_dump(hive: &Path) -> Dump {
    require("hivexregedit", "libwin-hivex-perl");
    let out = run(Command::new("hivexregedit")
        .arg("--export")
        .arg(hive)
        .arg("\\"));
    let text = String::from_utf8_lossy(&out);
    let mut dump = Dump::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('[') {
            let key = rest.strip_suffix(']').unwrap_or(rest);
            let key = key.strip_prefix('\\').unwrap_or(key).to_string();
            dump.entry(key.clone()).or_default();
            current = Some(key);
        } else if line.starts_with('"') || line.starts_with('@') {
            let key = current
                .clone()
                .expect("value line before any key in hivexregedit output");
            dump.entry(key).or_default().insert(line.to_string());
        }
    }
    dump
}

/// Full dump through libregf's `regfexport` (Debian: libregf-utils). A value record is its
/// name, type, size and data lines (the `Value: N` index is dropped: it shifts on delete).
pub fn regf_dump(hive: &Path) -> Dump {
    require("regfexport", "libregf-utils");
    let out = run(Command::new("regfexport").arg(hive));
    let text = String::from_utf8_lossy(&out);
    let mut dump = Dump::new();
    let mut key: Option<String> = None;
    let mut value: Option<String> = None;
    let flush = |dump: &mut Dump, key: &Option<String>, value: &mut Option<String>| {
        if let (Some(k), Some(v)) = (key, value.take()) {
            dump.entry(k.clone()).or_default().insert(v);
        }
    };
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("Key path: ") {
            flush(&mut dump, &key, &mut value);
            let rel = path.strip_prefix("ROOT").unwrap_or(path);
            let rel = rel.strip_prefix('\\').unwrap_or(rel).to_string();
            dump.entry(rel.clone()).or_default();
            key = Some(rel);
        } else if let Some(v) = line.strip_prefix("Value: ") {
            flush(&mut dump, &key, &mut value);
            let name = v.split_once(' ').map(|(_, n)| n).unwrap_or("");
            value = Some(format!("name={name}"));
        } else if line.is_empty() {
            flush(&mut dump, &key, &mut value);
        } else if let Some(v) = value.as_mut() {
            v.push('\n');
            v.push_str(line);
        }
    }
    flush(&mut dump, &key, &mut value);
    dump
}

/// Value data as printed by `hivexget HIVE KEY VALUE` (raw bytes for REG_BINARY).
pub fn hivexget(hive: &Path, key: &str, value: &str) -> Vec<u8> {
    require("hivexget", "libhivex-bin");
    run(Command::new("hivexget").arg(hive).arg(key).arg(value))
}

/// `regfinfo` must accept the file (exit status 0).
pub fn regfinfo_ok(hive: &Path) {
    require("regfinfo", "libregf-utils");
    run(Command::new("regfinfo").arg(hive));
}

/// Full dump through the nt-hive crate (validating base block parse). Value record:
/// `name|type|hex data`.
pub fn nt_hive_dump(bytes: &[u8]) -> Dump {
    snap_nt(bytes)
        .into_iter()
        .map(|(path, (_, values))| {
            let records = values
                .into_iter()
                .map(|(name, ty, data)| {
                    let ty = ty.map_or_else(|| "unsupported".to_string(), |t| t.to_string());
                    format!("{name}|{ty}|{}", hex(&data))
                })
                .collect();
            (path, records)
        })
        .collect()
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Remove `path` and everything below it from a dump (case-insensitive, as the registry is).
pub fn without_subtree(mut dump: Dump, path: &str) -> Dump {
    let lower = path.to_lowercase();
    let prefix = format!("{lower}\\");
    dump.retain(|k, _| {
        let k = k.to_lowercase();
        k != lower && !k.starts_with(&prefix)
    });
    dump
}

/// The three full dumps of one hive file (hivex, libregf, nt-hive).
pub struct AllDumps {
    /// hivexregedit --export.
    pub hivex: Dump,
    /// regfexport.
    pub regf: Dump,
    /// nt-hive walk.
    pub nt: Dump,
}

/// Dump `hive` with all three oracles.
pub fn all_dumps(hive: &Path) -> AllDumps {
    regfinfo_ok(hive);
    cmcheck_ok(hive);
    let bytes = std::fs::read(hive).expect("read hive");
    AllDumps {
        hivex: hivex_dump(hive),
        regf: regf_dump(hive),
        nt: nt_hive_dump(&bytes),
    }
}

/// One value: name, type code (None when nt-hive does not know the type), data.
pub type ValueSnap = (String, Option<u32>, Vec<u8>);
/// Whole tree: key path -> (key name, values sorted by name).
pub type TreeSnap = BTreeMap<String, (String, Vec<ValueSnap>)>;

/// Snapshot of every key and value, read with this crate.
pub fn snap_ours(bytes: &[u8]) -> TreeSnap {
    let hive = hive::Hive::from_bytes(bytes.to_vec()).expect("our reader opens the hive");
    snap_hive(&hive)
}

/// Snapshot of every key and value of an open hive, read with this crate.
pub fn snap_hive(hive: &hive::Hive) -> TreeSnap {
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

/// Asserts that cmcheck (what the Windows kernel checks when it loads a hive) accepts `hive`.
pub fn cmcheck_ok(hive: &Path) {
    testsupport::assert_cmcheck_ok(hive);
}
