//! A file's metadata as wimlib's `wimlib_iterate_dir_tree` hands it over
//! (`wimlib_dir_entry`), copied into a [`FileMetadata`].

use wimlib_sys as sys;

use super::strings::{opt_string, Timespec};
use crate::metadata::{FileMetadata, StreamInfo};

/// A wimlib timespec (Unix epoch) as a FILETIME, saturating at 0 and `u64::MAX`.
fn filetime(ts: &Timespec) -> u64 {
    // tv_nsec is in 0..1_000_000_000 for every time wimlib hands out; clamp anything else.
    let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0).min(999_999_999);
    // time_t is 64 bits wide on every target wimlib-sys builds for, but not the same type.
    #[allow(clippy::useless_conversion)]
    let secs = i64::from(ts.tv_sec);
    platform::filetime::from_unix(secs, nanos)
}

/// Copies everything out of a `wimlib_dir_entry`.
///
/// # Safety
/// `entry` must point to a valid `wimlib_dir_entry` as passed to a
/// `wimlib_iterate_dir_tree` callback (with `num_named_streams + 1` stream entries).
pub(crate) unsafe fn from_dir_entry(entry: *const sys::wimlib_dir_entry) -> FileMetadata {
    // SAFETY: guaranteed by the caller.
    let e = unsafe { &*entry };
    // SAFETY: wimlib's strings in the entry are NULL or valid strings for the callback.
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
        // SAFETY: stream names are NULL or valid strings for the callback.
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
        creation_time: filetime(&e.creation_time),
        last_write_time: filetime(&e.last_write_time),
        last_access_time: filetime(&e.last_access_time),
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
    fn timespecs_become_filetimes() {
        // 2009-07-14 04:53:40.1234567 UTC in FILETIME ticks.
        let ts = Timespec {
            tv_sec: 1_247_549_620,
            tv_nsec: 123_456_700,
        };
        assert_eq!(filetime(&ts), 128_920_232_201_234_567);
        // The Unix epoch is 116444736000000000 ticks after 1601 (documented constant).
        let epoch = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        assert_eq!(filetime(&epoch), 116_444_736_000_000_000);
    }
}
