//! The oracle helpers agree with each other on the untouched real hive, so that a difference
//! after an edit points at the edit, not at a helper.

mod common;
use common::*;

#[test]
fn oracles_agree_on_the_real_hive() {
    let path = testdata("hives/offreg-testhive");
    let d = all_dumps(&path);
    let keys = |dump: &Dump| dump.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&d.regf),
        keys(&d.nt),
        "libregf and nt-hive see different keys"
    );
    // hivexregedit prints non-ASCII key names in its own escaping: compare counts and ASCII keys.
    assert_eq!(
        d.hivex.len(),
        d.nt.len(),
        "hivex and nt-hive see a different number of keys"
    );
    for (k, v) in &d.nt {
        assert_eq!(d.regf[k].len(), v.len(), "value count differs at {k:?}");
        if k.is_ascii() {
            assert_eq!(
                d.hivex[k].len(),
                v.len(),
                "hivex value count differs at {k:?}"
            );
        }
    }
    // Spot facts of the test hive that no one here wrote, seen the same by each tool.
    assert!(d.nt["data-test"].contains("binary|3|0102030405"));
    assert!(d.hivex["data-test"].contains("\"binary\"=hex(3):01,02,03,04,05"));
    assert_eq!(hivexget(&path, "data-test", "binary"), vec![1, 2, 3, 4, 5]);
    let big = d.nt["big-data-test"]
        .iter()
        .find(|v| v.starts_with("B|"))
        .expect("value B");
    assert_eq!(big.len(), "B|3|".len() + 2 * 16344);
    assert!(d.nt.len() > 100, "subkey-test has many keys");
}
