//! `Hive::open` reads a hive file one hbin at a time (a paged image). These tests check that
//! it sees and writes exactly what the in-memory path (`Hive::from_bytes`) does, that it
//! notices a file changed under it instead of mixing two versions, and that damaged files
//! are reported as before. (Random edit sequences through both paths are compared byte for
//! byte in prop_edits.rs.)

mod common;
use common::*;
use hive::{Error, Hive, ValueType};
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A FILETIME used as the clock of both paths, so their outputs can be compared bytewise.
const CLOCK: u64 = 0x01DA_0000_0000_0000;

/// A hive with many hbins: the real test hive plus 3000 keys in 30 groups (each group's
/// keys are added after the others', so hbins end up holding a mix).
fn many_bins_hive() -> Vec<u8> {
    let mut h = Hive::from_bytes(testhive()).unwrap();
    h.set_timestamp(CLOCK);
    for i in 0..3000 {
        let path = format!("Grown\\G{:02}\\Key{i:05}", i % 30);
        h.set_value(&path, "V", ValueType::Dword, &(i as u32).to_le_bytes())
            .unwrap();
    }
    h.into_bytes().unwrap()
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_paged_hive_reads_exactly_what_the_in_memory_one_does() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [("real", testhive()), ("grown", many_bins_hive())] {
        let path = write_file(dir.path(), name, &bytes);
        let paged = Hive::open(&path).unwrap();
        let whole = Hive::from_bytes(bytes.clone()).unwrap();
        assert_eq!(snap_hive(&paged), snap_hive(&whole), "{name}");
        assert_eq!(snap_hive(&paged), snap_nt(&bytes), "{name}: nt-hive");
        // Unmodified, it gives back the file's bytes, reading the hbins not read yet.
        assert_eq!(Hive::open(&path).unwrap().into_bytes().unwrap(), bytes);
    }
}

/// The same edits through a file and in memory give the same bytes, whether written back to
/// the file it was read from (copy + patch) or to another file (whole image).
#[test]
fn edits_through_a_paged_hive_give_the_in_memory_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let original = many_bins_hive();
    let thumb = "Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\0123456789ABCDEF0123456789ABCDEF01234567";
    let edit = |h: &mut Hive| {
        h.set_timestamp(CLOCK + 1);
        h.set_value(thumb, "Blob", ValueType::Binary, &[0x5a; 2000])
            .unwrap();
        h.set_value(
            "Grown\\G07\\Key00007",
            "Big",
            ValueType::Binary,
            &[7; 40_000],
        )
        .unwrap();
        h.delete_key("Grown\\G13").unwrap();
        h.delete_value("Grown\\G21\\Key00021", "V").unwrap();
    };
    let mut whole = Hive::from_bytes(original.clone()).unwrap();
    edit(&mut whole);
    let expected = whole.into_bytes().unwrap();

    let same = write_file(dir.path(), "same", &original);
    let mut paged = Hive::open(&same).unwrap();
    edit(&mut paged);
    paged.write_atomic(&same).unwrap();
    assert_eq!(fs::read(&same).unwrap(), expected);

    let src = write_file(dir.path(), "src", &original);
    let other = dir.path().join("other");
    let mut paged = Hive::open(&src).unwrap();
    edit(&mut paged);
    paged.write_atomic(&other).unwrap();
    assert_eq!(fs::read(&other).unwrap(), expected);
    assert_eq!(
        fs::read(&src).unwrap(),
        original,
        "the source is left alone"
    );
    assert_eq!(snap_ours(&expected), snap_nt(&expected));
}

/// A writer that changes the file in place after it was opened (every registry writer
/// changes the base block) makes the next read from it fail, naming the file; nothing of
/// the two versions is mixed and nothing is written.
#[test]
fn a_file_changed_after_open_is_not_read_further() {
    let dir = tempfile::tempdir().unwrap();
    let original = many_bins_hive();
    let path = write_file(dir.path(), "hive", &original);
    let mut h = Hive::open(&path).unwrap();
    // Another writer bumps the primary sequence number in place.
    let mut changed = original.clone();
    changed[4] = changed[4].wrapping_add(1);
    let mut f = fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(4)).unwrap();
    f.write_all(&changed[4..5]).unwrap();
    drop(f);
    // A key whose hbins were not read yet.
    let err = h.key("Grown\\G29\\Key02999").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(text.contains("changed") && text.contains("hive"), "{text}");
    let err = h
        .set_value("Grown\\G28\\Key02998", "V", ValueType::Dword, &[1, 0, 0, 0])
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(!h.is_modified(), "a failed edit is rolled back");
    assert_eq!(fs::read(&path).unwrap(), changed);
    // The same through a key found before the change.
    let h = {
        fs::write(&path, &original).unwrap();
        Hive::open(&path).unwrap()
    };
    let grown = h.key("Grown").unwrap().unwrap();
    fs::write(&path, &changed).unwrap();
    let err = grown.subkeys().unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("changed"), "{err}");

    // An edit made before the change is not written over the changed file either: writing
    // needs the hbins not read yet, and they are no longer the ones of the version edited.
    fs::write(&path, &original).unwrap();
    let mut h = Hive::open(&path).unwrap();
    h.set_value("Edited", "V", ValueType::Dword, &[2, 0, 0, 0])
        .unwrap();
    let mut f = fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(4)).unwrap();
    f.write_all(&changed[4..5]).unwrap();
    drop(f);
    let err = h.write_atomic(&path).unwrap_err();
    assert!(err.to_string().contains("changed"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), changed);
    let leftovers = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
}

/// Damaged files (broken hbin chain, truncated hive bins data) are reported exactly as the
/// in-memory path reports them.
#[test]
fn damaged_files_are_reported_as_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let original = testhive();
    let mut broken_chain = original.clone();
    broken_chain[4096 + 0x5000..4096 + 0x5004].copy_from_slice(b"HBIN");
    let truncated = original[..original.len() - 8192].to_vec();
    for (name, bytes) in [("chain", broken_chain), ("truncated", truncated)] {
        let path = write_file(dir.path(), name, &bytes);
        let from_file = Hive::open(&path).map(|mut h| {
            h.set_timestamp(CLOCK);
            h.set_value("New", "V", ValueType::Dword, &[1, 0, 0, 0])
                .map_err(|e| e.to_string())
        });
        let in_memory = Hive::from_bytes(bytes.clone()).map(|mut h| {
            h.set_timestamp(CLOCK);
            h.set_value("New", "V", ValueType::Dword, &[1, 0, 0, 0])
                .map_err(|e| e.to_string())
        });
        match (from_file, in_memory) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b, "{name}");
                let e = a.expect_err("the damage is met by the edit");
                assert!(e.contains("hbin"), "{name}: {e}");
            }
            (Err(a), Err(b)) => {
                let a = a.to_string();
                assert!(a.contains(&b.to_string()), "{name}: {a} vs {b}");
                assert!(a.contains(name), "{name}: the error names the file: {a}");
            }
            (a, b) => panic!("{name}: file {a:?} vs memory {b:?}"),
        }
    }
}
