//! A hive file target (`--hive`, or the SOFTWARE found under `--mount`): the one module that
//! reads such a file, runs the per-hive step on it and writes it back (in place for a paged
//! edit, or whole), then empties stale logs beside it.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::context::Work;
use crate::edit;
use crate::error::Error;
use crate::file_state::{check_writable, FileState};
use crate::hive_step::{process_hive, HiveInput, Outcome, Primary};
use crate::logs::LogFix;
use crate::progress::ProgressKind;
use crate::report::{ImageReport, TargetReport};

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Processes the hive file `hive`, filling `report`.
pub fn process(
    work: &Work,
    hive: &Path,
    report: &mut TargetReport,
    emit: &dyn Fn(ProgressKind),
) -> Result<(), Error> {
    emit(ProgressKind::Started { images: 1 });
    // Through a symbolic link, the logs to look at are those beside the real file.
    let file = fs::canonicalize(hive).map_err(io(hive))?;
    if work.writes() {
        check_writable(hive)?;
        // Temporary files a killed run left beside the hive go now, whether or not this run
        // writes (it may find its work done already).
        hive::atomic::sweep_stale(platform::dir_of(&file));
    }
    let log_paths = hive::log::find_logs(&file).map_err(io(hive))?;
    let size = fs::metadata(&file).map_err(io(hive))?.len();
    // A hive no other target can share an edit with is edited in place: only what the edit
    // needs is read, and only what it changed is written.
    let in_place = work.writes() && work.file_sizes.get(&size).copied().unwrap_or(0) <= 1;
    let (primary, as_read) = if in_place {
        let head = read_head(hive)?;
        let as_read = FileState::of(&file, &head)?;
        (
            Primary::File {
                path: file.clone(),
                head,
            },
            as_read,
        )
    } else {
        let bytes = fs::read(hive).map_err(io(hive))?;
        let as_read = FileState::of(&file, &bytes)?;
        (Primary::Bytes(Arc::new(bytes)), as_read)
    };
    let mut logs = [None, None];
    for (slot, path) in logs.iter_mut().zip(&log_paths) {
        if let Some(path) = path {
            *slot = Some(fs::read(path).map_err(io(path))?);
        }
    }
    let result = process_hive(
        work,
        HiveInput {
            primary,
            logs,
            content_sha1: None,
        },
        hive,
        ImageReport::default(),
    );
    emit(ProgressKind::ImageDone { index: 0 });
    report.images.push(result.report);
    if !work.writes() || !report.ok() {
        return Ok(());
    }
    let (total, log_fixes) = match result.outcome {
        Outcome::Nothing => return Ok(()),
        Outcome::Bytes {
            bytes, log_fixes, ..
        } => {
            let total = bytes.len() as u64;
            emit(ProgressKind::Writing { done: 0, total });
            as_read.check_unchanged(&file)?;
            hive::atomic::replace_file(&file, &bytes).map_err(|e| Error::from_hive(hive, e))?;
            (total, log_fixes)
        }
        Outcome::File {
            hive: mut edited,
            log_fixes,
        } => {
            let total = fs::metadata(&file).map_err(io(hive))?.len();
            emit(ProgressKind::Writing { done: 0, total });
            as_read.check_unchanged(&file)?;
            write_checked(&mut edited, &file, hive)?;
            drop(edited);
            (fs::metadata(&file).map_err(io(hive))?.len(), log_fixes)
        }
    };
    report.written = true;
    report.bytes_written = total;
    for (fix, path) in log_fixes.iter().zip(&log_paths) {
        if let (LogFix::Truncate, Some(path)) = (fix, path) {
            hive::atomic::replace_file(path, &[]).map_err(|e| Error::from_hive(path, e))?;
            report.images.iter_mut().for_each(|i| {
                i.warnings
                    .push(format!("emptied stale transaction log {}", path.display()))
            });
        }
    }
    emit(ProgressKind::Writing { done: total, total });
    Ok(())
}

/// Writes an edited hive file back over `path` (named `label` in errors) atomically, once
/// the key tree check of the hive as read has passed (it ran while the file was copied).
fn write_checked(hive: &mut hive::Hive, path: &Path, label: &Path) -> Result<(), Error> {
    let mut damage = None;
    let written = hive.write_atomic_with(path, |h| {
        h.check_structure()
            .inspect_err(|e| damage = Some(edit::damaged(label, e)))
    });
    if let Some(e) = damage {
        return Err(e);
    }
    written.map_err(|e| Error::from_hive(label, e))
}

/// The first 4096 bytes of `path` (a hive's base block; fewer if the file is shorter).
fn read_head(path: &Path) -> Result<Vec<u8>, Error> {
    let mut head = Vec::with_capacity(4096);
    fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4096), &mut head))
        .map_err(io(path))?;
    Ok(head)
}
