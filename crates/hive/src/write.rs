//! Incremental writing: which bytes of the image changed since the file was read, and a way to
//! recognise that the file on disk is still the one that was read, so that `write_atomic` can
//! copy the original file inside the kernel (`std::fs::copy`: copy_file_range, or a reflink on
//! filesystems that share extents) and write only the changed ranges over the copy.

use std::fs::{self, File};
use std::io;
use std::ops::Range;
use std::path::Path;

use crate::error::{Error, Result};
use platform::read_exact_at;

use crate::image::Image;

/// Byte ranges of the image written since the file was read (a superset is fine).
#[derive(Debug, Default)]
pub(crate) struct DirtyRanges {
    ranges: Vec<(usize, usize)>,
    /// Merge when this many ranges are pending (doubles with the merged count, so merging
    /// stays amortised O(log n) per range even when few ranges touch).
    merge_at: usize,
}

/// Merge pending ranges once at least this many have piled up (bounds memory for long batches).
const MERGE_AT: usize = 4096;

impl DirtyRanges {
    /// Records that `start..end` changed.
    pub fn add(&mut self, start: usize, end: usize) {
        if start < end {
            self.ranges.push((start, end));
            if self.ranges.len() >= self.merge_at.max(MERGE_AT) {
                self.merge();
                self.merge_at = self.ranges.len() * 2;
            }
        }
    }

    /// Sorts and merges overlapping or touching ranges.
    fn merge(&mut self) {
        self.ranges.sort_unstable();
        let mut out: Vec<(usize, usize)> = Vec::with_capacity(self.ranges.len());
        for &(s, e) in &self.ranges {
            match out.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        self.ranges = out;
    }

    /// The merged ranges, ascending and disjoint.
    pub fn merged(&mut self) -> &[(usize, usize)] {
        self.merge();
        &self.ranges
    }

    /// Forgets every range (the file on disk now equals the image).
    pub fn clear(&mut self) {
        self.ranges.clear();
    }
}

/// Identity and version of a file (`platform::FileIdentity`: device, inode, size,
/// modification and change times). Equal stamps mean the file was not replaced or written in
/// between (the change time cannot be set back by user programs). File times may tick coarsely
/// (a few ms), so the base block as read is kept too and compared with the copy before it is
/// patched: every registry writer (Windows, hivex, this crate) changes the sequence numbers
/// there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileStamp {
    identity: platform::FileIdentity,
    /// The base block (first 4096 bytes, or fewer) as read.
    head: Vec<u8>,
}

impl FileStamp {
    /// The stamp of a file with metadata `meta` whose contents start with `bytes`; `None`
    /// where the platform gives no file identity.
    pub fn of(meta: &fs::Metadata, bytes: &[u8]) -> Option<FileStamp> {
        Some(FileStamp {
            identity: platform::FileIdentity::of(meta)?,
            head: bytes[..crate::base_block::SIZE.min(bytes.len())].to_vec(),
        })
    }

    /// Size of the file when stamped.
    pub fn len(&self) -> u64 {
        self.identity.len()
    }

    /// True if `path` is still the stamped file (same identity, size and times).
    pub fn matches(&self, path: &Path) -> bool {
        fs::metadata(path)
            .ok()
            .and_then(|m| FileStamp::of(&m, &self.head))
            .is_some_and(|s| s == *self)
    }
}

/// Makes `tmp` (an empty file at `tmp_path`, opened read-write) hold `image`, given that
/// `source` (stamped `stamp` when read) holds the image as it was read except for the `dirty`
/// ranges, the base block (first 4096 bytes) and anything past the original length. Returns
/// false (tmp holds nothing usable) if the copy is not of the file as read.
pub(crate) fn copy_and_patch(
    source: &Path,
    stamp: &FileStamp,
    tmp: &File,
    tmp_path: &Path,
    image: &Image,
    dirty: &mut DirtyRanges,
) -> Result<bool> {
    let io = |source| Error::Io {
        path: tmp_path.to_path_buf(),
        source,
    };
    if fs::copy(source, tmp_path).map_err(io)? != stamp.len() {
        return Ok(false);
    }
    patch_copy(stamp, tmp, tmp_path, image, dirty)
}

/// Makes `tmp`, a whole copy of the file stamped `stamp`, hold `image` by writing over it what
/// changed (see [`copy_and_patch`]). False if the copy is not of the file as read.
pub(crate) fn patch_copy(
    stamp: &FileStamp,
    tmp: &File,
    tmp_path: &Path,
    image: &Image,
    dirty: &mut DirtyRanges,
) -> Result<bool> {
    let io = |source| Error::Io {
        path: tmp_path.to_path_buf(),
        source,
    };
    let mut head = vec![0; stamp.head.len()];
    read_exact_at(tmp, &mut head, 0).map_err(io)?;
    if head != stamp.head {
        return Ok(false);
    }
    let len = image.len();
    write_image(tmp, tmp_path, image, 0..crate::base_block::SIZE.min(len))?;
    for &(s, e) in dirty.merged() {
        write_image(tmp, tmp_path, image, s.min(len)..e.min(len))?;
    }
    let tail = usize::try_from(stamp.len()).unwrap_or(usize::MAX).min(len);
    write_image(tmp, tmp_path, image, tail..len)?;
    tmp.set_len(len as u64).map_err(io)?;
    Ok(true)
}

/// Bytes copied per call by a [`Precopy`] (it checks whether to stop between calls).
const PRECOPY_CHUNK: u64 = 8 << 20;

/// A copy of a hive file into a temporary file beside it, made in the kernel on a thread of
/// its own while the hive is edited (see [`crate::Hive::begin_write`]). Dropped unused, it stops
/// at the next chunk and its temporary file is removed.
#[derive(Debug)]
pub(crate) struct Precopy {
    /// The file being copied.
    pub path: std::path::PathBuf,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    running: Option<std::thread::JoinHandle<io::Result<(tempfile::NamedTempFile, u64)>>>,
}

impl Precopy {
    /// Starts copying the `len` bytes of `path`.
    pub fn start(path: &Path, len: u64) -> io::Result<Precopy> {
        use std::io::{Read, Seek};
        use std::sync::atomic::Ordering;
        let mut tmp = crate::atomic::temp_file_in(platform::dir_of(path))?;
        if let Ok(meta) = fs::metadata(path) {
            tmp.as_file().set_permissions(meta.permissions())?;
        }
        let mut source = File::open(path)?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = std::sync::Arc::clone(&stop);
        let running = std::thread::Builder::new()
            .name("hive-precopy".into())
            .spawn(move || {
                source.rewind()?;
                let mut done = 0u64;
                while done < len {
                    if stopped.load(Ordering::Relaxed) {
                        return Err(io::Error::other("copy stopped"));
                    }
                    let mut part = (&mut source).take(PRECOPY_CHUNK.min(len - done));
                    let n = io::copy(&mut part, tmp.as_file_mut())?;
                    if n == 0 {
                        break;
                    }
                    done += n;
                }
                Ok((tmp, done))
            })?;
        Ok(Precopy {
            path: path.to_path_buf(),
            stop,
            running: Some(running),
        })
    }

    /// Waits for the copy: the temporary file and how many bytes were copied.
    pub fn finish(mut self) -> io::Result<(tempfile::NamedTempFile, u64)> {
        match self.running.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => Err(io::Error::other("the copy thread stopped unexpectedly")),
        }
    }
}

impl Drop for Precopy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(running) = self.running.take() {
            // Dropping the result removes the temporary file.
            let _ = running.join();
        }
    }
}

/// Writes the bytes `r` of `image` at the same positions of `file` (named `path` in errors),
/// reading hbins of a paged image as needed.
pub(crate) fn write_image(file: &File, path: &Path, image: &Image, r: Range<usize>) -> Result<()> {
    image.for_each_piece(r, |pos, bytes| {
        platform::write_all_at(file, bytes, pos as u64).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn dirty_ranges_merge_overlapping_and_touching() {
        let mut d = DirtyRanges::default();
        for (s, e) in [(10, 20), (5, 8), (20, 30), (25, 27), (40, 40), (8, 9)] {
            d.add(s, e);
        }
        assert_eq!(d.merged(), &[(5, 9), (10, 30)]);
        // Many disjoint ranges (past the merge threshold) stay exact.
        let mut d = DirtyRanges::default();
        for i in (0..10_000).rev() {
            d.add(i * 10, i * 10 + 4);
        }
        let m = d.merged();
        assert_eq!(m.len(), 10_000);
        assert_eq!(m[0], (0, 4));
        assert_eq!(m[9_999], (99_990, 99_994));
    }

    /// A copy whose base block is not the one read (a writer came in between within one tick
    /// of the file clock) is refused, so the caller writes the whole image instead.
    #[test]
    fn a_copy_with_another_base_block_is_not_patched() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("hive");
        let read = vec![7u8; 8192];
        let mut now = read.clone();
        now[12] ^= 1; // e.g. a bumped sequence number
        fs::write(&src, &now).unwrap();
        let stamp = FileStamp::of(&fs::metadata(&src).unwrap(), &read).unwrap();
        let tmp = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
        let mut dirty = DirtyRanges::default();
        let read_img = Image::Whole(read.clone());
        let ok = copy_and_patch(
            &src,
            &stamp,
            tmp.as_file(),
            tmp.path(),
            &read_img,
            &mut dirty,
        );
        assert!(!ok.unwrap());
        // With the base block as read, the same copy is patched into the image.
        fs::write(&src, &read).unwrap();
        let stamp = FileStamp::of(&fs::metadata(&src).unwrap(), &read).unwrap();
        let mut image = read.clone();
        image[5000] = 1;
        image.extend_from_slice(&[9; 4096]);
        dirty.add(5000, 5001);
        let img = Image::Whole(image.clone());
        let ok = copy_and_patch(&src, &stamp, tmp.as_file(), tmp.path(), &img, &mut dirty);
        assert!(ok.unwrap());
        assert_eq!(fs::read(tmp.path()).unwrap(), image);
    }
}
