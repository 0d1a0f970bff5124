//! The typed errors of the library. Every variant names the file it is about; the `Display` form
//! is the one line the CLI prints after `inject-root: `.

use std::path::PathBuf;

/// Everything that can go wrong. Errors about inputs (certificates, `.reg` files, options) stop a
/// job before any target is touched; errors about a target are recorded in that target's report
/// (its message, and its [`ErrorKind`]) and do not stop the other targets. Errors of the lower
/// crates are kept as the [`std::error::Error::source`], so a caller can tell e.g. a locked WIM
/// (`wim::Error::Locked`) from a full disk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read, written or listed.
    #[error("{}: {}", path.display(), io_text(source))]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A target file may not be changed: its permission bits say read-only, or the OS refused
    /// to write it.
    #[error("{}: {reason}; refusing to change it", path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A target file was changed by another program while we worked on it: nothing written.
    #[error("{}: the file was changed by another program while we worked on it; nothing written, run again", path.display())]
    ChangedMeanwhile {
        /// The file.
        path: PathBuf,
    },
    /// A certificate file is not readable as a certificate (certblob's message, with offset).
    #[error("{}", prefixed(path, &source.to_string()))]
    Certificate {
        /// The certificate file.
        path: PathBuf,
        /// certblob's error.
        #[source]
        source: Box<certblob::Error>,
    },
    /// A certificate file holds no certificate at all.
    #[error("{}: no certificate found in the file", path.display())]
    NoCertificate {
        /// The certificate file.
        path: PathBuf,
    },
    /// A regedit export could not be parsed, or one of its certificate entries is unusable.
    #[error("{}", prefixed(path, detail))]
    RegFile {
        /// The `.reg` file.
        path: PathBuf,
        /// What is wrong (certblob's message with line number, or ours).
        detail: String,
        /// certblob's error, when the file did not parse.
        #[source]
        source: Option<Box<certblob::reg::RegError>>,
    },
    /// certblob refuses the certificate (not a CA, expired, ...) and force was not set.
    #[error("{}: certificate {thumbprint} ({subject}) refused: {reasons} (use --force to inject it anyway)", path.display())]
    Refused {
        /// The certificate file.
        path: PathBuf,
        /// Its thumbprint.
        thumbprint: String,
        /// Its subject.
        subject: String,
        /// certblob's reasons, joined with `; `.
        reasons: String,
    },
    /// `expect_thumbprint` was given and the certificate files hold something else.
    #[error("{}: certificate thumbprint is {found}, expected {expected}", path.display())]
    UnexpectedThumbprint {
        /// The certificate file.
        path: PathBuf,
        /// The thumbprint(s) in the file.
        found: String,
        /// The thumbprint the caller expected.
        expected: String,
    },
    /// The options do not make sense together (e.g. `add` without a certificate).
    #[error("{0}")]
    Usage(String),
    /// A WIM file cannot be opened, read, staged or committed: wim's error, which names the
    /// file (match on it: `Locked`, `ChangedMeanwhile`, `DiskFull`, `ReadOnly`, `InUse`,
    /// `NoSuchImage`, `Malformed`...).
    #[error("{}", prefixed(path, &source.to_string()))]
    Wim {
        /// The WIM file.
        path: PathBuf,
        /// wim's error.
        #[source]
        source: Box<wim::Error>,
    },
    /// A hive cannot be parsed or edited (with the byte offset), or Windows would not load it.
    #[error("{}", prefixed(path, detail))]
    Hive {
        /// The hive (file path, or `WIM:index:Windows/System32/config/SOFTWARE`).
        path: PathBuf,
        /// What is wrong.
        detail: String,
        /// hive's error, when it came from crates/hive.
        #[source]
        source: Option<Box<hive::Error>>,
    },
    /// The hive's transaction logs hold changes not yet in the primary file.
    #[error("{}: hive is dirty, refusing to edit it: {reason}", path.display())]
    DirtyHive {
        /// The hive.
        path: PathBuf,
        /// Why (from `hive::log::assess`).
        reason: String,
    },
    /// The independent read-back with nt-hive failed: nothing was written.
    #[error("{}: read-back check failed, nothing written: {detail}", path.display())]
    ReadBack {
        /// The hive.
        path: PathBuf,
        /// What did not read back.
        detail: String,
    },
}

/// What kind of failure a target had, for callers and JSON pipelines that branch on it
/// ([`crate::TargetReport::error_kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad options.
    Usage,
    /// An input file (certificate, `.reg`) is unusable or refused.
    Input,
    /// The file may not be changed (permissions, read-only medium or WIM flag).
    ReadOnly,
    /// No space left on the device.
    DiskFull,
    /// Another program holds the file open without sharing it (e.g. a WIM DISM still has
    /// mounted).
    InUse,
    /// Another process holds the WIM's write lock.
    Locked,
    /// The file was changed by another program while we worked on it.
    ChangedMeanwhile,
    /// A WIM image index that does not exist.
    NoSuchImage,
    /// The WIM is damaged, truncated or not a WIM.
    DamagedWim,
    /// The hive is damaged, or Windows would not load it.
    DamagedHive,
    /// The hive is dirty and its logs cannot (or may not) be replayed.
    DirtyHive,
    /// The independent read-back disagreed: nothing was written.
    ReadBack,
    /// Any other I/O error.
    Io,
    /// Anything else.
    Other,
}

impl Error {
    /// True when the caller asked for something that makes no sense (the CLI's usage exit code).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        let io_kind = |e: &std::io::Error| match platform::IoClass::of(e) {
            platform::IoClass::DiskFull => ErrorKind::DiskFull,
            platform::IoClass::ReadOnly => ErrorKind::ReadOnly,
            platform::IoClass::InUse => ErrorKind::InUse,
            _ => ErrorKind::Io,
        };
        match self {
            Error::Usage(_) => ErrorKind::Usage,
            Error::Certificate { .. }
            | Error::NoCertificate { .. }
            | Error::RegFile { .. }
            | Error::Refused { .. }
            | Error::UnexpectedThumbprint { .. } => ErrorKind::Input,
            Error::Io { source, .. } => io_kind(source),
            Error::ReadOnly { .. } => ErrorKind::ReadOnly,
            Error::ChangedMeanwhile { .. } => ErrorKind::ChangedMeanwhile,
            Error::Hive { .. } => ErrorKind::DamagedHive,
            Error::DirtyHive { .. } => ErrorKind::DirtyHive,
            Error::ReadBack { .. } => ErrorKind::ReadBack,
            Error::Wim { source, .. } => match source.as_ref() {
                wim::Error::Locked { .. } => ErrorKind::Locked,
                wim::Error::ChangedMeanwhile { .. } => ErrorKind::ChangedMeanwhile,
                wim::Error::DiskFull { .. } => ErrorKind::DiskFull,
                wim::Error::ReadOnly { .. } => ErrorKind::ReadOnly,
                wim::Error::InUse { .. } => ErrorKind::InUse,
                wim::Error::NoSuchImage { .. } => ErrorKind::NoSuchImage,
                wim::Error::NotAWim { .. } | wim::Error::Malformed { .. } => ErrorKind::DamagedWim,
                wim::Error::Io { source, .. } => io_kind(source),
                _ => ErrorKind::Other,
            },
        }
    }

    /// An error from crates/hive about the hive named `path` in messages: an I/O error stays
    /// one, anything else is a hive error (without the file name crates/hive put in front).
    pub(crate) fn from_hive(path: &std::path::Path, e: hive::Error) -> Error {
        match e {
            hive::Error::Io { source, .. } => Error::Io {
                path: path.to_path_buf(),
                source,
            },
            e => Error::Hive {
                path: path.to_path_buf(),
                detail: e.inner().to_string(),
                source: Some(Box::new(e)),
            },
        }
    }
}

/// `path: detail`, unless the lower crate's message already starts with the path.
fn prefixed(path: &std::path::Path, detail: &str) -> String {
    let name = path.display().to_string();
    if detail.starts_with(&name) {
        detail.to_string()
    } else {
        format!("{name}: {detail}")
    }
}

/// What an I/O error says to the user: the OS's text, led by what it means when another program
/// holds the file open without sharing it (Windows' sharing and lock violations), which the OS
/// text alone does not tell an admin.
fn io_text(e: &std::io::Error) -> String {
    match platform::IoClass::of(e) {
        platform::IoClass::InUse => format!(
            "in use by another program that holds it open without sharing (a WIM that DISM \
             still has mounted, a hive loaded in regedit): close or unmount it and run again ({e})"
        ),
        _ => e.to_string(),
    }
}
