//! A WIM target: every selected image's SOFTWARE hive is processed, then all changes are staged
//! and committed in one commit (or none at all if any image failed).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hive::log::LOG_SUFFIXES;
use wim::{CommitOptions, Wim};

use crate::context::Work;
use crate::edit::EditTimes;
use crate::error::Error;
use crate::file_state::{check_writable, FileState};
use crate::hive_step::{process_hive, HiveInput, Outcome, Primary};
use crate::logs::LogFix;
use crate::progress::ProgressKind;
use crate::report::{ImageReport, TargetReport, WimCommitReport};

/// `WIM:index:path`, the name a hive inside a WIM goes by in messages.
fn in_wim_label(wim: &Path, index: u32, path: &str) -> PathBuf {
    PathBuf::from(format!("{}:{index}:{path}", wim.display()))
}

/// Processes the WIM at `path`, filling `report`.
pub fn process(
    work: &Work,
    path: &Path,
    report: &mut TargetReport,
    emit: &dyn Fn(ProgressKind),
) -> Result<(), Error> {
    let wim_error = |source: wim::Error| Error::Wim {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    // Taken before wimlib reads the file: a commit by another program after this point is
    // seen before ours and ours is refused (wimlib would otherwise append over it).
    let as_read = FileState::read(path)?;
    let mut wim = if work.writes() {
        Wim::open_for_update(path)
    } else {
        Wim::open(path)
    }
    .map_err(wim_error)?;
    if let (true, wim::Backend::Wimlib { reason }) = (work.writes(), wim.backend()) {
        report.warnings.push(format!(
            "{reason}: written through wimlib, which rebuilds the replaced hive's directory entry (its security descriptor, attributes and creation time are not kept)"
        ));
    }
    let images = wim.images();
    let count = u32::try_from(images.len()).unwrap_or(u32::MAX);
    for &index in work.indexes {
        if !images.iter().any(|i| i.index == index) {
            return Err(wim_error(wim::Error::NoSuchImage {
                path: path.to_path_buf(),
                index,
                count,
            }));
        }
    }
    let selected: Vec<_> = images
        .iter()
        .filter(|i| work.indexes.is_empty() || work.indexes.contains(&i.index))
        .collect();
    emit(ProgressKind::Started {
        images: u32::try_from(selected.len()).unwrap_or(u32::MAX),
    });
    let software = wim::SOFTWARE_HIVE_PATH;
    let mut staged = Vec::new();
    let mut edit_times = EditTimes::default();
    for image in selected {
        let label = in_wim_label(path, image.index, software);
        let mut image_report = ImageReport {
            index: Some(image.index),
            name: image.name.clone(),
            ..ImageReport::default()
        };
        let input = match read_image_hive(&wim, image.index, software) {
            Ok(input) => input,
            Err(e) => {
                image_report.hive = label.display().to_string();
                image_report.errors.push(wim_error(e).to_string());
                report.images.push(image_report);
                emit(ProgressKind::ImageDone { index: image.index });
                continue;
            }
        };
        let result = process_hive(work, input, &label, image_report);
        if let Outcome::Bytes {
            bytes,
            times,
            log_fixes,
        } = result.outcome
        {
            edit_times.edit += times.edit;
            edit_times.read_back += times.read_back;
            staged.push((image.index, bytes, log_fixes));
        }
        report.images.push(result.report);
        emit(ProgressKind::ImageDone { index: image.index });
    }
    if !work.writes() || staged.is_empty() || !report.ok() {
        return Ok(());
    }
    // Root may write a file whose permission bits say read-only; an admin who set them meant it.
    check_writable(path)?;
    as_read.check_unchanged(path)?;
    // Every replacement of the commit is staged at once (the native writer hashes the new
    // hives in parallel).
    let mut replacements = Vec::new();
    for (index, bytes, log_fixes) in &staged {
        replacements.push((*index, software.to_string(), Arc::clone(bytes)));
        for (fix, suffix) in log_fixes.iter().zip(LOG_SUFFIXES) {
            if *fix == LogFix::Truncate {
                let log = format!("{software}{suffix}");
                replacements.push((*index, log.clone(), Arc::new(Vec::new())));
                if let Some(image) = report.images.iter_mut().find(|i| i.index == Some(*index)) {
                    image
                        .warnings
                        .push(format!("emptied stale transaction log {log}"));
                }
            }
        }
    }
    wim.replace_files(replacements).map_err(wim_error)?;
    let mut on_progress = |p: wim::Progress| {
        emit(ProgressKind::Writing {
            done: p.bytes_done,
            total: p.bytes_total,
        })
    };
    let read_times = wim.read_times();
    let stats = wim
        .commit(
            &CommitOptions {
                rebuild: work.rebuild,
                ..CommitOptions::default()
            },
            Some(&mut on_progress),
        )
        .map_err(wim_error)?;
    report.written = true;
    report.bytes_written = stats.bytes_written;
    report.wim_commit = Some(commit_report(&stats, &read_times, &edit_times));
    Ok(())
}

/// The commit's figures for the report.
fn commit_report(
    stats: &wim::CommitStats,
    read: &wim::ReadTimes,
    edit: &EditTimes,
) -> WimCommitReport {
    let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    WimCommitReport {
        writer: if stats.native { "native" } else { "wimlib" }.to_string(),
        chunks_reused: stats.chunks_reused,
        chunks_compressed: stats.chunks_compressed,
        read_and_decompress_ms: ms(read.read_and_decompress),
        edit_ms: ms(edit.edit),
        read_back_ms: ms(edit.read_back),
        chunk_compare_ms: ms(stats.times.chunk_compare),
        compress_ms: ms(stats.times.compress),
        write_ms: ms(stats.times.write),
        integrity_ms: ms(stats.times.integrity),
        fsync_ms: ms(stats.times.fsync),
    }
}

/// The SOFTWARE hive of image `index` and its logs (absent logs are `None`).
fn read_image_hive(wim: &Wim, index: u32, software: &str) -> Result<HiveInput, wim::Error> {
    let primary = wim.read_file_shared(index, software)?;
    let mut logs = [None, None];
    for (slot, suffix) in logs.iter_mut().zip(LOG_SUFFIXES) {
        match wim.read_file(index, &format!("{software}{suffix}")) {
            Ok(bytes) => *slot = Some(bytes),
            Err(wim::Error::FileNotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    // read_file checked the data against this hash.
    let content_sha1 = wim.file_sha1(index, software).ok();
    Ok(HiveInput {
        primary: Primary::Bytes(primary),
        logs,
        content_sha1,
    })
}
