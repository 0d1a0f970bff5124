//! The typed errors of the library. Every variant names the file it is about; the `Display` form
//! is the one line the CLI prints after `inject-root: `.

use std::path::PathBuf;

/// Everything that can go wrong. Errors about inputs (certificates, `.reg` files, options) stop a
/// job before any target is touched; errors about a target are recorded in that target's report
/// and do not stop the other targets.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read, written or listed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A certificate file is not readable as a certificate (certblob's message, with offset).
    #[error("{}", prefixed(path, detail))]
    Certificate {
        /// The certificate file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
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
    /// A WIM file cannot be opened, read, staged or committed (wim's message).
    #[error("{}", prefixed(path, detail))]
    Wim {
        /// The WIM file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A requested image index does not exist in the WIM.
    #[error("{}: image index {index} does not exist (the WIM holds {count} images)", path.display())]
    NoSuchImage {
        /// The WIM file.
        path: PathBuf,
        /// The index asked for.
        index: u32,
        /// How many images the WIM holds.
        count: u32,
    },
    /// A hive cannot be parsed or edited (hive's message, with the byte offset).
    #[error("{}", prefixed(path, detail))]
    Hive {
        /// The hive (file path, or `WIM:index:Windows/System32/config/SOFTWARE`).
        path: PathBuf,
        /// What is wrong.
        detail: String,
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

impl Error {
    /// True when the caller asked for something that makes no sense (the CLI's usage exit code).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
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
