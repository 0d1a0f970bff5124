//! The wimlib commit path ([`LibWim::commit`], `wimlib_overwrite`) for the layouts the native
//! writer does not handle (solid and pipable WIMs), with progress reporting.

use std::any::Any;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use wimlib_sys as sys;

use crate::commit::{CommitOptions, CommitStats, CommitTimes, Progress};
use crate::error::{from_code, Error, Result};
use crate::libwim::{last_os_error, LibWim};

/// State shared with the progress trampoline during `wimlib_overwrite`.
struct ProgressCtx<'a> {
    callback: Option<&'a mut dyn FnMut(Progress)>,
    panic: Option<Box<dyn Any + Send>>,
    last_total: u64,
}

/// wimlib's progress function: forwards WRITE_STREAMS messages to the user's callback. It
/// never unwinds into C: a panic in the callback is caught, stored, and the write aborted.
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
    ctx.last_total = ws.total_bytes;
    let progress = Progress {
        bytes_done: ws.completed_bytes,
        bytes_total: ws.total_bytes,
    };
    if let Some(cb) = ctx.callback.as_mut() {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| cb(progress))) {
            ctx.panic = Some(payload);
            return sys::wimlib_progress_status_WIMLIB_PROGRESS_STATUS_ABORT;
        }
    }
    sys::wimlib_progress_status_WIMLIB_PROGRESS_STATUS_CONTINUE
}

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

impl LibWim {
    /// Writes all staged replacements to the WIM file in one write and closes it.
    ///
    /// Keeps the boot index, all other images, names, descriptions and XML, the GUID, the
    /// compression type and chunk size, and the integrity table if the WIM had one (updated).
    /// With no staged change, nothing is written. On any error the WIM file is left as it was
    /// (wimlib truncates appended data and restores the header flags).
    pub fn commit(
        self,
        opts: &CommitOptions,
        progress: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<CommitStats> {
        let size_of = |wim: &LibWim| {
            std::fs::metadata(&wim.path)
                .map(|m| m.len())
                .map_err(|e| Error::Io {
                    path: wim.path.clone(),
                    source: e,
                })
        };
        let old_size = size_of(&self)?;
        if self.changed_images.is_empty() {
            return Ok(CommitStats::nothing(old_size, false));
        }
        let rebuilt = opts.rebuild || self.info.pipable;
        let mut flags = sys::WIMLIB_WRITE_FLAG_FSYNC;
        flags |= if self.info.has_integrity {
            sys::WIMLIB_WRITE_FLAG_CHECK_INTEGRITY
        } else {
            sys::WIMLIB_WRITE_FLAG_NO_CHECK_INTEGRITY
        };
        if rebuilt {
            flags |= sys::WIMLIB_WRITE_FLAG_REBUILD | sys::WIMLIB_WRITE_FLAG_RETAIN_GUID;
            if self.info.pipable {
                flags |= sys::WIMLIB_WRITE_FLAG_PIPABLE;
            }
        }
        let mut ctx = ProgressCtx {
            callback: progress,
            panic: None,
            last_total: 0,
        };
        let start = Instant::now();
        let ctx_ptr: *mut ProgressCtx<'_> = &mut ctx;
        // SAFETY: self.raw is live; ctx outlives the overwrite call below and the function is
        // unregistered right after it, so wimlib never calls it with a dangling ctx.
        unsafe {
            sys::wimlib_register_progress_function(
                self.raw.as_ptr(),
                Some(progress_trampoline),
                ctx_ptr.cast(),
            )
        };
        // SAFETY: self.raw is live, was opened from a file with write access, and every
        // staged source file still exists in self.staging (dropped only after this call).
        let ret = unsafe { sys::wimlib_overwrite(self.raw.as_ptr(), flags as i32, opts.threads) };
        let os = last_os_error();
        // SAFETY: self.raw is live; NULL unregisters the progress function.
        unsafe {
            sys::wimlib_register_progress_function(self.raw.as_ptr(), None, std::ptr::null_mut())
        };
        let duration = start.elapsed();
        if let Some(payload) = ctx.panic.take() {
            return Err(Error::CallbackPanicked {
                path: self.path.clone(),
                message: panic_message(payload.as_ref()),
            });
        }
        if ret != 0 {
            return Err(from_code(ret, &self.path, os));
        }
        if rebuilt {
            sync_parent_dir(&self.path)?;
        }
        Ok(CommitStats {
            images: self.changed_images.clone(),
            rebuilt,
            old_size,
            new_size: size_of(&self)?,
            bytes_written: ctx.last_total,
            duration,
            chunks_reused: 0,
            chunks_compressed: 0,
            times: CommitTimes::default(),
            native: false,
        })
    }
}

/// fsyncs the directory holding `path`, so a rename into it is durable.
fn sync_parent_dir(path: &std::path::Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::Io {
            path: dir,
            source: e,
        })
}
