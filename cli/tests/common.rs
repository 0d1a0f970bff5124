//! Helpers for the end-to-end tests: test data, external oracles (wimlib-imagex, hivexget,
//! hivexregedit, openssl), hashes.
#![allow(dead_code, unused_imports)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::Command as BinCommand;
use sha2::{Digest, Sha256};
pub use testsupport::{
    assert_cmcheck_ok, cmcheck, cmcheck_bin, need, run, shared_testdata, testdata,
};

/// A certificate from testdata/certs.
pub fn cert(name: &str) -> PathBuf {
    testdata().join("certs").join(name)
}

/// All 36 roots of testdata/certs, sorted.
pub fn all_certs() -> Vec<PathBuf> {
    let mut certs: Vec<PathBuf> = fs::read_dir(testdata().join("certs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "crt"))
        .collect();
    certs.sort();
    certs
}

/// The real offreg-written hive.
pub fn testhive() -> PathBuf {
    testdata().join("hives/offreg-testhive")
}

/// The binary under test: `$INJECT_ROOT_BIN` when set (e.g. a wrapper that runs the Windows
/// .exe under Wine, see scripts/windows.sh), else the one cargo built.
pub fn bin_path() -> PathBuf {
    std::env::var_os("INJECT_ROOT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| assert_cmd::cargo::cargo_bin("inject-root"))
}

/// True when the binary under test is the Windows .exe run under Wine
/// (`INJECT_ROOT_BIN_WINE` set, as scripts/windows.sh test does).
pub fn under_wine() -> bool {
    std::env::var_os("INJECT_ROOT_BIN_WINE").is_some_and(|v| !v.is_empty())
}

/// `path` as the binary under test prints it (and as tests hand it over): as is for the Linux
/// binary; under Wine an absolute path is on drive `Z:` (Wine's view of `/`) with backslashes,
/// `/tmp/x/boot.wim` -> `Z:\tmp\x\boot.wim`, as the Wine wrapper of scripts/windows.sh passes it.
pub fn shown_path(path: &Path) -> String {
    let plain = path.display().to_string();
    if under_wine() && plain.starts_with('/') {
        format!("Z:{}", plain.replace('/', "\\"))
    } else {
        plain
    }
}

/// The binary under test, as an assert_cmd command.
pub fn bin() -> BinCommand {
    BinCommand::new(bin_path())
}

/// Builds a WIM with `images` images, each holding the offreg test hive as
/// Windows/System32/config/SOFTWARE plus a small file, with wimlib-imagex.
pub fn make_wim(dir: &Path, name: &str, images: u32) -> PathBuf {
    need("wimlib-imagex", "wimtools");
    let wim = dir.join(name);
    for n in 1..=images {
        let root = dir.join(format!("{name}-image{n}"));
        let config = root.join("Windows/System32/config");
        fs::create_dir_all(&config).unwrap();
        fs::copy(testhive(), config.join("SOFTWARE")).unwrap();
        fs::write(
            root.join("Windows/System32/readme.txt"),
            format!("image {n}\r\n"),
        )
        .unwrap();
        let verb = if n == 1 { "capture" } else { "append" };
        run(Command::new("wimlib-imagex")
            .arg(verb)
            .arg(&root)
            .arg(&wim)
            .arg(format!("Image {n}")));
    }
    wim
}

/// Extracts image `index`'s SOFTWARE hive from `wim` into a fresh directory under `dir`.
pub fn extract_hive(wim: &Path, index: u32, dir: &Path) -> PathBuf {
    let dest = dir.join(format!(
        "extract-{}-{index}",
        wim.file_name().unwrap().to_string_lossy()
    ));
    let _ = fs::remove_dir_all(&dest);
    fs::create_dir_all(&dest).unwrap();
    run(Command::new("wimlib-imagex")
        .arg("extract")
        .arg(wim)
        .arg(index.to_string())
        .arg("/Windows/System32/config/SOFTWARE")
        .arg(format!("--dest-dir={}", dest.display())));
    let hive = dest.join("SOFTWARE");
    assert_cmcheck_ok(&hive);
    hive
}

/// The `Blob` value of `key` read by hivexget, `None` when hivexget finds no such key/value.
/// The hive must pass cmcheck too (every hive a test looks into is one we may have written).
pub fn hivex_blob(hive: &Path, key: &str) -> Option<Vec<u8>> {
    need("hivexget", "libhivex-bin");
    assert_cmcheck_ok(hive);
    let out = Command::new("hivexget")
        .arg(hive)
        .arg(key)
        .arg("Blob")
        .output()
        .unwrap();
    out.status.success().then_some(out.stdout)
}

/// The DER of a PEM certificate, by openssl.
pub fn der(cert: &Path) -> Vec<u8> {
    need("openssl", "openssl");
    run(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(cert))
}

/// The SHA-1 thumbprint of a certificate, by openssl (40 upper-case hex digits).
pub fn openssl_thumbprint(cert: &Path) -> String {
    need("openssl", "openssl");
    let out = run(Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(cert));
    let text = String::from_utf8(out).unwrap();
    let hex = text.trim().rsplit('=').next().unwrap().replace(':', "");
    assert_eq!(hex.len(), 40, "{text}");
    hex.to_ascii_uppercase()
}

/// The AuthRoot key of a thumbprint, as hivexget wants it.
pub fn authroot_key(thumbprint: &str) -> String {
    format!("\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\{thumbprint}")
}

/// True when `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// SHA-256 of a file.
pub fn file_hash(path: &Path) -> [u8; 32] {
    Sha256::digest(fs::read(path).unwrap()).into()
}

/// Parses stdout as the JSON report.
pub fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(stdout)))
}

/// Runs inject-root with `args` (plus `--json`), asserts it succeeded, returns the report.
pub fn report_of<I, S>(args: I) -> serde_json::Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = bin().arg("--json").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "inject-root failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

/// The actions of every certificate entry of one image of target `t`.
pub fn actions(report: &serde_json::Value, t: usize, image: usize) -> Vec<String> {
    report["targets"][t]["images"][image]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap().to_string())
        .collect()
}
