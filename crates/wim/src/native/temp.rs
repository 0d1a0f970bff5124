//! The temporary file of a rebuild, beside the WIM: `.<wim name>.inject-tmp-<pid>.<random>`,
//! and the removal of those left by processes that are gone.

use std::path::{Path, PathBuf};

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Name prefix of our temporary rebuild files: `.<wim name>.inject-tmp-<pid>.<random>`.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let (dir, name) = (dir_of(path), name_of(path));
    let rand: u64 = {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        (t.as_nanos() as u64) ^ (std::process::id() as u64).rotate_left(32)
    };
    dir.join(format!(
        ".{name}.inject-tmp-{}.{rand:016x}",
        std::process::id()
    ))
}

/// Removes rebuild temp files of `path` left by processes that are gone.
pub(crate) fn sweep_stale(path: &Path) {
    let (dir, name) = (dir_of(path), name_of(path));
    let prefix = format!(".{name}.inject-tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = f.strip_prefix(&prefix) else {
            continue;
        };
        let Some((pid, rand)) = rest.split_once('.') else {
            continue;
        };
        let (Ok(pid), true) = (
            pid.parse::<u32>(),
            rand.len() == 16 && rand.chars().all(|c| c.is_ascii_hexdigit()),
        ) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
