//! Data safety: one file named twice (different spellings of its path, or a `--mount` dir and
//! the `--hive` inside it) is processed once, and a WIM whose permission bits say read-only is
//! never changed (root ignores the bits, so the library has to).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use inject::{Job, Operation, Target};
use sha2::{Digest, Sha256};

use testsupport::testdata;

fn sha256(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn one_file_named_three_ways_is_processed_once() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("img/Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    let hive = config.join("SOFTWARE");
    std::fs::copy(testdata().join("hives/offreg-testhive"), &hive).unwrap();
    let dotted = config.join("../config/SOFTWARE");
    let report = Job::new(Operation::Add)
        .target(Target::Hive(hive.clone()))
        .target(Target::Hive(dotted))
        .target(Target::Mount(tmp.path().join("img")))
        .certificate_file(testdata().join("certs/GTS_Root_R4.crt"))
        .run(&|_| {})
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
    assert_eq!(report.targets.len(), 1, "{:?}", report.targets);
    assert_eq!(report.targets[0].target, Target::Hive(hive));
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("same file"),
        "{:?}",
        report.warnings
    );
}

#[test]
fn read_only_wim_is_refused_and_left_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let wim = tmp.path().join("boot.wim");
    std::fs::copy(testdata().join("sample/boot.wim"), &wim).unwrap();
    std::fs::set_permissions(&wim, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = sha256(&wim);
    let report = Job::new(Operation::Add)
        .target(Target::Wim(wim.clone()))
        .certificate_file(testdata().join("certs/GTS_Root_R4.crt"))
        .run(&|_| {})
        .unwrap();
    assert!(!report.all_ok());
    let error = report.targets[0].error.as_deref().unwrap();
    assert!(error.contains("read-only"), "{error}");
    assert!(error.contains("boot.wim"), "{error}");
    assert!(!report.targets[0].written);
    assert_eq!(sha256(&wim), before);
}

#[test]
fn hive_given_through_a_symlink_is_edited_and_the_link_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let hive = tmp.path().join("SOFTWARE");
    std::fs::copy(testdata().join("hives/offreg-testhive"), &hive).unwrap();
    let before = sha256(&hive);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&hive, &link).unwrap();
    let report = Job::new(Operation::Add)
        .target(Target::Hive(link.clone()))
        .certificate_file(testdata().join("certs/GTS_Root_R4.crt"))
        .run(&|_| {})
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
    assert!(report.targets[0].written);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_ne!(
        sha256(&hive),
        before,
        "the file the link points to holds the edit"
    );
}

#[test]
fn hive_changed_by_another_program_meanwhile_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let hive = tmp.path().join("SOFTWARE");
    std::fs::copy(testdata().join("hives/offreg-testhive"), &hive).unwrap();
    // Another writer (e.g. a second pipeline adding another root) finishes while we work:
    // here it bumps the sequence numbers in the base block, as every registry writer does.
    let other_write = || {
        let mut bytes = std::fs::read(&hive).unwrap();
        bytes[4] = bytes[4].wrapping_add(1);
        bytes[8] = bytes[8].wrapping_add(1);
        std::fs::write(&hive, &bytes).unwrap();
    };
    let report = Job::new(Operation::Add)
        .target(Target::Hive(hive.clone()))
        .certificate_file(testdata().join("certs/GTS_Root_R4.crt"))
        .run(&|e| {
            if matches!(e.kind, inject::ProgressKind::ImageDone { .. }) {
                other_write();
            }
        })
        .unwrap();
    assert!(!report.all_ok());
    assert!(!report.targets[0].written);
    let error = report.targets[0].error.as_deref().unwrap();
    assert!(error.contains("changed"), "{error}");
    let now = std::fs::read(&hive).unwrap();
    let original = std::fs::read(testdata().join("hives/offreg-testhive")).unwrap();
    assert_eq!(now.len(), original.len());
    assert_eq!(
        now[4],
        original[4].wrapping_add(1),
        "the other write is kept"
    );
}

#[test]
fn wim_committed_by_another_run_meanwhile_keeps_that_run_s_change() {
    let tmp = tempfile::tempdir().unwrap();
    let wim = tmp.path().join("boot.wim");
    std::fs::copy(testdata().join("sample/boot.wim"), &wim).unwrap();
    let other = testdata().join("certs/ACCVRAIZ1.crt");
    let done = std::sync::atomic::AtomicBool::new(false);
    // A second pipeline adds another root to the same WIM and commits while we work.
    let report = Job::new(Operation::Add)
        .target(Target::Wim(wim.clone()))
        .certificate_file(testdata().join("certs/GTS_Root_R4.crt"))
        .run(&|e| {
            if matches!(e.kind, inject::ProgressKind::ImageDone { .. })
                && !done.swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                let inner = Job::new(Operation::Add)
                    .target(Target::Wim(wim.clone()))
                    .certificate_file(&other)
                    .run(&|_| {})
                    .unwrap();
                assert!(inner.all_ok(), "{inner:?}");
            }
        })
        .unwrap();
    assert!(!report.all_ok());
    let error = report.targets[0].error.as_deref().unwrap();
    assert!(error.contains("changed"), "{error}");
    let verify = Job::new(Operation::Verify)
        .target(Target::Wim(wim.clone()))
        .certificate_file(&other)
        .run(&|_| {})
        .unwrap();
    assert!(verify.all_ok() && !verify.verify_failed(), "{verify:?}");
}
