//! Temporary files beside the file they will replace, named so that a later run can tell the
//! ones a killed process left behind and remove them: `<prefix><pid>.<random><suffix>`.
//! A file is removed only when its name has that form, its process is not this one and is
//! known to be gone ([`crate::process_may_be_running`]); nothing else is ever touched.

use std::fs;
use std::io;
use std::path::Path;

use tempfile::NamedTempFile;

/// One family of temporary file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempNames {
    prefix: String,
    suffix: String,
}

impl TempNames {
    /// Names `<prefix><pid>.<random><suffix>`.
    pub fn new(prefix: impl Into<String>, suffix: impl Into<String>) -> TempNames {
        TempNames {
            prefix: prefix.into(),
            suffix: suffix.into(),
        }
    }

    /// The process id in `name`, if `name` is of this family.
    pub fn owner(&self, name: &str) -> Option<u32> {
        let rest = name
            .strip_prefix(&self.prefix)?
            .strip_suffix(self.suffix.as_str())?;
        let (pid, random) = rest.split_once('.')?;
        if random.is_empty() || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        pid.parse().ok()
    }

    /// Removes the files of this family in `dir` whose process is gone. Failures are ignored:
    /// this only tidies up.
    pub fn sweep_stale(&self, dir: &Path) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| self.owner(n)) else {
                continue;
            };
            if !crate::process_may_be_running(pid) && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// A new temporary file of this family in `dir`, after the stale ones are removed.
    pub fn create_in(&self, dir: &Path) -> io::Result<NamedTempFile> {
        self.sweep_stale(dir);
        tempfile::Builder::new()
            .prefix(&format!("{}{}.", self.prefix, std::process::id()))
            .suffix(&self.suffix)
            .rand_bytes(12)
            .tempfile_in(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_names_of_gone_processes_are_swept() {
        let names = TempNames::new(".x-tmp-", ".tmp");
        let dir = tempfile::tempdir().unwrap();
        let running = format!(".x-tmp-{}.abc123.tmp", std::process::id());
        // above every Linux pid_max: never a running process
        let stale = format!(".x-tmp-{}.abc123.tmp", 0x7FFF_FFF0u32);
        let not_ours = [
            format!(".x-tmp-{}.abc123.bak", 0x7FFF_FFF0u32),
            ".x-tmp-x.abc.tmp".to_string(),
            format!(".x-tmp-{}..tmp", 0x7FFF_FFF0u32),
            "SOFTWARE".to_string(),
        ];
        for name in not_ours.iter().chain([&running, &stale]) {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        names.sweep_stale(dir.path());
        let gone = !dir.path().join(&stale).exists();
        assert_eq!(gone, !crate::process_may_be_running(0x7FFF_FFF0));
        assert!(dir.path().join(&running).exists());
        for name in &not_ours {
            assert!(dir.path().join(name).exists(), "{name} removed");
        }
    }

    #[test]
    fn created_names_are_recognised() {
        let names = TempNames::new(".boot.wim.inject-tmp-", "");
        let dir = tempfile::tempdir().unwrap();
        let tmp = names.create_in(dir.path()).unwrap();
        let name = tmp
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(names.owner(&name), Some(std::process::id()), "{name}");
    }
}
