//! `inject-root`: make offline Windows boot images trust a root certificate.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
mod stdout;
mod args;
mod demo;
mod output;
mod progress;
mod targets;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use args::{AddArgs, CheckArgs, Cli, Command, LocationArg, RunArgs, StoreArgs, TrustArgs};
use inject::{Job, Location, Operation, Report, Store, Target};

/// What `--version` (and `-V`) print after the name: this version, the target it was built
/// for and the wimlib linked in, e.g. `0.1.0 (x86_64-pc-windows-gnu, wimlib 1.14.4)`.
fn version_line() -> String {
    format!(
        "{} ({}, wimlib {})",
        env!("CARGO_PKG_VERSION"),
        env!("INJECT_ROOT_TARGET"),
        inject::wimlib_version()
    )
}

/// The command line, parsed (clap exits on `--help`, `--version` and usage errors).
fn parse() -> Cli {
    // Once per process: clap wants the version text for as long as the command lives.
    let version: &'static str = Box::leak(version_line().into_boxed_str());
    let matches = Cli::command()
        .version(version)
        .long_version(version)
        .get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Exit code: done.
pub const EXIT_OK: u8 = 0;
/// Exit code: some target failed.
pub const EXIT_TARGET_FAILED: u8 = 1;
/// Exit code: usage error (clap uses 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: verify found a missing or malformed certificate; check found an image that does
/// not trust the server.
pub const EXIT_VERIFY_MISMATCH: u8 = 3;
/// Exit code: input rejected before any target was touched.
pub const EXIT_INPUT: u8 = 4;

fn main() -> ExitCode {
    let cli = parse();
    ExitCode::from(run(cli))
}

/// Prints `inject-root: <message>` on stderr.
pub fn error_line(message: &str) {
    let _ = writeln!(std::io::stderr(), "inject-root: {message}");
}

fn run(cli: Cli) -> u8 {
    match cli.command {
        None => add(cli.add),
        Some(Command::Add(a)) => add(a),
        Some(Command::List(a)) => {
            let job = Job::new(Operation::List);
            execute(job, &a.targets, &a.run)
        }
        Some(Command::Remove(a)) => {
            let Some(job) = with_store(Job::new(Operation::Remove), &a.store) else {
                return EXIT_USAGE;
            };
            let job = a
                .thumbprint
                .iter()
                .fold(job, |j, t| j.thumbprint(t.clone()))
                .dry_run(a.dry_run)
                .rebuild(a.rebuild);
            execute(job, &a.targets, &a.run)
        }
        Some(Command::Verify(a)) => {
            let Some(job) = with_store(Job::new(Operation::Verify), &a.store) else {
                return EXIT_USAGE;
            };
            let job = a
                .thumbprint
                .iter()
                .fold(job, |j, t| j.thumbprint(t.clone()));
            let job = with_certs(job, &a.certs);
            execute(job, &a.targets, &a.run)
        }
        Some(Command::Check(a)) => check(a),
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "inject-root", &mut std::io::stdout());
            EXIT_OK
        }
        Some(Command::Man) => {
            let man = clap_mangen::Man::new(Cli::command());
            match man.render(&mut std::io::stdout()) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    error_line(&format!("cannot write the man page: {e}"));
                    EXIT_TARGET_FAILED
                }
            }
        }
        Some(Command::Demo { dir }) => demo::run(dir),
    }
}

fn add(a: AddArgs) -> u8 {
    let Some(job) = with_store(Job::new(Operation::Add), &a.store) else {
        return EXIT_USAGE;
    };
    let root_store = match a.root_store.parse::<Store>() {
        Ok(s @ (Store::AuthRoot | Store::Root)) => s,
        _ => {
            error_line(&format!(
                "--root-store {}: must be AuthRoot or Root",
                a.root_store
            ));
            return EXIT_USAGE;
        }
    };
    if a.expect_trust.is_none() && (!a.trust.chain.is_empty() || a.trust.name.is_some()) {
        error_line("--chain and --name go with --expect-trust (or with `inject-root check`)");
        return EXIT_USAGE;
    }
    let job = with_certs(job, &a.certs)
        .root_store(root_store)
        .dry_run(a.dry_run)
        .rebuild(a.rebuild)
        .force(a.force);
    let job = match &a.expect_trust {
        Some(server) => with_trust(job.expect_trust(server.clone()), &a.trust),
        None => job,
    };
    execute(job, &a.targets, &a.run)
}

fn check(a: CheckArgs) -> u8 {
    let mut job = Job::new(Operation::Check).server_certificate(a.server_cert.clone());
    if let Some(at) = &a.at {
        match inject::parse_rfc3339(at) {
            Ok(unix) => job = job.now(unix),
            Err(e) => {
                error_line(&format!("--at: {e}"));
                return EXIT_USAGE;
            }
        }
    }
    execute(with_trust(job, &a.trust), &a.targets, &a.run)
}

fn with_trust(job: Job, trust: &TrustArgs) -> Job {
    let job = trust.chain.iter().fold(job, |j, c| j.chain_file(c.clone()));
    match &trust.name {
        Some(name) => job.name(name.clone()),
        None => job,
    }
}

fn with_store(job: Job, store: &StoreArgs) -> Option<Job> {
    let location = match store.location {
        LocationArg::Machine => Location::Machine,
        LocationArg::Policy => Location::Policy,
        LocationArg::Enterprise => Location::Enterprise,
    };
    let job = job.location(location);
    let Some(name) = &store.store else {
        return Some(job);
    };
    match name.parse::<Store>() {
        Ok(s) => Some(job.store(s)),
        Err(e) => {
            error_line(&format!("--store {name}: {e}"));
            None
        }
    }
}

fn with_certs(job: Job, certs: &args::CertArgs) -> Job {
    let job = certs
        .cert
        .iter()
        .fold(job, |j, c| j.certificate_file(c.clone()));
    let job = certs.reg.iter().fold(job, |j, r| j.reg_file(r.clone()));
    certs
        .expect_thumbprint
        .iter()
        .fold(job, |j, t| j.expect_thumbprint(t.clone()))
}

/// Resolves the targets, runs the job with progress display, prints the report, and returns the
/// exit code.
fn execute(job: Job, target_args: &args::TargetArgs, run: &RunArgs) -> u8 {
    let targets = match targets::resolve(target_args) {
        Ok(t) => t,
        Err(message) => {
            error_line(&message);
            return EXIT_USAGE;
        }
    };
    if !target_args.index.is_empty() && !targets.iter().any(|t| matches!(t, Target::Wim(_))) {
        error_line("--index selects images of WIM files: give at least one --wim or --wim-list");
        return EXIT_USAGE;
    }
    let display = progress::Display::new(run.quiet, targets.len());
    let job = target_args
        .index
        .iter()
        .fold(job.targets(targets), |j, &i| j.image_index(i))
        .jobs(run.jobs)
        .no_replay(run.no_replay);
    let result = job.run(&|event| display.event(event));
    display.finish();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            error_line(&e.to_string());
            return if e.is_usage() { EXIT_USAGE } else { EXIT_INPUT };
        }
    };
    if run.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => outln!("{json}"),
            Err(e) => error_line(&format!("cannot serialize the report: {e}")),
        }
    } else {
        output::print_text(&report);
    }
    output::print_problems(&report);
    exit_code(&report)
}

fn exit_code(report: &Report) -> u8 {
    if report.expect_trust_failed && report.trust_failed() {
        EXIT_INPUT
    } else if !report.all_ok() {
        EXIT_TARGET_FAILED
    } else if (report.operation == Operation::Verify && report.verify_failed())
        || (report.operation == Operation::Check && report.trust_failed())
    {
        EXIT_VERIFY_MISMATCH
    } else {
        EXIT_OK
    }
}
