//! The scenario of issue #12, through the CLI: a 2-image LZX boot.wim with an integrity table
//! and boot index 2, captured through NTFS (mkntfs, files written through an ntfs-3g mount,
//! their attributes and times set with setfattr), so that SOFTWARE carries a security
//! descriptor, the ARCHIVE attribute and a creation time older than its last write. After
//! `inject-root --wim boot.wim --cert root.cer` everything of the entry but its data stays.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const HIVE: &str = "/Windows/System32/config/SOFTWARE";

/// FILETIMEs for 2015-06-01 and 2017-07-14.
const CREATED: u64 = 130_776_768_000_000_000;
const WRITTEN: u64 = 131_445_792_000_000_000;

/// An NTFS volume image holding one image's tree, SOFTWARE with ARCHIVE and older creation.
fn ntfs_volume(dir: &Path, n: u32) -> std::path::PathBuf {
    let vol = dir.join(format!("vol{n}.ntfs"));
    let f = std::fs::File::create(&vol).unwrap();
    f.set_len(32 << 20).unwrap();
    drop(f);
    run(Command::new("mkntfs").args(["-F", "-f", "-q"]).arg(&vol));
    let mnt = dir.join(format!("mnt{n}"));
    std::fs::create_dir_all(&mnt).unwrap();
    run(Command::new("ntfs-3g").arg(&vol).arg(&mnt));
    let result = std::panic::catch_unwind(|| {
        let config = mnt.join("Windows/System32/config");
        std::fs::create_dir_all(&config).unwrap();
        let hive = config.join("SOFTWARE");
        std::fs::copy(testhive(), &hive).unwrap();
        std::fs::write(
            mnt.join("Windows/System32/readme.txt"),
            format!("image {n}\r\n"),
        )
        .unwrap();
        run(Command::new("setfattr")
            .args(["-h", "-v", "0x00000020", "-n", "system.ntfs_attrib_be"])
            .arg(&hive));
        // creation, last write, last access, MFT change: big-endian FILETIMEs.
        let times = format!("0x{CREATED:016x}{WRITTEN:016x}{WRITTEN:016x}{WRITTEN:016x}");
        run(Command::new("setfattr")
            .args(["-h", "-v", &times, "-n", "system.ntfs_times_be"])
            .arg(&hive));
    });
    let _ = Command::new("fusermount").arg("-u").arg(&mnt).status();
    let _ = Command::new("fusermount3").arg("-u").arg(&mnt).status();
    let _ = Command::new("umount").arg(&mnt).status();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
    vol
}

fn detailed(wim: &Path, index: u32) -> std::collections::BTreeMap<String, Vec<String>> {
    let out = run(Command::new("wimlib-imagex")
        .arg("dir")
        .arg(wim)
        .arg(index.to_string())
        .arg("--detailed"));
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut map = std::collections::BTreeMap::new();
    for block in text.split("--------------------------------------------------------------------")
    {
        let lines: Vec<String> = block
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '-'))
            .collect();
        if let Some(p) = lines
            .first()
            .and_then(|l| l.strip_prefix("Full Path           = "))
        {
            map.insert(p.trim_matches('"').to_string(), lines.clone());
        }
    }
    map
}

fn strip(lines: &[String], keys: &[&str]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !keys.iter().any(|k| l.starts_with(k)))
        .cloned()
        .collect()
}

/// `inject-root --json --wim <wim> --cert <cert>`: the report.
fn add_root(wim: &Path, cert: &Path) -> serde_json::Value {
    report_of([
        "--wim".as_ref(),
        wim.as_os_str(),
        "--cert".as_ref(),
        cert.as_os_str(),
    ])
}

#[test]
fn ntfs_captured_boot_wim_keeps_the_hive_entry() {
    need("mkntfs", "ntfs-3g");
    need("setfattr", "attr");
    need("wimlib-imagex", "wimtools");
    need("7zz", "7zip");
    let tmp = tempfile::tempdir().unwrap();
    let wim = tmp.path().join("boot.wim");
    for n in 1..=2u32 {
        let vol = ntfs_volume(tmp.path(), n);
        let mut cmd = Command::new("wimlib-imagex");
        if n == 1 {
            cmd.arg("capture")
                .arg(&vol)
                .arg(&wim)
                .arg("one")
                .args(["--compress=LZX", "--check"]);
        } else {
            cmd.arg("append")
                .arg(&vol)
                .arg(&wim)
                .arg("two")
                .args(["--check", "--boot"]);
        }
        run(&mut cmd);
    }
    let before: Vec<_> = (1..=2).map(|i| detailed(&wim, i)).collect();
    for b in &before {
        let h = &b[HIVE];
        assert!(
            h.iter().any(|l| l.contains("FILE_ATTRIBUTE_ARCHIVE")),
            "{h:?}"
        );
        assert!(
            h.iter().any(|l| l.starts_with("Security Descriptor")),
            "{h:?}"
        );
        let created = h.iter().find(|l| l.starts_with("Creation Time")).unwrap();
        let written = h.iter().find(|l| l.starts_with("Last Write Time")).unwrap();
        assert!(
            created.contains("2015") && written.contains("2017"),
            "{created} / {written}"
        );
    }
    let old_size = std::fs::metadata(&wim).unwrap().len();
    let root = cert("GTS_Root_R4.crt");
    let report = add_root(&wim, &root);
    let target = &report["targets"][0];
    assert_eq!(target["written"], true);
    let commit = &target["wim_commit"];
    assert_eq!(commit["writer"], "native", "{commit}");
    assert!(commit["chunks_reused"].as_u64().unwrap() > 0, "{commit}");
    assert!(target.get("warnings").is_none(), "{target}");
    // Bytes written: the new hive resources plus metadata, tables and XML; far below the file.
    let written = target["bytes_written"].as_u64().unwrap();
    assert!(
        written < old_size,
        "{written} bytes written for a {old_size}-byte WIM"
    );

    run(Command::new("wimlib-imagex").arg("verify").arg(&wim));
    let seven = run(Command::new("7zz").arg("t").arg(&wim));
    assert!(String::from_utf8_lossy(&seven).contains("Everything is Ok"));
    let thumbprint = openssl_thumbprint(&root);
    for index in 1..=2u32 {
        let mut after = detailed(&wim, index);
        let mut b = before[index as usize - 1].clone();
        let (ha, hb) = (after.remove(HIVE).unwrap(), b.remove(HIVE).unwrap());
        let stream = [
            "Hash",
            "Uncompressed size",
            "Compressed size",
            "Offset in WIM",
            "Reference Count",
        ];
        assert_eq!(
            strip(&ha, &stream),
            strip(&hb, &stream),
            "image {index}: hive entry"
        );
        assert_ne!(ha, hb, "image {index}: the hive changed");
        for (p, lines) in &b {
            assert_eq!(
                strip(&after[p], &["Reference Count"]),
                strip(lines, &["Reference Count"]),
                "{p}"
            );
        }
        let dir = tmp.path().join(format!("x{index}"));
        std::fs::create_dir_all(&dir).unwrap();
        let hive = extract_hive(&wim, index, &dir);
        assert!(hivex_blob(&hive, &authroot_key(&thumbprint)).is_some());
    }
    // A rerun finds the certificate and writes nothing.
    let size = std::fs::metadata(&wim).unwrap().len();
    let again = add_root(&wim, &root);
    assert_eq!(again["targets"][0]["written"], false);
    assert_eq!(std::fs::metadata(&wim).unwrap().len(), size);
}

/// A solid WIM is written through wimlib, and the report says what that costs.
#[test]
fn solid_wim_is_written_through_wimlib_with_a_warning() {
    need("wimlib-imagex", "wimtools");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let config = src.join("Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(testhive(), config.join("SOFTWARE")).unwrap();
    let wim = tmp.path().join("solid.wim");
    run(Command::new("wimlib-imagex")
        .arg("capture")
        .arg(&src)
        .arg(&wim)
        .arg("solid")
        .arg("--solid"));
    let root = cert("GTS_Root_R4.crt");
    let report = add_root(&wim, &root);
    let target = &report["targets"][0];
    assert_eq!(target["written"], true);
    assert_eq!(target["wim_commit"]["writer"], "wimlib");
    let warnings = target["warnings"].to_string();
    assert!(
        warnings.contains("through wimlib") && warnings.contains("security descriptor"),
        "{warnings}"
    );
    run(Command::new("wimlib-imagex").arg("verify").arg(&wim));
}
