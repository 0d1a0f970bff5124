//! The commit with `rebuild`: a compacted copy of the WIM (only the blobs still referenced,
//! the new resources, fresh tables) is written to a temporary file beside it and synced; the
//! commit then closes the WIM where the OS needs that and renames the copy over it. The temporary file is `.<wim name>.inject-tmp-<pid>.<random>`, so that a
//! later commit can remove the ones a killed process left ([`sweep_stale`]).

use std::path::Path;
use std::time::Instant;

use platform::temp::TempNames;

use super::commit::{put_piece, put_tables, Threads, Writer};
use super::plan::{Plan, Source};
use super::NativeWim;
use crate::commit_types::{CommitStats, Progress};
use crate::error::{Error, Result};
use crate::file_io::read_at;
use crate::format::header::HEADER_SIZE;

/// The names of the rebuild's temporary files for the WIM at `path`.
fn temp_names(path: &Path) -> TempNames {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    TempNames::new(format!(".{name}.inject-tmp-"), "")
}

/// Removes the rebuild temporary files of the WIM at `path` whose process is gone.
pub(super) fn sweep_stale(path: &Path) {
    temp_names(path).sweep_stale(platform::dir_of(path));
}

pub(super) fn rebuild(
    w: &NativeWim,
    plan: &Plan,
    progress: Option<&mut dyn FnMut(Progress)>,
    stats: &mut CommitStats,
    threads: &Threads,
) -> Result<(std::fs::File, std::path::PathBuf)> {
    let dir = platform::dir_of(&w.path);
    // Dropped (and so removed) on any error before the rename.
    let tmp = temp_names(&w.path)
        .create_in(dir)
        .map_err(|e| Error::from_io(dir, e))?;
    if let Ok(m) = w.file.metadata() {
        let _ = tmp.as_file().set_permissions(m.permissions());
    }
    let total: u64 = plan
        .table
        .iter()
        .map(|(e, s)| match s {
            Source::Old => e.resource.size_in_wim,
            Source::Piece(p) => plan.pieces[*p].bytes.len() as u64,
        })
        .sum();
    let mut out = Writer {
        file: tmp.as_file(),
        wim: &w.path,
        path: tmp.path(),
        at: HEADER_SIZE as u64,
        written: 0,
        total,
        progress,
    };
    platform::write_all_at(out.file, &[0u8; HEADER_SIZE], 0)
        .map_err(|e| Error::from_io(tmp.path(), e))?;
    let write_start = Instant::now();
    let mut entries = Vec::with_capacity(plan.table.len());
    for (entry, source) in &plan.table {
        let e = match source {
            Source::Piece(p) => put_piece(&mut out, entry, &plan.pieces[*p])?,
            Source::Old => {
                let mut e = *entry;
                e.resource.offset = out.at;
                let mut done = 0;
                while done < entry.resource.size_in_wim {
                    let n = (entry.resource.size_in_wim - done).min(8 << 20);
                    let bytes = read_at(&w.file, w.file_len, entry.resource.offset + done, n)
                        .map_err(|e| e.at(&w.path))?;
                    out.put(&bytes)?;
                    done += n;
                }
                e
            }
        };
        entries.push(e);
    }
    let header = put_tables(w, &mut out, &entries, true, stats, threads)?;
    platform::write_all_at(tmp.as_file(), &header, 0).map_err(|e| Error::from_io(tmp.path(), e))?;
    stats.times.write = write_start.elapsed().saturating_sub(stats.times.integrity);
    stats.bytes_written = out.written + HEADER_SIZE as u64;
    let new_size = out.at;
    let t0 = Instant::now();
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::from_io(tmp.path(), e))?;
    stats.times.fsync = t0.elapsed();
    let kept = tmp.keep().map_err(|e| Error::from_io(dir, e.error))?;
    stats.new_size = new_size;
    // The caller closes the WIM and renames this over it (`platform::replace_durably_closing`:
    // syncs again, with nothing left to flush, and removes it if the rename fails).
    Ok(kept)
}
