//! Byte soup and truncated certificates as candidates never panic.

mod common;

use chain::{Candidate, Input};
use common::*;
use proptest::prelude::*;

fn sample_chain() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let pki = Pki::new();
    let root = pki.root("Root", Alg::Ec("P-256"));
    let int = pki.intermediate("Issuing CA", Alg::Rsa(2048), &root);
    let leaf = pki.leaf("p.example.test", &["p.example.test"], &int);
    (leaf.der, int.der, root.der)
}

#[test]
fn every_truncation_and_bit_flip_of_the_path_is_survived() {
    let (leaf, int, root) = sample_chain();
    for cut in 0..int.len() {
        for victim in 0..2 {
            let mut ints = vec![Candidate::new(int.clone(), "int")];
            let mut anchors = vec![Candidate::new(root.clone(), "root")];
            if victim == 0 {
                ints.push(Candidate::new(int[..cut].to_vec(), "cut"));
            } else {
                anchors.push(Candidate::new(root[..cut.min(root.len())].to_vec(), "cut"));
            }
            let input = Input {
                intermediates: ints,
                anchors,
                name: Some("p.example.test".into()),
                ..Input::new(leaf.clone(), AT)
            };
            let v = chain::evaluate(&input).unwrap();
            assert!(
                v.trusted,
                "a junk extra candidate must not spoil the good path"
            );
        }
    }
    // Flipping any one byte of the intermediate never panics and never yields a path
    // through a certificate that was not signed as presented (trust is possible only when
    // the flip leaves the DER semantically identical, which the signature check decides).
    for i in 0..int.len() {
        let mut bad = int.clone();
        bad[i] ^= 0x55;
        let input = Input {
            intermediates: vec![Candidate::new(bad.clone(), "flipped")],
            anchors: vec![Candidate::new(root.clone(), "root")],
            ..Input::new(leaf.clone(), AT)
        };
        if let Ok(v) = chain::evaluate(&input) {
            if v.trusted {
                // Only possible if the flip hit nothing the signatures cover.
                assert_ne!(
                    v.path[1].der, bad,
                    "byte {i}: a tampered certificate was trusted"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn byte_soup_never_panics(
        leaf in proptest::collection::vec(any::<u8>(), 0..600),
        ints in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..6),
        at in any::<i64>(),
        name in proptest::option::of("[a-z*.]{0,20}"),
    ) {
        let input = Input {
            intermediates: ints.iter().map(|d| Candidate::new(d.clone(), "soup")).collect(),
            anchors: ints.iter().rev().map(|d| Candidate::new(d.clone(), "soup")).collect(),
            disallowed: vec![[0u8; 20]],
            name,
            ..Input::new(leaf, at)
        };
        let _ = chain::evaluate(&input);
    }

    #[test]
    fn mangled_real_certificates_never_panic(
        cuts in proptest::collection::vec((0usize..2000, any::<u8>()), 1..4),
        at in any::<i64>(),
    ) {
        let (leaf, int, root) = SAMPLE.with(|s| s.clone());
        let mut mangled = [leaf.clone(), int.clone(), root.clone()];
        for (k, (pos, byte)) in cuts.iter().enumerate() {
            let target = &mut mangled[k % 3];
            if !target.is_empty() {
                let p = pos % target.len();
                target[p] = *byte;
            }
        }
        let input = Input {
            intermediates: vec![Candidate::new(mangled[1].clone(), "m"), Candidate::new(int, "i")],
            anchors: vec![Candidate::new(mangled[2].clone(), "m"), Candidate::new(root, "r")],
            ..Input::new(mangled[0].clone(), at)
        };
        let _ = chain::evaluate(&input);
    }
}

thread_local! {
    static SAMPLE: (Vec<u8>, Vec<u8>, Vec<u8>) = sample_chain();
}
