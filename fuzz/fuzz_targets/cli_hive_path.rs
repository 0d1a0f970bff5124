//! Fuzz the path `inject-root --hive F --cert root.cer` takes through the library, on arbitrary
//! hive bytes: the log assessment, the key-tree load checks, the paged in-place edit, the
//! read-back (footprint and nt-hive) and the atomic write; then `list` on whatever is there.
//! Every outcome must be a report or a typed error: no panic (nt-hive's included), no hang, and
//! a failed run must leave the file exactly as it was.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use inject::{Job, Operation, Target};
use libfuzzer_sys::fuzz_target;

fn scratch() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .join("SOFTWARE")
}

fn cert() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/certs/GTS_Root_R4.crt")
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let report = Job::new(Operation::Add)
        .target(Target::Hive(path.clone()))
        .certificate_file(cert())
        .run(&|_| {})
        .expect("the certificate is valid: only the target can fail");
    if !report.all_ok() {
        let now = std::fs::read(&path).expect("read back");
        assert!(now == data, "a failed run changed the file");
    }
    let _ = Job::new(Operation::List)
        .target(Target::Hive(path))
        .run(&|_| {});
});
