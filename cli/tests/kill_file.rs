//! kill -9 at random moments while `inject-root --hive` works on a 20 MB hive: each kill must
//! leave the hive as it was or as the finished edit (never anything else), and once the next
//! run is done, no file of ours is left beside it. 8 kills by default; 200 with
//! INJECT_ROOT_LONG_TESTS=1.

mod common;

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use hive::{Hive, ValueType};

/// A hive of about 20 MB grown from the real offreg-written one (so a run takes long enough
/// to be killed in the middle of its work).
fn big_hive(path: &Path) {
    let mut h = Hive::from_bytes(fs::read(testhive()).unwrap()).unwrap();
    for i in 0..16_000u32 {
        let key = format!("Grown\\G{:03}\\Key{i:05}", i % 200);
        h.set_value(&key, "Data", ValueType::Binary, &[(i % 251) as u8; 1100])
            .unwrap();
    }
    fs::write(path, h.into_bytes().unwrap()).unwrap();
}

/// Deterministic pseudo-random numbers (no extra dependency; the sequence is printed on
/// failure through the iteration number).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn kill_during_a_file_edit_leaves_old_or_new_and_no_stray_file() {
    let long = std::env::var_os("INJECT_ROOT_LONG_TESTS").is_some();
    let kills = if long { 200 } else { 8 };
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    big_hive(&original);
    let work_dir = dir.path().join("work");
    fs::create_dir(&work_dir).unwrap();
    let hive = work_dir.join("SOFTWARE");
    let cert = cert("GTS_Root_R4.crt");
    let key = authroot_key(&openssl_thumbprint(&cert));
    let der = der(&cert);
    let old = fs::read(&original).unwrap();

    // How long one whole run takes here: kills land anywhere from before it starts to after.
    fs::copy(&original, &hive).unwrap();
    let started = Instant::now();
    bin()
        .arg("--hive")
        .arg(&hive)
        .arg("--cert")
        .arg(&cert)
        .assert()
        .success();
    let span = started.elapsed().as_millis() as u64 * 12 / 10 + 1;
    let new = fs::read(&hive).unwrap();
    assert_cmcheck_ok(&hive);

    let mut rng = Lcg(0x1234_5678);
    let (mut saw_old, mut saw_new) = (0, 0);
    for i in 0..kills {
        fs::copy(&original, &hive).unwrap();
        let mut child = std::process::Command::new(bin_path())
            .arg("--hive")
            .arg(&hive)
            .arg("--cert")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.below(span)));
        let _ = child.kill();
        let _ = child.wait();
        let now = fs::read(&hive).unwrap();
        if now == old {
            saw_old += 1;
        } else {
            // Not the old file: then it must be a finished edit (timestamps differ run to
            // run, so it is judged by the oracles, and by its size against the first run's).
            assert_eq!(now.len(), new.len(), "kill {i}: a file of another size");
            assert_cmcheck_ok(&hive);
            let blob = hivex_blob(&hive, &key).unwrap_or_else(|| panic!("kill {i}: no Blob"));
            assert!(
                contains(&blob, &der),
                "kill {i}: the Blob is not the certificate"
            );
            saw_new += 1;
        }
        // The next run finishes the job and tidies up after the killed one.
        bin()
            .arg("--hive")
            .arg(&hive)
            .arg("--cert")
            .arg(&cert)
            .assert()
            .success();
        let left: Vec<String> = fs::read_dir(&work_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n != "SOFTWARE")
            .collect();
        assert!(
            left.is_empty(),
            "kill {i}: left beside the hive after the next run: {left:?}"
        );
    }
    eprintln!("{kills} kills: {saw_old} left the old hive, {saw_new} the new one");
}
