//! The wimlib backend ([`LibWim`], through `wimlib-sys`, wimlib 1.14.4 built statically): for
//! the layouts the native backend declines (solid, pipable and split WIMs). It owns a wimlib
//! `WIMStruct`; replaced files are staged in a private directory and added with
//! `wimlib_update_image`, and the commit is `wimlib_overwrite` ([`write`]).

mod codes;
mod dir_entry;
mod guard;
mod strings;
mod write;

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::Arc;

use wimlib_sys as sys;

use self::codes::{from_code, last_os_error};
use self::dir_entry::from_dir_entry;
use self::strings::{opt_string, TString};
use crate::backend::{Backend, Engine, Opened};
use crate::commit_types::{CommitOptions, CommitStats, Progress, ReadTimes};
use crate::error::{Error, Result};
use crate::info::{Compression, ImageInfo, WimInfo};
use crate::metadata::FileMetadata;
use crate::MAX_READ_SIZE;

/// An open WIM file served by wimlib.
///
/// Owns wimlib's `WIMStruct` and frees it on drop. `LibWim` is `Send` (a `WIMStruct` has no
/// thread affinity and wimlib's global state is initialised once before any use), but not
/// `Sync`: one `WIMStruct` must not be used by two threads at once. Different `LibWim` values
/// may be used from different threads at the same time.
pub(crate) struct LibWim {
    raw: NonNull<sys::WIMStruct>,
    path: PathBuf,
    info: WimInfo,
    writable: bool,
    /// Why the native backend declined this WIM.
    reason: String,
    /// Images with staged replacements, in the order they were first changed.
    changed_images: Vec<u32>,
    /// Private directory holding the staged new file contents until commit (wimlib reads them
    /// from there while writing).
    staging: Option<tempfile::TempDir>,
    staged_files: u32,
}

// SAFETY: a WIMStruct is plain heap data owned by this value; wimlib allows using different
// WIMStructs from different threads after wimlib_global_init (done once in init::ensure) and
// has no thread-local state tied to a WIMStruct. `LibWim` is not Sync, so one WIMStruct is never
// used by two threads at once.
unsafe impl Send for LibWim {}

impl Drop for LibWim {
    fn drop(&mut self) {
        // SAFETY: `raw` came from wimlib_open_wim, is owned exclusively by this value, and is
        // freed exactly once here.
        unsafe { sys::wimlib_free(self.raw.as_ptr()) };
    }
}

/// Normalises a path inside an image to wimlib's form: `/`-separated, starting with `/`,
/// no empty, `.` or `..` components.
fn image_path(file: &str) -> Result<TString> {
    let invalid = || Error::InvalidPath {
        file: file.to_string(),
    };
    let mut out = String::with_capacity(file.len().saturating_add(1));
    for comp in file.split(['/', '\\']).filter(|c| !c.is_empty()) {
        if comp == "." || comp == ".." {
            return Err(invalid());
        }
        out.push('/');
        out.push_str(comp);
    }
    if out.is_empty() {
        return Err(invalid());
    }
    TString::from_str(&out).map_err(|_| invalid())
}

/// A failure on this backend's own temporary files (not the WIM: never `DiskFull`, whose
/// message speaks of the WIM).
fn temp_error(path: PathBuf, source: std::io::Error) -> Error {
    Error::Io { path, source }
}

/// Checks the whole WIM file at `path` with wimlib (`wimlib_verify_wim`): every blob's data
/// and hash, and the integrity table if any. Opens the file afresh, whichever backend serves
/// it: what is checked is what is on disk.
pub(crate) fn verify_file(path: &Path) -> Result<()> {
    let f = Opened::open(path, false)?;
    guard::check_xml(&f)?;
    let wim = LibWim::open_raw(path, false, String::new())?;
    wim.check_not_split()?;
    // SAFETY: wim.raw is live; flags 0 is the documented default.
    let ret = unsafe { sys::wimlib_verify_wim(wim.raw.as_ptr(), 0) };
    if ret != 0 {
        let os = last_os_error();
        return Err(from_code(ret, path, os));
    }
    Ok(())
}

impl LibWim {
    /// Opens with wimlib the WIM the native backend declined (`reason`), from the file and
    /// header already read: the XML is checked first (see [`guard`]), and a split WIM opened
    /// for writing is refused from its header.
    pub(crate) fn open(f: Opened, reason: String) -> Result<LibWim> {
        guard::check_xml(&f)?;
        if f.writable && f.header.total_parts > 1 {
            return Err(Error::SplitUnsupported {
                path: f.path,
                part: f.header.part_number,
                total: f.header.total_parts,
            });
        }
        Self::open_raw(&f.path, f.writable, reason)
    }

    fn open_raw(path: &Path, writable: bool, reason: String) -> Result<LibWim> {
        crate::init::ensure();
        let tpath = TString::from_path(path)?;
        let flags = if writable {
            sys::WIMLIB_OPEN_FLAG_WRITE_ACCESS
        } else {
            0
        };
        let mut raw: *mut sys::WIMStruct = std::ptr::null_mut();
        // SAFETY: tpath is a valid NUL-terminated string; raw is a valid out-pointer. On
        // success wimlib stores an owned WIMStruct there.
        let ret = unsafe { sys::wimlib_open_wim(tpath.as_ptr(), flags as i32, &mut raw) };
        if ret != 0 {
            let os = last_os_error();
            if ret == sys::wimlib_error_code_WIMLIB_ERR_IS_SPLIT_WIM as i32 {
                return Err(Error::SplitUnsupported {
                    path: path.to_path_buf(),
                    part: 0,
                    total: 0,
                });
            }
            return Err(from_code(ret, path, os));
        }
        let raw = NonNull::new(raw).ok_or_else(|| Error::Wimlib {
            path: path.to_path_buf(),
            code: -1,
            message: "wimlib_open_wim returned no WIMStruct".into(),
            os: None,
        })?;
        let mut wim = LibWim {
            raw,
            path: path.to_path_buf(),
            info: WimInfo {
                image_count: 0,
                boot_index: 0,
                compression: Compression::None,
                chunk_size: 0,
                has_integrity: false,
                guid: [0; 16],
                solid: false,
                split: None,
                pipable: false,
                marked_readonly: false,
                write_in_progress: false,
                wim_version: 0,
                total_bytes: 0,
            },
            writable,
            reason,
            changed_images: Vec::new(),
            staging: None,
            staged_files: 0,
        };
        wim.info = wim.load_info()?;
        Ok(wim)
    }

    fn load_info(&self) -> Result<WimInfo> {
        // SAFETY: wimlib_wim_info is a plain C struct (integers and a bitfield unit); all-zero
        // is a valid value.
        let mut raw_info: sys::wimlib_wim_info = unsafe { std::mem::zeroed() };
        // SAFETY: self.raw is a live WIMStruct; raw_info is a valid out-pointer.
        let ret = unsafe { sys::wimlib_get_wim_info(self.raw.as_ptr(), &mut raw_info) };
        if ret != 0 {
            return Err(from_code(ret, &self.path, None));
        }
        let split =
            (raw_info.total_parts > 1).then_some((raw_info.part_number, raw_info.total_parts));
        Ok(WimInfo {
            image_count: raw_info.image_count,
            boot_index: raw_info.boot_index,
            compression: Compression::from_code(raw_info.compression_type),
            chunk_size: raw_info.chunk_size,
            has_integrity: raw_info.has_integrity_table() != 0,
            guid: raw_info.guid,
            solid: raw_info.wim_version == 0xE00 || self.has_solid_resources()?,
            split,
            pipable: raw_info.pipable() != 0,
            marked_readonly: raw_info.is_marked_readonly() != 0,
            write_in_progress: raw_info.write_in_progress() != 0,
            wim_version: raw_info.wim_version,
            total_bytes: raw_info.total_bytes,
        })
    }

    fn has_solid_resources(&self) -> Result<bool> {
        unsafe extern "C" fn cb(res: *const sys::wimlib_resource_entry, ctx: *mut c_void) -> i32 {
            let r = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: wimlib passes a valid resource entry and our ctx (a *mut bool).
                unsafe {
                    if (*res).packed() != 0 {
                        *ctx.cast::<bool>() = true;
                    }
                }
            }));
            i32::from(r.is_err())
        }
        let mut solid = false;
        // SAFETY: self.raw is live; the callback only touches `solid` through ctx, which
        // outlives the call, and never unwinds across the FFI boundary.
        let ret = unsafe {
            sys::wimlib_iterate_lookup_table(
                self.raw.as_ptr(),
                0,
                Some(cb),
                (&mut solid as *mut bool).cast(),
            )
        };
        if ret != 0 {
            return Err(from_code(ret, &self.path, None));
        }
        Ok(solid)
    }

    fn check_image(&self, index: u32) -> Result<()> {
        Error::check_image(&self.path, index, self.info.image_count)
    }

    fn check_not_split(&self) -> Result<()> {
        if let Some((part, total)) = self.info.split {
            return Err(Error::SplitUnsupported {
                path: self.path.clone(),
                part,
                total,
            });
        }
        Ok(())
    }

    fn not_found(&self, index: u32, file: &str) -> Error {
        Error::FileNotFound {
            path: self.path.clone(),
            index,
            file: file.to_string(),
        }
    }

    /// Metadata of a regular file, or `NotAFile`.
    fn regular_file(&self, index: u32, path: &str) -> Result<FileMetadata> {
        let meta = self.file_metadata(index, path)?;
        if meta.is_directory() || meta.is_reparse_point() {
            return Err(Error::NotAFile {
                path: self.path.clone(),
                index,
                file: path.to_string(),
            });
        }
        Ok(meta)
    }

    /// Reads a file of an image into memory by extracting it into a private temporary
    /// directory (wimlib's public API has no extraction to memory).
    fn read_file(&self, index: u32, path: &str) -> Result<Vec<u8>> {
        let meta = self.regular_file(index, path)?;
        if meta.size > MAX_READ_SIZE {
            return Err(Error::FileTooLarge {
                path: self.path.clone(),
                index,
                file: path.to_string(),
                size: meta.size,
                limit: MAX_READ_SIZE,
            });
        }
        let dir = tempfile::Builder::new()
            .prefix(".wim-read-")
            .tempdir()
            .map_err(|e| temp_error(std::env::temp_dir(), e))?;
        let target = TString::from_path(dir.path())?;
        let tpath = image_path(&meta.full_path)?;
        let paths = [tpath.as_ptr()];
        let flags =
            sys::WIMLIB_EXTRACT_FLAG_NO_PRESERVE_DIR_STRUCTURE | sys::WIMLIB_EXTRACT_FLAG_NO_ACLS;
        // SAFETY: self.raw is live; target and the single path are NUL-terminated strings that
        // outlive the call; paths has exactly 1 element as passed.
        let ret = unsafe {
            sys::wimlib_extract_paths(
                self.raw.as_ptr(),
                index as i32,
                target.as_ptr(),
                paths.as_ptr(),
                1,
                flags as i32,
            )
        };
        if ret != 0 {
            let os = last_os_error();
            return Err(from_code(ret, &self.path, os));
        }
        let out = dir.path().join(&meta.name);
        std::fs::read(&out).map_err(|e| Error::from_read(&out, e))
    }

    /// Stages new contents for a regular file of an image. Nothing is written to the WIM until
    /// the commit. The file keeps its name (in the image's letter case), its last-write and
    /// last-access times; see docs/wim.md for the metadata wimlib's public API cannot keep.
    fn replace_file(&mut self, index: u32, path: &str, contents: &[u8]) -> Result<()> {
        if !self.writable {
            return Err(Error::opened_read_only(&self.path));
        }
        let meta = self.regular_file(index, path)?;
        let staged = self.stage_contents(index, contents, &meta)?;
        let source = TString::from_path(&staged)?;
        let target = image_path(&meta.full_path)?;
        // SAFETY: wimlib_update_command is a plain C struct/union; all-zero is valid (NULL
        // pointers, op ADD = 0), and the fields we set below are the `add` member.
        let mut cmd: sys::wimlib_update_command = unsafe { std::mem::zeroed() };
        cmd.op = sys::wimlib_update_op_WIMLIB_UPDATE_OP_ADD;
        cmd.__bindgen_anon_1.add = sys::wimlib_add_command {
            fs_source_path: source.as_ptr().cast_mut(),
            wim_target_path: target.as_ptr().cast_mut(),
            config_file: std::ptr::null_mut(),
            // The staging file's own security descriptor is not the image's business (only
            // wimlib's Windows capture reads one; elsewhere the flag changes nothing).
            add_flags: sys::WIMLIB_ADD_FLAG_NO_ACLS as i32,
        };
        // SAFETY: self.raw is live and index valid; cmd points to one valid ADD command whose
        // strings outlive the call (wimlib copies them; it only reads, never writes, them).
        let ret = unsafe { sys::wimlib_update_image(self.raw.as_ptr(), index as i32, &cmd, 1, 0) };
        if ret != 0 {
            let os = last_os_error();
            return Err(from_code(ret, &self.path, os));
        }
        if !self.changed_images.contains(&index) {
            self.changed_images.push(index);
        }
        Ok(())
    }

    /// Writes `contents` to a new file in the private staging directory, with the original
    /// file's last-write and last-access times.
    fn stage_contents(
        &mut self,
        index: u32,
        contents: &[u8],
        meta: &FileMetadata,
    ) -> Result<PathBuf> {
        let dir = match &self.staging {
            Some(d) => d.path().to_path_buf(),
            None => {
                let d = tempfile::Builder::new()
                    .prefix(".wim-stage-")
                    .tempdir()
                    .map_err(|e| temp_error(std::env::temp_dir(), e))?;
                let path = d.path().to_path_buf();
                self.staging = Some(d);
                path
            }
        };
        self.staged_files = self.staged_files.saturating_add(1);
        let file = dir.join(format!("image{index}-{}", self.staged_files));
        let io = |e| temp_error(file.clone(), e);
        std::fs::write(&file, contents).map_err(io)?;
        let times = std::fs::FileTimes::new()
            .set_modified(platform::filetime::to_system_time(meta.last_write_time))
            .set_accessed(platform::filetime::to_system_time(meta.last_access_time));
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .map_err(io)?;
        f.set_times(times).map_err(io)?;
        drop(f);
        strings::plain_attributes(&file).map_err(io)?;
        Ok(file)
    }
}

impl Engine for LibWim {
    fn path(&self) -> &Path {
        &self.path
    }

    fn kind(&self) -> Backend {
        Backend::Wimlib {
            reason: self.reason.clone(),
        }
    }

    fn info(&self) -> WimInfo {
        self.info.clone()
    }

    fn images(&self) -> Vec<ImageInfo> {
        (1..=self.info.image_count)
            .map(|index| {
                let image = index as i32;
                // SAFETY: self.raw is live and image is a valid 1-based index; wimlib returns
                // a string owned by the WIMStruct (or NULL), copied at once.
                let name =
                    unsafe { opt_string(sys::wimlib_get_image_name(self.raw.as_ptr(), image)) }
                        .filter(|s| !s.is_empty());
                // SAFETY: as above.
                let description = unsafe {
                    opt_string(sys::wimlib_get_image_description(self.raw.as_ptr(), image))
                };
                ImageInfo {
                    index,
                    name,
                    description,
                    arch: self.image_property(index, "WINDOWS/ARCH"),
                    edition: self.image_property(index, "WINDOWS/EDITIONID"),
                    flags: self.image_property(index, "FLAGS"),
                }
            })
            .collect()
    }

    fn image_property(&self, index: u32, name: &str) -> Option<String> {
        if index == 0 || index > self.info.image_count {
            return None;
        }
        let name = TString::from_str(name).ok()?;
        // SAFETY: self.raw is live, index is a valid image, name is NUL-terminated; the
        // returned string (or NULL) is owned by the WIMStruct and copied at once.
        unsafe {
            opt_string(sys::wimlib_get_image_property(
                self.raw.as_ptr(),
                index as i32,
                name.as_ptr(),
            ))
        }
    }

    /// `path` is matched case-insensitively and may use `/` or `\`.
    fn file_metadata(&self, index: u32, path: &str) -> Result<FileMetadata> {
        self.check_image(index)?;
        self.check_not_split()?;
        let tpath = image_path(path)?;
        unsafe extern "C" fn cb(entry: *const sys::wimlib_dir_entry, ctx: *mut c_void) -> i32 {
            let r = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: wimlib passes a valid dir entry for the duration of the callback,
                // and ctx is our *mut Option<FileMetadata>.
                unsafe { *ctx.cast::<Option<FileMetadata>>() = Some(from_dir_entry(entry)) };
            }));
            i32::from(r.is_err())
        }
        let mut found: Option<FileMetadata> = None;
        // SAFETY: self.raw is live, tpath is NUL-terminated, flags 0 visits only the path
        // itself; the callback writes only through ctx (which outlives the call) and never
        // unwinds across FFI.
        let ret = unsafe {
            sys::wimlib_iterate_dir_tree(
                self.raw.as_ptr(),
                index as i32,
                tpath.as_ptr(),
                0,
                Some(cb),
                (&mut found as *mut Option<FileMetadata>).cast(),
            )
        };
        if ret == sys::wimlib_error_code_WIMLIB_ERR_PATH_DOES_NOT_EXIST as i32 {
            return Err(self.not_found(index, path));
        }
        if ret != 0 {
            return Err(from_code(ret, &self.path, None));
        }
        found.ok_or_else(|| self.not_found(index, path))
    }

    fn file_sha1(&self, index: u32, path: &str) -> Result<[u8; 20]> {
        self.file_metadata(index, path).map(|m| m.sha1)
    }

    fn read_file_shared(&self, index: u32, path: &str) -> Result<Arc<Vec<u8>>> {
        self.read_file(index, path).map(Arc::new)
    }

    fn replace_files(&mut self, items: Vec<(u32, String, Arc<Vec<u8>>)>) -> Result<()> {
        for (index, path, contents) in items {
            self.replace_file(index, &path, &contents)?;
        }
        Ok(())
    }

    fn changed_images(&self) -> &[u32] {
        &self.changed_images
    }

    fn read_times(&self) -> ReadTimes {
        ReadTimes::default()
    }

    fn commit(
        self: Box<Self>,
        opts: &CommitOptions,
        progress: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<CommitStats> {
        write::commit(*self, opts, progress)
    }
}
