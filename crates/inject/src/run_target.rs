//! Processing one target end to end: read its hive(s), process them, commit at most once.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::Error;
use crate::job::millis;
use crate::logs::LogFix;
use crate::process::{process_hive, HiveInput, Work};
use crate::progress::{ProgressEvent, ProgressKind};
use crate::report::{ImageReport, Operation, TargetReport};
use crate::target::{find_logs, find_software_hive, Target};
use crate::write::{write_file_atomic, FileState};

/// Processes `target` (number `index` in the job) and returns its report; never fails as a whole.
pub fn process_target(work: &Work, index: usize, target: &Target) -> TargetReport {
    let started = Instant::now();
    let emit = |kind| {
        (work.progress)(ProgressEvent {
            target: index,
            path: target.path().to_path_buf(),
            kind,
        })
    };
    let mut report = TargetReport::new(target.clone());
    let result = match target {
        Target::Wim(path) => crate::wim_target::process_wim(work, path, &mut report, &emit),
        Target::Mount(dir) => find_software_hive(dir)
            .map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })
            .and_then(|hive| process_file(work, &hive, &mut report, &emit)),
        Target::Hive(path) => process_file(work, path, &mut report, &emit),
    };
    if let Err(e) = result {
        // `written` stays true when the failure came after the write (emptying a stale log).
        report.error = Some(e.to_string());
    }
    report.elapsed_ms = millis(started);
    emit(ProgressKind::Finished { ok: report.ok() });
    report
}

/// True when the operation may write.
pub fn mutating(work: &Work) -> bool {
    matches!(work.operation, Operation::Add | Operation::Remove) && !work.dry_run
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A hive file on disk (`--hive`, or the SOFTWARE found under `--mount`).
fn process_file(
    work: &Work,
    hive: &Path,
    report: &mut TargetReport,
    emit: &dyn Fn(ProgressKind),
) -> Result<(), Error> {
    emit(ProgressKind::Started { images: 1 });
    // Through a symbolic link, the logs to look at are those beside the real file.
    let file = fs::canonicalize(hive).map_err(|source| Error::Io {
        path: hive.to_path_buf(),
        source,
    })?;
    if mutating(work) {
        check_writable(hive)?;
    }
    let log_paths = find_logs(&file).map_err(|source| Error::Io {
        path: hive.to_path_buf(),
        source,
    })?;
    let primary = read(hive)?;
    let as_read = FileState::of(&file, &primary)?;
    let mut logs = [None, None];
    for (slot, path) in logs.iter_mut().zip(&log_paths) {
        if let Some(path) = path {
            *slot = Some(read(path)?);
        }
    }
    let outcome = process_hive(
        work,
        HiveInput { primary, logs },
        hive,
        ImageReport::default(),
    );
    emit(ProgressKind::ImageDone { index: 0 });
    report.images.push(outcome.report);
    let Some(edited) = outcome.edited else {
        return Ok(());
    };
    let Some(new_bytes) = &edited.new_bytes else {
        return Ok(());
    };
    if !mutating(work) || !report.ok() {
        return Ok(());
    }
    let total = new_bytes.len() as u64;
    emit(ProgressKind::Writing { done: 0, total });
    as_read.check_unchanged(&file)?;
    write_file_atomic(hive, new_bytes)?;
    report.written = true;
    report.bytes_written = total;
    for (fix, path) in outcome.log_fixes.iter().zip(&log_paths) {
        if let (LogFix::Truncate, Some(path)) = (fix, path) {
            write_file_atomic(path, &[])?;
            report.images.iter_mut().for_each(|i| {
                i.warnings
                    .push(format!("emptied stale transaction log {}", path.display()))
            });
        }
    }
    emit(ProgressKind::Writing { done: total, total });
    Ok(())
}

/// `WIM:index:path`, the name a hive inside a WIM goes by in messages.
pub fn in_wim_label(wim: &Path, index: u32, path: &str) -> PathBuf {
    PathBuf::from(format!("{}:{index}:{path}", wim.display()))
}

/// Refuses to change a file whose permission bits say read-only: the atomic rename (or, for a
/// WIM, a process running as root) would otherwise silently bypass them.
pub(crate) fn check_writable(path: &Path) -> Result<(), Error> {
    let metadata = fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if metadata.permissions().readonly() {
        return Err(Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the file is read-only; refusing to change it",
            ),
        });
    }
    Ok(())
}
