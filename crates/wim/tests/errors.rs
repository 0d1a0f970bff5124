//! Every unusual or broken input gets a typed error (or is supported), and no failure changes
//! the WIM file (its SHA-1 is compared before and after).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use wim::{CommitOptions, Error, Wim, SOFTWARE_HIVE_PATH};

/// A tmpfs mounted for one test, unmounted on drop.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, size: &str) -> Result<Mount, String> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                dir.to_str().unwrap(),
            ])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(Mount(dir.to_path_buf()))
    }

    fn remount_ro(&self) {
        let st = Command::new("mount")
            .args(["-o", "remount,ro", self.0.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(st.success());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn standard_wim(dir: &Path) -> PathBuf {
    let path = dir.join("t.wim");
    build_wim(dir, &path, &[]);
    path
}

#[test]
fn not_a_wim() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.wim");
    std::fs::write(&path, noise(100_000, 3)).unwrap();
    let h = file_hash(&path);
    match Wim::open(&path) {
        Err(Error::NotAWim { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected NotAWim, got {other:?}"),
    }
    assert!(matches!(
        Wim::open_for_update(&path),
        Err(Error::NotAWim { .. })
    ));
    assert_eq!(file_hash(&path), h);
    // Empty file and missing file.
    let empty = dir.path().join("empty.wim");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        Wim::open(&empty),
        Err(Error::NotAWim { .. } | Error::Malformed { offset: None, .. })
    ));
    let missing = dir.path().join("missing.wim");
    let e = Wim::open(&missing).unwrap_err();
    assert!(e.to_string().contains("missing.wim"), "{e}");
}

#[test]
fn truncated_wim() {
    let dir = tempfile::tempdir().unwrap();
    let path = standard_wim(dir.path());
    let full = std::fs::read(&path).unwrap();
    for cut in [full.len() / 2, full.len() - 100, 300] {
        let t = dir.path().join(format!("cut{cut}.wim"));
        std::fs::write(&t, &full[..cut]).unwrap();
        let h = file_hash(&t);
        let result = Wim::open_for_update(&t).and_then(|mut w| {
            let hive = w.read_file(1, SOFTWARE_HIVE_PATH)?;
            w.replace_file(1, SOFTWARE_HIVE_PATH, &hive)?;
            w.commit(&CommitOptions::default(), None)
        });
        match result {
            Err(
                e @ Error::Malformed {
                    offset: Some(_), ..
                },
            ) => {
                let text = e.to_string();
                assert!(
                    text.contains(t.to_str().unwrap()) && text.contains("offset 0x"),
                    "{text}"
                );
            }
            // Malformed without an offset: as wimlib reports damage.
            Err(Error::Malformed { offset: None, .. } | Error::NotAWim { .. }) => {}
            other => panic!("cut at {cut}: expected Malformed/NotAWim, got {other:?}"),
        }
        assert_eq!(file_hash(&t), h, "truncated WIM changed");
    }
}

#[test]
fn wim_without_hive() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("Windows/System32")).unwrap();
    std::fs::write(src.join("Windows/System32/notes.txt"), b"no hive here").unwrap();
    let path = dir.path().join("nohive.wim");
    imagex(&[
        "capture",
        src.to_str().unwrap(),
        path.to_str().unwrap(),
        "x",
        "--compress=LZX",
    ]);
    let h = file_hash(&path);
    let mut wim = Wim::open_for_update(&path).unwrap();
    assert!(matches!(
        wim.read_file(1, SOFTWARE_HIVE_PATH),
        Err(Error::FileNotFound { index: 1, .. })
    ));
    assert!(matches!(
        wim.replace_file(1, SOFTWARE_HIVE_PATH, b"x"),
        Err(Error::FileNotFound { .. })
    ));
    wim.commit(&CommitOptions::default(), None).unwrap();
    assert_eq!(file_hash(&path), h);
}

#[test]
fn read_only_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = standard_wim(dir.path());
    // Opened for reading only: replace is refused.
    let mut wim = Wim::open(&path).unwrap();
    assert!(matches!(
        wim.replace_file(1, SOFTWARE_HIVE_PATH, b"x"),
        Err(Error::ReadOnly { .. })
    ));
    drop(wim);
    // A WIM whose header carries the read-only flag (WIM_HDR_FLAG_READONLY = 0x4 in the u32
    // flags field at byte offset 16 of the header, as documented in the WIM format).
    let flagged = dir.path().join("flagged.wim");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[16] |= 0x4;
    std::fs::write(&flagged, &bytes).unwrap();
    let h = file_hash(&flagged);
    assert!(Wim::open(&flagged).unwrap().info().marked_readonly);
    assert!(matches!(
        Wim::open_for_update(&flagged),
        Err(Error::ReadOnly { .. })
    ));
    assert_eq!(file_hash(&flagged), h);
    // A WIM on a read-only mount (as root), or without write permission (as another user, who
    // cannot mount but whom file permissions do stop).
    let mnt = dir.path().join("mnt");
    let m = match Mount::tmpfs(&mnt, "8m") {
        Ok(m) => m,
        Err(e) => {
            let ro = dir.path().join("no-write-permission.wim");
            std::fs::copy(&path, &ro).unwrap();
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
            if std::fs::OpenOptions::new().write(true).open(&ro).is_ok() {
                panic!("read-only test: cannot mount a tmpfs ({e}) and permissions do not stop this user");
            }
            let h = file_hash(&ro);
            assert!(matches!(
                Wim::open_for_update(&ro),
                Err(Error::ReadOnly { .. })
            ));
            assert_eq!(file_hash(&ro), h);
            return;
        }
    };
    let ro = mnt.join("t.wim");
    std::fs::copy(&path, &ro).unwrap();
    m.remount_ro();
    let h = file_hash(&ro);
    assert!(matches!(
        Wim::open_for_update(&ro),
        Err(Error::ReadOnly { .. })
    ));
    assert_eq!(
        Wim::open(&ro)
            .unwrap()
            .read_file(1, SOFTWARE_HIVE_PATH)
            .unwrap(),
        test_hive()
    );
    assert_eq!(file_hash(&ro), h);
}

#[test]
fn split_wim_is_refused_for_update() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src, 1, &test_hive());
    std::fs::write(src.join("big.bin"), noise(3 << 20, 11)).unwrap();
    let path = dir.path().join("big.wim");
    imagex(&[
        "capture",
        src.to_str().unwrap(),
        path.to_str().unwrap(),
        "x",
        "--compress=LZX",
    ]);
    let swm = dir.path().join("t.swm");
    imagex(&["split", path.to_str().unwrap(), swm.to_str().unwrap(), "1"]);
    let h = file_hash(&swm);
    let wim = Wim::open(&swm).unwrap();
    let (part, total) = wim.info().split.expect("split info");
    assert_eq!(part, 1);
    assert!(total >= 2);
    assert!(matches!(
        wim.read_file(1, SOFTWARE_HIVE_PATH),
        Err(Error::SplitUnsupported { .. })
    ));
    assert!(matches!(
        Wim::open_for_update(&swm),
        Err(Error::SplitUnsupported { .. })
    ));
    assert_eq!(file_hash(&swm), h);
}

#[test]
fn pipable_wim_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.wim");
    build_wim(dir.path(), &path, &["--pipable"]);
    let before = Wim::open(&path).unwrap().info();
    assert!(before.pipable);
    let new = edited_hive(5000);
    let mut wim = Wim::open_for_update(&path).unwrap();
    wim.replace_file(2, SOFTWARE_HIVE_PATH, &new).unwrap();
    let stats = wim.commit(&CommitOptions::default(), None).unwrap();
    assert!(stats.rebuilt);
    assert!(imagex(&["verify", path.to_str().unwrap()]).contains("successfully verified"));
    let wim = Wim::open(&path).unwrap();
    let after = wim.info();
    assert!(after.pipable, "still pipable");
    assert_eq!(after.guid, before.guid);
    assert_eq!(after.boot_index, 2);
    assert_eq!(wim.read_file(2, SOFTWARE_HIVE_PATH).unwrap(), new);
    assert_eq!(wim.read_file(1, SOFTWARE_HIVE_PATH).unwrap(), test_hive());
}

#[test]
fn solid_wim_is_updated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.wim");
    build_wim(dir.path(), &path, &["--solid"]);
    let before = Wim::open(&path).unwrap().info();
    assert!(before.solid);
    let new = edited_hive(5000);
    let mut wim = Wim::open_for_update(&path).unwrap();
    wim.replace_file(1, SOFTWARE_HIVE_PATH, &new).unwrap();
    wim.replace_file(2, SOFTWARE_HIVE_PATH, &new).unwrap();
    wim.commit(&CommitOptions::default(), None).unwrap();
    assert!(imagex(&["verify", path.to_str().unwrap()]).contains("successfully verified"));
    let wim = Wim::open(&path).unwrap();
    assert!(wim.info().solid);
    assert_eq!(wim.info().guid, before.guid);
    for i in [1, 2] {
        assert_eq!(wim.read_file(i, SOFTWARE_HIVE_PATH).unwrap(), new);
    }
}

#[test]
fn full_disk_leaves_wim_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = standard_wim(dir.path());
    let mnt = dir.path().join("mnt");
    let _m = match Mount::tmpfs(&mnt, "2m") {
        Ok(m) => m,
        Err(e) => {
            println!("SKIPPED full_disk_leaves_wim_unchanged: cannot mount a tmpfs ({e})");
            return;
        }
    };
    let w = mnt.join("t.wim");
    std::fs::copy(&path, &w).unwrap();
    // Fill the disk, leaving about 64 KiB free.
    let free = testsupport::free_bytes(&mnt);
    std::fs::write(mnt.join("filler"), vec![0u8; (free - 65536) as usize]).unwrap();
    let h = file_hash(&w);
    let mut wim = Wim::open_for_update(&w).unwrap();
    wim.replace_file(1, SOFTWARE_HIVE_PATH, &noise(1 << 20, 5))
        .unwrap();
    match wim.commit(&CommitOptions::default(), None) {
        Err(Error::DiskFull { path, .. }) => assert_eq!(path, w),
        other => panic!("expected DiskFull, got {other:?}"),
    }
    assert_eq!(file_hash(&w), h, "WIM changed after a failed commit");
    assert!(imagex(&["verify", w.to_str().unwrap()]).contains("successfully verified"));
    // Rebuild mode on a full disk: also typed, also unchanged, and no temp file left behind.
    let mut wim = Wim::open_for_update(&w).unwrap();
    wim.replace_file(1, SOFTWARE_HIVE_PATH, &noise(1 << 20, 5))
        .unwrap();
    let r = wim.commit(
        &CommitOptions {
            rebuild: true,
            ..Default::default()
        },
        None,
    );
    assert!(matches!(r, Err(Error::DiskFull { .. })), "{r:?}");
    assert_eq!(file_hash(&w), h);
    let names: Vec<_> = std::fs::read_dir(&mnt)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn panicking_progress_callback_aborts_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = standard_wim(dir.path());
    let h = file_hash(&path);
    let mut wim = Wim::open_for_update(&path).unwrap();
    wim.replace_file(1, SOFTWARE_HIVE_PATH, &noise(2 << 20, 9))
        .unwrap();
    let mut cb = |_p: wim::Progress| panic!("callback bug");
    match wim.commit(&CommitOptions::default(), Some(&mut cb)) {
        Err(Error::CallbackPanicked { message, .. }) => assert!(message.contains("callback bug")),
        other => panic!("expected CallbackPanicked, got {other:?}"),
    }
    assert_eq!(file_hash(&path), h);
}

/// Found by the `wim_open_read` fuzz target: a blob entry marked solid sends the file to wimlib,
/// and its XML names one image index twice, on which wimlib 1.14.4 frees memory twice. The file
/// is refused before wimlib sees it, with the XML's offset.
#[test]
fn duplicate_image_index_never_reaches_wimlib() {
    let path = testdata().join("wim/duplicate-image-index-solid.wim");
    match Wim::open(&path) {
        Err(e @ Error::Malformed { .. }) => {
            assert!(e.to_string().contains("IMAGE element"), "{e}")
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

/// Found by the `wim_replace_commit` fuzz target: a blob table entry claims the SHA-1 of the
/// new contents for a resource that holds other (damaged) data. Sharing that entry would leave
/// the file pointing at data that is not what was written; the replacement is refused instead.
#[test]
fn a_planted_hash_in_the_blob_table_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planted.wim");
    std::fs::copy(testdata().join("wim/planted-blob-hash.wim"), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let mut wim = Wim::open_for_update(&path).unwrap();
    let old = wim.read_file(1, "a").unwrap();
    let mut new = old.clone();
    new[old.len() / 2] ^= 0x5a;
    new.extend_from_slice(b"fuzz");
    match wim.replace_file(1, "a", &new) {
        Err(e @ Error::Malformed { .. }) => assert!(e.to_string().contains("planted.wim"), "{e}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    drop(wim);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}
