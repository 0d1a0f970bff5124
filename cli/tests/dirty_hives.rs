//! Dirty hives through the CLI, case by case: real hives whose logs hold changes their primary
//! lacks are replayed in memory the way Windows does, edited, written as a clean primary, and
//! their logs emptied; the keys only the logs held are there afterwards. `--no-replay` refuses,
//! `list` shows the replayed state and writes nothing, damaged logs and a dirty hive without
//! logs are refused with the files untouched.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// `name` and its logs copied (writable) into `dir`; returns the copy and its logs.
fn copy_real(name: &str, dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let src = shared_testdata().join("hives/real");
    let copy = dir.join(name);
    let write = |from: &Path, to: &Path| {
        fs::write(to, fs::read(from).unwrap()).unwrap();
    };
    write(&src.join(name), &copy);
    let mut logs = Vec::new();
    for suffix in [".LOG1", ".LOG2"] {
        let from = src.join(format!("{name}{suffix}"));
        if from.exists() {
            let to = dir.join(format!("{name}{suffix}"));
            write(&from, &to);
            logs.push(to);
        }
    }
    (copy, logs)
}

/// Key paths of hivexregedit's export (hivex reads a dirty primary as it is; one whose base
/// block is damaged it cannot open: then none).
fn keys(hive: &Path) -> BTreeSet<String> {
    need("hivexregedit", "libwin-hivex-perl");
    let out = Command::new("hivexregedit")
        .arg("--export")
        .arg(hive)
        .arg("\\")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix('[').and_then(|l| l.strip_suffix(']')))
        .map(|k| k.to_ascii_uppercase())
        .collect()
}

#[test]
fn dirty_hives_are_replayed_edited_and_left_clean() {
    let cert = cert("GTS_Root_R4.crt");
    let tp = openssl_thumbprint(&cert);
    let der = der(&cert);
    for name in [
        "regipy__SYSTEM_B",
        "regipy__UsrClass.dat",
        "regipy__transactions_NTUSER.DAT",
        "yarp__NewDirtyHive1_NewDirtyHive",
        "yarp__OldDirtyHive_OldDirtyHive",
        "yarp__BadBaseBlockHive_BadBaseBlockHive",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (hive, logs) = copy_real(name, dir.path());
        let stale_keys = keys(&hive);
        let report = report_of([
            "--hive".as_ref(),
            hive.as_os_str(),
            "--cert".as_ref(),
            cert.as_os_str(),
        ]);
        let image = &report["targets"][0]["images"][0];
        assert!(
            !image["replayed"].as_array().unwrap().is_empty(),
            "{name}: {image}"
        );
        assert!(image["warnings"].to_string().contains("replayed"), "{name}");
        // A clean primary every oracle reads, holding our Blob; the logs emptied.
        assert_cmcheck_ok(&hive);
        run(Command::new("regfinfo").arg(&hive));
        let blob = hivex_blob(&hive, &authroot_key(&tp)).expect("hivexget finds the Blob");
        assert!(contains(&blob, &der), "{name}");
        let bytes = fs::read(&hive).unwrap();
        let nt = nt_hive::Hive::new(&bytes[..]).unwrap();
        let root = nt.root_key_node().unwrap();
        assert!(
            root.subpath(&authroot_key(&tp)[1..]).unwrap().is_ok(),
            "{name}: nt-hive"
        );
        for log in &logs {
            assert_eq!(
                fs::metadata(log).unwrap().len(),
                0,
                "{name}: log not emptied"
            );
        }
        // The keys only the logs held are there now (those the stale primary lacks).
        let new_keys: Vec<String> = keys(&hive)
            .difference(&stale_keys)
            .filter(|k| !k.contains("SYSTEMCERTIFICATES") && !k.ends_with("\\\\MICROSOFT"))
            .cloned()
            .collect();
        if name != "regipy__transactions_NTUSER.DAT" {
            assert!(!new_keys.is_empty(), "{name}: no key from the logs");
        }
        // A rerun finds the hive clean and the certificate present: nothing written.
        let again = file_hash(&hive);
        bin()
            .arg("--hive")
            .arg(&hive)
            .arg("--cert")
            .arg(&cert)
            .assert()
            .success();
        assert_eq!(file_hash(&hive), again, "{name}: rerun wrote");
    }
}

#[test]
fn no_replay_refuses_and_list_shows_the_replayed_state_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (hive, logs) = copy_real("yarp__NewDirtyHive1_NewDirtyHive", dir.path());
    let hashes: Vec<[u8; 32]> = std::iter::once(&hive)
        .chain(&logs)
        .map(|p| file_hash(p))
        .collect();
    let out = bin()
        .args(["--no-replay", "--hive"])
        .arg(&hive)
        .arg("--cert")
        .arg(cert("GTS_Root_R4.crt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--no-replay") && stderr.contains(&shown_path(&hive)),
        "{stderr}"
    );
    let out = bin()
        .args(["list", "--json", "--hive"])
        .arg(&hive)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report = json(&out.stdout);
    let image = &report["targets"][0]["images"][0];
    assert!(
        image["warnings"].to_string().contains("nothing written"),
        "{image}"
    );
    assert_eq!(
        image["replayed"],
        serde_json::json!(["LOG1: entries 2..=2", "LOG2: entries 3..=5"])
    );
    let now: Vec<[u8; 32]> = std::iter::once(&hive)
        .chain(&logs)
        .map(|p| file_hash(p))
        .collect();
    assert_eq!(now, hashes, "list or --no-replay wrote");
}

#[test]
fn damaged_logs_and_dirty_hives_without_logs_are_refused_untouched() {
    for name in [
        "yarp__BadLogHive1_BadLogHive",
        "yarp__BadLogHive2_BadLogHive",
        "yarp__BadLogHive3_BadLogHive",
        "yarp__TruncatedDirtyHive",
        "regipy__SYSTEM_2",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (hive, logs) = copy_real(name, dir.path());
        let hashes: Vec<[u8; 32]> = std::iter::once(&hive)
            .chain(&logs)
            .map(|p| file_hash(p))
            .collect();
        let out = bin()
            .arg("--hive")
            .arg(&hive)
            .arg("--cert")
            .arg(cert("GTS_Root_R4.crt"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains("dirty"), "{name}: {stderr}");
        let now: Vec<[u8; 32]> = std::iter::once(&hive)
            .chain(&logs)
            .map(|p| file_hash(p))
            .collect();
        assert_eq!(now, hashes, "{name}: changed");
    }
}

#[test]
fn a_dirty_hive_inside_a_wim_is_replayed_and_its_logs_emptied_in_the_same_commit() {
    need("wimlib-imagex", "wimtools");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("image");
    let config = root.join("Windows/System32/config");
    fs::create_dir_all(&config).unwrap();
    let name = "yarp__NewDirtyHive1_NewDirtyHive";
    let (hive, logs) = copy_real(name, dir.path());
    fs::copy(&hive, config.join("SOFTWARE")).unwrap();
    fs::copy(&logs[0], config.join("SOFTWARE.LOG1")).unwrap();
    fs::copy(&logs[1], config.join("SOFTWARE.LOG2")).unwrap();
    let wim = dir.path().join("boot.wim");
    run(Command::new("wimlib-imagex")
        .arg("capture")
        .arg(&root)
        .arg(&wim)
        .arg("WinPE"));
    let cert = cert("GTS_Root_R4.crt");
    let report = report_of([
        "--wim".as_ref(),
        wim.as_os_str(),
        "--cert".as_ref(),
        cert.as_os_str(),
    ]);
    assert!(!report["targets"][0]["images"][0]["replayed"]
        .as_array()
        .unwrap()
        .is_empty());
    run(Command::new("wimlib-imagex").arg("verify").arg(&wim));
    let out_dir = dir.path().join("out");
    run(Command::new("wimlib-imagex")
        .arg("apply")
        .arg(&wim)
        .arg("1")
        .arg(&out_dir));
    let config = out_dir.join("Windows/System32/config");
    assert_cmcheck_ok(&config.join("SOFTWARE"));
    for log in ["SOFTWARE.LOG1", "SOFTWARE.LOG2"] {
        assert_eq!(
            fs::metadata(config.join(log)).unwrap().len(),
            0,
            "{log} not emptied"
        );
    }
    let tp = openssl_thumbprint(&cert);
    assert!(hivex_blob(&config.join("SOFTWARE"), &authroot_key(&tp)).is_some());
    // The keys the logs held (Key3... in Windows' own recovered hive) are in the image now.
    let ours = keys(&config.join("SOFTWARE"));
    let windows =
        keys(&shared_testdata().join("hives/real/yarp__NewDirtyHive1_RecoveredHive_Windows10"));
    for key in &windows {
        assert!(ours.contains(key), "{key} missing");
    }
}
