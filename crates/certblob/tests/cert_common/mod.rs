//! Helpers shared by the certificate and blob tests: locating test data and running openssl.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use testsupport::{shared_testdata, testdata};

/// The 36 real root certificates (PEM) in testdata/certs, sorted by name.
pub fn real_roots() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(testdata().join("certs"))
        .expect("testdata/certs")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "crt"))
        .collect();
    v.sort();
    assert_eq!(v.len(), 36, "expected the 36 real roots in testdata/certs");
    v
}

/// Runs openssl with `args`, feeding `stdin`; returns stdout. Fails the test, naming the Debian
/// package, when openssl is missing.
pub fn openssl(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run openssl ({e}); install the Debian package `openssl`")
        });
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("openssl output");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Like [`openssl`], returning stdout as a string.
pub fn openssl_str(args: &[&str]) -> String {
    String::from_utf8(openssl(args, None)).expect("utf-8 from openssl")
}

/// `path` as &str.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Extracts the bytes of the `"Blob"=hex:...` value from a regedit export (test oracle input).
pub fn blob_from_reg_export(text: &str) -> Vec<u8> {
    let start = text.find("\"Blob\"=hex:").expect("Blob value") + "\"Blob\"=hex:".len();
    let mut hex = String::new();
    for line in text[start..].lines() {
        let line = line.trim();
        let (body, more) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        hex.extend(body.chars().filter(|c| c.is_ascii_hexdigit()));
        if !more {
            break;
        }
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Runs openssl and returns whether it exited with success (for `-checkend`).
pub fn openssl_succeeds(args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run openssl ({e}); install the Debian package `openssl`")
        })
        .success()
}
