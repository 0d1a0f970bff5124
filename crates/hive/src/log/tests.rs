//! Unit tests for `hive::log`, with logs built from the layout in Suhanov's specification around
//! a real primary written by offreg.dll (testdata/hives/offreg-testhive).

use super::*;

/// The real test hive.
fn real_hive() -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/hives/offreg-testhive");
    std::fs::read(p).expect("testdata hive present")
}

/// Put a `u32` at `at`.
fn put(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Recompute the base block checksum of `b`.
fn fix_checksum(b: &mut [u8]) {
    let c = base_block_checksum(b).unwrap();
    put(b, 508, c);
}

/// Set both sequence numbers (and checksum) of a primary.
fn with_seqs(mut hive: Vec<u8>, primary: u32, secondary: u32) -> Vec<u8> {
    put(&mut hive, 4, primary);
    put(&mut hive, 8, secondary);
    fix_checksum(&mut hive);
    hive
}

/// A 512-byte log base block copied from `primary`, with the given file type and sequence.
fn log_base_block(primary: &[u8], file_type: u32, seq: u32) -> Vec<u8> {
    let mut b = primary[..LOG_SECTOR_LEN].to_vec();
    put(&mut b, 4, seq);
    put(&mut b, 8, seq);
    put(&mut b, 28, file_type);
    fix_checksum(&mut b);
    b
}

/// One `HvLE` entry with the given pages (hive-bins offset, bytes), padded to 512 bytes, hashed.
fn hvle(seq: u32, hive_bins_size: u32, pages: &[(u32, &[u8])]) -> Vec<u8> {
    let mut e = vec![0u8; 40];
    e[..4].copy_from_slice(b"HvLE");
    put(&mut e, 12, seq);
    put(&mut e, 16, hive_bins_size);
    put(&mut e, 20, pages.len() as u32);
    for (off, data) in pages {
        e.extend_from_slice(&off.to_le_bytes());
        e.extend_from_slice(&(data.len() as u32).to_le_bytes());
    }
    for (_, data) in pages {
        e.extend_from_slice(data);
    }
    e.resize(e.len().div_ceil(512) * 512, 0);
    let size = e.len() as u32;
    put(&mut e, 4, size);
    let h1 = marvin32(LOG_ENTRY_HASH_SEED, &e[40..]);
    e[24..32].copy_from_slice(&h1.to_le_bytes());
    let h2 = marvin32(LOG_ENTRY_HASH_SEED, &e[..32]);
    e[32..40].copy_from_slice(&h2.to_le_bytes());
    e
}

/// A new-format log: base block with `seq`, then the entries.
fn new_log(primary: &[u8], seq: u32, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut log = log_base_block(primary, 6, seq);
    for e in entries {
        log.extend_from_slice(e);
    }
    log
}

/// The 4096-byte page at hive-bins offset `off` of `hive`, with a marker written into it.
fn changed_page(hive: &[u8], off: usize, marker: u8) -> Vec<u8> {
    let mut p = hive[4096 + off..4096 + off + 4096].to_vec();
    // Keep the hbin header (first 32 bytes of a bin page) intact; change cell bytes.
    for b in &mut p[2048..2064] {
        *b = marker;
    }
    p
}

#[test]
fn marvin32_matches_published_vectors() {
    // Test vectors published with the .NET Marvin implementation (seed 0x004FB61A001BDBCC).
    let seed = 0x004F_B61A_001B_DBCC;
    assert_eq!(marvin32(seed, &[]), 0x30ED_35C1_00CD_3C7D);
    assert_eq!(marvin32(seed, &[0xAF]), 0x48E7_3FC7_7D75_DDC1);
    assert_eq!(marvin32(seed, &[0xE7, 0x0F]), 0xB5F6_E1FC_485D_BFF8);
    assert_eq!(marvin32(seed, &[0x37, 0xF4, 0x95]), 0xF0B0_7C78_9B8C_F7E8);
    // Collapsed (low ^ high) vectors with the registry seed, as used by registry log parsers.
    let c = |d: &[u8]| {
        let h = marvin32(LOG_ENTRY_HASH_SEED, d);
        (h as u32) ^ ((h >> 32) as u32)
    };
    assert_eq!(c(b""), 0xb008_92ac);
    assert_eq!(c(b"h"), 0xf41a_608e);
    assert_eq!(c(b"he"), 0x1110_7c6b);
}

#[test]
fn real_hive_without_logs_is_clean() {
    let hive = real_hive();
    assert_eq!(assess(&hive, None, None).unwrap(), LogState::Clean);
    assert_eq!(
        assess(&hive, Some(&[]), Some(&[])).unwrap(),
        LogState::Clean
    );
    assert!(recover(&hive, None, None).unwrap().is_none());
}

#[test]
fn sequence_mismatch_is_dirty() {
    let hive = with_seqs(real_hive(), 8, 7);
    match assess(&hive, None, None).unwrap() {
        LogState::Dirty { reason } => assert!(reason.contains("8 vs 7"), "{reason}"),
        LogState::Clean => panic!("dirty hive reported clean"),
    }
}

#[test]
fn bad_checksum_is_dirty_and_not_recovered() {
    let mut hive = real_hive();
    hive[508] ^= 0x55;
    assert!(matches!(
        assess(&hive, None, None).unwrap(),
        LogState::Dirty { .. }
    ));
    assert!(matches!(
        recover(&hive, None, None),
        Err(LogError::Unrecoverable { .. })
    ));
}

#[test]
fn short_or_foreign_primary_is_a_typed_error() {
    let hive = real_hive();
    assert!(matches!(
        assess(&hive[..100], None, None),
        Err(LogError::Primary { offset: 100, .. })
    ));
    let mut bad = hive.clone();
    bad[0] = b'x';
    assert!(matches!(
        assess(&bad, None, None),
        Err(LogError::Primary { offset: 0, .. })
    ));
    let mut log_as_primary = hive;
    put(&mut log_as_primary, 28, 6);
    fix_checksum(&mut log_as_primary);
    assert!(matches!(
        assess(&log_as_primary, None, None),
        Err(LogError::Primary { offset: 28, .. })
    ));
}

#[test]
fn new_format_entries_are_replayed_in_order_across_both_logs() {
    let clean = with_seqs(real_hive(), 10, 10);
    let dirty = with_seqs(clean.clone(), 11, 10);
    let p1 = changed_page(&clean, 0x1000, 0xA1);
    let p2 = changed_page(&clean, 0x3000, 0xB2);
    let p3 = changed_page(&clean, 0x1000, 0xC3); // later entry overwrites the same page
    let size = 155_648;
    // LOG2 holds the earlier entries (10, 11), LOG1 the later one (12): the spec says either file
    // may hold the earlier ones.
    let log2 = new_log(
        &clean,
        10,
        &[
            hvle(10, size, &[(0x1000, &p1)]),
            hvle(11, size, &[(0x3000, &p2)]),
        ],
    );
    let log1 = new_log(&clean, 12, &[hvle(12, size, &[(0x1000, &p3)])]);
    assert!(matches!(
        assess(&dirty, Some(&log1), Some(&log2)).unwrap(),
        LogState::Dirty { .. }
    ));
    let rec = recover(&dirty, Some(&log1), Some(&log2)).unwrap().unwrap();
    let mut expected = with_seqs(clean.clone(), 12, 12);
    expected[4096 + 0x1000..4096 + 0x2000].copy_from_slice(&p3);
    expected[4096 + 0x3000..4096 + 0x4000].copy_from_slice(&p2);
    fix_checksum(&mut expected);
    assert_eq!(
        rec.applied,
        vec![
            "LOG2: entries 10..=11".to_string(),
            "LOG1: entries 12..=12".to_string()
        ]
    );
    assert!(
        rec.bytes == expected,
        "recovered bytes differ from the expected image"
    );
    // Once the recovered hive is written (a write bumps the sequence numbers once, to 13), every
    // entry in the logs is old and the hive assesses clean.
    let written = with_seqs(rec.bytes, 13, 13);
    assert_eq!(
        assess(&written, Some(&log1), Some(&log2)).unwrap(),
        LogState::Clean
    );
}

#[test]
fn replay_stops_at_bad_hash_and_sequence_gap() {
    let clean = with_seqs(real_hive(), 20, 20);
    let dirty = with_seqs(clean.clone(), 21, 20);
    let size = 155_648;
    let p1 = changed_page(&clean, 0x1000, 0x11);
    let p2 = changed_page(&clean, 0x2000, 0x22);
    let mut bad = hvle(21, size, &[(0x2000, &p2)]);
    bad[100] ^= 1; // page reference area changed after hashing: Hash-1 no longer matches
    let log = new_log(
        &clean,
        20,
        &[
            hvle(20, size, &[(0x1000, &p1)]),
            bad,
            hvle(22, size, &[(0x2000, &p2)]),
        ],
    );
    let rec = recover(&dirty, Some(&log), None).unwrap().unwrap();
    assert_eq!(rec.applied, vec!["LOG1: entries 20..=20".to_string()]);
    assert_eq!(&rec.bytes[4096 + 0x1000..4096 + 0x2000], &p1[..]);
    assert_eq!(
        &rec.bytes[4096 + 0x2000..4096 + 0x3000],
        &clean[4096 + 0x2000..4096 + 0x3000]
    );
    // A gap: entry 20 then 22 -> only 20 is applied.
    let log = new_log(
        &clean,
        20,
        &[
            hvle(20, size, &[(0x1000, &p1)]),
            hvle(22, size, &[(0x2000, &p2)]),
        ],
    );
    let rec = recover(&dirty, Some(&log), None).unwrap().unwrap();
    assert_eq!(rec.applied, vec!["LOG1: entries 20..=20".to_string()]);
}

#[test]
fn stale_entries_do_not_recover_a_dirty_hive() {
    let clean = with_seqs(real_hive(), 30, 30);
    let dirty = with_seqs(clean.clone(), 31, 30);
    let p = changed_page(&clean, 0x1000, 0x77);
    let log = new_log(&clean, 25, &[hvle(25, 155_648, &[(0x1000, &p)])]);
    assert!(matches!(
        recover(&dirty, Some(&log), None),
        Err(LogError::Unrecoverable { .. })
    ));
}

#[test]
fn replay_that_breaks_the_hbin_chain_is_refused() {
    let clean = with_seqs(real_hive(), 5, 5);
    let dirty = with_seqs(clean.clone(), 6, 5);
    let mut p = clean[4096..4096 + 4096].to_vec();
    p[..4].copy_from_slice(b"junk");
    let log = new_log(&clean, 5, &[hvle(5, 155_648, &[(0, &p)])]);
    assert!(matches!(
        recover(&dirty, Some(&log), None),
        Err(LogError::Unrecoverable { .. })
    ));
}

#[test]
fn new_format_replay_grows_the_hive() {
    let clean = with_seqs(real_hive(), 40, 40);
    let dirty = with_seqs(clean.clone(), 41, 40);
    let old_size = 155_648u32;
    let mut bin = vec![0u8; 4096];
    bin[..4].copy_from_slice(b"hbin");
    put(&mut bin, 4, old_size);
    put(&mut bin, 8, 4096);
    put(&mut bin, 32, 4096 - 32); // one free cell filling the bin
    let log = new_log(
        &clean,
        40,
        &[hvle(40, old_size + 4096, &[(old_size, &bin)])],
    );
    let rec = recover(&dirty, Some(&log), None).unwrap().unwrap();
    assert_eq!(rec.bytes.len(), clean.len() + 4096);
    assert_eq!(le_u32(&rec.bytes, 40), Some(old_size + 4096));
    assert_eq!(&rec.bytes[clean.len()..], &bin[..]);
    assert!(BaseBlock::parse(&rec.bytes).unwrap().is_consistent());
}

/// An old-format log: base block sector, "DIRT" + bitmap, padded, then the dirty 512-byte pages.
fn old_log(primary: &[u8], seq: u32, dirty: &[(usize, [u8; 512])]) -> Vec<u8> {
    let mut log = log_base_block(primary, 1, seq);
    let bits = 155_648 / 512;
    let mut bitmap = vec![0u8; bits / 8];
    for (page, _) in dirty {
        bitmap[page / 8] |= 1 << (page % 8);
    }
    log.extend_from_slice(b"DIRT");
    log.extend_from_slice(&bitmap);
    log.resize(log.len().div_ceil(512) * 512, 0);
    let mut sorted: Vec<_> = dirty.to_vec();
    sorted.sort_by_key(|(p, _)| *p);
    for (_, data) in sorted {
        log.extend_from_slice(&data);
    }
    log
}

#[test]
fn old_format_dirty_pages_are_replayed() {
    let clean = with_seqs(real_hive(), 3, 3);
    let dirty = with_seqs(clean.clone(), 4, 3);
    let page_a = [0x5Au8; 512];
    let page_b = [0xA5u8; 512];
    // Pages 9 and 30 of the hive bins data (not the hbin header pages 0 and 8 of the first bins).
    let log = old_log(&clean, 4, &[(30, page_b), (9, page_a)]);
    let rec = recover(&dirty, Some(&log), None).unwrap().unwrap();
    let mut expected = with_seqs(clean.clone(), 4, 4);
    expected[4096 + 9 * 512..4096 + 10 * 512].copy_from_slice(&page_a);
    expected[4096 + 30 * 512..4096 + 31 * 512].copy_from_slice(&page_b);
    fix_checksum(&mut expected);
    assert!(rec.bytes == expected);
    assert_eq!(rec.applied.len(), 1);
}

#[test]
fn old_format_log_with_other_timestamp_or_bad_vector_is_refused() {
    let clean = with_seqs(real_hive(), 3, 3);
    let dirty = with_seqs(clean.clone(), 4, 3);
    let mut other = clean.clone();
    other[12] ^= 1; // different last-written timestamp
    fix_checksum(&mut other);
    let log = old_log(&other, 4, &[(9, [1u8; 512])]);
    assert!(matches!(
        recover(&dirty, Some(&log), None),
        Err(LogError::Unrecoverable { .. })
    ));
    let mut log = old_log(&clean, 4, &[(9, [1u8; 512])]);
    log[512..516].copy_from_slice(b"DIRX");
    assert!(matches!(
        recover(&dirty, Some(&log), None),
        Err(LogError::Malformed { offset: 512, .. })
    ));
    let log = old_log(&clean, 4, &[(9, [1u8; 512])]);
    assert!(matches!(
        recover(&dirty, Some(&log[..log.len() - 100]), None),
        Err(LogError::Malformed { .. })
    ));
}

#[test]
fn clean_primary_with_newer_log_data_is_reported_dirty() {
    let clean = with_seqs(real_hive(), 50, 50);
    let p = changed_page(&clean, 0x1000, 0x99);
    let newer = new_log(&clean, 50, &[hvle(50, 155_648, &[(0x1000, &p)])]);
    assert!(
        matches!(assess(&clean, Some(&[]), Some(&newer)).unwrap(), LogState::Dirty { reason } if reason.contains("LOG2"))
    );
    // Entries below the primary's sequence number are already applied: clean.
    let older = new_log(&clean, 49, &[hvle(49, 155_648, &[(0x1000, &p)])]);
    assert_eq!(assess(&clean, Some(&older), None).unwrap(), LogState::Clean);
    // Old format: same sequence as the primary is the normal state after a successful write.
    assert_eq!(
        assess(&clean, Some(&old_log(&clean, 50, &[])), None).unwrap(),
        LogState::Clean
    );
    assert!(matches!(
        assess(&clean, Some(&old_log(&clean, 51, &[])), None).unwrap(),
        LogState::Dirty { .. }
    ));
    // Garbage logs are ignored (Windows self-heals them).
    assert_eq!(
        assess(&clean, Some(&[0xFFu8; 1024]), Some(b"regf")).unwrap(),
        LogState::Clean
    );
}

#[test]
fn after_write_policy() {
    let clean = with_seqs(real_hive(), 7, 7);
    let p = changed_page(&clean, 0x1000, 0x42);
    let stale = new_log(&clean, 7, &[hvle(7, 155_648, &[(0x1000, &p)])]);
    assert_eq!(log_action_after_write(&clean, &[]), LogAction::Keep);
    assert_eq!(log_action_after_write(&clean, &stale), LogAction::Truncate);
    assert_eq!(
        log_action_after_write(&clean, &old_log(&clean, 7, &[])),
        LogAction::Truncate
    );
    assert_eq!(
        log_action_after_write(&clean, &[0u8; 8192]),
        LogAction::Truncate
    );
    let dirty = with_seqs(clean.clone(), 8, 7);
    assert_eq!(log_action_after_write(&dirty, &[]), LogAction::RefuseWrite);
    assert_eq!(
        log_action_after_write(&clean[..1000], &stale),
        LogAction::RefuseWrite
    );
    // Why Truncate matters: after our write at sequence 7, a Windows crash right after writing
    // its own first entry (7) would let recovery continue into the stale entry 8 that follows it.
    let ours = hvle(7, 155_648, &[(0x3000, &changed_page(&clean, 0x3000, 1))]);
    let stale8 = hvle(8, 155_648, &[(0x1000, &p)]);
    let spliced = new_log(&clean, 7, &[ours, stale8]);
    let crashed = with_seqs(clean.clone(), 8, 7);
    let rec = recover(&crashed, Some(&spliced), None).unwrap().unwrap();
    assert_eq!(
        rec.applied,
        vec!["LOG1: entries 7..=8".to_string()],
        "stale entry would be replayed"
    );
    for a in [LogAction::Keep, LogAction::Truncate, LogAction::RefuseWrite] {
        assert!(!a.reason().is_empty());
    }
}

#[test]
fn find_logs_matches_case_insensitively() {
    let dir = tempfile::tempdir().unwrap();
    let hive = dir.path().join("SOFTWARE");
    std::fs::write(&hive, b"x").unwrap();
    assert_eq!(find_logs(&hive).unwrap(), [None, None]);
    std::fs::write(dir.path().join("software.LOG2"), b"").unwrap();
    std::fs::write(dir.path().join("SOFTWARE.LOG1"), b"").unwrap();
    std::fs::write(dir.path().join("SOFTWARE.LOG"), b"").unwrap();
    let [l1, l2] = find_logs(&hive).unwrap();
    assert_eq!(l1.unwrap().file_name().unwrap(), "SOFTWARE.LOG1");
    assert_eq!(l2.unwrap().file_name().unwrap(), "software.LOG2");
}
