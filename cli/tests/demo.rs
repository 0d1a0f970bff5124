//! `inject-root demo`, the README's first command: it must run the main job on the bundled
//! sample and list the result.

mod common;

use common::*;

#[test]
fn demo_runs_the_main_job_on_the_bundled_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = bin().arg("demo").arg("--dir").arg(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("demo: done"), "{text}");
    // the root landed in every image, as list and verify (run separately) say
    let wim = dir.join("boot.wim");
    let root = dir.join("sample-root.crt");
    bin()
        .arg("verify")
        .arg("--wim")
        .arg(&wim)
        .arg("--cert")
        .arg(&root)
        .assert()
        .success();
}
