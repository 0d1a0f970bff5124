//! `jobs` larger than the number of targets starts no more threads than there are targets
//! (`--jobs 20000` on one hive used to start 20000 threads, take minutes and fail).

use inject::{Job, Operation, Target};

use testsupport::testdata;

#[test]
fn huge_jobs_value_on_one_target_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let hive = tmp.path().join("SOFTWARE");
    std::fs::copy(testdata().join("hives/offreg-testhive"), &hive).unwrap();
    let report = Job::new(Operation::List)
        .target(Target::Hive(hive))
        .jobs(usize::MAX)
        .run(&|_| {})
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
    assert_eq!(report.targets.len(), 1);
}
