//! What the user points us at: a WIM file, a mounted/extracted image directory, or a bare hive;
//! plus finding the SOFTWARE hive of a mounted image (names compared as Windows does, see
//! `platform::find_entry`) and telling when two targets are one file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Path of the SOFTWARE hive inside an image, `/`-separated.
const SOFTWARE_IN_IMAGE: &str = wim::SOFTWARE_HIVE_PATH;

/// One thing to edit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Target {
    /// A WIM file (every image in it, or the images chosen by index).
    Wim(PathBuf),
    /// A directory holding an image already mounted or extracted
    /// (`DIR/Windows/System32/config/SOFTWARE`, case-insensitive).
    Mount(PathBuf),
    /// A bare SOFTWARE hive file.
    Hive(PathBuf),
}

impl Target {
    /// The path the user gave.
    pub fn path(&self) -> &Path {
        match self {
            Target::Wim(p) | Target::Mount(p) | Target::Hive(p) => p,
        }
    }

    /// `wim`, `mount` or `hive`.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Wim(_) => "wim",
            Target::Mount(_) => "mount",
            Target::Hive(_) => "hive",
        }
    }
}

/// The file a target writes, resolved (symlinks, `.` and `..`) so that two spellings of one
/// file compare equal; `None` when it cannot be resolved (the target then fails on its own).
fn resolved_file(target: &Target) -> Option<PathBuf> {
    let file = match target {
        Target::Wim(p) | Target::Hive(p) => p.clone(),
        Target::Mount(dir) => find_software_hive(dir).ok()?,
    };
    fs::canonicalize(file).ok()
}

/// How many of the hive files that `targets` name directly (`--hive`, and the SOFTWARE under
/// `--mount`) have each size. Files that cannot be looked at are left out (they fail on their
/// own).
pub(crate) fn hive_file_sizes(targets: &[Target]) -> std::collections::HashMap<u64, usize> {
    let mut sizes = std::collections::HashMap::new();
    for target in targets {
        if matches!(target, Target::Wim(_)) {
            continue;
        }
        if let Some(len) = resolved_file(target).and_then(|f| fs::metadata(f).ok()) {
            *sizes.entry(len.len()).or_insert(0) += 1;
        }
    }
    sizes
}

/// `targets` without those naming a file an earlier target already names (processing one file
/// twice in parallel would race two writers), and one warning per target dropped.
pub(crate) fn distinct_files(targets: &[Target]) -> (Vec<Target>, Vec<String>) {
    let mut seen: Vec<(PathBuf, &Target)> = Vec::new();
    let mut unique = Vec::new();
    let mut warnings = Vec::new();
    for target in targets {
        match resolved_file(target) {
            Some(file) => {
                if let Some((_, first)) = seen.iter().find(|(f, _)| *f == file) {
                    warnings.push(format!(
                        "{}: same file as {}; processed once",
                        target.path().display(),
                        first.path().display()
                    ));
                    continue;
                }
                seen.push((file, target));
                unique.push(target.clone());
            }
            None => unique.push(target.clone()),
        }
    }
    (unique, warnings)
}

/// Finds `DIR/Windows/System32/config/SOFTWARE`, matching every component case-insensitively
/// (images extracted on Linux keep Windows' mixed case, e.g. `windows/system32/CONFIG`).
pub(crate) fn find_software_hive(dir: &Path) -> io::Result<PathBuf> {
    let mut current = dir.to_path_buf();
    for component in SOFTWARE_IN_IMAGE.split('/') {
        current = platform::find_entry(&current, component)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "no {component} in {} (looking for {SOFTWARE_IN_IMAGE})",
                    current.display()
                ),
            )
        })?;
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_hive_found_in_any_case() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("windows/SYSTEM32/Config");
        fs::create_dir_all(&config).unwrap();
        fs::write(config.join("software"), b"x").unwrap();
        fs::write(config.join("software.log1"), b"y").unwrap();
        let hive = find_software_hive(dir.path()).unwrap();
        assert_eq!(hive, config.join("software"));
        let logs = hive::log::find_logs(&hive).unwrap();
        assert_eq!(
            logs[0].as_deref(),
            Some(config.join("software.log1").as_path())
        );
        assert_eq!(logs[1], None);
    }

    #[test]
    fn missing_hive_names_the_missing_component() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("Windows")).unwrap();
        let err = find_software_hive(dir.path()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("System32"), "{err}");
    }
}
