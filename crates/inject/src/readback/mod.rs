//! Checking an edited hive before anything is written: the edit judged by what it changed
//! ([`footprint`]), and read back by the independent parser nt-hive ([`nt`]).
//!
//! Together: every byte that changed was written by the edit into cells it owns, the cells of
//! every hbin it wrote still tile, the base block is well formed, and every key and value the
//! edit is about reads back exactly in nt-hive. Nothing else of the hive is read, so the cost
//! follows the edit, and damage elsewhere (which Windows tolerates) does not block it.

mod footprint;
mod nt;
mod raw;

pub use nt::Expectation;

use hive::Hive;

/// Checks the edits made to `hive` since it was opened (finishing its base block, as writing
/// would). `before`, when given, is the whole image as opened: then the whole image after the
/// edit is compared with it too. Returns the new base block, or a one-line description of the
/// first problem.
pub fn check(
    hive: &mut Hive,
    before: Option<&[u8]>,
    expectations: &[Expectation],
) -> Result<Vec<u8>, String> {
    let footprint = hive
        .footprint()
        .map_err(|e| format!("what the edit changed cannot be read: {e}"))?;
    footprint::judge(&footprint)?;
    let paths: Vec<&str> = expectations.iter().map(Expectation::key).collect();
    let image = hive
        .lookup_image(&paths)
        .map_err(|e| format!("the edited keys cannot be read: {e}"))?;
    if let Some(before) = before {
        footprint::judge_whole(before, &image, &footprint)?;
    }
    nt::check(&image, expectations)?;
    Ok(footprint.base_after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hive::ValueType;

    const KEY: &str = "Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\ABCD";

    fn testhive() -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/hives/offreg-testhive");
        std::fs::read(path).expect("testdata/hives/offreg-testhive is part of the repository")
    }

    fn edited() -> (Vec<u8>, Hive, Vec<Expectation>) {
        let before = testhive();
        let mut hive = Hive::from_bytes(before.clone()).unwrap();
        hive.set_value(KEY, "Blob", ValueType::Binary, &[7; 900])
            .unwrap();
        let expectations = vec![Expectation::Value {
            key: KEY.into(),
            value: "Blob".into(),
            data: vec![7; 900],
        }];
        (before, hive, expectations)
    }

    #[test]
    fn a_sound_edit_passes() {
        let (before, mut hive, expectations) = edited();
        check(&mut hive, Some(&before), &expectations).unwrap();
    }

    /// A byte of an unrelated cell that differs between the hive as read and as written (a
    /// bug that wrote where no edit did) stops the write, in the whole-image comparison and
    /// in the footprint of the hbins the edit touched.
    #[test]
    fn damage_to_an_unrelated_cell_stops_the_write() {
        let (before, mut hive, expectations) = edited();
        let footprint = hive.footprint().unwrap();
        let unwritten = |pos: usize| !footprint.written.iter().any(|w| w.contains(&pos));
        // A byte in the hbin data far from the edit (offreg-testhive's first hbin holds the
        // root and the test keys; the edit appends and touches only a few cells).
        let pos = (0x1100..footprint.original_bins_end)
            .find(|&p| unwritten(p) && before[p] != 0)
            .unwrap();
        let mut damaged = before.clone();
        damaged[pos] ^= 0x40;
        let err = check(&mut hive, Some(&damaged), &expectations).unwrap_err();
        assert!(err.contains("no edit wrote them"), "{err}");

        let touched = footprint
            .hbins
            .first()
            .expect("the edit wrote into an hbin")
            .clone();
        let inside = (32..touched.after.len())
            .find(|&i| unwritten(touched.offset + i))
            .unwrap();
        let mut bad = footprint.clone();
        bad.hbins[0].after[inside] ^= 0x40;
        let err = footprint::judge(&bad).unwrap_err();
        assert!(err.contains("no edit wrote them"), "{err}");
        assert!(footprint::judge(&footprint).is_ok());
    }

    #[test]
    fn a_base_block_field_no_writer_changes_stops_the_write() {
        let (_, mut hive, _) = edited();
        let mut footprint = hive.footprint().unwrap();
        footprint.base_after[0x30] ^= 1; // the file name field
        let err = footprint::judge(&footprint).unwrap_err();
        assert!(err.contains("base block"), "{err}");
    }
}

#[cfg(test)]
mod version13_tests {
    use super::*;
    use hive::ValueType;

    /// A real version 1.3 hive (Windows 7 era) from the shared test data.
    fn ntuser() -> Vec<u8> {
        let shared = std::env::var_os("INJECT_ROOT_SHARED")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
            });
        std::fs::read(shared.join("testdata/hives/real/regipy__NTUSER.DAT"))
            .expect("../shared/testdata/hives/real/regipy__NTUSER.DAT")
    }

    /// A Blob over 16,344 bytes in a 1.3 hive lives in one cell, which nt-hive misreads: it is
    /// read back by the independent reader, which also catches data that differs.
    #[test]
    fn a_large_value_in_a_1_3_hive_is_read_back_by_the_second_reader() {
        let before = ntuser();
        let key = "Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\ABCD";
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 253) as u8).collect();
        let mut hive = Hive::from_bytes(before.clone()).unwrap();
        hive.set_value(key, "Blob", ValueType::Binary, &data)
            .unwrap();
        let mut expect = vec![Expectation::Value {
            key: key.into(),
            value: "Blob".into(),
            data: data.clone(),
        }];
        check(&mut hive, Some(&before), &expect).unwrap();
        if let Expectation::Value { data, .. } = &mut expect[0] {
            data[10_000] ^= 1;
        }
        let err = check(&mut hive, Some(&before), &expect).unwrap_err();
        assert!(err.contains("differ"), "{err}");
    }
}
