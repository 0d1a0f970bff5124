//! `write_atomic` back to the file a hive was opened from copies that file and writes only the
//! changed byte ranges. The file it leaves must be byte for byte the image an in-memory twin
//! (same input, same edits, same clock) produces, and hivexget (an independent reader) must
//! read the edits back; when the file changed after it was opened, the whole image is written.

mod common;

use std::path::Path;
use std::process::Command;

use common::{require, testhive};
use hive::{Hive, ValueType};

const CLOCK: u64 = 133_000_000_000_000_000;

/// The same edits on any hive: a new key with a Blob, a big value (new hbin), a replaced and a
/// deleted value.
fn edit(h: &mut Hive, round: u8) {
    h.set_timestamp(CLOCK + u64::from(round));
    let key = format!("SystemCertificates\\AuthRoot\\Certificates\\{round:040X}");
    h.set_value(&key, "Blob", ValueType::Binary, &[round; 1500])
        .unwrap();
    h.set_value(
        "big-data-test",
        "grown",
        ValueType::Binary,
        &vec![round; 40_000],
    )
    .unwrap();
    h.set_value("data-test", "dword", ValueType::Dword, &[round, 0, 0, 0])
        .unwrap();
    h.delete_value("data-test", "binary").unwrap();
}

/// The image the in-memory path gives for the same rounds of edits.
fn twin(rounds: &[u8]) -> Vec<u8> {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    for &r in rounds {
        edit(&mut h, r);
        h.to_bytes().unwrap();
    }
    h.into_bytes().unwrap()
}

fn hivexget(path: &Path, key: &str, value: &str) -> Vec<u8> {
    require("hivexget", "libhivex-bin");
    let out = Command::new("hivexget")
        .arg(path)
        .arg(key)
        .arg(value)
        .output()
        .expect("run hivexget");
    assert!(out.status.success(), "hivexget {key} {value}: {out:?}");
    out.stdout
}

#[test]
fn writing_back_to_the_opened_file_gives_the_in_memory_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    std::fs::write(&path, testhive()).unwrap();
    let mut h = Hive::open(&path).unwrap();
    edit(&mut h, 1);
    h.write_atomic(&path).unwrap();
    assert!(std::fs::read(&path).unwrap() == twin(&[1]));
    // A second batch patches the file the first write left.
    edit(&mut h, 2);
    h.write_atomic(&path).unwrap();
    assert!(std::fs::read(&path).unwrap() == twin(&[1, 2]));
    let key = format!("SystemCertificates\\AuthRoot\\Certificates\\{:040X}", 2);
    // hivexget prints REG_BINARY data as raw bytes.
    assert_eq!(hivexget(&path, &key, "Blob"), vec![2u8; 1500]);
    // Reopens with our reader too.
    let h2 = Hive::open(&path).unwrap();
    let v = h2.key("big-data-test").unwrap().unwrap();
    let grown = v.value("grown").unwrap().unwrap().data().unwrap();
    assert_eq!(grown, vec![2u8; 40_000]);
}

#[test]
fn a_file_changed_after_open_is_not_patched_but_replaced_by_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    std::fs::write(&path, testhive()).unwrap();
    let mut h = Hive::open(&path).unwrap();
    edit(&mut h, 1);
    // Another program rewrites the file (same size, different bytes deep inside).
    let mut other = testhive();
    let mid = other.len() / 2;
    other[mid] ^= 0xFF;
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, &other).unwrap();
    h.write_atomic(&path).unwrap();
    assert!(std::fs::read(&path).unwrap() == twin(&[1]));
}

#[test]
fn writing_to_another_path_writes_the_whole_image_and_keeps_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    let out = dir.path().join("SOFTWARE.new");
    std::fs::write(&path, testhive()).unwrap();
    let mut h = Hive::open(&path).unwrap();
    edit(&mut h, 1);
    h.write_atomic(&out).unwrap();
    assert!(std::fs::read(&out).unwrap() == twin(&[1]));
    assert!(std::fs::read(&path).unwrap() == testhive());
    // The source is still the file as read: writing back to it later patches it correctly.
    edit(&mut h, 2);
    h.write_atomic(&path).unwrap();
    assert!(std::fs::read(&path).unwrap() == twin(&[1, 2]));
}
