//! Path building: a depth-first search over every candidate issuer, evaluating each complete
//! path, stopping at the first fully valid one and otherwise keeping the best failing one.

use std::collections::{HashMap, HashSet};

use crate::cert::{hex_upper, Cert, Role};
use crate::checks::{self, Context};
use crate::name::NormName;
use crate::signature::{self, SigOutcome};
use crate::urls;
use crate::verdict::{MissingIssuer, PathCert, Problem, ProblemKind, Verdict};
use crate::{Error, Input, LEAF_SOURCE, MAX_PATHS, MAX_PATH_LEN};

/// How a complete path ends; the order is the preference among failing paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    /// At a trust anchor.
    Anchor,
    /// At a self-signed certificate that is not an anchor.
    UntrustedRoot,
    /// At a certificate whose issuer was not found.
    MissingIssuer,
    /// At the depth limit.
    TooLong,
}

/// One evaluated path.
struct Evaluated {
    /// Pool indices, leaf first.
    path: Vec<usize>,
    end: End,
    problems: Vec<Problem>,
}

impl Evaluated {
    /// Sort key: smaller is better.
    fn rank(&self) -> (End, usize, std::cmp::Reverse<usize>) {
        (
            self.end,
            self.problems.len(),
            std::cmp::Reverse(self.path.len()),
        )
    }
}

/// Judges whether `input.leaf` chains to one of `input.anchors`.
///
/// Returns `Err` only when the leaf is not a parseable X.509 certificate; unparseable
/// intermediates and anchors are skipped.
pub fn evaluate(input: &Input) -> Result<Verdict, Error> {
    let leaf = Cert::parse(&input.leaf, LEAF_SOURCE, Role::Leaf).map_err(Error::LeafUnparseable)?;
    let leaf_is_anchor = input.anchors.iter().any(|a| a.der == input.leaf);
    let mut pool = vec![leaf];
    let mut seen: HashSet<[u8; 20]> = HashSet::new();
    for (candidates, role) in [
        (&input.anchors, Role::Anchor),
        (&input.intermediates, Role::Intermediate),
    ] {
        for c in candidates {
            if let Ok(cert) = Cert::parse(&c.der, &c.source, role) {
                if seen.insert(cert.thumbprint) {
                    pool.push(cert);
                }
            }
        }
    }
    let disallowed: HashSet<[u8; 20]> = input.disallowed.iter().copied().collect();
    let ctx = Context {
        at: input.at_unix,
        name: input.name.as_deref(),
        disallowed: &disallowed,
    };
    let mut search = Search::new(&pool, &ctx);
    let mut path = vec![0];
    if leaf_is_anchor && pool[0].is_self_issued() {
        search.finish(&path, End::Anchor);
    } else {
        search.dfs(&mut path);
    }
    let paths_tried = search.tried;
    let chosen = match (search.found, search.best) {
        (Some(found), _) => found,
        (None, Some(best)) => best,
        // Unreachable in practice (the search always ends at least one path), but a
        // verdict is still due.
        (None, None) => {
            let end = End::MissingIssuer;
            let problems = search_free_problems(&pool, &ctx, end);
            Evaluated {
                path: vec![0],
                end,
                problems,
            }
        }
    };
    Ok(verdict(&pool, chosen, paths_tried, input.at_unix))
}

/// Problems of the leaf-only path, for the fallback above.
fn search_free_problems(pool: &[Cert<'_>], ctx: &Context<'_>, end: End) -> Vec<Problem> {
    let mut problems = checks::problems(&[&pool[0]], false, ctx);
    problems.push(end_problem(&pool[0], 0, end));
    problems
}

/// The search state.
struct Search<'p, 'i> {
    pool: &'p [Cert<'i>],
    ctx: &'p Context<'p>,
    /// Pool indices by normalized subject.
    by_subject: HashMap<&'p NormName, Vec<usize>>,
    /// Signature outcomes by (subject index, issuer index).
    signatures: HashMap<(usize, usize), SigOutcome>,
    tried: usize,
    found: Option<Evaluated>,
    best: Option<Evaluated>,
}

impl<'p, 'i> Search<'p, 'i> {
    fn new(pool: &'p [Cert<'i>], ctx: &'p Context<'p>) -> Search<'p, 'i> {
        let mut by_subject: HashMap<&NormName, Vec<usize>> = HashMap::new();
        for (i, cert) in pool.iter().enumerate().skip(1) {
            by_subject.entry(&cert.subject).or_default().push(i);
        }
        Search {
            pool,
            ctx,
            by_subject,
            signatures: HashMap::new(),
            tried: 0,
            found: None,
            best: None,
        }
    }

    /// The outcome of verifying `pool[child]` with `pool[issuer]`'s key, cached.
    fn signature(&mut self, child: usize, issuer: usize) -> SigOutcome {
        let pool = self.pool;
        self.signatures
            .entry((child, issuer))
            .or_insert_with(|| {
                signature::verify(
                    pool[child].der,
                    &pool[child].x509,
                    pool[issuer].x509.public_key(),
                )
            })
            .clone()
    }

    /// Explores every extension of `path`; returns true when the search must stop.
    fn dfs(&mut self, path: &mut Vec<usize>) -> bool {
        if self.tried >= MAX_PATHS {
            return true;
        }
        let last = path[path.len() - 1];
        if path.len() > 1 && self.pool[last].role == Role::Anchor {
            return self.finish(path, End::Anchor);
        }
        let candidates = self.candidates(path);
        let self_signed = self.is_self_signed(last);
        if candidates.is_empty() {
            let end = if self_signed {
                End::UntrustedRoot
            } else {
                End::MissingIssuer
            };
            return self.finish(path, end);
        }
        // A self-signed root that is not an anchor may still be cross-signed by one: record
        // the path ending here, then look further.
        if self_signed && self.finish(path, End::UntrustedRoot) {
            return true;
        }
        if path.len() >= MAX_PATH_LEN {
            return self.finish(path, End::TooLong);
        }
        for next in candidates {
            path.push(next);
            let stop = self.dfs(path);
            path.pop();
            if stop {
                return true;
            }
        }
        false
    }

    /// Possible issuers of the path's last certificate, most promising first: those whose
    /// key verifies its signature, then those valid at the check time, then anchors.
    fn candidates(&mut self, path: &[usize]) -> Vec<usize> {
        let last = path[path.len() - 1];
        let pool = self.pool;
        let in_path: Vec<&[u8; 20]> = path.iter().map(|&i| &pool[i].thumbprint).collect();
        let Some(named) = self.by_subject.get(&pool[last].issuer) else {
            return Vec::new();
        };
        let named = named.clone();
        let mut keyed: Vec<(bool, bool, bool, usize)> = Vec::new();
        for i in named {
            let cand = &pool[i];
            if in_path.contains(&&cand.thumbprint) || !pool[last].could_be_issued_by(cand) {
                continue;
            }
            let sig_ok = self.signature(last, i) == SigOutcome::Good;
            let validity = cand.x509.validity();
            let in_time = validity.not_before.timestamp() <= self.ctx.at
                && self.ctx.at <= validity.not_after.timestamp();
            keyed.push((!sig_ok, !in_time, cand.role != Role::Anchor, i));
        }
        keyed.sort();
        keyed.into_iter().map(|k| k.3).collect()
    }

    /// Self-issued and not contradicted by its own signature.
    fn is_self_signed(&mut self, i: usize) -> bool {
        self.pool[i].is_self_issued() && !matches!(self.signature(i, i), SigOutcome::Bad(_))
    }

    /// Evaluates a complete path; returns true when the search must stop.
    fn finish(&mut self, path: &[usize], end: End) -> bool {
        self.tried += 1;
        let problems = self.problems(path, end);
        let evaluated = Evaluated {
            path: path.to_vec(),
            end,
            problems,
        };
        if evaluated.problems.is_empty() && end == End::Anchor {
            self.found = Some(evaluated);
            return true;
        }
        let better = match &self.best {
            None => true,
            Some(best) => evaluated.rank() < best.rank(),
        };
        if better {
            self.best = Some(evaluated);
        }
        self.tried >= MAX_PATHS
    }

    /// Every problem of a complete path.
    fn problems(&mut self, path: &[usize], end: End) -> Vec<Problem> {
        let pool = self.pool;
        let certs: Vec<&Cert<'_>> = path.iter().map(|&i| &pool[i]).collect();
        let mut problems = Vec::new();
        for (pos, pair) in path.windows(2).enumerate() {
            let subject = pool[pair[0]].subject_text();
            let issuer = pool[pair[1]].subject_text();
            match self.signature(pair[0], pair[1]) {
                SigOutcome::Good => {}
                SigOutcome::Bad(why) => problems.push(Problem::new(
                    ProblemKind::BadSignature,
                    Some(pos),
                    format!("The signature on \"{subject}\" by \"{issuer}\" is invalid: {why}."),
                )),
                SigOutcome::Unsupported(why) => problems.push(Problem::new(
                    ProblemKind::UnsupportedAlgorithm,
                    Some(pos),
                    format!(
                        "The signature on \"{subject}\" by \"{issuer}\" cannot be trusted: {why}."
                    ),
                )),
            }
        }
        problems.extend(checks::problems(&certs, end == End::Anchor, self.ctx));
        if end != End::Anchor {
            let last = path.len() - 1;
            problems.push(end_problem(certs[last], last, end));
        }
        problems
    }
}

/// The problem saying how a non-anchored path ends.
fn end_problem(cert: &Cert<'_>, pos: usize, end: End) -> Problem {
    let subject = cert.subject_text();
    match end {
        End::UntrustedRoot => Problem::new(
            ProblemKind::UntrustedRoot,
            Some(pos),
            format!("\"{subject}\" is a self-signed root that is not among the trusted roots."),
        ),
        End::TooLong => Problem::new(
            ProblemKind::PathTooLong,
            Some(pos),
            format!("The path above \"{subject}\" is longer than {MAX_PATH_LEN} certificates."),
        ),
        End::MissingIssuer | End::Anchor => Problem::new(
            ProblemKind::MissingIssuer,
            Some(pos),
            format!(
                "The issuer of \"{subject}\", \"{}\", was not found among the given certificates.",
                cert.issuer_text()
            ),
        ),
    }
}

/// Turns the chosen path into the public verdict.
fn verdict(pool: &[Cert<'_>], chosen: Evaluated, paths_tried: usize, at: i64) -> Verdict {
    let certs: Vec<&Cert<'_>> = chosen.path.iter().map(|&i| &pool[i]).collect();
    let anchored = chosen.end == End::Anchor;
    let last = certs.len() - 1;
    let path = certs
        .iter()
        .enumerate()
        .map(|(i, c)| PathCert {
            subject: c.subject_text(),
            issuer: c.issuer_text(),
            thumbprint: c.thumbprint,
            source: c.source.to_string(),
            not_before: c.x509.validity().not_before.timestamp(),
            not_after: c.x509.validity().not_after.timestamp(),
            is_anchor: anchored && i == last,
            der: c.der.to_vec(),
        })
        .collect();
    let top_is_root = anchored || chosen.end == End::UntrustedRoot;
    let missing_issuer = (chosen.end == End::MissingIssuer).then(|| MissingIssuer {
        issued_to: certs[last].subject_text(),
        issuer: certs[last].issuer_text(),
        authority_key_id: certs[last].akid.map(hex_upper),
    });
    Verdict {
        trusted: anchored && chosen.problems.is_empty(),
        path,
        warnings: checks::warnings(&certs, top_is_root, at),
        urls: urls::collect(&certs),
        problems: chosen.problems,
        missing_issuer,
        paths_tried,
    }
}
