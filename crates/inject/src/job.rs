//! The builder callers use: targets, certificates, store and options in; a [`Report`] out.

use std::path::PathBuf;
use std::time::Instant;

use certblob::{Location, Store, Thumbprint};
use rayon::prelude::*;

use crate::cache::{ops_digest, EditCache};
use crate::edit::HiveOp;
use crate::error::Error;
use crate::inputs::Inputs;
use crate::inspect::Expected;
use crate::process::Work;
use crate::progress::ProgressEvent;
use crate::report::{Operation, Report};
use crate::run_target;
use crate::stores;
use crate::target::Target;
use crate::time::now_unix;

/// One run of inject-root: what to do, on which targets, with which certificates.
///
/// ```no_run
/// use inject::{Job, Operation, Target};
/// let report = Job::new(Operation::Add)
///     .target(Target::Wim("boot.wim".into()))
///     .certificate_file("root.cer")
///     .run(&|_progress| {})?;
/// assert!(report.all_ok());
/// # Ok::<(), inject::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Job {
    operation: Operation,
    targets: Vec<Target>,
    cert_files: Vec<PathBuf>,
    reg_files: Vec<PathBuf>,
    thumbprints: Vec<String>,
    expect_thumbprints: Vec<String>,
    store: Store,
    location: Location,
    dry_run: bool,
    rebuild: bool,
    no_replay: bool,
    force: bool,
    jobs: usize,
    indexes: Vec<u32>,
    now_unix: Option<i64>,
}

impl Job {
    /// A job doing `operation`, with no targets yet, store AuthRoot, location machine.
    pub fn new(operation: Operation) -> Job {
        Job {
            operation,
            targets: Vec::new(),
            cert_files: Vec::new(),
            reg_files: Vec::new(),
            thumbprints: Vec::new(),
            expect_thumbprints: Vec::new(),
            store: Store::AuthRoot,
            location: Location::Machine,
            dry_run: false,
            rebuild: false,
            no_replay: false,
            force: false,
            jobs: 0,
            indexes: Vec::new(),
            now_unix: None,
        }
    }

    /// Adds a target.
    pub fn target(mut self, target: Target) -> Job {
        self.targets.push(target);
        self
    }

    /// Adds several targets.
    pub fn targets(mut self, targets: impl IntoIterator<Item = Target>) -> Job {
        self.targets.extend(targets);
        self
    }

    /// Adds a certificate file (DER, PEM, bundle, PKCS#7: every format certblob reads).
    pub fn certificate_file(mut self, path: impl Into<PathBuf>) -> Job {
        self.cert_files.push(path.into());
        self
    }

    /// Adds a regedit export; its certificate entries are applied where the file puts them
    /// (store and location come from the file), every other operation is skipped with a warning.
    pub fn reg_file(mut self, path: impl Into<PathBuf>) -> Job {
        self.reg_files.push(path.into());
        self
    }

    /// `remove` / `verify`: a certificate given by its SHA-1 thumbprint (hex, spaces and colons
    /// allowed).
    pub fn thumbprint(mut self, thumbprint: impl Into<String>) -> Job {
        self.thumbprints.push(thumbprint.into());
        self
    }

    /// Fail before touching any target unless the certificates given are exactly these.
    pub fn expect_thumbprint(mut self, thumbprint: impl Into<String>) -> Job {
        self.expect_thumbprints.push(thumbprint.into());
        self
    }

    /// The store for certificate files and thumbprints (default AuthRoot).
    pub fn store(mut self, store: Store) -> Job {
        self.store = store;
        self
    }

    /// The location of the store (default machine).
    pub fn location(mut self, location: Location) -> Job {
        self.location = location;
        self
    }

    /// Plan only: report what would happen, write nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Job {
        self.dry_run = dry_run;
        self
    }

    /// Rewrite each changed WIM as a whole (temporary file in the same directory, fsync, rename)
    /// instead of appending the new data and switching the header. Slower, but the WIM does not
    /// keep the old hive's data (no growth on every run) and there is no power-loss window.
    pub fn rebuild(mut self, rebuild: bool) -> Job {
        self.rebuild = rebuild;
        self
    }

    /// Refuse a dirty hive instead of replaying its transaction logs in memory first (the
    /// default replays them the way Windows does when it loads the hive, then edits and writes
    /// a clean primary and empties the logs).
    pub fn no_replay(mut self, no_replay: bool) -> Job {
        self.no_replay = no_replay;
        self
    }

    /// Inject certificates that certblob refuses (not a CA, expired...), keeping the findings as
    /// warnings.
    pub fn force(mut self, force: bool) -> Job {
        self.force = force;
        self
    }

    /// Targets processed in parallel (0: one per core).
    pub fn jobs(mut self, jobs: usize) -> Job {
        self.jobs = jobs;
        self
    }

    /// Restricts WIM targets to this image index (1-based); may be given several times.
    pub fn image_index(mut self, index: u32) -> Job {
        self.indexes.push(index);
        self
    }

    /// The clock used to judge certificate validity (unix seconds; default: now).
    pub fn now(mut self, unix: i64) -> Job {
        self.now_unix = Some(unix);
        self
    }

    /// Runs the job. Input errors (unreadable or refused certificates, bad options) return `Err`
    /// before any target is touched; target failures are recorded in the report, and the other
    /// targets go on. `progress` is called from worker threads.
    pub fn run(&self, progress: &(dyn Fn(ProgressEvent) + Sync)) -> Result<Report, Error> {
        let started = Instant::now();
        if self.targets.is_empty() {
            return Err(Error::Usage(
                "no target given (--wim, --mount or --hive)".into(),
            ));
        }
        let now = self.now_unix.unwrap_or_else(now_unix);
        let mut inputs = self.load_inputs(now)?;
        let (unique, duplicates) = crate::target::distinct_files(&self.targets);
        inputs.warnings.extend(duplicates);
        let (ops, expected) = self.plan(&inputs)?;
        let cache = EditCache::default();
        let file_sizes = crate::target::hive_file_sizes(&unique);
        let work = Work {
            operation: self.operation,
            ops: &ops,
            ops_digest: ops_digest(&ops),
            expected: &expected,
            dry_run: self.dry_run,
            rebuild: self.rebuild,
            no_replay: self.no_replay,
            indexes: &self.indexes,
            cache: &cache,
            file_sizes,
            progress,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            // 0 lets rayon pick (one per core); never more threads than targets.
            .num_threads(self.jobs.min(unique.len()))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))?;
        let reports = pool.install(|| {
            unique
                .par_iter()
                .enumerate()
                .map(|(i, target)| run_target::process_target(&work, i, target))
                .collect()
        });
        Ok(Report {
            operation: self.operation,
            dry_run: self.dry_run,
            inputs: inputs.described,
            warnings: inputs.warnings,
            targets: reports,
            elapsed_ms: millis(started),
        })
    }

    fn load_inputs(&self, now: i64) -> Result<Inputs, Error> {
        let mut inputs = Inputs::default();
        let wants_certs = matches!(self.operation, Operation::Add | Operation::Verify);
        let has_certs = !(self.cert_files.is_empty() && self.reg_files.is_empty());
        if !wants_certs && has_certs {
            return Err(Error::Usage(format!(
                "{} takes no certificate files",
                operation_name(self.operation)
            )));
        }
        for path in &self.cert_files {
            inputs.add_certificate_file(path, self.location, self.store, self.force, now)?;
        }
        for path in &self.reg_files {
            inputs.add_reg_file(path, self.force, now)?;
        }
        if !self.expect_thumbprints.is_empty() {
            let expected = parse_thumbprints(&self.expect_thumbprints)?;
            for insertion in &inputs.insertions {
                if !expected.contains(&insertion.thumbprint()) {
                    return Err(Error::UnexpectedThumbprint {
                        path: insertion.source.clone(),
                        found: insertion.thumbprint().to_string(),
                        expected: join(&expected),
                    });
                }
            }
            for want in &expected {
                if !inputs.insertions.iter().any(|i| i.thumbprint() == *want) {
                    let path = self
                        .cert_files
                        .iter()
                        .chain(&self.reg_files)
                        .next()
                        .cloned()
                        .unwrap_or_default();
                    let found = inputs
                        .insertions
                        .iter()
                        .map(|i| i.thumbprint())
                        .collect::<Vec<_>>();
                    return Err(Error::UnexpectedThumbprint {
                        path,
                        found: if found.is_empty() {
                            "nothing".into()
                        } else {
                            join(&found)
                        },
                        expected: want.to_string(),
                    });
                }
            }
        }
        Ok(inputs)
    }

    fn plan(&self, inputs: &Inputs) -> Result<(Vec<HiveOp>, Vec<Expected>), Error> {
        let thumbprints = parse_thumbprints(&self.thumbprints)?;
        let by_thumbprint = |tp: &Thumbprint| {
            (
                certblob::cert_key_path(self.location, self.store, tp),
                stores::store_name(self.location, self.store),
                stores::location_name(self.location).to_string(),
            )
        };
        match self.operation {
            Operation::Add => {
                if inputs.insertions.is_empty() {
                    return Err(Error::Usage(
                        "add needs a certificate (--cert or --reg)".into(),
                    ));
                }
                if !thumbprints.is_empty() {
                    return Err(Error::Usage(
                        "add takes certificates, not --thumbprint".into(),
                    ));
                }
                Ok((
                    inputs
                        .insertions
                        .iter()
                        .cloned()
                        .map(|i| HiveOp::Put(Box::new(i)))
                        .collect(),
                    Vec::new(),
                ))
            }
            Operation::Remove => {
                if thumbprints.is_empty() {
                    return Err(Error::Usage("remove needs --thumbprint".into()));
                }
                let ops = thumbprints
                    .iter()
                    .map(|tp| {
                        let (key, store, location) = by_thumbprint(tp);
                        HiveOp::Delete {
                            key,
                            thumbprint: tp.to_string(),
                            store,
                            location,
                        }
                    })
                    .collect();
                Ok((ops, Vec::new()))
            }
            Operation::Verify => {
                let mut expected: Vec<Expected> = inputs
                    .insertions
                    .iter()
                    .map(|i| Expected {
                        key: i.key.clone(),
                        thumbprint: i.thumbprint().to_string(),
                        der: Some(i.certificate.der().to_vec()),
                        subject: i.certificate.info().subject.clone(),
                        store: stores::store_name(i.location, i.store),
                        location: stores::location_name(i.location).to_string(),
                    })
                    .collect();
                for tp in &thumbprints {
                    let (key, store, location) = by_thumbprint(tp);
                    expected.push(Expected {
                        key,
                        thumbprint: tp.to_string(),
                        der: None,
                        subject: String::new(),
                        store,
                        location,
                    });
                }
                if expected.is_empty() {
                    return Err(Error::Usage(
                        "verify needs a certificate (--cert, --reg or --thumbprint)".into(),
                    ));
                }
                Ok((Vec::new(), expected))
            }
            Operation::List => {
                if !thumbprints.is_empty() {
                    return Err(Error::Usage("list takes no --thumbprint".into()));
                }
                Ok((Vec::new(), Vec::new()))
            }
        }
    }
}

fn parse_thumbprints(texts: &[String]) -> Result<Vec<Thumbprint>, Error> {
    texts
        .iter()
        .map(|t| {
            t.parse::<Thumbprint>()
                .map_err(|e| Error::Usage(format!("invalid thumbprint {t:?}: {e}")))
        })
        .collect()
}

fn join(thumbprints: &[Thumbprint]) -> String {
    thumbprints
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn operation_name(operation: Operation) -> &'static str {
    match operation {
        Operation::Add => "add",
        Operation::Remove => "remove",
        Operation::List => "list",
        Operation::Verify => "verify",
    }
}

/// Milliseconds since `started`, saturating.
pub(crate) fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
