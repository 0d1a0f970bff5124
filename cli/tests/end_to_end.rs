//! End-to-end tests of the inject-root binary on WIMs and hives built here, checked against
//! independent oracles (wimlib-imagex, hivexget, hivexregedit, openssl).

mod common;

use std::fs;
use std::process::Command;

use common::*;
use predicates::prelude::*;

const THREE: [&str; 3] = [
    "DigiCert_Global_Root_CA.crt",
    "GTS_Root_R4.crt",
    "Microsoft_RSA_Root_Certificate_Authority_2017.crt",
];

#[test]
fn add_three_to_both_images_list_rerun_remove_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let wim = make_wim(tmp.path(), "boot.wim", 2);
    let certs: Vec<_> = THREE.iter().map(|n| cert(n)).collect();
    let thumbprints: Vec<_> = certs.iter().map(|c| openssl_thumbprint(c)).collect();
    let with_certs = |cmd: &mut assert_cmd::Command| {
        for c in &certs {
            cmd.arg("--cert").arg(c);
        }
    };

    // add: the default action
    let mut cmd = bin();
    cmd.arg("--wim").arg(&wim).arg("--json");
    with_certs(&mut cmd);
    let out = cmd.assert().success().get_output().stdout.clone();
    let report = json(&out);
    assert_eq!(report["targets"][0]["written"], true);
    for image in 0..2 {
        assert_eq!(actions(&report, 0, image), ["added"; 3]);
        assert_eq!(report["targets"][0]["images"][image]["index"], image + 1);
    }
    for index in 1..=2 {
        let hive = extract_hive(&wim, index, tmp.path());
        for (c, tp) in certs.iter().zip(&thumbprints) {
            let blob = hivex_blob(&hive, &authroot_key(tp)).expect("hivexget finds the Blob");
            assert!(
                contains(&blob, &der(c)),
                "Blob of {tp} holds the certificate's DER"
            );
        }
    }

    // list: decoded back, thumbprints as openssl computes them
    let out = bin()
        .arg("list")
        .arg("--wim")
        .arg(&wim)
        .arg("--json")
        .assert()
        .success();
    let report = json(&out.get_output().stdout);
    for image in 0..2 {
        let listed = report["targets"][0]["images"][image]["certificates"]
            .as_array()
            .unwrap();
        let mut found: Vec<_> = listed
            .iter()
            .map(|c| c["thumbprint"].as_str().unwrap().to_string())
            .collect();
        found.sort();
        let mut want = thumbprints.clone();
        want.sort();
        assert_eq!(found, want);
        assert!(listed
            .iter()
            .all(|c| c["key_matches"] == true && c["store"] == "AuthRoot"));
    }

    // rerun: nothing written, file hash unchanged
    let before = file_hash(&wim);
    let mut cmd = bin();
    cmd.arg("--wim").arg(&wim).arg("--json");
    with_certs(&mut cmd);
    let report = json(&cmd.assert().success().get_output().stdout);
    assert_eq!(report["targets"][0]["written"], false);
    assert_eq!(report["targets"][0]["bytes_written"], 0);
    assert_eq!(actions(&report, 0, 0), ["already_present"; 3]);
    assert_eq!(file_hash(&wim), before);

    // remove one
    bin()
        .args(["remove", "--thumbprint", &thumbprints[1], "--wim"])
        .arg(&wim)
        .assert()
        .success()
        .stdout(predicate::str::contains("removed"));
    for index in 1..=2 {
        let hive = extract_hive(&wim, index, tmp.path());
        assert_eq!(hivex_blob(&hive, &authroot_key(&thumbprints[1])), None);
        assert!(hivex_blob(&hive, &authroot_key(&thumbprints[0])).is_some());
        assert!(hivex_blob(&hive, &authroot_key(&thumbprints[2])).is_some());
    }

    // verify: all three -> mismatch (exit 3); the two left -> 0
    let mut cmd = bin();
    cmd.arg("verify").arg("--wim").arg(&wim);
    with_certs(&mut cmd);
    cmd.assert()
        .code(3)
        .stdout(predicate::str::contains("MISSING"));
    bin()
        .arg("verify")
        .arg("--wim")
        .arg(&wim)
        .arg("--cert")
        .arg(&certs[0])
        .arg("--cert")
        .arg(&certs[2])
        .assert()
        .code(0);
}

#[test]
fn reg_export_with_winpe_offline_prefix_gives_the_same_hive_as_cert() {
    need("hivexregedit", "libwin-hivex-perl");
    let tmp = tempfile::tempdir().unwrap();
    let by_cert = tmp.path().join("by-cert");
    let by_reg = tmp.path().join("by-reg");
    fs::copy(testhive(), &by_cert).unwrap();
    fs::copy(testhive(), &by_reg).unwrap();
    let certs: Vec<_> = THREE[..2].iter().map(|n| cert(n)).collect();

    let mut ops = Vec::new();
    for c in &certs {
        for parsed in certblob::read_certificates(c).unwrap() {
            ops.push(certblob::reg::RegOp::SetValue {
                key: certblob::cert_key_path(
                    certblob::Location::Machine,
                    certblob::Store::AuthRoot,
                    &parsed.thumbprint(),
                ),
                name: "Blob".into(),
                ty: certblob::REG_BINARY,
                data: certblob::encode_blob(&parsed),
            });
        }
    }
    let text = certblob::reg::write_reg(&ops, "HKEY_LOCAL_MACHINE\\winpe-offline");
    assert!(text.contains("winpe-offline"), "{text}");
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let reg = tmp.path().join("export.reg");
    fs::write(&reg, utf16).unwrap();

    let mut cmd = bin();
    cmd.arg("--hive").arg(&by_cert);
    for c in &certs {
        cmd.arg("--cert").arg(c);
    }
    cmd.assert().success();
    bin()
        .arg("--hive")
        .arg(&by_reg)
        .arg("--reg")
        .arg(&reg)
        .assert()
        .success();

    let export = |hive: &std::path::Path| {
        run(std::process::Command::new("hivexregedit")
            .args(["--export", "--prefix", "HKEY_LOCAL_MACHINE\\SOFTWARE"])
            .arg(hive)
            .arg("\\"))
    };
    let a = export(&by_cert);
    assert_eq!(
        a,
        export(&by_reg),
        "hivexregedit exports of both hives differ"
    );
    for c in &certs {
        let tp = openssl_thumbprint(c);
        assert!(contains(&a, tp.as_bytes()) || contains(&a, tp.to_lowercase().as_bytes()));
    }
}

#[test]
fn all_36_roots_in_one_run_into_one_hive() {
    let tmp = tempfile::tempdir().unwrap();
    let hive = tmp.path().join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    let certs = all_certs();
    assert_eq!(certs.len(), 36);
    let mut cmd = bin();
    // --force: some of these public roots have expired by now.
    cmd.arg("--hive").arg(&hive).arg("--force").arg("--json");
    for c in &certs {
        cmd.arg("--cert").arg(c);
    }
    let report = json(&cmd.assert().success().get_output().stdout);
    assert_eq!(actions(&report, 0, 0).len(), 36);
    for c in &certs {
        let tp = openssl_thumbprint(c);
        let blob = hivex_blob(&hive, &authroot_key(&tp))
            .unwrap_or_else(|| panic!("hivexget cannot read the Blob of {}", c.display()));
        assert!(contains(&blob, &der(c)), "{}", c.display());
    }
}

#[test]
fn mount_directory_is_found_in_any_case_and_dry_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("mnt/windows/SYSTEM32/Config");
    fs::create_dir_all(&config).unwrap();
    let hive = config.join("software");
    fs::copy(testhive(), &hive).unwrap();
    fs::write(config.join("software.LOG1"), b"").unwrap();
    let before = file_hash(&hive);
    let c = cert(THREE[0]);
    let report = json(
        &bin()
            .arg("--mount")
            .arg(tmp.path().join("mnt"))
            .arg("--cert")
            .arg(&c)
            .args(["--dry-run", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(report["dry_run"], true);
    assert_eq!(actions(&report, 0, 0), ["added"]);
    assert_eq!(file_hash(&hive), before);
    bin()
        .arg("--mount")
        .arg(tmp.path().join("mnt"))
        .arg("--cert")
        .arg(&c)
        .assert()
        .success();
    assert!(hivex_blob(&hive, &authroot_key(&openssl_thumbprint(&c))).is_some());
    assert_eq!(
        fs::read(config.join("software.LOG1")).unwrap(),
        b"",
        "empty log kept empty"
    );
}

#[test]
fn batch_with_a_corrupt_wim_finishes_the_good_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let good1 = make_wim(tmp.path(), "a.wim", 1);
    let good2 = make_wim(tmp.path(), "c.wim", 2);
    let bad = tmp.path().join("b.wim");
    let mut bytes = fs::read(&good1).unwrap();
    bytes.truncate(300);
    fs::write(&bad, &bytes).unwrap();
    let bad_hash = file_hash(&bad);
    let c = cert(THREE[1]);
    let out = bin()
        .arg("--wim")
        .arg(tmp.path().join("*.wim"))
        .args(["--jobs", "2", "--quiet", "--cert"])
        .arg(&c)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("inject-root: {}: ", shown_path(&bad))),
        "{stderr}"
    );
    assert_eq!(file_hash(&bad), bad_hash);
    let tp = openssl_thumbprint(&c);
    for (wim, images) in [(&good1, 1), (&good2, 2)] {
        for index in 1..=images {
            let hive = extract_hive(wim, index, tmp.path());
            assert!(
                hivex_blob(&hive, &authroot_key(&tp)).is_some(),
                "{}",
                wim.display()
            );
        }
    }
}

#[test]
fn expect_thumbprint_guards_the_pipeline() {
    let tmp = tempfile::tempdir().unwrap();
    let hive = tmp.path().join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    let before = file_hash(&hive);
    let c = cert(THREE[0]);
    let other = openssl_thumbprint(&cert(THREE[1]));
    bin()
        .arg("--hive")
        .arg(&hive)
        .arg("--cert")
        .arg(&c)
        .arg("--expect-thumbprint")
        .arg(&other)
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with(format!(
            "inject-root: {}: ",
            shown_path(&c)
        )));
    assert_eq!(file_hash(&hive), before);
    bin()
        .arg("--hive")
        .arg(&hive)
        .arg("--cert")
        .arg(&c)
        .arg("--expect-thumbprint")
        .arg(openssl_thumbprint(&c).to_lowercase())
        .assert()
        .success();
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    bin()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--expect-thumbprint"));
    bin()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH inject-root").and(predicate::str::contains("wim")));
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn stale_logs_are_emptied_in_the_same_commit_and_identical_hives_are_edited_once() {
    let tmp = tempfile::tempdir().unwrap();
    // Two images whose SOFTWARE.LOG1 holds old bytes (no valid log base block: Windows ignores
    // it today, but a later crash recovery could splice it in; docs/hive-logs.md).
    let wim = tmp.path().join("logs.wim");
    for n in 1..=2u32 {
        let root = tmp.path().join(format!("logs-image{n}"));
        let config = root.join("Windows/System32/config");
        fs::create_dir_all(&config).unwrap();
        fs::copy(testhive(), config.join("SOFTWARE")).unwrap();
        fs::write(config.join("SOFTWARE.LOG1"), vec![0x5a; 4096]).unwrap();
        fs::write(config.join("SOFTWARE.LOG2"), b"").unwrap();
        let verb = if n == 1 { "capture" } else { "append" };
        run(std::process::Command::new("wimlib-imagex")
            .arg(verb)
            .arg(&root)
            .arg(&wim)
            .arg(format!("Image {n}")));
    }
    let c = cert(THREE[2]);
    let report = json(
        &bin()
            .arg("--wim")
            .arg(&wim)
            .arg("--cert")
            .arg(&c)
            .arg("--json")
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(report["targets"][0]["images"][0]["reused"], false);
    assert_eq!(report["targets"][0]["images"][1]["reused"], true);
    for index in 1..=2u32 {
        let dest = tmp.path().join(format!("out{index}"));
        fs::create_dir_all(&dest).unwrap();
        run(std::process::Command::new("wimlib-imagex")
            .arg("extract")
            .arg(&wim)
            .arg(index.to_string())
            .arg("/Windows/System32/config")
            .arg(format!("--dest-dir={}", dest.display())));
        let config = dest.join("config");
        assert_eq!(
            fs::read(config.join("SOFTWARE.LOG1")).unwrap().len(),
            0,
            "stale LOG1 emptied"
        );
        assert_eq!(fs::read(config.join("SOFTWARE.LOG2")).unwrap().len(), 0);
        let tp = openssl_thumbprint(&c);
        assert!(hivex_blob(&config.join("SOFTWARE"), &authroot_key(&tp)).is_some());
    }
}

#[test]
fn list_flags_a_key_whose_name_is_not_the_certificate_thumbprint() {
    need("hivexregedit", "libwin-hivex-perl");
    let tmp = tempfile::tempdir().unwrap();
    let hive = tmp.path().join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    // Written by hivex (an independent writer): a Blob filed under the wrong thumbprint.
    let parsed = certblob::read_certificates(&cert(THREE[0]))
        .unwrap()
        .remove(0);
    let blob = certblob::encode_blob(&parsed);
    let hex: Vec<String> = blob.iter().map(|b| format!("{b:02x}")).collect();
    let wrong = "0123456789ABCDEF0123456789ABCDEF01234567";
    let reg = tmp.path().join("wrong.reg");
    fs::write(
        &reg,
        format!(
            "Windows Registry Editor Version 5.00\n\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\n\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates]\n\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot]\n\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates]\n\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\{wrong}]\n\
             \"Blob\"=hex:{}\n",
            hex.join(",")
        ),
    )
    .unwrap();
    run(std::process::Command::new("hivexregedit")
        .args(["--merge", "--prefix", "HKEY_LOCAL_MACHINE\\SOFTWARE"])
        .arg(&hive)
        .arg(&reg));
    let out = bin()
        .arg("list")
        .arg("--hive")
        .arg(&hive)
        .arg("--json")
        .assert()
        .success();
    let report = json(&out.get_output().stdout);
    let entries = report["targets"][0]["images"][0]["certificates"]
        .as_array()
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["key_matches"], false);
    assert_eq!(
        entries[0]["thumbprint"],
        openssl_thumbprint(&cert(THREE[0]))
    );
    bin()
        .arg("list")
        .arg("--hive")
        .arg(&hive)
        .assert()
        .success()
        .stdout(predicate::str::contains("KEY NAME MISMATCH"));
    // verify by the key's own name finds the Blob holds another certificate
    bin()
        .args(["verify", "--thumbprint", wrong, "--hive"])
        .arg(&hive)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("MALFORMED"));
}

#[test]
fn rebuild_rewrites_the_wim_without_the_old_hive_data() {
    need("wimlib-imagex", "wimtools");
    let tmp = tempfile::tempdir().unwrap();
    let appended = make_wim(tmp.path(), "appended.wim", 2);
    let rebuilt = tmp.path().join("rebuilt.wim");
    std::fs::copy(&appended, &rebuilt).unwrap();
    let root = cert("GTS_Root_R4.crt");
    let thumbprint = openssl_thumbprint(&root);
    for (wim, extra) in [(&appended, None), (&rebuilt, Some("--rebuild"))] {
        let mut cmd = bin();
        cmd.arg("--wim")
            .arg(wim)
            .arg("--cert")
            .arg(&root)
            .arg("--quiet");
        cmd.args(extra);
        cmd.assert().success();
        run(Command::new("wimlib-imagex").arg("verify").arg(wim));
        for index in 1..=2 {
            let dir = tmp
                .path()
                .join(format!("x-{}-{index}", extra.unwrap_or("append")));
            std::fs::create_dir_all(&dir).unwrap();
            let hive = extract_hive(wim, index, &dir);
            let blob = hivex_blob(&hive, &authroot_key(&thumbprint)).expect("Blob present");
            assert!(contains(&blob, &der(&root)));
        }
    }
    // Appending keeps the old hive resource in the file; a rebuild does not.
    let size = |p: &std::path::Path| std::fs::metadata(p).unwrap().len();
    assert!(
        size(&rebuilt) < size(&appended),
        "rebuilt {} bytes, appended {} bytes",
        size(&rebuilt),
        size(&appended)
    );
}
