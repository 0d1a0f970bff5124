//! The human-readable report (stdout) and the one-line errors (stderr).

use inject::{CertEntry, ImageReport, Operation, Report, TargetReport, TrustReport};

use crate::error_line;

/// Prints the report as text on stdout.
pub fn print_text(report: &Report) {
    for input in &report.inputs {
        outln!(
            "certificate {}: {} {} expires {} -> {}/{} ({})",
            input.source,
            input.thumbprint,
            input.subject,
            input.not_after.as_deref().unwrap_or("?"),
            input.location,
            input.store,
            input.placement
        );
        for warning in &input.warnings {
            outln!("  warning: {warning}");
        }
    }
    for warning in &report.warnings {
        outln!("warning: {warning}");
    }
    if report.expect_trust_failed {
        outln!("expected trust NOT met: nothing was written (the check of every image follows)");
    }
    for target in &report.targets {
        for image in &target.images {
            print_image(report, target, image);
        }
        for warning in &target.warnings {
            outln!("{}: warning: {warning}", target.target.path().display());
        }
        outln!(
            "{}: {}",
            target.target.path().display(),
            summary(report, target)
        );
    }
}

fn print_image(report: &Report, target: &TargetReport, image: &ImageReport) {
    let path = target.target.path().display();
    match (image.index, &image.name) {
        (Some(index), Some(name)) => outln!("{path} image {index} ({name})"),
        (Some(index), None) => outln!("{path} image {index}"),
        _ => outln!("{}", image.hive),
    }
    if image.certificates.is_empty()
        && image.errors.is_empty()
        && report.operation == Operation::List
    {
        outln!("  (no certificates)");
    }
    for entry in &image.certificates {
        outln!("  {}", entry_line(report, entry));
    }
    if let Some(trust) = &image.trust {
        print_trust(trust);
    }
    if image.reused {
        outln!("  (same hive content as an earlier image: edit reused)");
    }
    for warning in &image.warnings {
        outln!("  warning: {warning}");
    }
    for error in &image.errors {
        outln!("  error: {error}");
    }
}

/// The verdict of a trust check: the path, or what is missing and what fixes it.
fn print_trust(t: &TrustReport) {
    let name = t
        .name
        .as_deref()
        .map(|n| format!(" for {n}"))
        .unwrap_or_default();
    let verdict = if t.trusted { "TRUSTED" } else { "NOT TRUSTED" };
    outln!("  {verdict}: {}{name} at {}", t.server, t.at);
    for (i, c) in t.path.iter().enumerate() {
        let arrow = if i == 0 { "path:" } else { "  <-" };
        let anchor = if c.anchor { ", trust anchor" } else { "" };
        outln!(
            "    {arrow} {} [{}] ({}{anchor})",
            c.subject,
            c.thumbprint,
            c.found_in
        );
    }
    for p in &t.problems {
        outln!("    problem: {}", p.message);
    }
    if let Some(m) = &t.missing_issuer {
        let key = m
            .key_identifier
            .as_deref()
            .map(|k| format!(", key identifier {k}"))
            .unwrap_or_default();
        outln!(
            "    missing issuer: {} (issuer of {}{key})",
            m.issuer,
            m.issued_to
        );
    }
    for fix in &t.fixes {
        outln!("    fix: {fix}");
    }
    for w in &t.warnings {
        outln!("    warning: {w}");
    }
    for u in &t.urls {
        outln!("    url ({}): {}", u.kind, u.url);
    }
}

fn entry_line(report: &Report, e: &CertEntry) -> String {
    let mut line = format!(
        "{:<16} {:<16} {} expires {} {}",
        e.action.describe(report.dry_run),
        format!("{}/{}", e.location, e.store),
        e.thumbprint,
        e.not_after
            .as_deref()
            .map(|d| d.get(..10).unwrap_or(d))
            .unwrap_or("?"),
        if e.subject.is_empty() {
            "(subject unknown)"
        } else {
            &e.subject
        }
    );
    if !e.key_matches {
        line.push_str("  [KEY NAME MISMATCH]");
    }
    if let Some(name) = &e.friendly_name {
        line.push_str(&format!("  \"{name}\""));
    }
    if let Some(note) = &e.note {
        line.push_str(&format!("  ({note})"));
    }
    for warning in &e.record_warnings {
        line.push_str(&format!("\n    warning: {warning}"));
    }
    line
}

fn summary(report: &Report, target: &TargetReport) -> String {
    let seconds = target.elapsed_ms as f64 / 1000.0;
    if !target.ok() && target.written {
        return format!(
            "FAILED after writing {} bytes ({seconds:.2} s)",
            target.bytes_written
        );
    }
    if !target.ok() {
        return format!("FAILED, nothing written ({seconds:.2} s)");
    }
    if target.written {
        return format!("written, {} bytes ({seconds:.2} s)", target.bytes_written);
    }
    let changed = target.images.iter().any(|i| i.changed);
    match (report.operation, report.dry_run, changed) {
        (Operation::List | Operation::Verify | Operation::Check, _, _) => {
            format!("read only ({seconds:.2} s)")
        }
        _ if report.expect_trust_failed => format!("nothing written ({seconds:.2} s)"),
        (_, true, true) => format!("dry run, would be written ({seconds:.2} s)"),
        _ => format!("unchanged, not written ({seconds:.2} s)"),
    }
}

/// Prints every error of the report as one `inject-root: ...` line on stderr.
pub fn print_problems(report: &Report) {
    for target in &report.targets {
        if let Some(error) = &target.error {
            error_line(error);
        }
        for image in &target.images {
            for error in &image.errors {
                error_line(error);
            }
        }
    }
}
