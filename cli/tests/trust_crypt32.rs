//! A second, independent verdict on `inject-root check`: Wine's crypt32 (`CertGetCertificateChain`
//! through ../shared/tools/crypt32probe) reads the store we wrote and builds the chain itself.
//! Wine's chain engine trusts only the Root store, so the anchors go there (`--root-store Root`),
//! and the probe loads one store, so the chains here are root -> server (no intermediate).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use testsupport::pki::{Key, Pki};

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
        Path::new("/usr/lib/wine/wine64").exists() || which("wine"),
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

fn which(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
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

#[test]
fn wines_crypt32_agrees_with_check_on_the_stores_we_write() {
    need("openssl", "openssl");
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::new(&tmp.path().join("pki"));
    let ext = |name: &str| {
        format!(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{name}\nauthorityKeyIdentifier=keyid\n"
        )
    };
    // RSA root with a server certificate it signed
    pki.root("rsaroot", "Probe RSA Root", Key::Rsa);
    let rsa_leaf = pki.issue(
        "rsaleaf",
        "rsa.contoso.test",
        "rsaroot",
        Key::Rsa,
        &ext("rsa.contoso.test"),
    );
    // ECDSA P-256 root and leaf, made again until the signature has full-length r and s
    let mut ec_leaf = PathBuf::new();
    for attempt in 0..20 {
        pki.root("ecroot", "Probe EC Root", Key::P256);
        ec_leaf = pki.issue(
            "ecleaf",
            "ec.contoso.test",
            "ecroot",
            Key::P256,
            &ext("ec.contoso.test"),
        );
        if full_length_ecdsa(&ec_leaf, 32) {
            break;
        }
        assert!(attempt < 19, "no full-length ECDSA signature in 20 tries");
    }
    // a forgery: same issuer name as the RSA root, signed by another key
    let other = Pki::new(&tmp.path().join("other"));
    other.root("rsaroot", "Probe RSA Root", Key::Rsa);
    let forged = other.issue(
        "forged",
        "rsa.contoso.test",
        "rsaroot",
        Key::Rsa,
        &ext("rsa.contoso.test"),
    );
    // a server certificate from a root the image does not hold
    pki.root("absent", "Probe Absent Root", Key::Rsa);
    let orphan = pki.issue(
        "orphan",
        "orphan.contoso.test",
        "absent",
        Key::Rsa,
        &ext("orphan.contoso.test"),
    );

    let hive = tmp.path().join("SOFTWARE");
    fs::copy(testhive(), &hive).unwrap();
    run(Command::new(env!("CARGO_BIN_EXE_inject-root"))
        .args(["-q", "--root-store", "Root", "--hive"])
        .arg(&hive)
        .arg("--cert")
        .arg(pki.path("rsaroot.pem"))
        .arg("--cert")
        .arg(pki.path("ecroot.pem")));

    let leaves: [&Path; 4] = [&rsa_leaf, &ec_leaf, &forged, &orphan];
    let wine = wine_trusts(&hive, &leaves);
    let mine: Vec<bool> = leaves.iter().map(|l| ours(&hive, l)).collect();
    assert_eq!(mine, wine, "ours vs Wine's crypt32 for {leaves:?}");
    // and the expected verdicts, so that agreement on "nothing trusted" cannot pass
    assert_eq!(mine, [true, true, false, false]);
}
