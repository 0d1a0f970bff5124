//! Processing one target end to end: read its hive(s), process them, commit at most once.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::edit::EditedFile;
use crate::error::Error;
use crate::job::millis;
use crate::logs::LogFix;
use crate::process::{process_hive, HiveInput, Primary, Work};
use crate::progress::{ProgressEvent, ProgressKind};
use crate::report::{ImageReport, Operation, TargetReport};
use crate::target::{find_logs, find_software_hive, Target};
use crate::write::FileState;

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
    if let Some(query) = work.trust {
        for image in &mut report.images {
            if let Some(trust) = &mut image.trust {
                crate::trust::fill_fixes(query, target, trust);
            }
        }
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
        // Temporary files a killed run left beside the hive go now, whether or not this run
        // writes (it may find its work done already).
        hive::atomic::sweep_stale(file.parent().unwrap_or(Path::new(".")));
    }
    let log_paths = find_logs(&file).map_err(|source| Error::Io {
        path: hive.to_path_buf(),
        source,
    })?;
    let size = fs::metadata(&file)
        .map_err(|source| Error::Io {
            path: hive.to_path_buf(),
            source,
        })?
        .len();
    // A hive no other target can share an edit with is edited in place: only what the edit
    // needs is read, and only what it changed is written.
    let in_place = mutating(work) && work.file_sizes.get(&size).copied().unwrap_or(0) <= 1;
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
        let bytes = read(hive)?;
        let as_read = FileState::of(&file, &bytes)?;
        (Primary::Bytes(std::sync::Arc::new(bytes)), as_read)
    };
    let mut logs = [None, None];
    for (slot, path) in logs.iter_mut().zip(&log_paths) {
        if let Some(path) = path {
            *slot = Some(read(path)?);
        }
    }
    let outcome = process_hive(
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
    report.images.push(outcome.report);
    if !mutating(work) || !report.ok() {
        return Ok(());
    }
    let io = |source| Error::Io {
        path: hive.to_path_buf(),
        source,
    };
    let total = match (&outcome.edited, outcome.edited_file) {
        (Some(edited), _) => {
            let Some(new_bytes) = &edited.new_bytes else {
                return Ok(());
            };
            let total = new_bytes.len() as u64;
            emit(ProgressKind::Writing { done: 0, total });
            as_read.check_unchanged(&file)?;
            hive::atomic::replace_file(&file, new_bytes).map_err(|e| Error::from_hive(hive, e))?;
            total
        }
        (
            None,
            Some(EditedFile {
                hive: Some(mut edited),
                ..
            }),
        ) => {
            let total = fs::metadata(&file).map_err(io)?.len();
            emit(ProgressKind::Writing { done: 0, total });
            as_read.check_unchanged(&file)?;
            crate::edit::write_checked(&mut edited, &file, hive)?;
            drop(edited);
            fs::metadata(&file).map_err(io)?.len()
        }
        _ => return Ok(()),
    };
    report.written = true;
    report.bytes_written = total;
    for (fix, path) in outcome.log_fixes.iter().zip(&log_paths) {
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

/// The first 4096 bytes of `path` (a hive's base block; fewer if the file is shorter).
fn read_head(path: &Path) -> Result<Vec<u8>, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut head = Vec::with_capacity(4096);
    fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4096), &mut head))
        .map_err(io)?;
    Ok(head)
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
