//! Fuzz the CLI's path on a primary with its logs: the input is split (as in `log_recover`) into
//! SOFTWARE, SOFTWARE.LOG1 and SOFTWARE.LOG2, and `inject-root --hive SOFTWARE --cert root.cer`
//! runs through the library (assess, replay, key-tree checks, edit, read-back, write, logs
//! emptied), then `list`. No panic, no unbounded allocation, and a failed run leaves all three
//! files exactly as they were.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use inject::{Job, Operation, Target};
use libfuzzer_sys::fuzz_target;

fn scratch() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .to_path_buf()
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let p = usize::from(u16::from_le_bytes([data[0], data[1]])) * 8;
    let l1 = usize::from(u16::from_le_bytes([data[2], data[3]])) * 8;
    let rest = &data[4..];
    let (primary, rest) = rest.split_at(p.min(rest.len()));
    let (log1, log2) = rest.split_at(l1.min(rest.len()));
    let dir = scratch();
    let files = [
        (dir.join("SOFTWARE"), primary),
        (dir.join("SOFTWARE.LOG1"), log1),
        (dir.join("SOFTWARE.LOG2"), log2),
    ];
    for (path, bytes) in &files {
        if std::fs::write(path, bytes).is_err() {
            return;
        }
    }
    let cert = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/certs/GTS_Root_R4.crt");
    let report = Job::new(Operation::Add)
        .target(Target::Hive(files[0].0.clone()))
        .certificate_file(cert)
        .run(&|_| {})
        .expect("the certificate is valid: only the target can fail");
    if !report.all_ok() {
        for (path, bytes) in &files {
            assert!(
                std::fs::read(path).expect("read back") == *bytes,
                "a failed run changed {path:?}"
            );
        }
    }
    let _ = Job::new(Operation::List)
        .target(Target::Hive(files[0].0.clone()))
        .run(&|_| {});
});
