//! Open, describe, read and replace against WIMs built with wimlib-imagex, checked with
//! wimlib-imagex (verify, info, dir --detailed, apply) as the oracle.

mod common;

use common::*;
use wim::{CommitOptions, Compression, Wim, SOFTWARE_HIVE_PATH};

#[test]
fn info_images_and_read_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.wim");
    build_wim(dir.path(), &path, &[]);
    let wim = Wim::open(&path).unwrap();
    let info = wim.info();
    let text = imagex(&["info", path.to_str().unwrap()]);
    assert_eq!(info.image_count, 2);
    assert!(text.contains("Image Count:    2"));
    assert_eq!(info.boot_index, 2);
    assert!(text.contains("Boot Index:     2"));
    assert_eq!(info.compression, Compression::Lzx);
    assert_eq!(info.chunk_size, 32768);
    assert!(info.has_integrity);
    assert!(text.contains("Integrity info"));
    let guid: String = info.guid.iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        text.contains(&format!("GUID:           0x{guid}")),
        "{text}"
    );
    assert!(!info.solid && !info.pipable && info.split.is_none());
    let images = wim.images();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0].index, 1);
    assert_eq!(images[0].name.as_deref(), Some("one"));
    assert_eq!(images[0].description.as_deref(), Some("first image"));
    assert_eq!(images[1].name.as_deref(), Some("two"));
    // wimlib-imagex prints the architecture derived from WINDOWS/ARCH.
    assert!(text.contains("Architecture:"));
    // Case-insensitive lookup, either separator.
    let hive = test_hive();
    assert_eq!(wim.read_file(1, SOFTWARE_HIVE_PATH).unwrap(), hive);
    assert_eq!(
        wim.read_file(2, "\\windows\\system32\\CONFIG\\software")
            .unwrap(),
        hive
    );
    let meta = wim
        .file_metadata(2, "windows/system32/config/software")
        .unwrap();
    assert_eq!(meta.full_path, "/Windows/System32/config/SOFTWARE");
    assert_eq!(meta.name, "SOFTWARE");
    assert_eq!(meta.size, hive.len() as u64);
    assert_eq!(meta.hard_link_count, 1);
    // Timestamps set on the source file (FILETIME of the UNIX times, exact to 100 ns).
    assert_eq!(
        meta.last_write_time,
        116_444_736_000_000_000 + 15_000_000_000_000_000 + 1_234_567
    );
    assert_eq!(
        meta.last_access_time,
        116_444_736_000_000_000 + 16_000_000_000_000_000 + 7_654_321
    );
    assert!(matches!(
        wim.read_file(1, "Windows/System32/config/NOPE"),
        Err(wim::Error::FileNotFound { index: 1, .. })
    ));
    assert!(matches!(
        wim.read_file(1, "Windows/System32"),
        Err(wim::Error::NotAFile { .. })
    ));
    assert!(matches!(
        wim.read_file(3, SOFTWARE_HIVE_PATH),
        Err(wim::Error::NoSuchImage {
            index: 3,
            count: 2,
            ..
        })
    ));
    assert!(matches!(
        wim.read_file(1, "../x"),
        Err(wim::Error::InvalidPath { .. })
    ));
    wim.verify().unwrap();
}

/// Replaces the hive in both images with one commit and checks everything else is kept.
fn replace_and_check(ntfs: bool, rebuild: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.wim");
    if ntfs {
        build_ntfs_wim(dir.path(), &path);
    } else {
        build_wim(dir.path(), &path, &[]);
    }
    let p = path.to_str().unwrap();
    let info_before = info_stable(&path);
    let dir_before = [dir_detailed(&path, 1), dir_detailed(&path, 2)];
    let (meta_before, info_struct_before) = {
        let w = Wim::open(&path).unwrap();
        (
            [
                w.file_metadata(1, SOFTWARE_HIVE_PATH).unwrap(),
                w.file_metadata(2, SOFTWARE_HIVE_PATH).unwrap(),
            ],
            w.info(),
        )
    };
    if ntfs {
        assert!(
            meta_before[0].security_descriptor.is_some(),
            "NTFS capture gives an SD"
        );
    }
    let before_trees: Vec<_> = [1, 2]
        .iter()
        .map(|&i| {
            let d = dir.path().join(format!("before{i}"));
            extract_image(&path, i, &d);
            tree_hashes(&d)
        })
        .collect();

    let new1 = edited_hive(10_000);
    let new2 = edited_hive(20_000);
    let mut wim = Wim::open_for_update(&path).unwrap();
    wim.replace_file(1, SOFTWARE_HIVE_PATH, &new1).unwrap();
    wim.replace_file(2, "windows/system32/config/software", &new2)
        .unwrap();
    assert_eq!(wim.changed_images(), &[1, 2]);
    // Staged contents read back before the commit.
    assert_eq!(wim.read_file(2, SOFTWARE_HIVE_PATH).unwrap(), new2);
    let mut calls = Vec::new();
    let mut cb = |p: wim::Progress| calls.push(p);
    let stats = wim
        .commit(
            &CommitOptions {
                rebuild,
                ..Default::default()
            },
            Some(&mut cb),
        )
        .unwrap();
    assert_eq!(stats.images, vec![1, 2]);
    assert_eq!(stats.rebuilt, rebuild);
    assert!(!calls.is_empty());
    let last = calls.last().unwrap();
    assert_eq!(last.bytes_done, last.bytes_total);
    assert!(calls.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));

    // Oracle: wimlib-imagex verify passes.
    let v = imagex(&["verify", p]);
    assert!(v.contains("successfully verified"), "{v}");
    let wim = Wim::open(&path).unwrap();
    wim.verify().unwrap();
    assert_eq!(wim.info().guid, info_struct_before.guid);
    assert_eq!(wim.info().boot_index, 2);
    assert!(wim.info().has_integrity);

    // Both images extract; the hive is what we wrote; every other file is byte-identical.
    for (k, (i, new)) in [(1u32, &new1), (2u32, &new2)].into_iter().enumerate() {
        let d = dir.path().join(format!("after{i}"));
        extract_image(&path, i, &d);
        let hive_rel = "Windows/System32/config/SOFTWARE";
        assert_eq!(&std::fs::read(d.join(hive_rel)).unwrap(), new);
        let mut after = tree_hashes(&d);
        let mut before = before_trees[k].clone();
        assert!(after.remove(hive_rel).is_some() && before.remove(hive_rel).is_some());
        assert_eq!(after, before, "image {i}: other files changed");
        assert!(after.len() > 300);
    }

    // `info`: same except sizes and modification times.
    assert_eq!(info_stable(&path), info_before);

    // `dir --detailed`: every other file identical; the hive differs only in its data and
    // in the documented metadata wimlib's public API cannot keep.
    let volatile = ["Offset in WIM", "Reference Count"];
    for (k, i) in [1u32, 2].into_iter().enumerate() {
        let mut after = dir_detailed(&path, i);
        let mut before = dir_before[k].clone();
        let hive = "/Windows/System32/config/SOFTWARE";
        let ha = after.remove(hive).unwrap();
        let hb = before.remove(hive).unwrap();
        assert_eq!(after.len(), before.len());
        for (path_in_image, b) in &before {
            let a = &after[path_in_image];
            if rebuild {
                assert_eq!(
                    without(a, &volatile),
                    without(b, &volatile),
                    "{path_in_image}"
                );
            } else {
                assert_eq!(a, b, "{path_in_image}");
            }
        }
        // The native writer changes only the stream: its hash, sizes and place, and the
        // reference count (both images shared one hive before, each has its own after).
        let documented = STREAM_FIELDS;
        assert_eq!(without(&ha, &documented), without(&hb, &documented));
    }
    for (i, mb) in [1u32, 2].into_iter().zip(meta_before.iter()) {
        let ma = wim.file_metadata(i, SOFTWARE_HIVE_PATH).unwrap();
        assert_eq!(ma.full_path, mb.full_path);
        assert_eq!(
            ma.last_write_time, mb.last_write_time,
            "last write time kept exactly"
        );
        assert_eq!(
            ma.last_access_time, mb.last_access_time,
            "last access time kept exactly"
        );
        assert_eq!(ma.short_name, mb.short_name);
        assert_eq!(ma.alternate_streams, mb.alternate_streams);
        assert_eq!(ma.hard_link_count, 1);
        // Everything of the entry but the data is kept (the wimlib path lost these).
        assert_eq!(ma.creation_time, mb.creation_time);
        assert_eq!(ma.attributes, mb.attributes);
        assert_eq!(ma.security_descriptor, mb.security_descriptor);
        assert_eq!(ma.hard_link_group_id, mb.hard_link_group_id);
    }
}

#[test]
fn replace_both_images_append() {
    replace_and_check(false, false);
}

#[test]
fn replace_both_images_rebuild() {
    replace_and_check(false, true);
}

#[test]
fn replace_keeps_metadata_of_ntfs_captured_wim() {
    replace_and_check(true, false);
}

#[test]
fn commit_without_changes_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.wim");
    build_wim(dir.path(), &path, &[]);
    let h = file_hash(&path);
    let wim = Wim::open_for_update(&path).unwrap();
    let stats = wim.commit(&CommitOptions::default(), None).unwrap();
    assert!(stats.images.is_empty());
    assert_eq!(file_hash(&path), h);
}

#[test]
fn wim_is_send_and_works_from_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Wim>();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.wim");
    build_wim(dir.path(), &path, &[]);
    let hive = test_hive();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let wim = Wim::open(&path).unwrap();
            std::thread::spawn(move || wim.read_file(1 + i % 2, SOFTWARE_HIVE_PATH).unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), hive);
    }
}
