//! Make offline Windows boot images trust root certificates.
//!
//! This crate is the library behind the `inject-root` command: it takes targets (WIM files,
//! mounted image directories, bare SOFTWARE hives), certificates and options, edits the
//! certificate stores of every SOFTWARE hive, checks every edited hive with the independent
//! `nt-hive` parser before anything is written, commits each target at most once, and returns a
//! [`Report`] (serde `Serialize`). It never prints and never exits; progress is reported through
//! a callback.
//!
//! ```no_run
//! use inject::{Job, Operation, Target};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let report = Job::new(Operation::Add)
//!     .target(Target::Wim("boot.wim".into()))
//!     .certificate_file("root.cer")
//!     .run(&|_progress| {})?;
//! assert!(report.all_ok());
//! println!("{}", serde_json::to_string_pretty(&report)?);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod context;
mod edit;
mod error;
mod file_state;
mod guard;
mod hive_step;
mod inputs;
mod inspect;
mod job;
mod logs;
mod placement;
mod progress;
mod readback;
mod reg_input;
mod report;
mod stores;
mod target;
mod targets;
mod time;
mod trust;

pub use certblob::{Location, Store};
pub use error::{Error, ErrorKind};
pub use job::Job;
pub use progress::{ProgressEvent, ProgressKind};
pub use report::{
    Action, CertEntry, ImageReport, InputCertificate, MissingIssuer, Operation, PathEntry, Report,
    TargetReport, TrustProblem, TrustReport, TrustUrl, WimCommitReport,
};
pub use target::Target;
pub use time::parse_rfc3339;
pub use wim::wimlib_version;
