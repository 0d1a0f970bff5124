//! Per-file metadata of a file inside an image ([`FileMetadata`]), read with
//! `wimlib_iterate_dir_tree`.

use std::ffi::CStr;
use std::os::raw::c_char;

use wimlib_sys as sys;

/// Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01 (UNIX epoch).
const FILETIME_UNIX_OFFSET_SECS: i128 = 11_644_473_600;
/// FILETIME ticks (100 ns) per second.
const TICKS_PER_SEC: i128 = 10_000_000;

/// One named (alternate) data stream of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// Stream name (without the `:`).
    pub name: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// SHA-1 of the stream's contents as recorded in the WIM.
    pub sha1: [u8; 20],
}

/// Metadata of one file in an image, as stored in the image's metadata resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMetadata {
    /// Full path inside the image, in the image's own letter case, `/`-separated and
    /// starting with `/`.
    pub full_path: String,
    /// File name (last path component), in the image's own letter case.
    pub name: String,
    /// DOS 8.3 short name, if the file has one.
    pub short_name: Option<String>,
    /// FILE_ATTRIBUTE_* bits.
    pub attributes: u32,
    /// Self-relative Windows security descriptor, if the file has one.
    pub security_descriptor: Option<Vec<u8>>,
    /// Creation time (FILETIME: 100 ns since 1601-01-01 UTC).
    pub creation_time: u64,
    /// Last write time (FILETIME).
    pub last_write_time: u64,
    /// Last access time (FILETIME).
    pub last_access_time: u64,
    /// Reparse tag (0 if not a reparse point).
    pub reparse_tag: u32,
    /// Number of hard links to the file's inode.
    pub hard_link_count: u32,
    /// Identifier shared by all hard links of the inode (0 if only one link).
    pub hard_link_group_id: u64,
    /// Size of the unnamed data stream (the file's contents) in bytes.
    pub size: u64,
    /// SHA-1 of the file's contents as recorded in the WIM (zero for an empty file).
    pub sha1: [u8; 20],
    /// Named data streams (alternate data streams).
    pub alternate_streams: Vec<StreamInfo>,
}

impl FileMetadata {
    /// True when the entry is a directory.
    pub fn is_directory(&self) -> bool {
        self.attributes & sys::WIMLIB_FILE_ATTRIBUTE_DIRECTORY != 0
    }

    /// True when the entry is a reparse point (symbolic link, junction, ...).
    pub fn is_reparse_point(&self) -> bool {
        self.attributes & sys::WIMLIB_FILE_ATTRIBUTE_REPARSE_POINT != 0
    }
}

/// Converts a wimlib timespec (UNIX epoch) into a FILETIME, saturating at 0 and u64::MAX.
pub(crate) fn timespec_to_filetime(ts: &sys::timespec) -> u64 {
    let secs = i128::from(ts.tv_sec) + FILETIME_UNIX_OFFSET_SECS;
    let ticks = secs * TICKS_PER_SEC + i128::from(ts.tv_nsec) / 100;
    u64::try_from(ticks.max(0)).unwrap_or(u64::MAX)
}

/// Converts a FILETIME into a `SystemTime`.
pub(crate) fn filetime_to_system_time(ft: u64) -> Option<std::time::SystemTime> {
    let ticks = i128::from(ft) - FILETIME_UNIX_OFFSET_SECS * TICKS_PER_SEC;
    let nanos = ticks.checked_mul(100)?;
    let dur = std::time::Duration::from_nanos(u64::try_from(nanos.unsigned_abs()).ok()?);
    if nanos >= 0 {
        std::time::UNIX_EPOCH.checked_add(dur)
    } else {
        std::time::UNIX_EPOCH.checked_sub(dur)
    }
}

/// Copies a C string owned by wimlib, or `None` for NULL.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string valid for the call.
pub(crate) unsafe fn opt_string(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: guaranteed by the caller: non-NULL pointers are valid C strings.
        Some(
            unsafe { CStr::from_ptr(ptr) }
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// Copies everything out of a `wimlib_dir_entry`.
///
/// # Safety
/// `entry` must point to a valid `wimlib_dir_entry` as passed to a
/// `wimlib_iterate_dir_tree` callback (with `num_named_streams + 1` stream entries).
pub(crate) unsafe fn from_dir_entry(entry: *const sys::wimlib_dir_entry) -> FileMetadata {
    // SAFETY: guaranteed by the caller.
    let e = unsafe { &*entry };
    // SAFETY: wimlib's strings in the entry are NULL or valid C strings for the callback.
    let name = unsafe { opt_string(e.filename) }.unwrap_or_default();
    // SAFETY: as above.
    let short_name = unsafe { opt_string(e.dos_name) }.filter(|s| !s.is_empty());
    // SAFETY: as above.
    let full_path = unsafe { opt_string(e.full_path) }.unwrap_or_default();
    let security_descriptor = if e.security_descriptor.is_null() {
        None
    } else {
        // SAFETY: wimlib documents security_descriptor as pointing to
        // security_descriptor_size bytes valid for the duration of the callback.
        let sd = unsafe {
            std::slice::from_raw_parts(
                e.security_descriptor.cast::<u8>(),
                e.security_descriptor_size,
            )
        };
        Some(sd.to_vec())
    };
    let count = usize::try_from(e.num_named_streams)
        .unwrap_or(0)
        .saturating_add(1);
    // SAFETY: wimlib documents that `streams` holds num_named_streams + 1 entries, the first
    // being the unnamed data stream.
    let streams = unsafe { std::slice::from_raw_parts(e.streams.as_ptr(), count) };
    let mut size = 0;
    let mut sha1 = [0u8; 20];
    let mut alternate_streams = Vec::new();
    for s in streams {
        // SAFETY: stream names are NULL or valid C strings for the callback.
        match unsafe { opt_string(s.stream_name) } {
            None => {
                size = s.resource.uncompressed_size;
                sha1 = s.resource.sha1_hash;
            }
            Some(n) => alternate_streams.push(StreamInfo {
                name: n,
                size: s.resource.uncompressed_size,
                sha1: s.resource.sha1_hash,
            }),
        }
    }
    FileMetadata {
        full_path,
        name,
        short_name,
        attributes: e.attributes,
        security_descriptor,
        creation_time: timespec_to_filetime(&e.creation_time),
        last_write_time: timespec_to_filetime(&e.last_write_time),
        last_access_time: timespec_to_filetime(&e.last_access_time),
        reparse_tag: e.reparse_tag,
        hard_link_count: e.num_links,
        hard_link_group_id: e.hard_link_group_id,
        size,
        sha1,
        alternate_streams,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime_round_trip() {
        // 2009-07-14 04:53:40.1234567 UTC in FILETIME ticks.
        let ft: u64 = 128_920_232_201_234_567;
        let st = filetime_to_system_time(ft).unwrap();
        let d = st.duration_since(std::time::UNIX_EPOCH).unwrap();
        let ts = sys::timespec {
            tv_sec: d.as_secs() as _,
            tv_nsec: d.subsec_nanos() as _,
        };
        assert_eq!(timespec_to_filetime(&ts), ft);
        // The UNIX epoch is 116444736000000000 ticks after 1601 (documented constant).
        let epoch = sys::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        assert_eq!(timespec_to_filetime(&epoch), 116_444_736_000_000_000);
    }
}
