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
//! crate) change the sequence numbers there when they write. The first read of an hbin is
//! always the size of a cell in it ([`crate::cell::allocated`]) or the scan of its cells, and
//! both use [`Image::try_get`], which reports a failed load as an I/O error on the hive file.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use platform::read_exact_at;

use crate::cell::BINS_START;
use crate::error::{Error, Result};
use crate::hbin;
use crate::structure::Collector;

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
    /// The hive file (`None` while closed for a rename over it, see [`Image::close_file`]).
    file: Option<File>,
    path: PathBuf,
    /// The base block as read at open (to recognise a file changed since).
    head_as_read: Vec<u8>,
    /// The current base block (editable).
    base: Vec<u8>,
    /// The original hbins: offsets relative to the hive bins data, ascending, and sizes
    /// (the allocator's hbin directory).
    dir: BinDirectory,
    /// The hbins read so far.
    loaded: Vec<OnceLock<Box<[u8]>>>,
    /// Everything from the end of the original hbins on (trailing data, appended hbins).
    tail_start: usize,
    tail: Vec<u8>,
    /// The key tree check of the hbins walked at open (running on a thread of its own).
    structure: PendingCheck,
}

/// The verdict of a key tree check: the offset and text of the first problem.
type Verdict = std::result::Result<(), (u64, String)>;

/// The key tree check of a paged image: it runs on a thread of its own, fed the hbins as the walk
/// at open reads them, so that it overlaps the walk, the edit and the write (which wait for it
/// only before they commit, see [`crate::Hive::write_atomic_with`]).
#[derive(Debug)]
pub(crate) struct PendingCheck {
    running: std::sync::Mutex<Option<std::thread::JoinHandle<Verdict>>>,
    verdict: OnceLock<Verdict>,
}

/// Where the hbin walk sends what it reads: the key tree check's own thread, or (when no
/// thread can be had) a collector right here.
enum CheckFeed {
    Thread {
        chunks: std::sync::mpsc::SyncSender<Chunk>,
        spare: std::sync::mpsc::Receiver<Vec<u8>>,
        running: std::thread::JoinHandle<Verdict>,
    },
    Inline(Box<Collector>),
}

/// A key tree check's verdict from what went wrong.
fn verdict_of(result: Result<()>) -> Verdict {
    result.map_err(|e| match e {
        Error::Corrupt { offset, what } => (offset, what),
        other => (other.offset().unwrap_or(0), other.to_string()),
    })
}

impl CheckFeed {
    /// Starts the check of the tree below the root key at cell `root`: one short-lived thread,
    /// never a pool, fed the hbins as the walk reads them.
    fn start(root: u32) -> CheckFeed {
        let (chunks, incoming) = std::sync::mpsc::sync_channel::<Chunk>(2);
        let (give_back, spare) = std::sync::mpsc::channel::<Vec<u8>>();
        let spawned = std::thread::Builder::new()
            .name("hive-tree-check".into())
            .spawn(move || {
                let mut collector = Collector::default();
                for chunk in incoming {
                    for (pos, range) in &chunk.bins {
                        collector.feed(*pos, &chunk.buf[range.clone()]);
                    }
                    let _ = give_back.send(chunk.buf);
                }
                verdict_of(collector.finish(root))
            });
        match spawned {
            Ok(running) => CheckFeed::Thread {
                chunks,
                spare,
                running,
            },
            Err(_) => CheckFeed::Inline(Box::default()),
        }
    }

    /// Takes the hbins of `chunk`; returns a buffer for the walk to reuse.
    fn take(&mut self, chunk: Chunk) -> Vec<u8> {
        match self {
            CheckFeed::Thread { chunks, spare, .. } => {
                // A closed channel means the thread is gone: its join reports why.
                let _ = chunks.send(chunk);
                spare.try_recv().unwrap_or_default()
            }
            CheckFeed::Inline(collector) => {
                for (pos, range) in &chunk.bins {
                    collector.feed(*pos, &chunk.buf[range.clone()]);
                }
                chunk.buf
            }
        }
    }

    /// Everything is fed: the check finishes (on its thread, or here) below the root at `root`.
    fn finish(self, root: u32) -> PendingCheck {
        match self {
            CheckFeed::Thread { running, .. } => PendingCheck {
                running: std::sync::Mutex::new(Some(running)),
                verdict: OnceLock::new(),
            },
            CheckFeed::Inline(collector) => PendingCheck {
                running: std::sync::Mutex::new(None),
                verdict: OnceLock::from(verdict_of(collector.finish(root))),
            },
        }
    }
}

impl PendingCheck {
    /// The verdict, waiting for the check if it is still running.
    fn get(&self) -> Verdict {
        self.verdict
            .get_or_init(|| {
                let handle = self
                    .running
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .take();
                match handle.map(std::thread::JoinHandle::join) {
                    Some(Ok(verdict)) => verdict,
                    Some(Err(_)) => Err((0, "the key tree check stopped unexpectedly".into())),
                    None => Err((0, "the key tree check did not run".into())),
                }
            })
            .clone()
    }
}

/// An hbin directory: offsets relative to the hive bins data.
#[derive(Debug, Clone, Default)]
pub(crate) struct BinDirectory {
    /// Start of every hbin, ascending.
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
        root: u32,
    ) -> io::Result<Option<Image>> {
        let mut feed = CheckFeed::start(root);
        let walked = walk_hbins(&file, bins_size, |chunk| feed.take(chunk));
        let structure = feed.finish(root);
        let Some(dir) = walked? else {
            return Ok(None);
        };
        let tail_start = BINS_START + bins_size as usize;
        let mut tail = vec![0; len.saturating_sub(tail_start)];
        read_exact_at(&file, &mut tail, tail_start as u64)?;
        let loaded = (0..dir.starts.len()).map(|_| OnceLock::new()).collect();
        Ok(Some(Image::Paged(Box::new(Paged {
            file: Some(file),
            path: path.to_path_buf(),
            base: head.clone(),
            head_as_read: head,
            dir,
            loaded,
            tail_start,
            tail,
            structure,
        }))))
    }

    /// Length of the image in bytes.
    pub fn len(&self) -> usize {
        match self {
            Image::Whole(v) => v.len(),
            Image::Paged(p) => p.tail_start + p.tail.len(),
        }
    }

    /// The bytes in `r`; `None` when out of bounds or when `r` crosses an hbin boundary of a
    /// paged image. An hbin that cannot be read is an [`Error::Io`] on the hive file.
    pub fn try_get(&self, r: Range<usize>) -> Result<Option<&[u8]>> {
        match self {
            Image::Whole(v) => Ok(v.get(r)),
            Image::Paged(p) => p.get(r),
        }
    }

    /// The bytes in `r`, if they are in bounds and readable (see [`Image::try_get`]).
    pub fn get(&self, r: Range<usize>) -> Option<&[u8]> {
        self.try_get(r).ok().flatten()
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
        mut f: impl FnMut(usize, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let end = r.end.min(self.len());
        let mut pos = r.start;
        while pos < end {
            let piece_end = match self {
                Image::Whole(_) => end,
                Image::Paged(p) => p.region_end(pos).min(end),
            };
            let bytes = self
                .try_get(pos..piece_end)?
                .ok_or_else(|| Error::corrupt(pos as u64, "a range of the image cannot be read"))?;
            f(pos, bytes)?;
            pos = piece_end;
        }
        Ok(())
    }

    /// The whole image as one vector (reading every hbin not read yet).
    pub fn to_vec(&self) -> Result<Vec<u8>> {
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

    /// The bytes in `r` as one vector (reading hbins of a paged image as needed).
    pub fn to_vec_range(&self, r: Range<usize>) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(r.len());
        self.for_each_piece(r, |_, b| {
            out.extend_from_slice(b);
            Ok(())
        })?;
        Ok(out)
    }

    /// The hbins over the first `bins_size` bytes of hive bins data: the directory walked at
    /// open for a paged image (when `bins_size` is its original size), otherwise a walk of the
    /// hbin headers, each checked with [`hbin::size_of`].
    pub fn hbins(&self, bins_size: u32) -> Result<BinDirectory> {
        if let Image::Paged(p) = self {
            if p.tail_start == BINS_START + bins_size as usize {
                return Ok(p.dir.clone());
            }
        }
        let mut dir = BinDirectory::default();
        let mut pos = 0u32;
        while pos < bins_size {
            let at = BINS_START + pos as usize;
            let header = self
                .get(at..at + hbin::CHECKED)
                .ok_or_else(|| Error::corrupt(at as u64, "hbin header cannot be read"))?;
            let size = hbin::size_of(header, pos, bins_size)?;
            dir.starts.push(pos);
            dir.sizes.push(size);
            pos += size;
        }
        Ok(dir)
    }

    /// The original hbins of a paged image (walked and validated at open), so that the
    /// allocator need not read them.
    pub fn bin_directory(&self) -> Option<BinDirectory> {
        match self {
            Image::Whole(_) => None,
            Image::Paged(p) => Some(p.dir.clone()),
        }
    }

    /// The key tree check (see `structure`) below the root key at cell `root`: made at open
    /// for a paged image, now for one in memory (whose hive bins data is `bins_size` bytes).
    pub fn check_structure(&self, bins_size: u32, root: u32) -> Result<()> {
        match self {
            Image::Whole(_) => crate::structure::check_image(self, bins_size, root),
            Image::Paged(p) => p
                .structure
                .get()
                .map_err(|(offset, what)| Error::Corrupt { offset, what }),
        }
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

impl Image {
    /// Closes a paged image's file, so that a rename may replace it where the OS refuses to
    /// replace an open file (`platform::REPLACES_OPEN_FILES`); no read from the file until
    /// [`Image::reopen_file`]. Nothing to do for an image in memory.
    pub fn close_file(&mut self) {
        if let Image::Paged(p) = self {
            p.file = None;
        }
    }

    /// Opens a paged image's file again after [`Image::close_file`] (nothing to do if it is
    /// open). The file then holds either the image as read (the rename failed) or exactly this
    /// image (it was written there): either way the hbins not read yet are the ones on disk,
    /// and a base block equal to this image's becomes the one expected. Anything else is a
    /// file changed by another writer, which later reads refuse.
    pub fn reopen_file(&mut self) -> io::Result<()> {
        let Image::Paged(p) = self else {
            return Ok(());
        };
        if p.file.is_some() {
            return Ok(());
        }
        let file = File::open(&p.path)?;
        let mut head = vec![0; p.head_as_read.len()];
        read_exact_at(&file, &mut head, 0)?;
        if head != p.head_as_read && p.base.get(..head.len()) == Some(head.as_slice()) {
            p.head_as_read = head;
        }
        p.file = Some(file);
        Ok(())
    }
}

impl Paged {
    /// Index of the original hbin holding file offset `pos` (inside the original hbins).
    fn bin_index(&self, pos: usize) -> usize {
        let rel = (pos - BINS_START) as u32;
        self.dir.starts.partition_point(|&s| s <= rel) - 1
    }

    /// File offsets where original hbin `i` starts and ends.
    fn bin_range(&self, i: usize) -> Range<usize> {
        let start = BINS_START + self.dir.starts[i] as usize;
        start..start + self.dir.sizes[i] as usize
    }

    /// End of the region (base block, one original hbin, or the tail) holding `pos`.
    fn region_end(&self, pos: usize) -> usize {
        if pos < BINS_START {
            BINS_START
        } else if pos >= self.tail_start {
            usize::MAX
        } else {
            self.bin_range(self.bin_index(pos)).end
        }
    }

    /// Index of the original hbin holding `r`, if `r` lies inside one.
    fn bin_of(&self, r: &Range<usize>) -> Option<usize> {
        if r.start < BINS_START || r.end > self.tail_start {
            return None;
        }
        let i = self.bin_index(r.start);
        (r.end <= self.bin_range(i).end).then_some(i)
    }

    fn get(&self, r: Range<usize>) -> Result<Option<&[u8]>> {
        if r.start > r.end {
            return Ok(None);
        }
        if r.end <= BINS_START {
            return Ok(self.base.get(r));
        }
        if r.start >= self.tail_start {
            let t = self.tail_start;
            return Ok(self.tail.get(r.start - t..r.end - t));
        }
        let Some(i) = self.bin_of(&r) else {
            return Ok(None);
        };
        let start = self.bin_range(i).start;
        Ok(self.load(i)?.get(r.start - start..r.end - start))
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
        self.load(i).ok()?;
        let start = self.bin_range(i).start;
        self.loaded[i]
            .get_mut()?
            .get_mut(r.start - start..r.end - start)
    }

    /// An image of full length holding the base block, the tail and every hbin loaded so far;
    /// the rest is zeros (allocated zeroed, so the pages never written are never touched).
    pub fn loaded_image(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.tail_start + self.tail.len()];
        out[..self.base.len()].copy_from_slice(&self.base);
        for (i, bin) in self.loaded.iter().enumerate() {
            if let Some(bin) = bin.get() {
                let r = self.bin_range(i);
                out[r].copy_from_slice(bin);
            }
        }
        out[self.tail_start..].copy_from_slice(&self.tail);
        out
    }

    /// Hbin `i`, read from the file the first time.
    fn load(&self, i: usize) -> Result<&[u8]> {
        if let Some(bin) = self.loaded[i].get() {
            return Ok(bin);
        }
        let bin = self.read_bin(i).map_err(|source| Error::Io {
            path: self.path.clone(),
            source,
        })?;
        // Another thread may have read it first: the bytes are the same.
        Ok(self.loaded[i].get_or_init(|| bin))
    }

    /// Reads hbin `i`, then checks that the file's base block is still the one read at open
    /// (a writer changes it before it changes anything else).
    fn read_bin(&self, i: usize) -> io::Result<Box<[u8]>> {
        let range = self.bin_range(i);
        let file = self
            .file
            .as_ref()
            .ok_or_else(|| io::Error::other("the hive file is closed"))?;
        let mut bin = vec![0; range.len()].into_boxed_slice();
        read_exact_at(file, &mut bin, range.start as u64)?;
        let mut head = vec![0; self.head_as_read.len()];
        read_exact_at(file, &mut head, 0)?;
        if head != self.head_as_read {
            return Err(io::Error::other(
                "the file changed while it was open (its base block is no longer the one read)",
            ));
        }
        Ok(bin)
    }
}

/// Consecutive whole hbins read in one go: the buffer and, for each hbin, its offset in the hive
/// bins data and its range in the buffer.
struct Chunk {
    buf: Vec<u8>,
    bins: Vec<(u32, Range<usize>)>,
}

/// Walks the hbins over hive bins data of `bins_size` bytes, reading them in order through
/// reused buffers and checking each header with [`hbin::size_of`]; every run of whole hbins read
/// goes to `sink` (the key tree check), which hands back a buffer to reuse. `None` if the
/// headers do not chain exactly.
fn walk_hbins(
    file: &File,
    bins_size: u32,
    mut sink: impl FnMut(Chunk) -> Vec<u8>,
) -> io::Result<Option<BinDirectory>> {
    let mut dir = BinDirectory::default();
    let mut chunk = Chunk {
        buf: Vec::new(),
        bins: Vec::new(),
    };
    let (mut buf_pos, mut buf_len) = (0usize, 0usize);
    let mut pos: u32 = 0;
    while pos < bins_size {
        let at = BINS_START + pos as usize;
        if at + hbin::CHECKED > buf_pos + buf_len {
            buf_len = refill(
                file,
                &mut chunk,
                &mut sink,
                at,
                WALK_BUFFER,
                bins_size - pos,
            )?;
            buf_pos = at;
        }
        let header = &chunk.buf[at - buf_pos..at - buf_pos + hbin::CHECKED.min(buf_len)];
        let Ok(size) = hbin::size_of(header, pos, bins_size) else {
            return Ok(None);
        };
        if at + size as usize > buf_pos + buf_len {
            // The hbin runs past the buffer: read it (and what follows) from its start.
            let want = WALK_BUFFER.max(size as usize);
            buf_len = refill(file, &mut chunk, &mut sink, at, want, bins_size - pos)?;
            buf_pos = at;
        }
        let start = at - buf_pos;
        chunk.bins.push((pos, start..start + size as usize));
        dir.starts.push(pos);
        dir.sizes.push(size);
        pos += size;
    }
    sink(chunk);
    Ok(Some(dir))
}

/// Hands the hbins read so far to `sink`, then reads up to `want` bytes (at most `left`) at
/// file offset `at` into a buffer from `sink`. Returns how many bytes were read.
fn refill(
    file: &File,
    chunk: &mut Chunk,
    sink: &mut impl FnMut(Chunk) -> Vec<u8>,
    at: usize,
    want: usize,
    left: u32,
) -> io::Result<usize> {
    let len = want.min(left as usize);
    let full = std::mem::replace(
        chunk,
        Chunk {
            buf: Vec::new(),
            bins: Vec::new(),
        },
    );
    let mut buf = if full.bins.is_empty() {
        full.buf
    } else {
        sink(full)
    };
    if buf.len() < len {
        buf.resize(len, 0);
    }
    read_exact_at(file, &mut buf[..len], at as u64)?;
    chunk.buf = buf;
    Ok(len)
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
