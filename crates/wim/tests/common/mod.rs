//! WIM-specific helpers for the wim integration tests: build test WIMs with wimlib-imagex (the
//! independent oracle, Debian package `wimtools`), hash files, compare trees. What every
//! crate's tests share (test data, tools) comes from `testsupport`.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use sha1::{Digest, Sha1};

pub use testsupport::testdata;

/// The real hive written by Windows' offreg.dll.
pub fn test_hive() -> Vec<u8> {
    std::fs::read(testdata().join("hives/offreg-testhive")).expect("read testdata hive")
}

/// Runs a tool and returns stdout; fails naming the Debian package if the tool is missing.
pub fn run(tool: &str, package: &str, args: &[&str]) -> String {
    testsupport::need(tool, package);
    String::from_utf8_lossy(&testsupport::run(Command::new(tool).args(args))).into_owned()
}

/// Runs wimlib-imagex.
pub fn imagex(args: &[&str]) -> String {
    run("wimlib-imagex", "wimtools", args)
}

/// SHA-1 of a file, hex.
pub fn file_hash(path: &Path) -> String {
    hex::encode(Sha1::digest(
        std::fs::read(path).expect("read file for hashing"),
    ))
}

/// Writes the source tree of one image: a few hundred small files in nested directories and
/// the hive at Windows/System32/config/SOFTWARE. `variant` makes images differ.
pub fn make_tree(root: &Path, variant: u32, hive: &[u8]) {
    let config = root.join("Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("SOFTWARE"), hive).unwrap();
    std::fs::write(
        config.join("SYSTEM"),
        format!("system hive stand-in {variant}"),
    )
    .unwrap();
    for d in 0..12 {
        let dir = root.join(format!("Program Files/App{d}/data"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..25 {
            let body = format!("image {variant} dir {d} file {f}\n").repeat(1 + (f * 7) % 40);
            std::fs::write(dir.join(format!("file{f}.txt")), body).unwrap();
        }
    }
    // Distinct last-write and last-access times on the hive, to check they are kept.
    let hive_file = std::fs::OpenOptions::new()
        .write(true)
        .open(config.join("SOFTWARE"))
        .unwrap();
    let t = std::time::UNIX_EPOCH + std::time::Duration::new(1_500_000_000, 123_456_700);
    let a = std::time::UNIX_EPOCH + std::time::Duration::new(1_600_000_000, 765_432_100);
    hive_file
        .set_times(std::fs::FileTimes::new().set_modified(t).set_accessed(a))
        .unwrap();
}

/// Builds the standard test WIM at `wim`: two images ("one", "two") of a few hundred files
/// with the real hive, LZX, an integrity table, boot index 2. `extra` goes to both captures
/// (e.g. "--solid", "--pipable").
pub fn build_wim(dir: &Path, wim: &Path, extra: &[&str]) {
    let hive = test_hive();
    let src1 = dir.join("src1");
    let src2 = dir.join("src2");
    make_tree(&src1, 1, &hive);
    make_tree(&src2, 2, &hive);
    let w = wim.to_str().unwrap();
    let mut a = vec![
        "capture",
        src1.to_str().unwrap(),
        w,
        "one",
        "first image",
        "--compress=LZX",
        "--check",
    ];
    a.extend_from_slice(extra);
    imagex(&a);
    let mut b = vec![
        "append",
        src2.to_str().unwrap(),
        w,
        "two",
        "second image",
        "--check",
        "--boot",
    ];
    if extra.contains(&"--solid") {
        b.push("--solid");
    }
    imagex(&b);
}

/// Builds a two-image WIM whose images were captured from an NTFS volume image (mkntfs +
/// wimlib's libntfs-3g capture), so files carry Windows security descriptors.
pub fn build_ntfs_wim(dir: &Path, wim: &Path) {
    let unix_wim = dir.join("unix.wim");
    build_wim(dir, &unix_wim, &[]);
    let w = wim.to_str().unwrap();
    for (i, name) in [(1, "one"), (2, "two")] {
        let img = dir.join(format!("vol{i}.ntfs"));
        let f = std::fs::File::create(&img).unwrap();
        f.set_len(24 << 20).unwrap();
        drop(f);
        run(
            "mkntfs",
            "ntfs-3g",
            &["-F", "-f", "-q", img.to_str().unwrap()],
        );
        imagex(&[
            "apply",
            unix_wim.to_str().unwrap(),
            &i.to_string(),
            img.to_str().unwrap(),
        ]);
        if i == 1 {
            imagex(&[
                "capture",
                img.to_str().unwrap(),
                w,
                name,
                "--compress=LZX",
                "--check",
            ]);
        } else {
            imagex(&[
                "append",
                img.to_str().unwrap(),
                w,
                name,
                "--check",
                "--boot",
            ]);
        }
    }
}

/// Extracts an image to `dest` with wimlib-imagex.
pub fn extract_image(wim: &Path, index: u32, dest: &Path) {
    imagex(&[
        "apply",
        wim.to_str().unwrap(),
        &index.to_string(),
        dest.to_str().unwrap(),
    ]);
}

/// All regular files under `root`, relative path -> SHA-1.
pub fn tree_hashes(root: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                stack.push(p);
            } else if kind.is_symlink() {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("symlink to {}", target.display()));
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, file_hash(&p));
            }
        }
    }
    out
}

/// `wimlib-imagex dir --detailed` output split into per-file blocks keyed by full path;
/// each block is its list of "Key = value" lines.
pub fn dir_detailed(wim: &Path, index: u32) -> std::collections::BTreeMap<String, Vec<String>> {
    let text = imagex(&[
        "dir",
        wim.to_str().unwrap(),
        &index.to_string(),
        "--detailed",
    ]);
    let mut out = std::collections::BTreeMap::new();
    for block in
        text.split("----------------------------------------------------------------------------")
    {
        let lines: Vec<String> = block
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if let Some(first) = lines.first() {
            if let Some(p) = first.strip_prefix("Full Path           = ") {
                out.insert(p.trim_matches('"').to_string(), lines.clone());
            }
        }
    }
    out
}

/// A copy of a block without the lines whose key is in `skip`.
pub fn without(block: &[String], skip: &[&str]) -> Vec<String> {
    block
        .iter()
        .filter(|l| !skip.iter().any(|k| l.starts_with(k)))
        .cloned()
        .collect()
}

/// Deterministic pseudo-random bytes (xorshift), incompressible.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A "new hive": the real hive with a changed tail, so it is similar but not identical.
pub fn edited_hive(extra: usize) -> Vec<u8> {
    let mut h = test_hive();
    let n = h.len();
    h[n - 64..].copy_from_slice(&[0x5a; 64]);
    h.extend(noise(extra, 7));
    h
}

/// `wimlib-imagex info` of `wim` without the lines a commit must change (sizes, totals,
/// modification times, the path).
pub fn info_stable(wim: &Path) -> Vec<String> {
    imagex(&["info", wim.to_str().unwrap()])
        .lines()
        .filter(|l| {
            !(l.starts_with("Size:")
                || l.starts_with("Total Bytes:")
                || l.starts_with("Last Modification Time:")
                || l.starts_with("Path:"))
        })
        .map(String::from)
        .collect()
}

/// The `dir --detailed` lines of a file's stream that a replacement of its data changes: the
/// hash, the sizes, the place and the reference count. Everything else of the entry stays.
pub const STREAM_FIELDS: [&str; 5] = [
    "Hash",
    "Uncompressed size",
    "Compressed size",
    "Offset in WIM",
    "Reference Count",
];
