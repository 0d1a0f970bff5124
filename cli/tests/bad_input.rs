//! Every kind of bad input reaches the user as one `inject-root: <file>: <what>` line on stderr,
//! with the documented exit code, and leaves every target file exactly as it was.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

struct Case {
    name: &'static str,
    args: Vec<String>,
    code: i32,
    /// The file the error line must name (first thing after `inject-root: `).
    names: String,
    /// A fragment of the message.
    says: &'static str,
}

/// `p` as an argument and as the binary under test names it in its messages.
fn s(p: &Path) -> String {
    shown_path(p)
}

/// What the OS says of a missing file: its own text on Linux; under Wine the Win32 code
/// (ERROR_FILE_NOT_FOUND, whose text Wine and each Windows language word differently).
fn not_found() -> &'static str {
    if under_wine() {
        "(os error 2)"
    } else {
        "No such file"
    }
}

/// A hive whose base block says "dirty": sequence numbers differ, checksum recomputed.
fn dirty_hive(path: &Path) {
    let mut bytes = fs::read(testhive()).unwrap();
    let seq = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    bytes[8..12].copy_from_slice(&seq.wrapping_add(1).to_le_bytes());
    let mut sum = 0u32;
    for chunk in bytes[..508].chunks(4) {
        sum ^= u32::from_le_bytes(chunk.try_into().unwrap());
    }
    bytes[508..512].copy_from_slice(&sum.to_le_bytes());
    fs::write(path, bytes).unwrap();
}

#[test]
fn each_error_is_one_line_naming_the_file_with_its_exit_code_and_targets_untouched() {
    need("openssl", "openssl");
    need("wimlib-imagex", "wimtools");
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let hive = d.join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    let wim = make_wim(d, "boot.wim", 2);
    let good = s(&cert("GTS_Root_R4.crt"));

    // certificate inputs
    let garbage = d.join("garbage.crt");
    fs::write(&garbage, "garbage\n").unwrap();
    let truncated = d.join("truncated.crt");
    fs::write(
        &truncated,
        &fs::read(cert("GTS_Root_R4.crt")).unwrap()[..300],
    )
    .unwrap();
    let leaf = d.join("leaf.crt");
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=leaf",
        ])
        .args([
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-days",
            "30",
            "-keyout",
        ])
        .arg(d.join("leaf.key"))
        .arg("-out")
        .arg(&leaf));
    // what admins hand over by mistake: the key, a PFX, a CSR
    let key = d.join("leaf.key");
    let pfx = d.join("leaf.pfx");
    run(Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:x", "-in"])
        .arg(&leaf)
        .arg("-inkey")
        .arg(&key)
        .arg("-out")
        .arg(&pfx));
    let csr = d.join("leaf.csr");
    run(Command::new("openssl")
        .args(["req", "-new", "-subj", "/CN=leaf", "-key"])
        .arg(&key)
        .arg("-out")
        .arg(&csr));
    let bad_reg = d.join("bad.reg");
    fs::write(
        &bad_reg,
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\winpe-offline\\X]\r\n\"Blob\"=hex:zz\r\n",
    )
    .unwrap();
    let no_cert_reg = d.join("nocert.reg");
    fs::write(
        &no_cert_reg,
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"a\"=dword:00000001\r\n",
    )
    .unwrap();

    // target inputs
    let truncated_hive = d.join("truncated-hive");
    fs::write(&truncated_hive, &fs::read(testhive()).unwrap()[..5000]).unwrap();
    let dirty = d.join("dirty-hive");
    dirty_hive(&dirty);
    let read_only = d.join("read-only-hive");
    fs::copy(testhive(), &read_only).unwrap();
    let mut perms = fs::metadata(&read_only).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&read_only, perms).unwrap();
    let read_only_wim = make_wim(d, "read-only.wim", 1);
    let mut perms = fs::metadata(&read_only_wim).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&read_only_wim, perms).unwrap();
    let fake_wim = d.join("fake.wim");
    fs::write(&fake_wim, "not a wim").unwrap();
    let empty_dir = d.join("empty-mount");
    fs::create_dir_all(&empty_dir).unwrap();
    // a WIM whose image holds a corrupt SOFTWARE hive
    let corrupt_root = d.join("corrupt-root/Windows/System32/config");
    fs::create_dir_all(&corrupt_root).unwrap();
    fs::write(
        corrupt_root.join("SOFTWARE"),
        &fs::read(testhive()).unwrap()[..5000],
    )
    .unwrap();
    let corrupt_wim = d.join("corrupt-hive.wim");
    run(Command::new("wimlib-imagex")
        .arg("capture")
        .arg(d.join("corrupt-root"))
        .arg(&corrupt_wim));
    // a WIM whose image holds no SOFTWARE hive at all
    fs::create_dir_all(d.join("nohive-root/Windows")).unwrap();
    fs::write(d.join("nohive-root/Windows/x.txt"), "x").unwrap();
    let nohive_wim = d.join("nohive.wim");
    run(Command::new("wimlib-imagex")
        .arg("capture")
        .arg(d.join("nohive-root"))
        .arg(&nohive_wim));

    let targets: Vec<PathBuf> = vec![
        hive.clone(),
        wim.clone(),
        truncated_hive.clone(),
        dirty.clone(),
        read_only.clone(),
        read_only_wim.clone(),
        fake_wim.clone(),
        corrupt_wim.clone(),
        nohive_wim.clone(),
    ];
    let hashes: Vec<_> = targets.iter().map(|t| file_hash(t)).collect();

    let h = || vec!["--hive".to_string(), s(&hive)];
    let with = |mut v: Vec<String>, more: &[&str]| {
        v.extend(more.iter().map(|m| m.to_string()));
        v
    };
    let cases = vec![
        Case {
            name: "missing cert",
            args: with(h(), &["--cert", &s(&d.join("nope.crt"))]),
            code: 4,
            names: s(&d.join("nope.crt")),
            says: not_found(),
        },
        Case {
            name: "garbage cert",
            args: with(h(), &["--cert", &s(&garbage)]),
            code: 4,
            names: s(&garbage),
            says: "not a certificate",
        },
        Case {
            name: "truncated PEM",
            args: with(h(), &["--cert", &s(&truncated)]),
            code: 4,
            names: s(&truncated),
            says: "byte",
        },
        Case {
            name: "not a CA",
            args: with(h(), &["--cert", &s(&leaf)]),
            code: 4,
            names: s(&leaf),
            says: "--force",
        },
        Case {
            name: "private key as --cert",
            args: with(h(), &["--cert", &s(&key)]),
            code: 4,
            names: s(&key),
            says: "private key",
        },
        Case {
            name: "PFX as --cert",
            args: with(h(), &["--cert", &s(&pfx)]),
            code: 4,
            names: s(&pfx),
            says: "PKCS#12",
        },
        Case {
            name: "CSR as --cert",
            args: with(h(), &["--cert", &s(&csr)]),
            code: 4,
            names: s(&csr),
            says: "signing request",
        },
        Case {
            name: "bad .reg",
            args: with(h(), &["--reg", &s(&bad_reg)]),
            code: 4,
            names: s(&bad_reg),
            says: "hex",
        },
        Case {
            name: ".reg without certificate",
            args: with(h(), &["--reg", &s(&no_cert_reg)]),
            code: 4,
            names: s(&no_cert_reg),
            says: "no certificate entry",
        },
        Case {
            name: "expect-thumbprint",
            args: with(
                h(),
                &[
                    "--cert",
                    &good,
                    "--expect-thumbprint",
                    "0000000000000000000000000000000000000000",
                ],
            ),
            code: 4,
            names: good.clone(),
            says: "expected 0000",
        },
        Case {
            name: "truncated hive",
            args: vec![
                "--hive".into(),
                s(&truncated_hive),
                "--cert".into(),
                good.clone(),
            ],
            code: 1,
            names: s(&truncated_hive),
            says: "offset",
        },
        Case {
            name: "dirty hive",
            args: vec!["--hive".into(), s(&dirty), "--cert".into(), good.clone()],
            code: 1,
            names: s(&dirty),
            says: "dirty",
        },
        Case {
            name: "missing hive",
            args: vec![
                "--hive".into(),
                s(&d.join("nohive")),
                "--cert".into(),
                good.clone(),
            ],
            code: 1,
            names: s(&d.join("nohive")),
            says: not_found(),
        },
        Case {
            name: "mount without hive",
            args: vec![
                "--mount".into(),
                s(&empty_dir),
                "--cert".into(),
                good.clone(),
            ],
            code: 1,
            names: s(&empty_dir),
            says: "Windows",
        },
        Case {
            name: "read-only hive",
            args: vec![
                "--hive".into(),
                s(&read_only),
                "--cert".into(),
                good.clone(),
            ],
            code: 1,
            names: s(&read_only),
            says: "read-only",
        },
        Case {
            name: "read-only WIM",
            args: vec![
                "--wim".into(),
                s(&read_only_wim),
                "--cert".into(),
                good.clone(),
            ],
            code: 1,
            names: s(&read_only_wim),
            says: "read-only",
        },
        Case {
            name: "not a WIM",
            args: vec!["--wim".into(), s(&fake_wim), "--cert".into(), good.clone()],
            code: 1,
            names: s(&fake_wim),
            says: "WIM",
        },
        Case {
            name: "no such image",
            args: vec![
                "--wim".into(),
                s(&wim),
                "--index".into(),
                "3".into(),
                "--cert".into(),
                good.clone(),
            ],
            code: 1,
            names: s(&wim),
            says: "index 3",
        },
        Case {
            name: "corrupt hive in WIM",
            args: vec![
                "--wim".into(),
                s(&corrupt_wim),
                "--cert".into(),
                good.clone(),
            ],
            code: 1,
            names: format!("{}:1:Windows/System32/config/SOFTWARE", s(&corrupt_wim)),
            says: "offset",
        },
        Case {
            name: "WIM image without SOFTWARE",
            args: vec![
                "--wim".into(),
                s(&nohive_wim),
                "--cert".into(),
                good.clone(),
            ],
            code: 1,
            names: s(&nohive_wim),
            says: "SOFTWARE",
        },
        Case {
            name: "unknown store",
            args: with(h(), &["--cert", &good, "--store", "Bogus"]),
            code: 2,
            names: "--store Bogus".into(),
            says: "AuthRoot",
        },
        Case {
            name: "bad thumbprint",
            args: vec![
                "remove".into(),
                "--hive".into(),
                s(&hive),
                "--thumbprint".into(),
                "xyz".into(),
            ],
            code: 2,
            names: "invalid thumbprint".into(),
            says: "40",
        },
        Case {
            name: "glob without match",
            args: vec![
                "--wim".into(),
                s(&d.join("none*.wim")),
                "--cert".into(),
                good.clone(),
            ],
            code: 2,
            names: s(&d.join("none*.wim")),
            says: "no file matches",
        },
        Case {
            name: "--index without a WIM target",
            args: with(h(), &["--cert", &good, "--index", "1"]),
            code: 2,
            names: "--index selects images of WIM files".into(),
            says: "--wim",
        },
    ];
    for case in &cases {
        let out = bin().args(&case.args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(case.code),
            "{}: {stderr}",
            case.name
        );
        let lines: Vec<_> = stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "{}: one line expected, got: {stderr}",
            case.name
        );
        let prefix = format!("inject-root: {}", case.names);
        assert!(
            lines[0].starts_with(&prefix),
            "{}: {:?} should start with {prefix:?}",
            case.name,
            lines[0]
        );
        assert!(
            lines[0].contains(case.says),
            "{}: {:?} should say {:?}",
            case.name,
            lines[0],
            case.says
        );
        for (t, h) in targets.iter().zip(&hashes) {
            assert_eq!(&file_hash(t), h, "{}: {} changed", case.name, t.display());
        }
    }
    // clap's own usage errors exit 2 as well
    bin().arg("--no-such-option").assert().code(2);
}
