//! [`Image`]: the bytes of a hive, either all in memory or read from its file one hbin at a time.
//!
//! A hive handed over as bytes is held whole. A hive opened from a file is *paged*: the base
//! block is read at once, the hbin directory is walked (headers only, through a small reused
//! buffer), and each hbin is read the first time a cell in it is looked at. Since a cell never
//! crosses an hbin, every valid cell read is one contiguous slice of one loaded hbin. Bytes past
//! the original hbins (trailing data and every hbin appended by edits) live in one growable
//! buffer. An edit therefore reads (and keeps in memory) only the hbins it touches.
//!
//! A paged image keeps its file open and reads from it later, so every load checks that the
//! base block on disk is still the one read at open: all registry writers (Windows, hivex, this
//! crate) change the sequence numbers there when they write. A load that fails, or finds the
//! file changed, is recorded here and reported by the operation that needed it.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::cell::BINS_START;

/// Size of the buffer used to walk the hbin headers of a paged image.
const WALK_BUFFER: usize = 256 * 1024;

/// Bounds-checked byte access shared by slices and images (for the little-endian readers).
pub(crate) trait Bytes {
    /// The bytes in `r`, if they are in bounds (and, for a paged image, readable).
    fn range(&self, r: Range<usize>) -> Option<&[u8]>;
}

impl Bytes for [u8] {
    fn range(&self, r: Range<usize>) -> Option<&[u8]> {
        self.get(r)
    }
}

impl Bytes for Image {
    fn range(&self, r: Range<usize>) -> Option<&[u8]> {
        self.get(r)
    }
}

/// The bytes of a hive image.
#[derive(Debug)]
pub(crate) enum Image {
    /// Everything in memory.
    Whole(Vec<u8>),
    /// Read from a file one hbin at a time.
    Paged(Box<Paged>),
}

impl Default for Image {
    fn default() -> Image {
        Image::Whole(Vec::new())
    }
}

/// A paged image (see the module documentation).
#[derive(Debug)]
pub(crate) struct Paged {
    file: File,
    path: PathBuf,
    /// The base block as read at open (to recognise a file changed since).
    head_as_read: Vec<u8>,
    /// The current base block (editable).
    base: Vec<u8>,
    /// File offset of every original hbin, ascending; `ends[i]` is where hbin `i` ends.
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// The hbins read so far.
    loaded: Vec<OnceLock<Box<[u8]>>>,
    /// Everything from the end of the original hbins on (trailing data, appended hbins).
    tail_start: usize,
    tail: Vec<u8>,
    /// The first load that failed.
    error: Mutex<Option<io::Error>>,
}

/// The hbin directory of a paged image: offsets relative to the hive bins data.
pub(crate) struct BinDirectory {
    /// Start of every original hbin, ascending.
    pub starts: Vec<u32>,
    /// Size of each.
    pub sizes: Vec<u32>,
}

impl Image {
    /// Opens `file` (of length `len`, whose base block `head` was read and validated, with hive
    /// bins data of `bins_size` bytes) as a paged image. `None` when the hbin headers do not
    /// chain exactly over the hive bins data: the caller then reads the whole file, so that
    /// the damage is reported where it is met, as for any in-memory image.
    pub fn paged(
        file: File,
        path: &Path,
        head: Vec<u8>,
        len: usize,
        bins_size: u32,
    ) -> io::Result<Option<Image>> {
        let bins_end = BINS_START + bins_size as usize;
        let Some((starts, ends)) = walk_hbins(&file, bins_end)? else {
            return Ok(None);
        };
        let mut tail = vec![0; len.saturating_sub(bins_end)];
        read_exact_at(&file, &mut tail, bins_end as u64)?;
        let loaded = (0..starts.len()).map(|_| OnceLock::new()).collect();
        Ok(Some(Image::Paged(Box::new(Paged {
            file,
            path: path.to_path_buf(),
            base: head.clone(),
            head_as_read: head,
            starts,
            ends,
            loaded,
            tail_start: bins_end,
            tail,
            error: Mutex::new(None),
        }))))
    }

    /// Length of the image in bytes.
    pub fn len(&self) -> usize {
        match self {
            Image::Whole(v) => v.len(),
            Image::Paged(p) => p.tail_start + p.tail.len(),
        }
    }

    /// The bytes in `r`: `None` when out of bounds, when `r` crosses an hbin boundary of a
    /// paged image, or when the hbin cannot be read (the reason is kept for [`Image::take_error`]).
    pub fn get(&self, r: Range<usize>) -> Option<&[u8]> {
        match self {
            Image::Whole(v) => v.get(r),
            Image::Paged(p) => p.get(r),
        }
    }

    /// The bytes in `r`, writable (same rules as [`Image::get`]).
    pub fn get_mut(&mut self, r: Range<usize>) -> Option<&mut [u8]> {
        match self {
            Image::Whole(v) => v.get_mut(r),
            Image::Paged(p) => p.get_mut(r),
        }
    }

    /// Grows (zero-filled) or shrinks the image. A paged image never shrinks below the end of
    /// its original hbins.
    pub fn resize(&mut self, len: usize) {
        match self {
            Image::Whole(v) => v.resize(len, 0),
            Image::Paged(p) => {
                let len = len.max(p.tail_start);
                p.tail.resize(len - p.tail_start, 0);
            }
        }
    }

    /// Calls `f(position, bytes)` for consecutive pieces of `r` (split where a paged image
    /// splits, each piece one slice), reading hbins as needed.
    pub fn for_each_piece(
        &self,
        r: Range<usize>,
        mut f: impl FnMut(usize, &[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let end = r.end.min(self.len());
        let mut pos = r.start;
        while pos < end {
            let piece_end = match self {
                Image::Whole(_) => end,
                Image::Paged(p) => p.region_end(pos).min(end),
            };
            let bytes = self.get(pos..piece_end).ok_or_else(|| {
                self.take_error()
                    .unwrap_or_else(|| io::Error::other("unreadable"))
            })?;
            f(pos, bytes)?;
            pos = piece_end;
        }
        Ok(())
    }

    /// The whole image as one vector (reading every hbin not read yet).
    pub fn to_vec(&self) -> io::Result<Vec<u8>> {
        if let Image::Whole(v) = self {
            return Ok(v.clone());
        }
        let mut out = Vec::with_capacity(self.len());
        self.for_each_piece(0..self.len(), |_, b| {
            out.extend_from_slice(b);
            Ok(())
        })?;
        Ok(out)
    }

    /// The whole image as one vector, without a copy when it is all in memory.
    pub fn into_vec(self) -> io::Result<Vec<u8>> {
        match self {
            Image::Whole(v) => Ok(v),
            paged => paged.to_vec(),
        }
    }

    /// The first failed read of a paged image since the last call, if any.
    pub fn take_error(&self) -> Option<io::Error> {
        match self {
            Image::Whole(_) => None,
            Image::Paged(p) => p.error.lock().ok().and_then(|mut e| e.take()),
        }
    }

    /// The file a paged image reads from.
    pub fn file_path(&self) -> Option<&Path> {
        match self {
            Image::Whole(_) => None,
            Image::Paged(p) => Some(&p.path),
        }
    }

    /// The original hbins of a paged image (walked and validated at open), so that the
    /// allocator need not read them.
    pub fn bin_directory(&self) -> Option<BinDirectory> {
        let Image::Paged(p) = self else {
            return None;
        };
        let rel = |pos: usize| (pos - BINS_START) as u32;
        Some(BinDirectory {
            starts: p.starts.iter().map(|&s| rel(s)).collect(),
            sizes: p
                .starts
                .iter()
                .zip(&p.ends)
                .map(|(&s, &e)| (e - s) as u32)
                .collect(),
        })
    }

    /// Number of original hbins read so far (paged images; for tests and benchmarks).
    #[cfg(test)]
    pub fn loaded_bins(&self) -> Option<usize> {
        match self {
            Image::Whole(_) => None,
            Image::Paged(p) => Some(p.loaded.iter().filter(|l| l.get().is_some()).count()),
        }
    }
}

impl Paged {
    /// End of the region (base block, one original hbin, or the tail) holding `pos`.
    fn region_end(&self, pos: usize) -> usize {
        if pos < BINS_START {
            BINS_START
        } else if pos >= self.tail_start {
            usize::MAX
        } else {
            let i = self.starts.partition_point(|&s| s <= pos) - 1;
            self.ends[i]
        }
    }

    /// Index of the original hbin holding `r`, if `r` lies inside one.
    fn bin_of(&self, r: &Range<usize>) -> Option<usize> {
        if r.start < BINS_START || r.end > self.tail_start {
            return None;
        }
        let i = self
            .starts
            .partition_point(|&s| s <= r.start)
            .checked_sub(1)?;
        (r.end <= self.ends[i]).then_some(i)
    }

    fn get(&self, r: Range<usize>) -> Option<&[u8]> {
        if r.start > r.end {
            return None;
        }
        if r.end <= BINS_START {
            return self.base.get(r);
        }
        if r.start >= self.tail_start {
            return self
                .tail
                .get(r.start - self.tail_start..r.end - self.tail_start);
        }
        let i = self.bin_of(&r)?;
        let bin = self.load(i)?;
        bin.get(r.start - self.starts[i]..r.end - self.starts[i])
    }

    fn get_mut(&mut self, r: Range<usize>) -> Option<&mut [u8]> {
        if r.start > r.end {
            return None;
        }
        if r.end <= BINS_START {
            return self.base.get_mut(r);
        }
        if r.start >= self.tail_start {
            let t = self.tail_start;
            return self.tail.get_mut(r.start - t..r.end - t);
        }
        let i = self.bin_of(&r)?;
        self.load(i)?;
        let start = self.starts[i];
        self.loaded[i]
            .get_mut()?
            .get_mut(r.start - start..r.end - start)
    }

    /// Hbin `i`, read from the file the first time.
    fn load(&self, i: usize) -> Option<&[u8]> {
        if let Some(bin) = self.loaded[i].get() {
            return Some(bin);
        }
        match self.read_bin(i) {
            Ok(bin) => {
                // Another thread may have read it first: the bytes are the same.
                let _ = self.loaded[i].set(bin);
                self.loaded[i].get().map(|b| &b[..])
            }
            Err(e) => {
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(e);
                }
                None
            }
        }
    }

    /// Reads hbin `i`, then checks that the file's base block is still the one read at open
    /// (a writer changes it before it changes anything else).
    fn read_bin(&self, i: usize) -> io::Result<Box<[u8]>> {
        let mut bin = vec![0; self.ends[i] - self.starts[i]].into_boxed_slice();
        read_exact_at(&self.file, &mut bin, self.starts[i] as u64)?;
        let mut head = vec![0; self.head_as_read.len()];
        read_exact_at(&self.file, &mut head, 0)?;
        if head != self.head_as_read {
            return Err(io::Error::other(
                "the file changed while it was open (its base block is no longer the one read)",
            ));
        }
        Ok(bin)
    }
}

/// Walks the hbin headers over `BINS_START..bins_end`, reading through a small buffer. Returns
/// each hbin's start and end file offsets, or `None` if the headers do not chain exactly (bad
/// signature, wrong self offset, size not a multiple of 4096 or past the end).
fn walk_hbins(file: &File, bins_end: usize) -> io::Result<Option<(Vec<usize>, Vec<usize>)>> {
    let (mut starts, mut ends) = (Vec::new(), Vec::new());
    let mut buf = vec![0u8; WALK_BUFFER];
    let (mut buf_pos, mut buf_len) = (0usize, 0usize);
    let mut pos = BINS_START;
    while pos < bins_end {
        if pos + 12 > buf_pos + buf_len || pos < buf_pos {
            buf_pos = pos;
            buf_len = WALK_BUFFER.min(bins_end - pos);
            if buf_len < 12 {
                return Ok(None);
            }
            read_exact_at(file, &mut buf[..buf_len], pos as u64)?;
        }
        let h = &buf[pos - buf_pos..pos - buf_pos + 12];
        let rel = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        let size = u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize;
        if &h[0..4] != b"hbin"
            || rel != pos - BINS_START
            || size < 4096
            || size % 4096 != 0
            || pos + size > bins_end
        {
            return Ok(None);
        }
        starts.push(pos);
        ends.push(pos + size);
        pos += size;
    }
    Ok(Some((starts, ends)))
}

/// Reads exactly `buf.len()` bytes at `pos` of `file`.
#[cfg(unix)]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, pos)
}

/// Reads exactly `buf.len()` bytes at `pos` of `file` (positioned: safe from several threads).
#[cfg(windows)]
pub(crate) fn read_exact_at(file: &File, mut buf: &mut [u8], mut pos: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, pos) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                pos += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads exactly `buf.len()` bytes at `pos` of `file`.
#[cfg(not(any(unix, windows)))]
pub(crate) fn read_exact_at(mut file: &File, buf: &mut [u8], pos: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(pos))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use crate::{Hive, ValueType};

    /// Opening reads the base block and hbin headers only; an edit reads the hbins it
    /// touches, not the hive.
    #[test]
    fn an_edit_reads_only_the_hbins_it_touches() {
        let testhive = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/hives/offreg-testhive"
        );
        let mut h = Hive::from_bytes(std::fs::read(testhive).unwrap()).unwrap();
        for i in 0..4000 {
            let key = format!("Grown\\G{:02}\\Key{i:05}", i % 40);
            h.set_value(&key, "V", ValueType::Binary, &[i as u8; 64])
                .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hive");
        std::fs::write(&path, h.into_bytes().unwrap()).unwrap();

        let mut h = Hive::open(&path).unwrap();
        let total = h.bytes.bin_directory().unwrap().starts.len();
        assert!(total > 150, "{total} hbins");
        assert_eq!(h.bytes.loaded_bins(), Some(1), "only the root's hbin");
        h.set_value(
            "Grown\\G17\\Key00017\\Certificates\\ABCD",
            "Blob",
            ValueType::Binary,
            &[1; 900],
        )
        .unwrap();
        // The path's keys, the lists searched on the way (their keys' names are compared one
        // by one), the hbins the allocator looked into: a small part of the hive.
        let loaded = h.bytes.loaded_bins().unwrap();
        assert!(
            loaded * 8 < total,
            "{loaded} of {total} hbins read for one edit"
        );
        h.write_atomic(&path).unwrap();
        let back = Hive::from_bytes(std::fs::read(&path).unwrap()).unwrap();
        let key = back
            .key("grown\\g17\\key00017\\certificates\\abcd")
            .unwrap();
        let value = key.unwrap().value("Blob").unwrap().unwrap();
        assert_eq!(value.data().unwrap(), vec![1; 900]);
    }
}
