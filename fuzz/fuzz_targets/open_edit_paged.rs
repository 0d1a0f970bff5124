//! Fuzz the paged file path: the input is written to a file, opened with `Hive::open` (which
//! walks the hbin headers and reads hbins on demand), walked, edited (one certificate key with a
//! Blob) and written back with `write_atomic`. It must return typed errors, never panic or hang;
//! and when both the file path and the in-memory path (`Hive::from_bytes`) succeed, they must
//! give the same bytes.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use hive::{Hive, ValueType};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\0123456789ABCDEF0123456789ABCDEF01234567";
const CLOCK: u64 = 0x01DA_0000_0000_0000;

/// One scratch file per fuzzing process.
fn scratch() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .join("SOFTWARE")
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(mut paged) = Hive::open(&path) else {
        return;
    };
    inject_root_fuzz::walk(&paged);
    paged.set_timestamp(CLOCK);
    let edited = paged.set_value(KEY, "Blob", ValueType::Binary, &[0x5a; 300]);
    let written = edited.is_ok() && paged.write_atomic(&path).is_ok();
    let in_memory = Hive::from_bytes(data.to_vec()).ok().and_then(|mut h| {
        h.set_timestamp(CLOCK);
        h.set_value(KEY, "Blob", ValueType::Binary, &[0x5a; 300])
            .ok()?;
        h.into_bytes().ok()
    });
    if let (true, Some(expected)) = (written, in_memory) {
        let got = std::fs::read(&path).expect("read back");
        assert!(got == expected, "file path and in-memory path differ");
    }
});
