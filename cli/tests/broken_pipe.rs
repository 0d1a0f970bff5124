//! A reader that stops reading (`inject-root list ... | head -1`) must not make the CLI panic.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let hive = dir.path().join("SOFTWARE");
    std::fs::copy(testhive(), &hive).unwrap();
    let mut add = bin();
    add.arg("--hive").arg(&hive).arg("--force");
    for c in all_certs() {
        add.arg("--cert").arg(c);
    }
    add.assert().success();
    let mut child = Command::new(bin_path())
        .arg("list")
        .arg("--hive")
        .arg(&hive)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The pipe is closed here, with 36 entries still to print.
    let out = child.wait_with_output().unwrap();
    assert!(!first.is_empty());
    assert_ne!(
        out.status.code(),
        Some(101),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
