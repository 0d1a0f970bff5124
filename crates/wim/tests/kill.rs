//! Fault injection: a child process commits a change to both images and is killed with
//! SIGKILL at random moments. After every kill the WIM must open, verify, and hold either the
//! old or the new hive in both images, nothing else. A few kills by default; 200 with
//! INJECT_ROOT_LONG_TESTS=1. A killed rebuild may leave its temporary file; the next commit
//! removes it.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use wim::{CommitOptions, Wim, SOFTWARE_HIVE_PATH};

const ENV_WIM: &str = "WIM_KILL_CHILD_WIM";
const ENV_HIVE: &str = "WIM_KILL_CHILD_HIVE";
const ENV_REBUILD: &str = "WIM_KILL_CHILD_REBUILD";

/// The child side, run only by `kill_during_commit` (it re-invokes this test binary).
#[test]
#[ignore = "child process of kill_during_commit"]
fn kill_child() {
    let wim_path = PathBuf::from(std::env::var(ENV_WIM).expect("run by kill_during_commit"));
    let hive = std::fs::read(std::env::var(ENV_HIVE).unwrap()).unwrap();
    let rebuild = std::env::var(ENV_REBUILD).is_ok();
    let mut wim = Wim::open_for_update(&wim_path).unwrap();
    wim.replace_file(1, SOFTWARE_HIVE_PATH, &hive).unwrap();
    wim.replace_file(2, SOFTWARE_HIVE_PATH, &hive).unwrap();
    println!("COMMITTING");
    wim.commit(
        &CommitOptions {
            rebuild,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    println!("DONE");
}

/// Starts the child; returns it once it has staged the change and begun committing. The
/// caller waits for it (or kills and then waits).
#[allow(clippy::zombie_processes)]
fn start_child(
    wim: &Path,
    hive: &Path,
    rebuild: bool,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "kill_child",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env(ENV_WIM, wim)
    .env(ENV_HIVE, hive)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    if rebuild {
        cmd.env(ENV_REBUILD, "1");
    }
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "child ended before committing"
        );
        if line.contains("COMMITTING") {
            return (child, out);
        }
    }
}

fn wait_done(out: &mut BufReader<std::process::ChildStdout>) -> bool {
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(out, &mut rest);
    rest.contains("DONE")
}

/// Which state the WIM is in after a kill; panics if it is neither old nor new.
fn check_state(path: &Path, old: &[u8], new: &[u8]) -> &'static str {
    let wim = Wim::open(path).unwrap_or_else(|e| panic!("WIM does not open after kill: {e}"));
    wim.verify()
        .unwrap_or_else(|e| panic!("WIM does not verify after kill: {e}"));
    let h1 = wim.read_file(1, SOFTWARE_HIVE_PATH).unwrap();
    let h2 = wim.read_file(2, SOFTWARE_HIVE_PATH).unwrap();
    assert!(h1 == h2, "images disagree: one commit must switch both");
    if h1 == old {
        "old"
    } else if h1 == new {
        "new"
    } else {
        panic!("hive is neither old nor new after kill")
    }
}

#[test]
fn kill_during_commit() {
    let long = std::env::var("INJECT_ROOT_LONG_TESTS").is_ok_and(|v| v == "1");
    let kills = if long { 200 } else { 6 };
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine.wim");
    build_wim(dir.path(), &pristine, &[]);
    let work = dir.path().join("w");
    std::fs::create_dir(&work).unwrap();
    let path = work.join("t.wim");
    let new_hive = {
        let mut h = edited_hive(0);
        h.extend(noise(6 << 20, 42));
        h
    };
    let hive_file = dir.path().join("new-hive");
    std::fs::write(&hive_file, &new_hive).unwrap();
    let old = test_hive();

    // Calibrate: one uninterrupted commit per mode.
    let mut durations = [Duration::ZERO; 2];
    for (m, rebuild) in [false, true].into_iter().enumerate() {
        std::fs::copy(&pristine, &path).unwrap();
        let (mut child, mut out) = start_child(&path, &hive_file, rebuild);
        let t = Instant::now();
        assert!(wait_done(&mut out));
        durations[m] = t.elapsed();
        assert!(child.wait().unwrap().success());
        assert_eq!(check_state(&path, &old, &new_hive), "new");
    }

    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("kill test seed {seed}, calibrated commit times {durations:?}");
    let mut seen = std::collections::BTreeMap::new();
    for k in 0..kills {
        let rebuild = k % 2 == 1;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let max = durations[usize::from(rebuild)].as_micros() as u64 * 13 / 10 + 1;
        let delay = Duration::from_micros(seed % max);
        std::fs::copy(&pristine, &path).unwrap();
        let (mut child, _out) = start_child(&path, &hive_file, rebuild);
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let state = check_state(&path, &old, &new_hive);
        *seen.entry((rebuild, state)).or_insert(0u32) += 1;
        if Wim::open(&path).unwrap().info().write_in_progress {
            *seen
                .entry((rebuild, "write-in-progress flag left"))
                .or_insert(0u32) += 1;
        }
        // A killed rebuild may leave its temporary file beside the WIM (it never replaces the
        // WIM until complete); an append never leaves one. The next commit removes it.
        for e in std::fs::read_dir(&work).unwrap() {
            let e = e.unwrap();
            if e.file_name() != "t.wim" {
                assert!(rebuild, "append mode left a stray file {:?}", e.file_name());
            }
        }
    }
    println!("kill outcomes (rebuild, state) -> count: {seen:?}");
    // A WIM left by a killed writer can be committed to again.
    let mut wim = Wim::open_for_update(&path).unwrap();
    wim.replace_file(1, SOFTWARE_HIVE_PATH, &new_hive).unwrap();
    wim.replace_file(2, SOFTWARE_HIVE_PATH, &new_hive).unwrap();
    wim.commit(&CommitOptions::default(), None).unwrap();
    assert_eq!(check_state(&path, &old, &new_hive), "new");
    assert!(!Wim::open(&path).unwrap().info().write_in_progress);
    let stray: Vec<_> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "t.wim")
        .collect();
    assert!(
        stray.is_empty(),
        "stray files after the next commit: {stray:?}"
    );
    // The final, uninterrupted state is also checked by wimlib-imagex.
    assert!(imagex(&["verify", path.to_str().unwrap()]).contains("successfully verified"));
}
