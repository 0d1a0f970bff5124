//! Long mode (INJECT_ROOT_LONG_TESTS=1): the certificate edit on the 62 MB benchmark hive built
//! by benches/tools/make-big-hive.sh (hivex, Debian package libhivex-bin). Checks correctness
//! with nt-hive and that the edit touches few bytes; prints timings (never asserted).

mod common;
use common::*;
use hive::{Hive, ValueType};
use std::time::Instant;

#[test]
fn certificate_edit_on_a_62_mb_hive() {
    if std::env::var_os("INJECT_ROOT_LONG_TESTS").is_none() {
        eprintln!("long mode only: set INJECT_ROOT_LONG_TESTS=1");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    let script = testdata("../benches/tools/make-big-hive.sh");
    let status = std::process::Command::new("bash")
        .arg(&script)
        .arg(&big)
        .status()
        .expect("run make-big-hive.sh");
    assert!(
        status.success(),
        "make-big-hive.sh failed (needs hivexsh: apt-get install -y libhivex-bin)"
    );
    let original = std::fs::read(&big).unwrap();
    let before = snap_nt(&original);

    let input = original.clone();
    let t = Instant::now();
    let mut h = Hive::from_bytes(input).unwrap();
    let open = t.elapsed();
    let key = "Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43";
    let blob: Vec<u8> = (0..1500u32).map(|i| (i * 7) as u8).collect();
    let t = Instant::now();
    assert!(h.set_value(key, "Blob", ValueType::Binary, &blob).unwrap());
    let edit = t.elapsed();
    let t = Instant::now();
    let out = h.into_bytes().unwrap();
    let finish = t.elapsed();
    eprintln!(
        "62 MB hive: open {open:?}, first edit {edit:?}, into_bytes {finish:?} (debug build)"
    );

    let differing = original.iter().zip(&out).filter(|(a, b)| a != b).count();
    assert!(differing < 5 * 1024, "{differing} bytes differ");
    let after = snap_nt(&out);
    for (path, entry) in &before {
        assert_eq!(after.get(path), Some(entry), "{path}");
    }
    let nt = nt_hive::Hive::new(&out[..]).unwrap();
    let v = nt
        .root_key_node()
        .unwrap()
        .subpath(key)
        .unwrap()
        .unwrap()
        .value("Blob")
        .unwrap()
        .unwrap();
    assert_eq!(v.data().unwrap().into_vec().unwrap(), blob);
    // Rerun: nothing changes.
    let mut again = Hive::from_bytes(out.clone()).unwrap();
    assert!(!again
        .set_value(key, "Blob", ValueType::Binary, &blob)
        .unwrap());
    assert_eq!(again.into_bytes().unwrap(), out);
}
