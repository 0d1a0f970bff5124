//! A second, independent verdict on `inject-root check`: Wine's crypt32 (`CertGetCertificateChain`
//! through ../shared/tools/crypt32probe) reads the store we wrote and builds the chain itself.
//! Wine's chain engine trusts only the Root store, so the anchors go there (`--root-store Root`),
//! and the probe loads one store, so the chains here are root -> server (no intermediate).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use testsupport::pki::{Alg, Issued, Pki};

/// crypt32probe's run.sh in the shared tools.
fn probe_script() -> PathBuf {
    let tools = shared_testdata().join("../tools/crypt32probe/run.sh");
    assert!(tools.is_file(), "{} missing", tools.display());
    tools
}

/// Wine's verdict for each leaf: true when `CertGetCertificateChain` reports no error
/// (`TRUST error=0x00000000`) for the machine engine.
fn wine_trusts(hive: &Path, leaves: &[&Path]) -> Vec<bool> {
    need("hivexregedit", "libwin-hivex-perl");
    need("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64");
    assert!(
        Path::new("/usr/lib/wine/wine64").exists() || testsupport::installed("wine"),
        "wine not found: install the Debian package wine64 (scripts/deps.sh test)"
    );
    let out = Command::new("bash")
        .arg(probe_script())
        .arg("--wine-readable")
        .arg(hive)
        .arg("Root")
        .args(leaves)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "crypt32probe failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Lines: CHAIN <leaf> user|machine, then TRUST error=0x...
    let mut verdicts = Vec::new();
    let mut machine = false;
    for line in text.lines() {
        if line.starts_with("CHAIN ") {
            machine = line.ends_with(" machine");
        } else if machine && line.starts_with("TRUST ") {
            verdicts.push(line.starts_with("TRUST error=0x00000000 "));
        }
    }
    assert_eq!(verdicts.len(), leaves.len(), "{text}");
    verdicts
}

fn ours(hive: &Path, leaf: &Path) -> bool {
    let out = bin()
        .args(["check", "--json", "--hive"])
        .arg(hive)
        .arg("--server-cert")
        .arg(leaf)
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 3)), "{out:?}");
    let report = json(&out.stdout);
    let trusted = report["targets"][0]["images"][0]["trust"]["trusted"]
        .as_bool()
        .unwrap();
    assert_eq!(trusted, code == Some(0));
    trusted
}

/// True when the ECDSA signature of `cert` has full-length r and s (Wine 8 fails about 1 in
/// 128 signatures with a leading zero byte: such certificates are made again).
fn full_length_ecdsa(cert: &Path, bytes: usize) -> bool {
    let out = run(Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(cert));
    let text = String::from_utf8_lossy(&out);
    // openssl prints the signature value as the DER of Ecdsa-Sig-Value in hex bytes:
    // 30 len 02 rlen r 02 slen s
    let sig: Vec<u8> = text
        .rsplit("Signature Value:")
        .next()
        .unwrap_or("")
        .split(|c: char| c == ':' || c.is_whitespace())
        .filter(|b| b.len() == 2)
        .filter_map(|b| u8::from_str_radix(b, 16).ok())
        .collect();
    let integer = |at: usize| -> Option<(&[u8], usize)> {
        let len = usize::from(*sig.get(at + 1)?);
        (sig.get(at) == Some(&2)).then_some(())?;
        Some((sig.get(at + 2..at + 2 + len)?, at + 2 + len))
    };
    // a value's own length, without the 00 that DER puts before a high first byte
    let own = |v: &[u8]| v.len() - usize::from(v.len() > 1 && v[0] == 0);
    match integer(2).and_then(|(r, next)| Some((r, integer(next)?.0))) {
        Some((r, s)) => sig.first() == Some(&0x30) && own(r) == bytes && own(s) == bytes,
        None => false,
    }
}

/// A server certificate for `name` signed by `issuer`, with a key of `alg`.
fn probe_leaf(pki: &Pki, name: &str, issuer: &Issued, alg: Alg) -> Issued {
    let key = pki.key(alg);
    let mut spec = pki.spec(&pki.dn(name), &key, Some(issuer));
    spec.ext = vec![
        "basicConstraints=critical,CA:FALSE".into(),
        "keyUsage=critical,digitalSignature,keyEncipherment".into(),
        "extendedKeyUsage=serverAuth".into(),
        format!("subjectAltName=DNS:{name}"),
        "authorityKeyIdentifier=keyid".into(),
    ];
    pki.issue(&spec)
}

#[test]
fn wines_crypt32_agrees_with_check_on_the_stores_we_write() {
    need("openssl", "openssl");
    let tmp = tempfile::tempdir().unwrap();
    let rsa = Alg::Rsa(2048);
    let p256 = Alg::Ec("P-256");
    let pki = Pki::with_org("Contoso Test");
    // RSA root with a server certificate it signed
    let rsaroot = pki.root("Probe RSA Root", rsa);
    let rsa_leaf = probe_leaf(&pki, "rsa.contoso.test", &rsaroot, rsa);
    // ECDSA P-256 root and leaf, made again until the signature has full-length r and s
    let mut made = None;
    for attempt in 0..20 {
        let ecroot = pki.root("Probe EC Root", p256);
        let ec_leaf = probe_leaf(&pki, "ec.contoso.test", &ecroot, p256);
        if full_length_ecdsa(&ec_leaf.pem, 32) {
            made = Some((ecroot, ec_leaf));
            break;
        }
        assert!(attempt < 19, "no full-length ECDSA signature in 20 tries");
    }
    let (ecroot, ec_leaf) = made.expect("a full-length ECDSA signature");
    // a forgery: same issuer name as the RSA root, signed by another key
    let other = Pki::with_org("Contoso Test");
    let other_root = other.root("Probe RSA Root", rsa);
    let forged = probe_leaf(&other, "rsa.contoso.test", &other_root, rsa);
    // a server certificate from a root the image does not hold
    let absent = pki.root("Probe Absent Root", rsa);
    let orphan = probe_leaf(&pki, "orphan.contoso.test", &absent, rsa);

    let hive = tmp.path().join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    run(Command::new(bin_path())
        .args(["-q", "--root-store", "Root", "--hive"])
        .arg(&hive)
        .arg("--cert")
        .arg(&rsaroot.pem)
        .arg("--cert")
        .arg(&ecroot.pem));

    let leaves: [&Path; 4] = [&rsa_leaf.pem, &ec_leaf.pem, &forged.pem, &orphan.pem];
    let wine = wine_trusts(&hive, &leaves);
    let mine: Vec<bool> = leaves.iter().map(|l| ours(&hive, l)).collect();
    assert_eq!(mine, wine, "ours vs Wine's crypt32 for {leaves:?}");
    // and the expected verdicts, so that agreement on "nothing trusted" cannot pass
    assert_eq!(mine, [true, true, false, false]);
}
