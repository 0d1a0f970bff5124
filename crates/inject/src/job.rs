//! The builder callers use: targets, certificates, store and options in; a [`Report`] out.

use std::path::PathBuf;
use std::time::Instant;

use certblob::{Location, Store, Thumbprint};
use rayon::prelude::*;

use crate::cache::{ops_digest, EditCache};
use crate::context::{millis, Work};
use crate::edit::HiveOp;
use crate::error::Error;
use crate::inputs::Inputs;
use crate::inspect::Expected;
use crate::placement::StoreChoice;
use crate::progress::{ProgressEvent, ProgressKind};
use crate::report::{Operation, Report, TargetReport};
use crate::stores;
use crate::target::Target;
use crate::targets;
use crate::time::now_unix;
use crate::trust::TrustQuery;

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
    store: Option<Store>,
    root_store: Store,
    location: Location,
    server_cert: Option<PathBuf>,
    chain_files: Vec<PathBuf>,
    name: Option<String>,
    expect_trust: Option<PathBuf>,
    dry_run: bool,
    rebuild: bool,
    no_replay: bool,
    force: bool,
    jobs: usize,
    indexes: Vec<u32>,
    now_unix: Option<i64>,
}

impl Job {
    /// A job doing `operation`, with no targets yet, location machine, and certificates placed
    /// by kind (a self-signed CA in AuthRoot, any other CA certificate in CA).
    pub fn new(operation: Operation) -> Job {
        Job {
            operation,
            targets: Vec::new(),
            cert_files: Vec::new(),
            reg_files: Vec::new(),
            thumbprints: Vec::new(),
            expect_thumbprints: Vec::new(),
            store: None,
            root_store: Store::AuthRoot,
            location: Location::Machine,
            server_cert: None,
            chain_files: Vec::new(),
            name: None,
            expect_trust: None,
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

    /// Puts every certificate into `store` (add), or looks only there (remove, verify). Without
    /// it, an add places each certificate by kind, as Windows' certificate import wizard does: a
    /// self-signed CA into the root store ([`Job::root_store`]), any other CA certificate into
    /// `CA`; remove and verify find a certificate in whichever store it is.
    pub fn store(mut self, store: Store) -> Job {
        self.store = Some(store);
        self
    }

    /// The root store self-signed CA certificates go to when placed by kind (default AuthRoot,
    /// as in Microsoft's procedure; Root is the other choice).
    pub fn root_store(mut self, store: Store) -> Job {
        self.root_store = store;
        self
    }

    /// `check`: the server certificate to judge (the first certificate of the file; any others
    /// in it count as chain certificates).
    pub fn server_certificate(mut self, path: impl Into<PathBuf>) -> Job {
        self.server_cert = Some(path.into());
        self
    }

    /// `check` and [`Job::expect_trust`]: a file of certificates the path may use as issuers
    /// besides the image's stores (what the server sends in its TLS handshake).
    pub fn chain_file(mut self, path: impl Into<PathBuf>) -> Job {
        self.chain_files.push(path.into());
        self
    }

    /// `check` and [`Job::expect_trust`]: the name the client connects to; the server
    /// certificate must cover it.
    pub fn name(mut self, name: impl Into<String>) -> Job {
        self.name = Some(name.into());
        self
    }

    /// Add: before anything is written, check that every image would trust this server
    /// certificate after the change; if some would not, nothing is written and the report says
    /// so ([`Report::expect_trust_failed`]).
    pub fn expect_trust(mut self, server_certificate: impl Into<PathBuf>) -> Job {
        self.expect_trust = Some(server_certificate.into());
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

    /// The clock used to judge certificate validity, and the time `check` judges the path at
    /// (unix seconds; default: now).
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
        let trust = self.trust_query(now, &inputs)?;
        let pass = Pass {
            targets: &unique,
            ops: &ops,
            expected: &expected,
            trust: trust.as_ref(),
        };
        let mut expect_trust_failed = false;
        let targets = match (&trust, self.operation) {
            (Some(_), Operation::Add) => {
                // Every image is judged with the certificates as if added, before any target
                // is written: one image that would not trust the server stops them all.
                // The check pass reports its progress, but a target is finished only once it
                // has been written.
                let quiet_finish = |event: ProgressEvent| {
                    if !matches!(event.kind, ProgressKind::Finished { .. }) {
                        progress(event)
                    }
                };
                let check = self.run_pass(Operation::Check, &pass, &quiet_finish)?;
                if check.iter().all(TargetReport::ok)
                    && !check
                        .iter()
                        .flat_map(|t| &t.images)
                        .any(|i| i.trust.as_ref().is_some_and(|t| !t.trusted))
                {
                    let mut added = self.run_pass(Operation::Add, &pass, progress)?;
                    carry_trust(check, &mut added);
                    added
                } else {
                    expect_trust_failed = true;
                    check
                }
            }
            _ => self.run_pass(self.operation, &pass, progress)?,
        };
        Ok(Report {
            operation: self.operation,
            dry_run: self.dry_run || expect_trust_failed,
            inputs: inputs.described,
            warnings: inputs.warnings,
            targets,
            expect_trust_failed,
            elapsed_ms: millis(started),
        })
    }

    /// Runs `operation` over every target of `pass`, in parallel.
    fn run_pass(
        &self,
        operation: Operation,
        pass: &Pass,
        progress: &(dyn Fn(ProgressEvent) + Sync),
    ) -> Result<Vec<TargetReport>, Error> {
        let cache = EditCache::default();
        let file_sizes = crate::target::hive_file_sizes(pass.targets);
        let work = Work {
            operation,
            ops: pass.ops,
            ops_digest: ops_digest(pass.ops),
            expected: pass.expected,
            trust: pass.trust,
            dry_run: self.dry_run,
            rebuild: self.rebuild,
            no_replay: self.no_replay,
            indexes: &self.indexes,
            cache: &cache,
            file_sizes,
            progress,
        };
        // A scoped pool: its threads are joined before the pass returns, so no worker thread is
        // still winding down when the caller (or the process) moves on.
        rayon::ThreadPoolBuilder::new()
            // 0 lets rayon pick (one per core); never more threads than targets.
            .num_threads(self.jobs.min(pass.targets.len()))
            .build_scoped(
                |thread| thread.run(),
                |pool| {
                    pool.install(|| {
                        pass.targets
                            .par_iter()
                            .enumerate()
                            .map(|(i, target)| targets::process_target(&work, i, target))
                            .collect()
                    })
                },
            )
            .map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))
    }

    /// `check`, or an add with an expected trust: the server certificate, the chain, the name
    /// and the time; `None` for everything else.
    fn trust_query(&self, now: i64, inputs: &Inputs) -> Result<Option<TrustQuery>, Error> {
        let server = match (self.operation, &self.server_cert, &self.expect_trust) {
            (Operation::Check, Some(server), _) | (Operation::Add, _, Some(server)) => server,
            (Operation::Check, None, _) => {
                return Err(Error::Usage("check needs a server certificate".into()))
            }
            _ => {
                if !self.chain_files.is_empty() || self.name.is_some() {
                    return Err(Error::Usage(
                        "a chain or a name goes with check or with an expected trust".into(),
                    ));
                }
                return Ok(None);
            }
        };
        let mut query = TrustQuery::load(server, &self.chain_files, self.name.clone(), now)?;
        if self.operation == Operation::Add {
            query.additions = inputs.insertions.clone();
        }
        Ok(Some(query))
    }

    fn load_inputs(&self, now: i64) -> Result<Inputs, Error> {
        let mut inputs = Inputs::default();
        let wants_certs = matches!(self.operation, Operation::Add | Operation::Verify);
        let choice = StoreChoice {
            explicit: self.store,
            root_store: self.root_store,
        };
        let has_certs = !(self.cert_files.is_empty() && self.reg_files.is_empty());
        if !wants_certs && has_certs {
            return Err(Error::Usage(format!(
                "{} takes no certificate files",
                operation_name(self.operation)
            )));
        }
        for path in &self.cert_files {
            inputs.add_certificate_file(path, self.location, choice, self.force, now)?;
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
        // Where a certificate given by thumbprint is looked for: the named store, or every
        // store of every location (the root store first).
        let anywhere = self.store.is_none();
        let first = (self.location, self.store.unwrap_or(self.root_store));
        let places = |tp: &Thumbprint| stores::places(tp, first, anywhere);
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
                    .map(|tp| HiveOp::Delete {
                        thumbprint: tp.to_string(),
                        places: places(tp),
                    })
                    .collect();
                Ok((ops, Vec::new()))
            }
            Operation::Verify => {
                let mut expected: Vec<Expected> = inputs
                    .insertions
                    .iter()
                    .map(|i| Expected {
                        thumbprint: i.thumbprint().to_string(),
                        der: Some(i.certificate.der().to_vec()),
                        subject: i.certificate.info().subject.clone(),
                        places: stores::places(&i.thumbprint(), (i.location, i.store), anywhere),
                    })
                    .collect();
                for tp in &thumbprints {
                    expected.push(Expected {
                        thumbprint: tp.to_string(),
                        der: None,
                        subject: String::new(),
                        places: places(tp),
                    });
                }
                if expected.is_empty() {
                    return Err(Error::Usage(
                        "verify needs a certificate (--cert, --reg or --thumbprint)".into(),
                    ));
                }
                Ok((Vec::new(), expected))
            }
            Operation::List | Operation::Check => {
                if !thumbprints.is_empty() {
                    return Err(Error::Usage(format!(
                        "{} takes no --thumbprint",
                        operation_name(self.operation)
                    )));
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
        Operation::Check => "check",
    }
}

/// What one pass over the targets works with.
struct Pass<'a> {
    targets: &'a [Target],
    ops: &'a [HiveOp],
    expected: &'a [Expected],
    trust: Option<&'a TrustQuery>,
}

/// Gives each image of an add the trust verdict its check pass found (same targets, same
/// images, in the same order).
fn carry_trust(check: Vec<TargetReport>, added: &mut [TargetReport]) {
    for (checked, target) in check.into_iter().zip(added.iter_mut()) {
        for (image_check, image) in checked.images.into_iter().zip(target.images.iter_mut()) {
            if image_check.index == image.index {
                image.trust = image_check.trust;
            }
        }
    }
}
