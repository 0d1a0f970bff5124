//! Log replay against what Windows itself produced: yarp's NewDirtyHive1 (new-format logs, as
//! recovered by Windows 10) and OldDirtyHive (old-format log, as recovered by Windows 7); a
//! primary whose base block is damaged, rebuilt from its log; logs that must be refused.

mod common;

use common::*;
use hive::log::recover;

fn real(name: &str) -> Vec<u8> {
    std::fs::read(shared_testdata().join("hives/real").join(name)).unwrap()
}

fn real_opt(name: &str) -> Option<Vec<u8>> {
    std::fs::read(shared_testdata().join("hives/real").join(name)).ok()
}

/// Recovers `<prefix>` with its `.LOG1`/`.LOG2`.
fn replay(prefix: &str) -> Result<Option<hive::log::Recovered>, hive::log::LogError> {
    let (l1, l2) = (
        real_opt(&format!("{prefix}.LOG1")),
        real_opt(&format!("{prefix}.LOG2")),
    );
    recover(&real(prefix), l1.as_deref(), l2.as_deref())
}

#[test]
fn new_format_replay_equals_windows_10_byte_for_byte_but_the_sequence_numbers() {
    let ours = replay("yarp__NewDirtyHive1_NewDirtyHive").unwrap().unwrap();
    let windows = real("yarp__NewDirtyHive1_RecoveredHive_Windows10");
    assert_eq!(ours.bytes.len(), windows.len());
    let differing: Vec<usize> = (0..windows.len())
        .filter(|&i| ours.bytes[i] != windows[i])
        .collect();
    // Windows bumps the sequence numbers when it writes the recovered hive; both change alike,
    // so the checksum is the same.
    assert!(
        differing.iter().all(|&i| (4..12).contains(&i)),
        "bytes differing from Windows' result: {differing:x?}"
    );
    assert_eq!(
        ours.applied,
        ["LOG1: entries 2..=2", "LOG2: entries 3..=5"],
        "both logs, in sequence order"
    );
}

#[test]
fn old_format_replay_equals_windows_7_in_every_hbin_and_every_key() {
    let ours = replay("yarp__OldDirtyHive_OldDirtyHive").unwrap().unwrap();
    let windows = real("yarp__OldDirtyHive_RecoveredHive_Windows7");
    assert_eq!(ours.bytes.len(), windows.len());
    // The hive bins are Windows' byte for byte, except what Windows stamps when it writes the
    // recovered hive: the first hbin's timestamp (its backup of the last-written time) and the
    // cached longest value name/data of one key (Windows' own bookkeeping of a key node, the
    // fields at offsets 52..68 of the nk record). The base block differs where Windows stamped
    // its own write (sequence numbers, timestamp, checksum).
    for i in (4096..windows.len()).filter(|&i| ours.bytes[i] != windows[i]) {
        let first_hbin_timestamp = (4096 + 20..4096 + 28).contains(&i);
        assert!(
            first_hbin_timestamp || in_nk_length_fields(&windows, i),
            "hbin byte {i:#x} differs from Windows' result"
        );
    }
    assert_eq!(snap_ours(&ours.bytes), snap_ours(&windows));
}

#[test]
fn a_damaged_primary_base_block_is_rebuilt_from_its_log() {
    let ours = replay("yarp__BadBaseBlockHive_BadBaseBlockHive")
        .unwrap()
        .unwrap();
    assert!(
        ours.applied[0].starts_with("base block rebuilt from LOG1"),
        "{:?}",
        ours.applied
    );
    let hive = hive::Hive::from_bytes(ours.bytes.clone()).unwrap();
    assert_eq!(
        hive.minor_version(),
        3,
        "the version comes from the log's copy"
    );
    hive.check_structure().unwrap();
    assert!(hive.key("key_with_many_subkeys").unwrap().is_some());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recovered");
    std::fs::write(&path, &ours.bytes).unwrap();
    cmcheck_ok(&path);
}

#[test]
fn damaged_logs_and_a_dirty_hive_without_logs_are_refused() {
    for prefix in [
        "yarp__BadLogHive1_BadLogHive",
        "yarp__BadLogHive2_BadLogHive",
        "yarp__BadLogHive3_BadLogHive",
        "yarp__TruncatedDirtyHive",
    ] {
        let err = replay(prefix).unwrap_err().to_string();
        assert!(!err.is_empty(), "{prefix}");
    }
}

#[test]
fn an_older_log2_is_ignored() {
    let ours = replay("regipy__transactions_NTUSER.DAT").unwrap().unwrap();
    assert_eq!(ours.applied.len(), 1, "{:?}", ours.applied);
    assert!(
        ours.applied[0].starts_with("LOG1: entries "),
        "{:?}",
        ours.applied
    );
}

/// True when file offset `at` of `hive` lies in the cached name/class/data length fields
/// (offsets 52..68 of the record) of a key node cell.
fn in_nk_length_fields(hive: &[u8], at: usize) -> bool {
    let u32_at = |i: usize| u32::from_le_bytes(hive[i..i + 4].try_into().unwrap());
    let mut bin = 4096;
    while bin < hive.len() {
        let size = u32_at(bin + 8) as usize;
        if (bin..bin + size).contains(&at) {
            let mut cell = bin + 32;
            while cell < bin + size {
                let len = (u32_at(cell) as i32).unsigned_abs() as usize;
                if (cell..cell + len).contains(&at) {
                    let field = at - (cell + 4);
                    return &hive[cell + 4..cell + 6] == b"nk" && (52..68).contains(&field);
                }
                cell += len.max(8);
            }
            return false;
        }
        bin += size.max(4096);
    }
    false
}

#[test]
fn a_log_left_over_from_another_hive_is_not_applied() {
    // UsrClass.dat's primary with SYSTEM's logs: their base blocks name another hive.
    let primary = real("regipy__UsrClass.dat");
    let (l1, l2) = (real("regipy__SYSTEM_B.LOG1"), real("regipy__SYSTEM_B.LOG2"));
    let err = recover(&primary, Some(&l1), Some(&l2))
        .unwrap_err()
        .to_string();
    assert!(err.contains("belongs to another hive"), "{err}");
    // Beside a clean primary, such logs do not make it look dirty either.
    let clean = real("yarp__NewDirtyHive1_RecoveredHive_Windows10");
    assert_eq!(
        hive::log::assess(&clean, Some(&l1), Some(&l2)).unwrap(),
        hive::log::LogState::Clean
    );
}
