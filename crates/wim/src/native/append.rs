//! The default commit: the new resources and tables are appended after the old end of the
//! WIM and synced before the header, written last, switches to them. Until then the old
//! header points at the old, intact data; on an error the file is cut back to its old length.

use std::time::Instant;

use super::commit::{put_piece, put_tables, Threads, Writer};
use super::plan::{Plan, Source};
use super::NativeWim;
use crate::commit_types::{CommitStats, Progress};
use crate::error::{Error, Result};
use crate::format::blob_table;
use crate::format::header::HEADER_SIZE;

pub(super) fn append(
    w: &NativeWim,
    plan: &Plan,
    progress: Option<&mut dyn FnMut(Progress)>,
    stats: &mut CommitStats,
    threads: &Threads,
) -> Result<()> {
    let total: u64 = plan
        .pieces
        .iter()
        .map(|p| p.bytes.len() as u64)
        .sum::<u64>()
        + (plan.table.len() * blob_table::ENTRY_SIZE) as u64;
    let mut out = Writer {
        file: &w.file,
        wim: &w.path,
        path: &w.path,
        at: w.file_len,
        written: 0,
        total,
        progress,
    };
    let write_start = Instant::now();
    let result = (|| -> Result<[u8; HEADER_SIZE]> {
        let mut entries = Vec::with_capacity(plan.table.len());
        for (entry, source) in &plan.table {
            entries.push(match source {
                Source::Piece(p) => put_piece(&mut out, entry, &plan.pieces[*p])?,
                Source::Old => *entry,
            });
        }
        put_tables(w, &mut out, &entries, false, stats, threads)
    })();
    let header = match result {
        Ok(h) => h,
        Err(e) => {
            let _ = w.file.set_len(w.file_len);
            return Err(e);
        }
    };
    stats.times.write = write_start.elapsed().saturating_sub(stats.times.integrity);
    let t0 = Instant::now();
    if let Err(e) = w.file.sync_data() {
        let _ = w.file.set_len(w.file_len);
        return Err(Error::from_io(&w.path, e));
    }
    // The header goes last: until here the old header points at the old, intact data.
    platform::write_all_at(&w.file, &header, 0).map_err(|e| Error::from_io(&w.path, e))?;
    w.file.sync_data().map_err(|e| Error::from_io(&w.path, e))?;
    stats.times.fsync = t0.elapsed();
    stats.bytes_written = out.written + HEADER_SIZE as u64;
    stats.new_size = out.at;
    Ok(())
}
