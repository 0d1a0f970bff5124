//! Version 1.3 hives (Windows XP/7 era): a value over 16,344 bytes lives in one cell; big data
//! (`db`) exists only from 1.4 on. Checked with the oracles that read 1.3 right (hivex, libregf,
//! cmcheck); nt-hive takes such values for big data and is not asked.

mod common;

use std::process::Command;

use common::*;
use hive::{Hive, ValueType};

/// Minor version of a hive image.
fn minor(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[24..28].try_into().unwrap())
}

#[test]
fn a_40k_value_in_a_1_3_hive_is_one_cell_and_reads_back_in_hivex_libregf_and_cmcheck() {
    require("hivexget", "libhivex-bin");
    // A 1.3 user hive written by Windows, holding values over 16,344 bytes already.
    let original = shared_testdata().join("hives/real/regipy__NTUSER.DAT");
    let bytes = std::fs::read(&original).unwrap();
    assert_eq!(minor(&bytes), 3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("NTUSER.DAT");
    std::fs::write(&path, &bytes).unwrap();

    let data: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut hive = Hive::open(&path).unwrap();
    assert_eq!(hive.minor_version(), 3);
    hive.set_value("Software\\InjectRootTest", "Big", ValueType::Binary, &data)
        .unwrap();
    hive.write_atomic(&path).unwrap();
    drop(hive);

    let written = std::fs::read(&path).unwrap();
    assert_eq!(minor(&written), 3, "the version is kept");
    // One cell: the 40,000 bytes stand contiguous in the file (big data would cut them into
    // 16,344-byte segments, each in a cell of its own).
    assert!(
        written.windows(data.len()).any(|w| w == data),
        "the value is not stored in one cell"
    );
    let hivex = run_out(
        Command::new("hivexget")
            .arg(&path)
            .arg("\\Software\\InjectRootTest")
            .arg("Big"),
    );
    assert_eq!(hivex, data, "hivexget");
    // Our reader, and the whole-hive oracles (regfinfo, cmcheck, hivex/libregf dumps).
    let back = Hive::from_bytes(written).unwrap();
    let value = back
        .key("software\\injectroottest")
        .unwrap()
        .unwrap()
        .value("Big")
        .unwrap()
        .unwrap();
    assert_eq!(value.data().unwrap(), data);
    let before = all_dumps_without_nt(&original);
    let after = all_dumps_without_nt(&path);
    let key = "Software\\InjectRootTest";
    assert!(
        without_subtree(after.0, key) == before.0,
        "hivex: more than the new key changed"
    );
    // libregf names keys with the root key's name in front.
    let regf_after: Dump = after
        .1
        .into_iter()
        .filter(|(k, _)| !k.ends_with(&format!("\\{key}")))
        .collect();
    assert!(
        regf_after == before.1,
        "libregf: more than the new key changed"
    );
}

/// hivex and libregf dumps, after regfinfo and cmcheck accepted the hive.
fn all_dumps_without_nt(hive: &std::path::Path) -> (Dump, Dump) {
    regfinfo_ok(hive);
    cmcheck_ok(hive);
    (hivex_dump(hive), regf_dump(hive))
}

fn run_out(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
