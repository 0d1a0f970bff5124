//! The chain-specific side of the trust tests: a [`Case`] hands the same certificates to the
//! engine and to `openssl verify` (the generic test PKI maker is `testsupport::pki`), and the
//! asserts compare the two verdicts.

#![allow(dead_code)]

use chain::{Candidate, Input, Verdict};

pub use testsupport::pki::*;

/// One check: the same files go to openssl and to the engine.
pub struct Case<'a> {
    pub leaf: &'a Issued,
    pub intermediates: Vec<&'a Issued>,
    pub anchors: Vec<&'a Issued>,
    pub disallowed: Vec<[u8; 20]>,
    pub at: i64,
    pub name: Option<&'a str>,
}

impl<'a> Case<'a> {
    pub fn new(leaf: &'a Issued, intermediates: &[&'a Issued], anchors: &[&'a Issued]) -> Case<'a> {
        Case {
            leaf,
            intermediates: intermediates.to_vec(),
            anchors: anchors.to_vec(),
            disallowed: Vec::new(),
            at: AT,
            name: None,
        }
    }

    pub fn input(&self) -> Input {
        Input {
            leaf: self.leaf.der.clone(),
            intermediates: self
                .intermediates
                .iter()
                .map(|c| Candidate::new(c.der.clone(), format!("test chain {}", c.subject)))
                .collect(),
            anchors: self
                .anchors
                .iter()
                .map(|c| Candidate::new(c.der.clone(), "test anchors"))
                .collect(),
            disallowed: self.disallowed.clone(),
            at_unix: self.at,
            name: self.name.map(str::to_string),
        }
    }

    /// Our verdict, and whether `openssl verify` accepts the same chain.
    pub fn run(&self, pki: &Pki) -> (Verdict, bool) {
        let verdict = chain::evaluate(&self.input()).expect("leaf parses");
        (verdict, self.openssl(pki))
    }

    /// Whether `openssl verify` accepts the case's chain ([`Pki::openssl_verify`]).
    pub fn openssl(&self, pki: &Pki) -> bool {
        pki.openssl_verify(
            self.leaf,
            &self.anchors,
            &self.intermediates,
            self.name,
            self.at,
        )
    }
}

/// Asserts that we and openssl agree, and that `expect_trusted` holds.
pub fn assert_agrees(verdict: &Verdict, openssl_trusted: bool, expect_trusted: bool) {
    assert_eq!(
        verdict.trusted, openssl_trusted,
        "we and openssl disagree; our verdict: {verdict:#?}"
    );
    assert_eq!(
        verdict.trusted, expect_trusted,
        "unexpected verdict: {verdict:#?}"
    );
    assert_eq!(verdict.trusted, verdict.problems.is_empty());
}

/// The problem kinds of a verdict.
pub fn kinds(verdict: &Verdict) -> Vec<chain::ProblemKind> {
    verdict.problems.iter().map(|p| p.kind).collect()
}

/// Asserts that the verdict names a problem of `kind` on the certificate at `index`.
pub fn assert_problem(verdict: &Verdict, kind: chain::ProblemKind, index: usize) {
    assert!(
        verdict
            .problems
            .iter()
            .any(|p| p.kind == kind && p.cert == Some(index)),
        "expected {kind:?} on path[{index}]; got {verdict:#?}"
    );
}
