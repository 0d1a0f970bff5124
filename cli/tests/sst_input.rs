//! `--cert` with a Microsoft serialized certificate store written by Windows (roots.sst, 434
//! roots): every certificate lands (those that would be refused only with --force), its
//! thumbprint is the file's record 3, `list` shows the friendly names; a damaged .sst is refused
//! with the byte offset, the target untouched. And `list` flags Blob records that disagree with
//! their certificate.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

use common::*;

fn roots_sst() -> PathBuf {
    shared_testdata().join("sst/roots.sst")
}

/// (record 3, record 11 as text) of every certificate in the store, parsed here on its own.
fn sst_thumbprints_and_names() -> Vec<(String, String)> {
    let bytes = fs::read(roots_sst()).unwrap();
    let u = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let (mut out, mut props) = (Vec::new(), HashMap::<u32, Vec<u8>>::new());
    let mut off = 8;
    while u(off) != 0 {
        let (id, len) = (u(off), u(off + 8) as usize);
        let data = bytes[off + 12..off + 12 + len].to_vec();
        if id == 32 {
            let tp = hex::encode_upper(&props[&3u32]);
            let name: Vec<u16> = props[&11u32]
                .chunks_exact(2)
                .map(|c: &[u8]| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&c| c != 0)
                .collect();
            out.push((tp, String::from_utf16(&name).unwrap()));
            props.clear();
        } else {
            props.insert(id, data);
        }
        off += 12 + len;
    }
    out
}

fn hive_copy(dir: &std::path::Path) -> PathBuf {
    let hive = dir.join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    hive
}

#[test]
fn roots_sst_lands_in_the_store_with_its_names() {
    let file = sst_thumbprints_and_names();
    assert_eq!(file.len(), 434);
    let dir = tempfile::tempdir().unwrap();

    // Without --force: what would be refused (expired, not a CA) is skipped with a warning.
    let hive = hive_copy(dir.path());
    let sst = roots_sst();
    let report = report_of([
        "--store".as_ref(),
        "Root".as_ref(),
        "--hive".as_ref(),
        hive.as_os_str(),
        "--cert".as_ref(),
        sst.as_os_str(),
    ]);
    let entries = report["targets"][0]["images"][0]["certificates"]
        .as_array()
        .unwrap()
        .clone();
    let skipped = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w.as_str().unwrap().starts_with("skipped: "))
        .count();
    assert!(
        !entries.is_empty() && skipped > 0,
        "{} added, {skipped} skipped",
        entries.len()
    );
    assert_eq!(entries.len() + skipped, 434);
    let file_tps: HashMap<&str, &str> =
        file.iter().map(|(t, n)| (t.as_str(), n.as_str())).collect();
    for e in &entries {
        assert_eq!(e["store"], "ROOT");
        assert_eq!(e["action"], "added");
        assert!(file_tps.contains_key(e["thumbprint"].as_str().unwrap()));
    }
    assert_cmcheck_ok(&hive);

    // With --force every one of the 434 lands, each under its record 3.
    let hive = hive_copy(dir.path());
    let report = report_of([
        "--force".as_ref(),
        "--hive".as_ref(),
        hive.as_os_str(),
        "--cert".as_ref(),
        sst.as_os_str(),
    ]);
    let mut tps: Vec<String> = report["targets"][0]["images"][0]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["thumbprint"].as_str().unwrap().to_string())
        .collect();
    tps.sort();
    let mut want: Vec<String> = file.iter().map(|(t, _)| t.clone()).collect();
    want.sort();
    assert_eq!(tps, want);
    assert_cmcheck_ok(&hive);
    // hivex reads a Blob back; `list` shows every friendly name from the file.
    let (tp, _) = &file[0];
    assert!(hivex_blob(&hive, &authroot_key(tp)).is_some());
    let out = bin()
        .args(["list", "--json", "--hive"])
        .arg(&hive)
        .output()
        .unwrap();
    assert!(out.status.success());
    let listed = json(&out.stdout);
    let names: HashMap<String, String> = listed["targets"][0]["images"][0]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["thumbprint"].as_str().unwrap().to_string(),
                e["friendly_name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for (tp, name) in &file {
        assert_eq!(
            names.get(tp).map(String::as_str),
            Some(name.as_str()),
            "{tp}"
        );
    }
    let text = bin().args(["list", "--hive"]).arg(&hive).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains(&format!("\"{}\"", file[0].1)));
}

#[test]
fn a_damaged_sst_is_refused_with_the_offset_and_nothing_is_touched() {
    let bytes = fs::read(roots_sst()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let hive = hive_copy(dir.path());
    let before = file_hash(&hive);
    for cut in [9, 20, 1000, bytes.len() / 2, bytes.len() - 5] {
        let sst = dir.path().join(format!("cut-{cut}.sst"));
        fs::write(&sst, &bytes[..cut]).unwrap();
        let out = bin()
            .arg("--hive")
            .arg(&hive)
            .arg("--cert")
            .arg(&sst)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "cut at {cut}: {stderr}");
        assert!(
            stderr.contains(&shown_path(&sst)) && stderr.contains("byte"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert_eq!(file_hash(&hive), before);
    }
}

#[test]
fn list_flags_blob_records_that_disagree_with_their_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let hive_path = hive_copy(dir.path());
    let cert_path = cert("GTS_Root_R4.crt");
    let certificate = certblob::Certificate::from_der(&der(&cert_path)).unwrap();
    // The Blob another tool might have written: record 15 as a SHA-1 for a SHA-384 root.
    let decoded = certblob::decode_blob(&certblob::encode_blob(&certificate)).unwrap();
    let records: Vec<(u32, Vec<u8>)> = decoded
        .records
        .iter()
        .map(|r| {
            (
                r.prop_id,
                if r.prop_id == 15 {
                    vec![7; 20]
                } else {
                    r.data.clone()
                },
            )
        })
        .collect();
    let key = format!(
        "Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\{}",
        certificate.thumbprint()
    );
    let mut h = hive::Hive::from_bytes(fs::read(&hive_path).unwrap()).unwrap();
    h.set_value(
        &key,
        "Blob",
        hive::ValueType::Binary,
        &certblob::encode_records(&records),
    )
    .unwrap();
    fs::write(&hive_path, h.into_bytes().unwrap()).unwrap();
    let out = bin()
        .args(["list", "--json", "--hive"])
        .arg(&hive_path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report = json(&out.stdout);
    let entry = &report["targets"][0]["images"][0]["certificates"][0];
    let warnings = entry["record_warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{entry}");
    assert!(warnings[0]
        .as_str()
        .unwrap()
        .starts_with("record 15 (signature hash)"));
    let text = bin()
        .args(["list", "--hive"])
        .arg(&hive_path)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("warning: record 15"));
}
