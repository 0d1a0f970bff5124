//! The library API: a Job on a bare hive, progress through the callback, a serializable report,
//! the result read back with nt-hive and the certificate compared with openssl's DER.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use inject::{Action, Job, Operation, ProgressKind, Target};

use testsupport::testdata;

fn openssl_der(cert: &Path) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(cert)
        .output()
        .expect("openssl not found: install the Debian package openssl");
    assert!(out.status.success());
    out.stdout
}

#[test]
fn job_adds_reports_progress_and_reads_back_with_nt_hive() {
    let tmp = tempfile::tempdir().unwrap();
    let hive = tmp.path().join("SOFTWARE");
    std::fs::copy(testdata().join("hives/offreg-testhive"), &hive).unwrap();
    let cert = testdata().join("certs/GTS_Root_R4.crt");
    let events = Mutex::new(Vec::new());
    let report = Job::new(Operation::Add)
        .target(Target::Hive(hive.clone()))
        .certificate_file(&cert)
        .run(&|e| events.lock().unwrap().push(e.kind))
        .unwrap();
    assert!(report.all_ok());
    let target = &report.targets[0];
    assert!(target.written);
    let entry = &target.images[0].certificates[0];
    assert_eq!(entry.action, Action::Added);
    let events = events.into_inner().unwrap();
    assert_eq!(events.first(), Some(&ProgressKind::Started { images: 1 }));
    assert_eq!(events.last(), Some(&ProgressKind::Finished { ok: true }));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["targets"][0]["images"][0]["certificates"][0]["action"],
        "added"
    );

    // Independent read-back: nt-hive finds the key, the Blob holds openssl's DER.
    let bytes = std::fs::read(&hive).unwrap();
    let parsed = nt_hive::Hive::new(bytes.as_slice()).unwrap();
    let root = parsed.root_key_node().unwrap();
    let key = root.subpath(&entry.key).unwrap().unwrap();
    let blob = key
        .value("Blob")
        .unwrap()
        .unwrap()
        .data()
        .unwrap()
        .into_vec()
        .unwrap();
    let der = openssl_der(&cert);
    assert!(blob.windows(der.len()).any(|w| w == der));
    testsupport::assert_cmcheck_ok(&hive);

    // Second run: already present, nothing written.
    let again = Job::new(Operation::Add)
        .target(Target::Hive(hive.clone()))
        .certificate_file(&cert)
        .run(&|_| {})
        .unwrap();
    assert_eq!(
        again.targets[0].images[0].certificates[0].action,
        Action::AlreadyPresent
    );
    assert!(!again.targets[0].written);
    assert_eq!(std::fs::read(&hive).unwrap(), bytes);
}

#[test]
fn input_errors_come_back_typed_before_any_target_is_touched() {
    let err = Job::new(Operation::Add)
        .target(Target::Hive("does-not-matter".into()))
        .certificate_file(testdata().join("certs/none.crt"))
        .run(&|_| {})
        .unwrap_err();
    assert!(matches!(err, inject::Error::Certificate { .. }), "{err:?}");
    let err = Job::new(Operation::Remove)
        .target(Target::Hive("x".into()))
        .run(&|_| {})
        .unwrap_err();
    assert!(err.is_usage());
}

/// A target's failure keeps its kind: a caller (or a JSON pipeline) can tell a read-only file, a
/// missing image, a locked WIM and a file changed meanwhile apart without parsing messages.
#[test]
fn target_failures_carry_their_kind() {
    use inject::ErrorKind;
    let dir = tempfile::tempdir().unwrap();
    let cert = testdata().join("certs/DigiCert_Global_Root_CA.crt");
    // a read-only hive
    let hive = dir.path().join("SOFTWARE");
    std::fs::copy(testdata().join("hives/offreg-testhive"), &hive).unwrap();
    let mut perms = std::fs::metadata(&hive).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&hive, perms).unwrap();
    let report = Job::new(Operation::Add)
        .target(Target::Hive(hive.clone()))
        .certificate_file(&cert)
        .run(&|_| {})
        .unwrap();
    assert_eq!(report.targets[0].error_kind, Some(ErrorKind::ReadOnly));
    // an image index the WIM does not have, and a file that is no WIM
    let wim = dir.path().join("boot.wim");
    std::fs::copy(testdata().join("sample/boot.wim"), &wim).unwrap();
    let report = Job::new(Operation::List)
        .target(Target::Wim(wim.clone()))
        .image_index(9)
        .run(&|_| {})
        .unwrap();
    assert_eq!(report.targets[0].error_kind, Some(ErrorKind::NoSuchImage));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["targets"][0]["error_kind"], "no_such_image");
    let not_wim = dir.path().join("not.wim");
    std::fs::write(&not_wim, vec![0x5a; 4096]).unwrap();
    let report = Job::new(Operation::List)
        .target(Target::Wim(not_wim))
        .run(&|_| {})
        .unwrap();
    assert_eq!(report.targets[0].error_kind, Some(ErrorKind::DamagedWim));
    // the source of a WIM error is wim's own, typed
    let report = Job::new(Operation::List)
        .target(Target::Wim(wim))
        .image_index(9)
        .run(&|_| {})
        .unwrap();
    assert!(report.targets[0]
        .error
        .as_deref()
        .unwrap()
        .contains("image index 9"));
}
