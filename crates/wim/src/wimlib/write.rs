//! The wimlib backend's commit (`wimlib_overwrite`), with progress reporting in the same
//! terms as the native writer (see [`Progress`] and [`CommitStats`]).

use std::ffi::c_void;
use std::time::Instant;

use wimlib_sys as sys;

use super::codes::{from_code, last_os_error};
use super::LibWim;
use crate::callback;
use crate::commit_types::{CommitOptions, CommitStats, CommitTimes, Progress};
use crate::error::{Error, Result};

/// State shared with the progress trampoline during `wimlib_overwrite`.
struct ProgressCtx<'a> {
    callback: Option<&'a mut dyn FnMut(Progress)>,
    /// The message of a panic in the callback.
    panic: Option<String>,
}

/// wimlib's WRITE_STREAMS figures as a [`Progress`]: the stored (compressed) bytes of file
/// data written so far, of a total extrapolated from the ratio of stored to uncompressed
/// bytes so far (exact once all the data is written).
fn progress_of(ws: &sys::wimlib_progress_info_wimlib_progress_info_write_streams) -> Progress {
    let done = ws.completed_compressed_bytes;
    let total = if ws.completed_bytes >= ws.total_bytes {
        done
    } else if ws.completed_bytes == 0 {
        ws.total_bytes
    } else {
        let estimate =
            u128::from(ws.total_bytes) * u128::from(done) / u128::from(ws.completed_bytes);
        u64::try_from(estimate).unwrap_or(u64::MAX)
    };
    Progress {
        bytes_done: done,
        bytes_total: total.max(done),
    }
}

/// wimlib's progress function: forwards WRITE_STREAMS messages to the user's callback. It
/// never unwinds into C: a panic in the callback is caught, kept, and the write aborted.
unsafe extern "C" fn progress_trampoline(
    msg: sys::wimlib_progress_msg,
    info: *mut sys::wimlib_progress_info,
    ctx: *mut c_void,
) -> sys::wimlib_progress_status {
    if msg != sys::wimlib_progress_msg_WIMLIB_PROGRESS_MSG_WRITE_STREAMS
        || info.is_null()
        || ctx.is_null()
    {
        return sys::wimlib_progress_status_WIMLIB_PROGRESS_STATUS_CONTINUE;
    }
    // SAFETY: ctx is the ProgressCtx registered by commit(), alive for the whole write; for
    // WRITE_STREAMS messages wimlib passes a valid info with the write_streams member active.
    let (ctx, ws) = unsafe { (&mut *ctx.cast::<ProgressCtx<'_>>(), (*info).write_streams) };
    if ctx.panic.is_some() {
        return sys::wimlib_progress_status_WIMLIB_PROGRESS_STATUS_ABORT;
    }
    if let Some(cb) = ctx.callback.as_mut() {
        if let Err(message) = callback::report(*cb, progress_of(&ws)) {
            ctx.panic = Some(message);
            return sys::wimlib_progress_status_WIMLIB_PROGRESS_STATUS_ABORT;
        }
    }
    sys::wimlib_progress_status_WIMLIB_PROGRESS_STATUS_CONTINUE
}

/// Writes all staged replacements to the WIM file in one write and closes it.
///
/// Keeps the boot index, all other images, names, descriptions and XML, the GUID, the
/// compression type and chunk size, and the integrity table if the WIM had one (updated).
/// With no staged change, nothing is written. On any error the WIM file is left as it was
/// (wimlib truncates appended data and restores the header flags).
pub(super) fn commit(
    wim: LibWim,
    opts: &CommitOptions,
    progress: Option<&mut dyn FnMut(Progress)>,
) -> Result<CommitStats> {
    let size_of = |wim: &LibWim| {
        std::fs::metadata(&wim.path)
            .map(|m| m.len())
            .map_err(|e| Error::from_read(&wim.path, e))
    };
    let old_size = size_of(&wim)?;
    if wim.changed_images.is_empty() {
        return Ok(CommitStats::nothing(old_size, false));
    }
    let rebuilt = opts.rebuild || wim.info.pipable;
    let mut flags = sys::WIMLIB_WRITE_FLAG_FSYNC;
    flags |= if wim.info.has_integrity {
        sys::WIMLIB_WRITE_FLAG_CHECK_INTEGRITY
    } else {
        sys::WIMLIB_WRITE_FLAG_NO_CHECK_INTEGRITY
    };
    if rebuilt {
        flags |= sys::WIMLIB_WRITE_FLAG_REBUILD | sys::WIMLIB_WRITE_FLAG_RETAIN_GUID;
        if wim.info.pipable {
            flags |= sys::WIMLIB_WRITE_FLAG_PIPABLE;
        }
    }
    let mut ctx = ProgressCtx {
        callback: progress,
        panic: None,
    };
    let start = Instant::now();
    let ctx_ptr: *mut ProgressCtx<'_> = &mut ctx;
    // SAFETY: wim.raw is live; ctx outlives the overwrite call below and the function is
    // unregistered right after it, so wimlib never calls it with a dangling ctx.
    unsafe {
        sys::wimlib_register_progress_function(
            wim.raw.as_ptr(),
            Some(progress_trampoline),
            ctx_ptr.cast(),
        )
    };
    // SAFETY: wim.raw is live, was opened from a file with write access, and every staged
    // source file still exists in wim.staging (dropped only after this call).
    let ret = unsafe { sys::wimlib_overwrite(wim.raw.as_ptr(), flags as i32, opts.threads) };
    let os = last_os_error();
    // SAFETY: wim.raw is live; NULL unregisters the progress function.
    unsafe { sys::wimlib_register_progress_function(wim.raw.as_ptr(), None, std::ptr::null_mut()) };
    let duration = start.elapsed();
    if let Some(message) = ctx.panic.take() {
        return Err(Error::CallbackPanicked {
            path: wim.path.clone(),
            message,
        });
    }
    if ret != 0 {
        return Err(from_code(ret, &wim.path, os));
    }
    if rebuilt {
        // wimlib renames its temporary file over the WIM but does not sync the directory.
        let dir = platform::dir_of(&wim.path);
        platform::sync_dir(dir).map_err(|e| Error::from_io(dir, e))?;
    }
    let new_size = size_of(&wim)?;
    Ok(CommitStats {
        images: wim.changed_images.clone(),
        rebuilt,
        old_size,
        new_size,
        // wimlib does not count what it writes: the file sizes tell it.
        bytes_written: if rebuilt {
            new_size
        } else {
            new_size.saturating_sub(old_size)
        },
        duration,
        chunks_reused: 0,
        chunks_compressed: 0,
        times: CommitTimes::default(),
        native: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wimlib_progress_is_stored_bytes_of_an_extrapolated_total() {
        // SAFETY: a plain C struct of integers; all-zero is valid.
        let mut ws: sys::wimlib_progress_info_wimlib_progress_info_write_streams =
            unsafe { std::mem::zeroed() };
        ws.total_bytes = 1000;
        // (uncompressed done, stored done) -> (bytes_done, bytes_total)
        for ((completed, stored), (done, total)) in [
            ((0, 0), (0, 1000)),
            ((500, 200), (200, 400)),
            ((1000, 450), (450, 450)),
        ] {
            ws.completed_bytes = completed;
            ws.completed_compressed_bytes = stored;
            let want = Progress {
                bytes_done: done,
                bytes_total: total,
            };
            assert_eq!(progress_of(&ws), want, "{completed} {stored}");
        }
    }
}
