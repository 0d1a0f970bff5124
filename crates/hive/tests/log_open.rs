//! `Hive::open` and the log policy together, on files: a hive beside a `.LOG1`/`.LOG2` that
//! holds newer data is refused; stale logs are accepted, and after our write the policy says
//! to empty them.

mod common;
use common::*;
use hive::log::{self, LogAction, LOG_ENTRY_HASH_SEED};
use hive::{Error, Hive, ValueType};

/// A new-format log for `primary` whose base block and single entry carry `seq`; the entry
/// rewrites hive-bins page 0x1000 with its own bytes (a no-op change, valid hashes).
fn new_format_log(primary: &[u8], seq: u32) -> Vec<u8> {
    let mut log = primary[..512].to_vec();
    log[4..8].copy_from_slice(&seq.to_le_bytes());
    log[8..12].copy_from_slice(&seq.to_le_bytes());
    log[28..32].copy_from_slice(&6u32.to_le_bytes());
    let sum = log::base_block_checksum(&log).unwrap();
    log[508..512].copy_from_slice(&sum.to_le_bytes());
    let page = &primary[4096 + 0x1000..4096 + 0x2000];
    let mut e = vec![0u8; 40];
    e[..4].copy_from_slice(b"HvLE");
    e[12..16].copy_from_slice(&seq.to_le_bytes());
    e[16..20].copy_from_slice(&primary[40..44]);
    e[20..24].copy_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&0x1000u32.to_le_bytes());
    e.extend_from_slice(&0x1000u32.to_le_bytes());
    e.extend_from_slice(page);
    e.resize(e.len().div_ceil(512) * 512, 0);
    let size = e.len() as u32;
    e[4..8].copy_from_slice(&size.to_le_bytes());
    let h1 = log::marvin32(LOG_ENTRY_HASH_SEED, &e[40..]);
    e[24..32].copy_from_slice(&h1.to_le_bytes());
    let h2 = log::marvin32(LOG_ENTRY_HASH_SEED, &e[..32]);
    e[32..40].copy_from_slice(&h2.to_le_bytes());
    log.extend_from_slice(&e);
    log
}

/// Primary sequence number of the real hive.
fn seq(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[8..12].try_into().unwrap())
}

#[test]
fn open_refuses_newer_log_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    let primary = testhive();
    std::fs::write(&path, &primary).unwrap();
    std::fs::write(dir.path().join("SOFTWARE.LOG1"), []).unwrap();
    std::fs::write(
        dir.path().join("SOFTWARE.LOG2"),
        new_format_log(&primary, seq(&primary)),
    )
    .unwrap();
    match Hive::open(&path) {
        Err(Error::DirtyLog { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(reason.contains("LOG2"), "{reason}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a hive with unreconciled log entries was opened for editing"),
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        primary,
        "input left as it was"
    );
}

#[test]
fn stale_logs_are_accepted_and_emptied_after_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SOFTWARE");
    let mut primary = testhive();
    // Make the primary newer than the log: sequence 10 vs a log entry 9.
    primary[4..8].copy_from_slice(&10u32.to_le_bytes());
    primary[8..12].copy_from_slice(&10u32.to_le_bytes());
    let sum = log::base_block_checksum(&primary).unwrap();
    primary[508..512].copy_from_slice(&sum.to_le_bytes());
    let stale = new_format_log(&primary, 9);
    std::fs::write(&path, &primary).unwrap();
    std::fs::write(dir.path().join("SOFTWARE.LOG1"), &stale).unwrap();
    std::fs::write(dir.path().join("SOFTWARE.LOG2"), []).unwrap();
    let mut h = Hive::open(&path).expect("stale log: clean hive");
    h.set_value(
        "Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\AB",
        "Blob",
        ValueType::Binary,
        b"blob",
    )
    .unwrap();
    h.write_atomic(&path).unwrap();
    let written = std::fs::read(&path).unwrap();
    assert_eq!(seq(&written), 11, "one bump per write");
    nt_hive::Hive::new(written.as_slice()).expect("nt-hive accepts the written base block");
    assert_eq!(
        log::log_action_after_write(&written, &stale),
        LogAction::Truncate
    );
    assert_eq!(log::log_action_after_write(&written, &[]), LogAction::Keep);
    assert_eq!(
        log::assess(&written, Some(&stale), Some(&[])).unwrap(),
        log::LogState::Clean
    );
}
