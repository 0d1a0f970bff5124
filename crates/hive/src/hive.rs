//! [`Hive`]: an editable hive held in memory; opening, reading helpers and writing.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::alloc::FreeIndex;
use crate::atomic;
use crate::base_block::{self, BaseBlock};
use crate::db;
use crate::error::{Error, Result};
use crate::footprint::ChangeLog;
use crate::image::Image;
use crate::key::Key;
use crate::lists;
use crate::log::{self, LogState};
use crate::names;
use crate::nk::{self, Nk};
use crate::vk::{self, Vk};
use crate::write::{self as wr, DirtyRanges, FileStamp};

/// Longest key name Windows accepts (characters).
pub(crate) const MAX_KEY_NAME: usize = 255;
/// Longest value name Windows accepts (characters).
pub(crate) const MAX_VALUE_NAME: usize = 16383;

/// An editable regf hive.
///
/// Reading is lazy: opening validates the base block only, keys and values are parsed when
/// asked for. Edits change the image in place, touching only the cells they need. A hive
/// opened from a file ([`Hive::open`]) reads its hbins from the file as they are needed
/// (see `image`), so an edit of a large hive reads and holds only the parts it touches.
pub struct Hive {
    pub(crate) bytes: Image,
    pub(crate) base: BaseBlock,
    /// Changed since it was opened.
    pub(crate) modified: bool,
    /// Changed since the last finished image (sequence numbers not yet bumped for it).
    pub(crate) pending: bool,
    pub(crate) clock: Option<u64>,
    pub(crate) free: Option<FreeIndex>,
    /// Undo log of the edit in progress: (position, bytes before the write).
    pub(crate) journal: Option<Journal>,
    /// Byte ranges changed since the image was read from (or last written to) `source`
    /// (tracked only when there is a source file).
    pub(crate) dirty: DirtyRanges,
    /// The file the image was read from, as it was then: `write_atomic` to that same,
    /// unchanged file copies it and writes only the changed ranges.
    pub(crate) source: Option<FileStamp>,
    /// Original pages and written ranges since open (see `footprint`).
    pub(crate) changes: ChangeLog,
    /// A copy of the source file being made for the next write (see `begin_write`).
    pub(crate) precopy: Option<wr::Precopy>,
}

impl std::fmt::Debug for Hive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hive")
            .field("len", &self.bytes.len())
            .field("minor_version", &self.base.minor)
            .field("bins_size", &self.base.bins_size)
            .field("modified", &self.modified)
            .finish_non_exhaustive()
    }
}

/// What an edit in progress changed, to undo it if the edit fails half-way.
#[derive(Debug)]
pub(crate) struct Journal {
    writes: Vec<(usize, Vec<u8>)>,
    len: usize,
    base: BaseBlock,
    modified: bool,
    pending: bool,
}

/// Splits a key path into validated components ("" = root; empty components are ignored).
pub(crate) fn split_path(path: &str) -> Result<Vec<Vec<u16>>> {
    if path.split('\\').filter(|c| !c.is_empty()).count() >= crate::key::MAX_DEPTH {
        return Err(Error::InvalidName {
            name: path.chars().take(64).collect(),
            why: "key paths are limited to 511 levels",
        });
    }
    path.split('\\')
        .filter(|c| !c.is_empty())
        .map(|c| {
            let units: Vec<u16> = c.encode_utf16().collect();
            if units.len() > MAX_KEY_NAME {
                return Err(Error::InvalidName {
                    name: path.to_string(),
                    why: "a key name is longer than 255 characters",
                });
            }
            if units.contains(&0) {
                return Err(Error::InvalidName {
                    name: path.to_string(),
                    why: "a key name contains a NUL character",
                });
            }
            Ok(units)
        })
        .collect()
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a file and stamps it (identity and version before the read).
fn read_stamped(path: &Path) -> Result<(Vec<u8>, Option<FileStamp>)> {
    let read = || -> std::io::Result<(Vec<u8>, Option<FileStamp>)> {
        let mut file = fs::File::open(path)?;
        let meta = file.metadata()?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        let stamp = FileStamp::of(&meta, &bytes).filter(|s| s.len() == bytes.len() as u64);
        Ok((bytes, stamp))
    };
    read().map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl Hive {
    /// Takes ownership of a hive image (no copy) and validates its base block.
    /// Keys and values are read lazily.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Hive> {
        let base = base_block::parse(&bytes)?;
        Hive::from_image(Image::Whole(bytes), base)
    }

    /// A hive over a validated base block; checks that the root is a key node.
    fn from_image(bytes: Image, base: BaseBlock) -> Result<Hive> {
        let hive = Hive {
            changes: ChangeLog::new(bytes.len(), base.bins_size, base.root),
            precopy: None,
            bytes,
            base,
            modified: false,
            pending: false,
            clock: None,
            free: None,
            journal: None,
            dirty: DirtyRanges::default(),
            source: None,
        };
        // The root must be a key node.
        hive.read_nk(base.root, 36)?;
        Ok(hive)
    }

    /// Opens a hive file. If `<file>.LOG1` / `<file>.LOG2` exist beside it (any letter case),
    /// they are assessed and a hive with unapplied log data is refused. Errors name the file.
    ///
    /// Only the base block and the hbin headers are read here; each hbin is read from the file
    /// when first needed, so the file stays open while the hive lives. Should the file change
    /// on disk meanwhile (another writer), the next read from it fails with
    /// [`Error::Io`] instead of mixing two versions. A hive whose hbins do not chain exactly is
    /// read whole, so the damage is reported where it is met.
    pub fn open(path: &Path) -> Result<Hive> {
        Hive::open_with(path, false)
    }

    /// Like [`Hive::open`], for a hive about to be edited and written back to `path`: the copy
    /// that [`Hive::write_atomic`] patches is started at once, in the kernel and on a thread of
    /// its own (see [`Hive::begin_write`]), so that it overlaps the walk of the hbins at open
    /// and the edit itself.
    pub fn open_to_edit(path: &Path) -> Result<Hive> {
        Hive::open_with(path, true)
    }

    fn open_with(path: &Path, to_edit: bool) -> Result<Hive> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = fs::File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
        if len < base_block::SIZE {
            return Hive::open_whole(path);
        }
        let mut head = vec![0; base_block::SIZE];
        platform::read_exact_at(&file, &mut head, 0).map_err(io)?;
        let base = match base_block::parse_with_len(&head, len) {
            Ok(base) => base,
            // Damaged or dirty: the whole-file path reports it (with the logs' view).
            Err(_) => return Hive::open_whole(path),
        };
        Hive::check_logs(path, &head)?;
        let stamp = FileStamp::of(&meta, &head).filter(|s| s.len() == len as u64);
        let precopy = match (&stamp, to_edit) {
            (Some(stamp), true) => wr::Precopy::start(path, stamp.len()).ok(),
            _ => None,
        };
        let image =
            match Image::paged(file, path, head, len, base.bins_size, base.root).map_err(io)? {
                Some(image) => image,
                None => return Hive::open_whole(path),
            };
        let mut hive = Hive::from_image(image, base).map_err(|e| e.in_file(path))?;
        hive.source = stamp;
        hive.precopy = precopy;
        Ok(hive)
    }

    /// Refuses a hive whose `.LOG1` / `.LOG2` hold data it lacks (`head`: its base block).
    fn check_logs(path: &Path, head: &[u8]) -> Result<()> {
        let [log1, log2] = log::find_logs(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let log1 = log1.map(|p| read_file(&p)).transpose()?;
        let log2 = log2.map(|p| read_file(&p)).transpose()?;
        match log::assess(head, log1.as_deref(), log2.as_deref()) {
            Ok(LogState::Clean) => Ok(()),
            Ok(LogState::Dirty { reason }) => Err(Error::DirtyLog {
                path: path.to_path_buf(),
                reason,
            }),
            Err(e) => Err(Error::from(e).in_file(path)),
        }
    }

    /// Reads a whole hive file into memory (damaged, dirty or small files).
    fn open_whole(path: &Path) -> Result<Hive> {
        let (bytes, stamp) = read_stamped(path)?;
        // A damaged base block is reported as such; a dirty one (unfinished write) is looked at
        // together with the logs, which say more about it.
        if let Err(e) = base_block::parse(&bytes) {
            if !matches!(e, Error::DirtyHive { .. } | Error::BadChecksum { .. }) {
                return Err(e.in_file(path));
            }
        }
        Hive::check_logs(path, &bytes)?;
        let mut hive = Hive::from_bytes(bytes).map_err(|e| e.in_file(path))?;
        hive.source = stamp;
        Ok(hive)
    }

    /// The key at `path` ("A\\B\\C", case-insensitive; "" = root), if it exists.
    pub fn key(&self, path: &str) -> Result<Option<Key<'_>>> {
        let comps = split_path(path)?;
        let mut cur = self.root_nk()?;
        let mut names = Vec::with_capacity(comps.len());
        let mut chain = vec![cur.cell.off];
        for comp in &comps {
            match self.find_subkey(&cur, comp)? {
                Some(child) => {
                    names.push(String::from_utf16_lossy(&child.name));
                    chain.push(child.cell.off);
                    cur = child;
                }
                None => return Ok(None),
            }
        }
        Ok(Some(Key {
            hive: self,
            nk: cur,
            path: names.join("\\"),
            chain,
        }))
    }

    /// The root key.
    pub fn root(&self) -> Result<Key<'_>> {
        let nk = self.root_nk()?;
        Ok(Key {
            hive: self,
            chain: vec![nk.cell.off],
            nk,
            path: String::new(),
        })
    }

    /// Checks the key tree the way Windows does when it loads a hive (see `structure`):
    /// every listed subkey names its lister as parent, subkeys are in order and listed once,
    /// counts match the lists, names fit their cells. A hive that fails would not load as it
    /// is, so editing it is pointless at best. For a hive opened from a file this was done
    /// during the walk at open (no extra read); for one in memory it is one pass now.
    /// Only the hive as it was opened is judged: call it before editing.
    pub fn check_structure(&self) -> Result<()> {
        self.bytes.check_structure(
            self.changes.original_bins_size(),
            self.changes.original_root(),
        )
    }

    /// True when the hive was changed since it was opened.
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// Sets the clock used for last-written timestamps (FILETIME). Default: the current time.
    pub fn set_timestamp(&mut self, filetime: u64) {
        self.clock = Some(filetime);
    }

    /// Minor format version (3 to 6).
    pub fn minor_version(&self) -> u32 {
        self.base.minor
    }

    /// The finished image. Unmodified: the original bytes. Modified: both sequence numbers
    /// bumped once (per batch of edits), timestamp and checksum updated. For a hive opened
    /// from a file, the parts not read yet are read now (hence the `Result`).
    pub fn to_bytes(&mut self) -> Result<Vec<u8>> {
        self.finish();
        self.bytes.to_vec()
    }

    /// Like [`Hive::to_bytes`], without a copy when the hive is held in memory.
    pub fn into_bytes(mut self) -> Result<Vec<u8>> {
        self.finish();
        match self.bytes {
            Image::Whole(bytes) => Ok(bytes),
            paged => paged.to_vec(),
        }
    }

    /// Writes the finished image to `path` atomically (temporary file in the same directory,
    /// fsync, rename, fsync of the directory). An unmodified hive writes nothing.
    ///
    /// When `path` is the file the hive was opened from (or last written to) and it has not
    /// changed since (same device, inode, size, times, base block), the temporary file is made
    /// by copying it inside the kernel (a reflink where the filesystem shares extents) and
    /// writing only the changed byte ranges, the base block and appended hbins over the copy;
    /// otherwise the whole image is written.
    pub fn write_atomic(&mut self, path: &Path) -> Result<()> {
        self.write_atomic_with(path, |_| Ok(()))
    }

    /// Like [`Hive::write_atomic`], with a last check: `before_rename` is called once the
    /// temporary file is written and synced, and only if it succeeds is the file renamed over
    /// `path`; otherwise the temporary file is removed and `path` is untouched. Work that takes
    /// a while (the key tree check of [`Hive::check_structure`], which runs on its own thread
    /// from open on) thus overlaps the copy and the sync.
    pub fn write_atomic_with(
        &mut self,
        path: &Path,
        before_rename: impl FnOnce(&Hive) -> Result<()>,
    ) -> Result<()> {
        if !self.modified {
            return Ok(());
        }
        self.finish();
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = platform::dir_of(path).to_path_buf();
        // Writing back to the unchanged file it was read from: copy it inside the kernel (or
        // take the copy `begin_write` made meanwhile) and write only what changed; anything
        // unexpected falls back to writing the whole image.
        let same_file = self.source.as_ref().filter(|s| s.matches(path)).cloned();
        let precopied = self
            .precopy
            .take()
            .filter(|p| p.path == path && same_file.is_some())
            .and_then(|p| p.finish().ok());
        let (tmp, patched) = match (precopied, &same_file) {
            (Some((tmp, copied)), Some(stamp)) => {
                let patched = copied == stamp.len()
                    && wr::patch_copy(
                        stamp,
                        tmp.as_file(),
                        tmp.path(),
                        &self.bytes,
                        &mut self.dirty,
                    )
                    .unwrap_or(false);
                (tmp, patched)
            }
            (_, same) => {
                let tmp = atomic::temp_file_in(&dir).map_err(io)?;
                if let Ok(meta) = fs::metadata(path) {
                    tmp.as_file()
                        .set_permissions(meta.permissions())
                        .map_err(io)?;
                }
                let patched = match same {
                    Some(stamp) => wr::copy_and_patch(
                        path,
                        stamp,
                        tmp.as_file(),
                        tmp.path(),
                        &self.bytes,
                        &mut self.dirty,
                    )
                    .unwrap_or(false),
                    None => false,
                };
                (tmp, patched)
            }
        };
        // The copy must still be of the file as read (no writer came in between).
        let patched = patched && same_file.as_ref().is_some_and(|s| s.matches(path));
        if !patched {
            tmp.as_file().set_len(0).map_err(io)?;
            wr::write_image(tmp.as_file(), tmp.path(), &self.bytes, 0..self.bytes.len())?;
            tmp.as_file().set_len(self.bytes.len() as u64).map_err(io)?;
        }
        tmp.as_file().sync_all().map_err(io)?;
        before_rename(self)?;
        let (file, tmp_path) = tmp.keep().map_err(|e| io(e.error))?;
        // A paged image keeps `path` open. Where the OS cannot replace an open file it is
        // closed for the rename and opened again after (a failure to reopen fails a later read,
        // not this write); elsewhere the handle stays on the file as read.
        let bytes = &mut self.bytes;
        let replaced = platform::replace_durably_closing(file, &tmp_path, path, || {
            if !platform::REPLACES_OPEN_FILES {
                bytes.close_file()
            }
        });
        let _ = self.bytes.reopen_file();
        replaced.map_err(io)?;
        if same_file.is_some() {
            // `path` now holds exactly the image: later writes patch from it.
            self.dirty.clear();
            let head = self.bytes.get(0..base_block::SIZE).unwrap_or_default();
            self.source = fs::metadata(path)
                .ok()
                .and_then(|m| FileStamp::of(&m, head));
        }
        Ok(())
    }

    /// Starts copying the file the hive was opened from into a temporary file beside it, inside
    /// the kernel and on a thread of its own, so that a following [`Hive::write_atomic`] (or
    /// [`Hive::write_atomic_with`]) to `path` only patches that copy: the copy overlaps the edit
    /// and its checks. Does nothing unless `path` is that file, unchanged since it was read.
    /// A copy never used (nothing to write, or a write elsewhere) is stopped and removed when
    /// the hive is dropped.
    pub fn begin_write(&mut self, path: &Path) {
        let Some(stamp) = self.source.as_ref().filter(|s| s.matches(path)) else {
            return;
        };
        self.precopy = wr::Precopy::start(path, stamp.len()).ok();
    }

    /// Finishes the base block of a modified image (sequence numbers, time, checksum).
    pub(crate) fn finish(&mut self) {
        if self.pending {
            self.changes.before_write(&self.bytes, 0, base_block::SIZE);
            let now = self.now();
            if let Some(head) = self.bytes.get_mut(0..base_block::SIZE) {
                base_block::finish(head, now);
            }
            self.pending = false;
        }
    }

    /// The clock for timestamps.
    pub(crate) fn now(&self) -> u64 {
        self.clock.unwrap_or_else(platform::filetime::now)
    }

    /// Runs one edit; if it fails, every byte it wrote is restored, so a failed edit leaves
    /// the hive exactly as it was.
    pub(crate) fn transaction<T>(
        &mut self,
        edit: impl FnOnce(&mut Hive) -> Result<T>,
    ) -> Result<T> {
        if self.base.minor >= 6 {
            return Err(Error::UnsupportedForEdit {
                major: 1,
                minor: self.base.minor,
                why: "version 1.6 is the format of differencing hives (layered keys over a base \
                      hive, used by Windows containers); editing one on its own would change \
                      what its layers mean",
            });
        }
        self.journal = Some(Journal {
            writes: Vec::new(),
            len: self.bytes.len(),
            base: self.base,
            modified: self.modified,
            pending: self.pending,
        });
        let result = edit(self);
        if let Some(j) = self.journal.take() {
            if result.is_err() {
                for (pos, old) in j.writes.into_iter().rev() {
                    if let Some(dst) = self.bytes.get_mut(pos..pos + old.len()) {
                        dst.copy_from_slice(&old);
                    }
                }
                self.bytes.resize(j.len);
                self.base = j.base;
                self.modified = j.modified;
                self.pending = j.pending;
                // The free-cell index may describe undone allocations: rebuild it when needed.
                self.free = None;
            }
        }
        result
    }

    /// Writes `data` at file position `pos` (inside the image), journaling the old bytes.
    pub(crate) fn write(&mut self, pos: usize, data: &[u8]) {
        match self.bytes.get(pos..pos + data.len()) {
            Some(old) if old == data => return,
            Some(_) => self
                .changes
                .before_write(&self.bytes, pos, pos + data.len()),
            None => return,
        }
        let Some(dst) = self.bytes.get_mut(pos..pos + data.len()) else {
            return;
        };
        if let Some(j) = self.journal.as_mut() {
            j.writes.push((pos, dst.to_vec()));
        }
        dst.copy_from_slice(data);
        if self.source.is_some() {
            self.dirty.add(pos, pos + data.len());
        }
    }

    /// Writes a little-endian u32 at `pos`.
    pub(crate) fn put_u32(&mut self, pos: usize, v: u32) {
        self.write(pos, &v.to_le_bytes());
    }

    /// Writes a little-endian u64 at `pos`.
    pub(crate) fn put_u64(&mut self, pos: usize, v: u64) {
        self.write(pos, &v.to_le_bytes());
    }

    /// Records that the image changed.
    pub(crate) fn touch(&mut self) {
        self.modified = true;
        self.pending = true;
    }

    // ---- reading helpers ----

    pub(crate) fn root_nk(&self) -> Result<Nk> {
        self.read_nk(self.base.root, 36)
    }

    pub(crate) fn read_nk(&self, off: u32, referrer: u64) -> Result<Nk> {
        Nk::read(&self.bytes, self.base.bins_size, off, referrer)
    }

    pub(crate) fn read_vk(&self, off: u32, referrer: u64) -> Result<Vk> {
        Vk::read(&self.bytes, self.base.bins_size, off, referrer)
    }

    pub(crate) fn subkey_list(&self, nk: &Nk) -> Result<lists::SubkeyList> {
        lists::read(
            &self.bytes,
            self.base.bins_size,
            nk.subkey_list,
            nk.subkey_count,
            nk.cell.at(nk::off::SUBKEY_LIST),
        )
    }

    pub(crate) fn subkey_offsets(&self, nk: &Nk) -> Result<Vec<u32>> {
        Ok(self.subkey_list(nk)?.offsets())
    }

    pub(crate) fn value_offsets(&self, nk: &Nk) -> Result<Vec<u32>> {
        vk::value_list(
            &self.bytes,
            self.base.bins_size,
            nk.value_list,
            nk.value_count,
            nk.cell.at(nk::off::VALUE_LIST),
        )
    }

    /// Finds the subkey `name` of `parent` (case-insensitive).
    pub(crate) fn find_subkey(&self, parent: &Nk, name: &[u16]) -> Result<Option<Nk>> {
        let list = self.subkey_list(parent)?;
        // Every entry is compared by name (not by the lh hash), so a hash computed differently
        // by another writer can never hide an existing key.
        for leaf in &list.leaves {
            for (i, &off) in leaf.entries.iter().enumerate() {
                let at = leaf.cell.at(4 + i * leaf.kind.stride());
                if Nk::cmp_name(&self.bytes, self.base.bins_size, off, at, name)?
                    == std::cmp::Ordering::Equal
                {
                    return Ok(Some(self.read_nk(off, at)?));
                }
            }
        }
        Ok(None)
    }

    /// Finds the value `name` of `key`: its index in the value list and the record.
    pub(crate) fn find_value(&self, key: &Nk, name: &[u16]) -> Result<Option<(usize, Vk)>> {
        let at = key.cell.at(nk::off::VALUE_LIST);
        for (i, off) in self.value_offsets(key)?.into_iter().enumerate() {
            let v = self.read_vk(off, at)?;
            if names::eq(&v.name, name) {
                return Ok(Some((i, v)));
            }
        }
        Ok(None)
    }

    pub(crate) fn read_data(&self, v: &Vk) -> Result<Vec<u8>> {
        db::read(&self.bytes, self.base.bins_size, self.base.minor, v)
    }
}
