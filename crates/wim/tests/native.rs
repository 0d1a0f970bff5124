//! The native writer against independent oracles: wimlib-imagex (verify, dir --detailed,
//! info, apply), 7-Zip's own WIM reader (`7zz t` and extraction), and wimlib's update path as
//! a differential oracle. WIMs written by DISM (../shared/testdata/wims, every file there, by
//! kind), and wimlib-made ones in each layout boot images use.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use wim::format::blob_table::{self, BlobEntry};
use wim::format::header::{Header, HEADER_SIZE};
use wim::{Backend, CommitOptions, Error, Wim, SOFTWARE_HIVE_PATH};

const HIVE: &str = "/Windows/System32/config/SOFTWARE";

fn shared_wims() -> Vec<PathBuf> {
    let dir = testsupport::shared_testdata().join("wims");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wim")))
        .collect();
    out.sort();
    assert!(!out.is_empty());
    out
}

fn header(path: &Path) -> Header {
    Header::parse(&std::fs::read(path).unwrap()).unwrap()
}

fn blob_entries(path: &Path) -> Vec<BlobEntry> {
    let bytes = std::fs::read(path).unwrap();
    let h = Header::parse(&bytes).unwrap();
    let r = h.blob_table;
    blob_table::parse(
        &bytes[r.offset as usize..(r.offset + r.size_in_wim) as usize],
        r.offset,
    )
    .unwrap()
}

/// The XML text with the values a commit may change blanked.
fn xml_stable(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let h = Header::parse(&bytes).unwrap();
    let x = &bytes[h.xml.offset as usize..(h.xml.offset + h.xml.size_in_wim) as usize];
    let units: Vec<u16> = x
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let mut text = String::from_utf16(&units).unwrap();
    for tag in ["TOTALBYTES", "HIGHPART", "LOWPART"] {
        let mut out = String::new();
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        let mut rest = text.as_str();
        while let Some(i) = rest.find(&open) {
            out.push_str(&rest[..i + open.len()]);
            let after = &rest[i + open.len()..];
            let j = after.find(&close).unwrap();
            out.push('#');
            rest = &after[j..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

fn seven_zip_test(path: &Path) {
    let out = run("7zz", "7zip", &["t", path.to_str().unwrap()]);
    assert!(
        out.contains("Everything is Ok"),
        "7zz t {}: {out}",
        path.display()
    );
}

/// 7-Zip's extraction of `path` into a fresh directory; multi-image WIMs get one folder per
/// image (`1/`, `2/`...).
fn seven_zip_extract(path: &Path, dest: &Path) {
    run(
        "7zz",
        "7zip",
        &[
            "x",
            "-y",
            &format!("-o{}", dest.display()),
            path.to_str().unwrap(),
        ],
    );
}

/// Everything the oracles say about one WIM, before a change.
struct Snapshot {
    bytes: Vec<u8>,
    dirs: Vec<BTreeMap<String, Vec<String>>>,
    info: Vec<String>,
    xml: String,
    entries: Vec<BlobEntry>,
    /// Per image: (wimlib's extraction, 7-Zip's extraction) as path -> SHA-1.
    trees: Vec<(BTreeMap<String, String>, BTreeMap<String, String>)>,
}

/// Each image's files as wimlib and as 7-Zip extract them (each tool compared only with
/// itself, before and after: they differ on reparse points and named streams).
fn extracted_trees(
    path: &Path,
    count: u32,
    dir: &Path,
) -> Vec<(BTreeMap<String, String>, BTreeMap<String, String>)> {
    let seven = dir.join("7z");
    let _ = std::fs::remove_dir_all(&seven);
    seven_zip_extract(path, &seven);
    (1..=count)
        .map(|index| {
            let d = dir.join(format!("apply{index}"));
            let _ = std::fs::remove_dir_all(&d);
            extract_image(path, index, &d);
            let root7 = if count == 1 {
                seven.clone()
            } else {
                seven.join(index.to_string())
            };
            (tree_hashes(&d), tree_hashes(&root7))
        })
        .collect()
}

fn snapshot(path: &Path, dir: &Path) -> Snapshot {
    let count = Wim::open(path).unwrap().info().image_count;
    Snapshot {
        bytes: std::fs::read(path).unwrap(),
        dirs: (1..=count).map(|i| dir_detailed(path, i)).collect(),
        info: info_stable(path),
        xml: xml_stable(path),
        entries: blob_entries(path),
        trees: extracted_trees(path, count, dir),
    }
}

/// Checks a native commit of `changed` (image -> new hive) against the state before.
fn check_after(path: &Path, before: &Snapshot, changed: &[(u32, &[u8])], dir: &Path) {
    let v = imagex(&["verify", path.to_str().unwrap()]);
    assert!(v.contains("successfully verified"), "{v}");
    seven_zip_test(path);
    let after = std::fs::read(path).unwrap();
    // Append only: every byte after the header is as it was.
    assert_eq!(
        after[HEADER_SIZE..before.bytes.len()],
        before.bytes[HEADER_SIZE..],
        "old bytes changed"
    );
    // The header: only resource headers of the blob table, XML, boot metadata and integrity.
    let (hb, ha) = (
        Header::parse(&before.bytes).unwrap(),
        Header::parse(&after).unwrap(),
    );
    for (name, range) in [
        ("magic..image count", 0..0x30),
        ("boot index", 0x78..0x7c),
        ("unused", 0x94..HEADER_SIZE),
    ] {
        assert_eq!(
            hb.raw[range.clone()],
            ha.raw[range],
            "header {name} changed"
        );
    }
    assert_eq!(info_stable(path), before.info, "wimlib-imagex info changed");
    assert_eq!(
        xml_stable(path),
        before.xml,
        "XML changed beyond TOTALBYTES/LASTMODIFICATIONTIME"
    );
    // dir --detailed: every file identical, the hive only in its stream.
    for (k, b) in before.dirs.iter().enumerate() {
        let index = k as u32 + 1;
        let mut a = dir_detailed(path, index);
        let mut b = b.clone();
        let edited = changed.iter().any(|(i, _)| *i == index);
        if let (Some(ha), Some(hb)) = (a.remove(HIVE), b.remove(HIVE)) {
            let skip = STREAM_FIELDS;
            if edited {
                assert_eq!(
                    without(&ha, &skip),
                    without(&hb, &skip),
                    "image {index}: hive entry changed"
                );
            } else {
                assert_eq!(
                    without(&ha, &["Reference Count"]),
                    without(&hb, &["Reference Count"])
                );
            }
        }
        let skip_rc = ["Reference Count"];
        for (p, lines) in &b {
            assert_eq!(
                without(&a[p], &skip_rc),
                without(lines, &skip_rc),
                "image {index}: {p} changed"
            );
        }
        assert_eq!(a.len(), b.len());
    }
    // Blob table: every entry not involved is byte-identical.
    let hashes: Vec<[u8; 20]> = blob_entries(path).iter().map(|e| e.hash).collect();
    let old_hives: Vec<[u8; 20]> = before
        .entries
        .iter()
        .filter(|e| !hashes.contains(&e.hash) || e.is_metadata())
        .map(|e| e.hash)
        .collect();
    let now = blob_entries(path);
    for e in &before.entries {
        if e.is_metadata() || old_hives.contains(&e.hash) {
            continue;
        }
        if let Some(n) = now.iter().find(|n| n.hash == e.hash) {
            if n.ref_count == e.ref_count {
                assert_eq!(n, e, "blob entry changed");
            }
        }
    }
    // Contents: wimlib and 7-Zip each give the new hive, and every other file as before.
    let count = before.dirs.len() as u32;
    let after = extracted_trees(path, count, dir);
    let rel = &HIVE[1..];
    for (k, ((wl, sz), (wl0, sz0))) in after.iter().zip(&before.trees).enumerate() {
        let index = k as u32 + 1;
        let (mut wl, mut sz, mut wl0, mut sz0) = (wl.clone(), sz.clone(), wl0.clone(), sz0.clone());
        if let Some((_, new)) = changed.iter().find(|(i, _)| *i == index) {
            let want = hex::encode(sha1_of(new));
            assert_eq!(
                wl.remove(rel),
                Some(want.clone()),
                "image {index}: wimlib's hive"
            );
            assert_eq!(sz.remove(rel), Some(want), "image {index}: 7-Zip's hive");
            wl0.remove(rel);
            sz0.remove(rel);
        }
        assert_eq!(
            wl, wl0,
            "image {index}: wimlib extracts other files differently"
        );
        assert_eq!(
            sz, sz0,
            "image {index}: 7-Zip extracts other files differently"
        );
    }
}

/// Puts `hive` at the SOFTWARE path of `image` with wimlib (the test's setup, or the
/// differential oracle).
fn wimlib_add(path: &Path, image: u32, hive_file: &Path) {
    imagex(&[
        "update",
        path.to_str().unwrap(),
        &image.to_string(),
        &format!("--command=add {} {HIVE}", hive_file.display()),
    ]);
}

/// A hive-like edit: a few bytes changed in the middle, a block appended.
fn small_edit(hive: &[u8]) -> Vec<u8> {
    let mut h = hive.to_vec();
    let mid = h.len() / 2;
    h[mid..mid + 16].copy_from_slice(b"inject-root test");
    h.extend(noise(4096, 3));
    h
}

/// The differential oracle: the same replacement through wimlib and through us; header
/// fields and the file blobs' entries (hash, size, reference count, flags) agree.
fn differential(pristine: &Path, dir: &Path, image: u32, new: &[u8]) {
    let ours = dir.join("diff-ours.wim");
    let theirs = dir.join("diff-wimlib.wim");
    std::fs::copy(pristine, &ours).unwrap();
    std::fs::copy(pristine, &theirs).unwrap();
    let hive_file = dir.join("diff-hive");
    std::fs::write(&hive_file, new).unwrap();
    let integrity = Wim::open(pristine).unwrap().info().has_integrity;
    let mut w = Wim::open_for_update(&ours).unwrap();
    w.replace_file(image, SOFTWARE_HIVE_PATH, new).unwrap();
    w.commit(&CommitOptions::default(), None).unwrap();
    let t = theirs.to_str().unwrap();
    let cmd = format!("--command=add {} {HIVE}", hive_file.display());
    let img = image.to_string();
    let mut args = vec!["update", t, &img, &cmd];
    if integrity {
        args.push("--check");
    }
    imagex(&args);
    let (a, b) = (header(&ours), header(&theirs));
    assert_eq!(
        (
            a.magic,
            a.version,
            a.flags,
            a.chunk_size,
            a.guid,
            a.part_number,
            a.total_parts,
            a.image_count,
            a.boot_index
        ),
        (
            b.magic,
            b.version,
            b.flags,
            b.chunk_size,
            b.guid,
            b.part_number,
            b.total_parts,
            b.image_count,
            b.boot_index
        ),
        "header fields differ from wimlib's"
    );
    assert_eq!(a.integrity.is_zero(), b.integrity.is_zero());
    // wimlib's append keeps an entry whose count fell to 0; the issue asks for it to be
    // dropped, which is what wimlib's own rebuild does. Entries in use must agree.
    let files = |p: &Path| -> BTreeMap<[u8; 20], (u64, u32, u8)> {
        blob_entries(p)
            .into_iter()
            .filter(|e| !e.is_metadata() && e.ref_count > 0)
            .map(|e| {
                (
                    e.hash,
                    (e.resource.uncompressed_size, e.ref_count, e.resource.flags),
                )
            })
            .collect()
    };
    let (fa, fb) = (files(&ours), files(&theirs));
    let differ: Vec<_> = fa
        .iter()
        .filter(|(h, v)| fb.get(*h) != Some(v))
        .chain(fb.iter().filter(|(h, _)| !fa.contains_key(*h)))
        .map(|(h, v)| (hex::encode(h), *v))
        .collect();
    assert!(
        differ.is_empty(),
        "file blob entries differ from wimlib's: {differ:?}"
    );
}

#[test]
fn dism_wims_take_a_native_edit() {
    let dir = tempfile::tempdir().unwrap();
    let hive_file = dir.path().join("hive");
    std::fs::write(&hive_file, test_hive()).unwrap();
    for src in shared_wims() {
        let name = src.file_name().unwrap().to_string_lossy().into_owned();
        let pristine = dir.path().join(format!("pristine-{name}"));
        std::fs::copy(&src, &pristine).unwrap();
        let mut perms = std::fs::metadata(&pristine).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&pristine, perms).unwrap();
        // What Microsoft wrote reads natively as it is, unless it is solid or pipable.
        let w = Wim::open(&pristine).unwrap();
        let info = w.info();
        let count = info.image_count;
        if info.solid || info.pipable {
            assert!(matches!(w.backend(), Backend::Wimlib { .. }), "{name}");
            continue;
        }
        assert_eq!(w.backend(), Backend::Native, "{name}");
        drop(w);
        if count == 0 {
            continue;
        }
        let image = count; // the last image: for the multi-image WIM, the one DISM appended
        wimlib_add(&pristine, image, &hive_file);
        let path = dir.path().join(&name);
        std::fs::copy(&pristine, &path).unwrap();
        let before = snapshot(&path, dir.path());
        let new = small_edit(&test_hive());
        let mut w = Wim::open_for_update(&path).unwrap();
        assert_eq!(w.read_file(image, SOFTWARE_HIVE_PATH).unwrap(), test_hive());
        w.replace_file(image, SOFTWARE_HIVE_PATH, &new).unwrap();
        let stats = w.commit(&CommitOptions::default(), None).unwrap();
        assert!(stats.native);
        check_after(&path, &before, &[(image, &new)], dir.path());
        differential(&pristine, dir.path(), image, &new);
    }
}

fn build(dir: &Path, name: &str, images: u32, args: &[&str], boot: bool) -> PathBuf {
    let path = dir.join(name);
    let hive = test_hive();
    for i in 1..=images {
        let src = dir.join(format!("{name}-src{i}"));
        make_tree(&src, i, &hive);
        let mut a = vec![
            if i == 1 { "capture" } else { "append" },
            src.to_str().unwrap(),
            path.to_str().unwrap(),
        ];
        let n = format!("image{i}");
        a.push(&n);
        if i == 1 {
            a.extend_from_slice(args);
        } else if args.contains(&"--check") {
            a.push("--check");
        }
        if boot && i == images {
            a.push("--boot");
        }
        imagex(&a);
    }
    path
}

#[test]
fn each_layout_and_shared_hive_reference_counts() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, u32, &[&str], bool); 4] = [
        ("lzx-integrity.wim", 2, &["--compress=LZX", "--check"], true),
        ("xpress.wim", 1, &["--compress=XPRESS"], false),
        ("none.wim", 1, &["--compress=none"], true),
        ("three.wim", 3, &["--compress=LZX"], false),
    ];
    for (name, images, args, boot) in cases {
        let path = build(dir.path(), name, images, args, boot);
        let pristine = dir.path().join(format!("pristine-{name}"));
        std::fs::copy(&path, &pristine).unwrap();
        let before = snapshot(&path, dir.path());
        // Every image shares one hive blob; only image 1 (or the middle one) is edited.
        let hive_entry = |p: &Path| {
            let h = Wim::open(p)
                .unwrap()
                .file_metadata(1, SOFTWARE_HIVE_PATH)
                .unwrap()
                .sha1;
            blob_entries(p).into_iter().find(|e| e.hash == h)
        };
        assert_eq!(hive_entry(&path).unwrap().ref_count, images);
        let image = images.div_ceil(2);
        let new = small_edit(&test_hive());
        let mut w = Wim::open_for_update(&path).unwrap();
        assert_eq!(w.backend(), Backend::Native);
        let old = w.read_file(image, SOFTWARE_HIVE_PATH).unwrap();
        w.replace_file(image, SOFTWARE_HIVE_PATH, &new).unwrap();
        let stats = w.commit(&CommitOptions::default(), None).unwrap();
        if !args.contains(&"--compress=none") {
            assert!(
                stats.chunks_reused > 0,
                "{name}: no chunk reused ({stats:?})"
            );
            let total = new.len().div_ceil(32768) as u64;
            assert!(stats.chunks_compressed < total, "{name}: {stats:?}");
        }
        check_after(&path, &before, &[(image, &new)], dir.path());
        let entries = blob_entries(&path);
        let old_hash = sha1_of(&old);
        let new_hash = sha1_of(&new);
        let count = |h: [u8; 20]| entries.iter().find(|e| e.hash == h).map(|e| e.ref_count);
        assert_eq!(count(new_hash), Some(1), "{name}");
        assert_eq!(
            count(old_hash),
            (images > 1).then_some(images - 1),
            "{name}"
        );
        differential(&pristine, dir.path(), image, &new);
    }
}

fn sha1_of(b: &[u8]) -> [u8; 20] {
    use sha1::Digest;
    sha1::Sha1::digest(b).into()
}

#[test]
fn rebuild_compacts_with_raw_copies() {
    let dir = tempfile::tempdir().unwrap();
    let path = build(dir.path(), "r.wim", 2, &["--compress=LZX", "--check"], true);
    let before = snapshot(&path, dir.path());
    let new = small_edit(&test_hive());
    let mut w = Wim::open_for_update(&path).unwrap();
    w.replace_file(2, SOFTWARE_HIVE_PATH, &new).unwrap();
    let stats = w
        .commit(
            &CommitOptions {
                rebuild: true,
                ..Default::default()
            },
            None,
        )
        .unwrap();
    assert!(stats.rebuilt && stats.native);
    assert!(
        stats.new_size < before.bytes.len() as u64 + 4096,
        "{stats:?}"
    );
    let v = imagex(&["verify", path.to_str().unwrap()]);
    assert!(v.contains("successfully verified"), "{v}");
    seven_zip_test(&path);
    assert_eq!(info_stable(&path), before.info);
    assert_eq!(xml_stable(&path), before.xml);
    for i in [1u32, 2] {
        let mut a = dir_detailed(&path, i);
        let mut b = before.dirs[i as usize - 1].clone();
        let skip = STREAM_FIELDS;
        assert_eq!(
            without(&a.remove(HIVE).unwrap(), &skip),
            without(&b.remove(HIVE).unwrap(), &skip)
        );
        for (p, lines) in &b {
            assert_eq!(
                without(&a[p], &skip[3..]),
                without(lines, &skip[3..]),
                "{p}"
            );
        }
    }
    // No temporary file is left beside the WIM.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("inject-tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn concurrent_commits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = build(dir.path(), "c.wim", 1, &["--compress=LZX"], false);
    let new = small_edit(&test_hive());
    let mut first = Wim::open_for_update(&path).unwrap();
    let mut second = Wim::open_for_update(&path).unwrap();
    first.replace_file(1, SOFTWARE_HIVE_PATH, &new).unwrap();
    second
        .replace_file(1, SOFTWARE_HIVE_PATH, &test_hive()[..4096])
        .unwrap();
    // Another writer holds the append lock: refused, nothing written.
    let h = file_hash(&path);
    let holder = std::fs::File::open(&path).unwrap();
    holder.lock().unwrap();
    match first.commit(&CommitOptions::default(), None) {
        Err(Error::Locked { .. }) => {}
        other => panic!("expected Locked, got {other:?}"),
    }
    assert_eq!(file_hash(&path), h);
    holder.unlock().unwrap();
    // A commit by someone else since ours opened the file: refused, nothing written.
    let mut first = Wim::open_for_update(&path).unwrap();
    first.replace_file(1, SOFTWARE_HIVE_PATH, &new).unwrap();
    first.commit(&CommitOptions::default(), None).unwrap();
    let h = file_hash(&path);
    match second.commit(&CommitOptions::default(), None) {
        Err(e @ Error::ChangedMeanwhile { .. }) => assert!(e.to_string().contains("c.wim")),
        other => panic!("expected ChangedMeanwhile, got {other:?}"),
    }
    assert_eq!(file_hash(&path), h);
    assert_eq!(
        Wim::open(&path)
            .unwrap()
            .read_file(1, SOFTWARE_HIVE_PATH)
            .unwrap(),
        new
    );
}

#[test]
fn corrupt_structures_are_refused_with_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let path = build(dir.path(), "x.wim", 1, &["--compress=LZX"], false);
    let good = std::fs::read(&path).unwrap();
    let h = Header::parse(&good).unwrap();
    let entries = blob_entries(&path);
    let meta = entries.iter().find(|e| e.is_metadata()).unwrap().resource;
    let hive_hash = Wim::open(&path)
        .unwrap()
        .file_metadata(1, SOFTWARE_HIVE_PATH)
        .unwrap()
        .sha1;
    let hive = entries
        .iter()
        .find(|e| e.hash == hive_hash)
        .unwrap()
        .resource;
    let cases: Vec<(&str, usize)> = vec![
        ("blob table", h.blob_table.offset as usize + 3),
        (
            "metadata resource",
            meta.offset as usize + meta.size_in_wim as usize / 2,
        ),
        ("hive chunk table", hive.offset as usize + 1),
        (
            "hive data",
            hive.offset as usize + hive.size_in_wim as usize / 2,
        ),
        ("XML", h.xml.offset as usize + 11),
    ];
    for (what, at) in cases {
        let mut bad = good.clone();
        bad[at] ^= 0x55;
        let p = dir.path().join("bad.wim");
        std::fs::write(&p, &bad).unwrap();
        let result = Wim::open_for_update(&p).and_then(|mut w| {
            let hive = w.read_file(1, SOFTWARE_HIVE_PATH)?;
            w.replace_file(1, SOFTWARE_HIVE_PATH, &small_edit(&hive))?;
            w.commit(&CommitOptions::default(), None)
        });
        match result {
            Err(e @ Error::Malformed { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains("bad.wim") && text.contains("offset 0x"),
                    "{what}: {text}"
                );
            }
            Err(Error::FileNotFound { .. }) if what == "metadata resource" => {}
            other => panic!("{what}: expected a clear error, got {other:?}"),
        }
        assert_eq!(std::fs::read(&p).unwrap(), bad, "{what}: file changed");
    }
}

#[test]
fn an_undercounted_shared_blob_is_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = build(dir.path(), "u.wim", 2, &["--compress=LZX"], false);
    // Make the shared hive's count wrong (1 instead of 2), as a careless writer could.
    let mut bytes = std::fs::read(&path).unwrap();
    let h = Header::parse(&bytes).unwrap();
    let old = Wim::open(&path)
        .unwrap()
        .file_metadata(1, SOFTWARE_HIVE_PATH)
        .unwrap()
        .sha1;
    let i = blob_entries(&path)
        .iter()
        .position(|e| e.hash == old)
        .unwrap();
    let at = h.blob_table.offset as usize + i * blob_table::ENTRY_SIZE + 26;
    bytes[at..at + 4].copy_from_slice(&1u32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let new = small_edit(&test_hive());
    let mut w = Wim::open_for_update(&path).unwrap();
    w.replace_file(1, SOFTWARE_HIVE_PATH, &new).unwrap();
    w.commit(&CommitOptions::default(), None).unwrap();
    let w = Wim::open(&path).unwrap();
    assert_eq!(w.read_file(2, SOFTWARE_HIVE_PATH).unwrap(), test_hive());
    assert_eq!(w.read_file(1, SOFTWARE_HIVE_PATH).unwrap(), new);
    let entry = blob_entries(&path)
        .into_iter()
        .find(|e| e.hash == old)
        .unwrap();
    assert_eq!(
        entry.ref_count, 1,
        "kept, with the count of the entries that use it"
    );
    let v = imagex(&["verify", path.to_str().unwrap()]);
    assert!(v.contains("successfully verified"), "{v}");
}
