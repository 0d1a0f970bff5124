//! Every real hive of ../shared/testdata/hives/real through the CLI, judged by kind, never by
//! file name: a clean primary that the Windows load check (cmcheck) accepts gets the root, and
//! the result passes cmcheck, nt-hive, hivexget, regfinfo, and hivexregedit's export differs
//! only by the new keys; a dirty one (logs to replay) is either edited (the result passes the
//! same oracles, and its logs are emptied) or refused; every other one (damaged, a version we do
//! not edit) is refused with one line naming the file, the file and its logs byte-identical, no
//! panic. Which dirty hives must replay is tested case by case in tests/dirty_hives.rs.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The primaries of the real set (logs and notes left out), sorted.
fn real_primaries() -> Vec<PathBuf> {
    let dir = shared_testdata().join("hives/real");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_ascii_uppercase();
            !name.ends_with(".LOG1") && !name.ends_with(".LOG2") && !name.ends_with(".MD")
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "{} primaries in {}",
        files.len(),
        dir.display()
    );
    files
}

/// Copies `primary` and its logs into `dir` (writable); returns the copy and its logs.
fn copy_with_logs(primary: &Path, dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let name = primary.file_name().unwrap().to_string_lossy().to_string();
    let copy = dir.join(&name);
    fs::copy(primary, &copy).unwrap();
    let mut logs = Vec::new();
    for suffix in [".LOG1", ".LOG2"] {
        let log = primary.with_file_name(format!("{name}{suffix}"));
        if log.exists() {
            let to = dir.join(format!("{name}{suffix}"));
            fs::copy(&log, &to).unwrap();
            logs.push(to);
        }
    }
    for f in std::iter::once(&copy).chain(&logs) {
        let mut p = fs::metadata(f).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        p.set_readonly(false);
        fs::set_permissions(f, p).unwrap();
    }
    (copy, logs)
}

/// True when the base block says the hive is dirty: its sequence numbers differ or its checksum
/// is wrong (Windows then replays the logs).
fn dirty(bytes: &[u8]) -> bool {
    let u = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let sum = (0..127).fold(0u32, |x, i| x ^ u(i * 4));
    let sum = match sum {
        0 => 1,
        0xFFFF_FFFF => 0xFFFF_FFFE,
        s => s,
    };
    bytes.len() >= 4096 && (u(4) != u(8) || u(508) != sum)
}

/// Minor format version from the base block.
fn minor_version(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[24..28].try_into().unwrap())
}

/// Key paths of a hivexregedit export, and each key's value lines.
fn hivex_export(hive: &Path) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    need("hivexregedit", "libwin-hivex-perl");
    let out = run(Command::new("hivexregedit")
        .arg("--export")
        .arg(hive)
        .arg("\\"));
    let mut dump = std::collections::BTreeMap::new();
    let mut current = String::new();
    for line in String::from_utf8_lossy(&out).lines() {
        if let Some(key) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = key.to_string();
            dump.entry(current.clone()).or_insert_with(BTreeSet::new);
        } else if line.starts_with('"') || line.starts_with('@') {
            dump.entry(current.clone())
                .or_insert_with(BTreeSet::new)
                .insert(line.to_string());
        }
    }
    dump
}

/// The Blob at `key` read by nt-hive.
fn nt_hive_blob(bytes: &[u8], key: &str) -> Vec<u8> {
    let hive = nt_hive::Hive::new(bytes).unwrap();
    let root = hive.root_key_node().unwrap();
    let node = root.subpath(key).unwrap().unwrap();
    let value = node.value("Blob").unwrap().unwrap();
    value.data().unwrap().into_vec().unwrap()
}

#[test]
fn every_real_hive_is_edited_or_refused_by_kind() {
    need("hivexget", "libhivex-bin");
    need("regfinfo", "libregf-utils");
    let cert = cert("GTS_Root_R4.crt");
    let der = der(&cert);
    let tp = openssl_thumbprint(&cert);
    let key = format!("Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\{tp}");
    let (mut edited, mut refused, mut replayed) = (0, 0, 0);
    for primary in real_primaries() {
        let tmp = tempfile::tempdir().unwrap();
        let (copy, logs) = copy_with_logs(&primary, tmp.path());
        let before = fs::read(&copy).unwrap();
        let logs_before: Vec<Vec<u8>> = logs.iter().map(|l| fs::read(l).unwrap()).collect();
        // The kind: loadable by Windows as it is (cmcheck), and a version we edit.
        let loadable = cmcheck(&copy).is_ok();
        let editable = loadable && minor_version(&before) <= 5;
        let replayable = !logs.is_empty() && dirty(&before);
        let out = bin()
            .arg("--hive")
            .arg(&copy)
            .arg("--cert")
            .arg(&cert)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let name = primary.display();
        assert_ne!(out.status.code(), Some(101), "{name}: panic\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        if replayable && out.status.success() {
            // Replayed and edited: a clean primary that every oracle reads, logs emptied.
            replayed += 1;
            assert_cmcheck_ok(&copy);
            run(Command::new("regfinfo").arg(&copy));
            let hivex = hivex_blob(&copy, &format!("\\{key}"))
                .unwrap_or_else(|| panic!("{name}: hivexget finds no Blob"));
            assert!(
                contains(&hivex, &der),
                "{name}: the Blob does not hold the DER"
            );
            assert_eq!(
                nt_hive_blob(&fs::read(&copy).unwrap(), &key),
                hivex,
                "{name}"
            );
            for log in &logs {
                assert_eq!(
                    fs::metadata(log).unwrap().len(),
                    0,
                    "{name}: log not emptied"
                );
            }
        } else if editable {
            assert!(out.status.success(), "{name}: refused\n{stderr}");
            edited += 1;
            let after = fs::read(&copy).unwrap();
            assert_ne!(after, before, "{name}: not written");
            assert_cmcheck_ok(&copy);
            run(Command::new("regfinfo").arg(&copy));
            let hivex = hivex_blob(&copy, &format!("\\{key}"))
                .unwrap_or_else(|| panic!("{name}: hivexget finds no Blob"));
            assert!(
                contains(&hivex, &der),
                "{name}: the Blob does not hold the DER"
            );
            assert_eq!(
                nt_hive_blob(&after, &key),
                hivex,
                "{name}: nt-hive and hivex differ"
            );
            // hivexregedit's export differs only by the new keys (the Blob's and its parents').
            let (old, new) = (hivex_export_of(&before, tmp.path()), hivex_export(&copy));
            for (k, values) in &old {
                assert_eq!(new.get(k), Some(values), "{name}: key {k} changed");
            }
            let added: Vec<&String> = new.keys().filter(|k| !old.contains_key(*k)).collect();
            assert!(!added.is_empty(), "{name}: no key added");
            for k in added {
                let rel = k.trim_start_matches('\\').to_ascii_uppercase();
                assert!(
                    key.to_ascii_uppercase().starts_with(&rel),
                    "{name}: unexpected key {k}"
                );
                if !rel.eq_ignore_ascii_case(&key) {
                    assert!(new[k].is_empty(), "{name}: new parent {k} has values");
                }
            }
        } else {
            refused += 1;
            assert_eq!(out.status.code(), Some(1), "{name}: not refused\n{stderr}");
            let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "{name}: {stderr}");
            assert!(lines[0].contains(&shown_path(&copy)), "{name}: {stderr}");
            assert_eq!(fs::read(&copy).unwrap(), before, "{name}: changed");
            for (log, was) in logs.iter().zip(&logs_before) {
                assert_eq!(&fs::read(log).unwrap(), was, "{name}: log changed");
            }
        }
        let stray: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(stray.is_empty(), "{name}: left {stray:?}");
    }
    assert!(
        edited >= 25 && refused >= 8 && replayed >= 3,
        "edited {edited}, replayed {replayed}, refused {refused}"
    );
}

/// hivexregedit's export of hive bytes (written to a scratch file in `dir`).
fn hivex_export_of(
    bytes: &[u8],
    dir: &Path,
) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let scratch = dir.join("before.scratch");
    fs::write(&scratch, bytes).unwrap();
    let dump = hivex_export(&scratch);
    fs::remove_file(&scratch).unwrap();
    dump
}
