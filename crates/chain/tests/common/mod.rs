//! Test PKIs made with the `openssl` command line at test time, and openssl's own verdict on
//! the same files (`openssl verify`), which every test compares with ours.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use chain::{Candidate, Input, Verdict};

/// 2030-01-01T00:00:00Z: the default check time, inside the default validity window.
pub const AT: i64 = 1_893_456_000;
/// Default validity window of test certificates.
pub const FROM: &str = "20200101000000Z";
/// Default validity window of test certificates.
pub const UNTIL: &str = "20400101000000Z";

/// Runs openssl, failing the test with stderr when it fails.
pub fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `openssl` ({e}); install it with scripts/deps.sh test")
        });
    out
}

fn openssl_ok(dir: &Path, args: &[&str]) {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A key algorithm.
#[derive(Clone, Copy, Debug)]
pub enum Alg {
    Rsa(u32),
    Ec(&'static str),
}

/// A generated key.
#[derive(Clone, Debug)]
pub struct Key {
    pub path: PathBuf,
}

/// An issued certificate.
#[derive(Clone, Debug)]
pub struct Issued {
    pub pem: PathBuf,
    pub der: Vec<u8>,
    pub key: Key,
    pub subject: String,
}

impl Issued {
    pub fn thumbprint(&self) -> [u8; 20] {
        chain::thumbprint(&self.der)
    }
}

/// What to issue.
#[derive(Clone, Debug)]
pub struct Spec<'a> {
    /// openssl -subj form, e.g. "/O=Test/CN=Root".
    pub subject: String,
    pub key: Key,
    /// `None` for self-signed.
    pub issuer: Option<&'a Issued>,
    pub from: String,
    pub until: String,
    /// Extension lines (openssl x509v3 config syntax).
    pub ext: Vec<String>,
    pub md: &'static str,
    pub sigopts: Vec<&'static str>,
}

/// A scratch directory holding one test PKI.
pub struct Pki {
    pub dir: tempfile::TempDir,
    n: usize,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("newcerts")).unwrap();
        std::fs::write(dir.path().join("index.txt"), "").unwrap();
        std::fs::write(
            dir.path().join("ca.cnf"),
            "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = newcerts\n\
             policy = p\ndefault_md = sha256\nunique_subject = no\ncopy_extensions = none\n\
             rand_serial = yes\n[p]\ncommonName = optional\n",
        )
        .unwrap();
        Pki { dir, n: 0 }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn next(&mut self, what: &str) -> String {
        self.n += 1;
        format!("{what}{}", self.n)
    }

    pub fn key(&mut self, alg: Alg) -> Key {
        let name = self.next("key") + ".pem";
        let opt;
        let args: Vec<&str> = match alg {
            Alg::Rsa(bits) => {
                opt = format!("rsa_keygen_bits:{bits}");
                vec![
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    &opt,
                    "-out",
                    &name,
                ]
            }
            Alg::Ec(curve) => {
                opt = format!("ec_paramgen_curve:{curve}");
                vec![
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    &opt,
                    "-out",
                    &name,
                ]
            }
        };
        openssl_ok(self.path(), &args);
        Key {
            path: self.path().join(name),
        }
    }

    /// A spec with default validity and SHA-256.
    pub fn spec<'a>(&self, subject: &str, key: &Key, issuer: Option<&'a Issued>) -> Spec<'a> {
        Spec {
            subject: subject.to_string(),
            key: key.clone(),
            issuer,
            from: FROM.to_string(),
            until: UNTIL.to_string(),
            ext: Vec::new(),
            md: "sha256",
            sigopts: Vec::new(),
        }
    }

    pub fn issue(&mut self, spec: &Spec<'_>) -> Issued {
        let base = self.next("cert");
        let csr = format!("{base}.csr");
        let pem = format!("{base}.pem");
        let extfile = format!("{base}.ext");
        let mut ext = String::from("[e]\n");
        for line in &spec.ext {
            writeln!(ext, "{line}").unwrap();
        }
        std::fs::write(self.path().join(&extfile), ext).unwrap();
        let key = spec.key.path.to_str().unwrap().to_string();
        openssl_ok(
            self.path(),
            &[
                "req",
                "-new",
                "-key",
                &key,
                "-subj",
                &spec.subject,
                "-out",
                &csr,
            ],
        );
        let mut args: Vec<String> = [
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-in",
            &csr,
            "-out",
            &pem,
            "-notext",
            "-preserveDN",
            "-startdate",
            &spec.from,
            "-enddate",
            &spec.until,
            "-extfile",
            &extfile,
            "-extensions",
            "e",
            "-md",
            spec.md,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        match spec.issuer {
            None => args.extend(["-selfsign".into(), "-keyfile".into(), key.clone()]),
            Some(issuer) => args.extend([
                "-cert".into(),
                issuer.pem.to_str().unwrap().into(),
                "-keyfile".into(),
                issuer.key.path.to_str().unwrap().into(),
            ]),
        }
        for opt in &spec.sigopts {
            args.extend(["-sigopt".into(), opt.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        openssl_ok(self.path(), &args);
        let text = std::fs::read(self.path().join(&pem)).unwrap();
        let (_, parsed) = x509_parser::pem::parse_x509_pem(&text).expect("openssl wrote PEM");
        Issued {
            pem: self.path().join(pem),
            der: parsed.contents,
            key: spec.key.clone(),
            subject: spec.subject.clone(),
        }
    }

    /// A self-signed root CA.
    pub fn root(&mut self, cn: &str, alg: Alg) -> Issued {
        let key = self.key(alg);
        let mut spec = self.spec(&format!("/O=Chain Test/CN={cn}"), &key, None);
        spec.ext = ca_ext(None);
        spec.md = md_for(alg);
        self.issue(&spec)
    }

    /// An intermediate CA issued by `issuer`.
    pub fn intermediate(&mut self, cn: &str, alg: Alg, issuer: &Issued) -> Issued {
        let key = self.key(alg);
        let mut spec = self.spec(&format!("/O=Chain Test/CN={cn}"), &key, Some(issuer));
        spec.ext = ca_ext(None);
        spec.ext.push("authorityKeyIdentifier=keyid:always".into());
        spec.md = md_for_key(issuer);
        self.issue(&spec)
    }

    /// A TLS server certificate for `dns` (SAN dNSName entries) issued by `issuer`.
    pub fn leaf(&mut self, cn: &str, dns: &[&str], issuer: &Issued) -> Issued {
        let key = self.key(Alg::Ec("P-256"));
        let spec = self.leaf_spec(cn, dns, &key, issuer);
        self.issue(&spec)
    }

    pub fn leaf_spec<'a>(&self, cn: &str, dns: &[&str], key: &Key, issuer: &'a Issued) -> Spec<'a> {
        let mut spec = self.spec(&format!("/O=Chain Test/CN={cn}"), key, Some(issuer));
        spec.ext = leaf_ext(dns);
        spec.md = md_for_key(issuer);
        spec
    }

    /// A certificate from DER bytes (e.g. a tampered copy), written as PEM for openssl.
    pub fn write_der(&mut self, der: &[u8], like: &Issued) -> Issued {
        let base = self.next("der");
        let der_path = self.path().join(format!("{base}.der"));
        let pem = self.path().join(format!("{base}.pem"));
        std::fs::write(&der_path, der).unwrap();
        openssl_ok(
            self.path(),
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                der_path.to_str().unwrap(),
                "-out",
                pem.to_str().unwrap(),
            ],
        );
        Issued {
            pem,
            der: der.to_vec(),
            key: like.key.clone(),
            subject: like.subject.clone(),
        }
    }

    /// Writes certificates to one PEM file and returns its path.
    pub fn bundle(&mut self, certs: &[&Issued]) -> PathBuf {
        let name = self.next("bundle") + ".pem";
        let mut text = Vec::new();
        for c in certs {
            text.extend(std::fs::read(&c.pem).unwrap());
        }
        std::fs::write(self.path().join(&name), text).unwrap();
        self.path().join(name)
    }
}

/// CA extensions, with an optional pathLenConstraint.
pub fn ca_ext(pathlen: Option<u32>) -> Vec<String> {
    let bc = match pathlen {
        Some(n) => format!("basicConstraints=critical,CA:TRUE,pathlen:{n}"),
        None => "basicConstraints=critical,CA:TRUE".to_string(),
    };
    vec![
        bc,
        "keyUsage=critical,keyCertSign,cRLSign".into(),
        "subjectKeyIdentifier=hash".into(),
    ]
}

/// Server-certificate extensions with URLs.
pub fn leaf_ext(dns: &[&str]) -> Vec<String> {
    let mut ext = vec![
        "basicConstraints=CA:FALSE".to_string(),
        "keyUsage=critical,digitalSignature,keyEncipherment".into(),
        "extendedKeyUsage=serverAuth".into(),
        "subjectKeyIdentifier=hash".into(),
        "authorityKeyIdentifier=keyid:always".into(),
        "crlDistributionPoints=URI:http://crl.test.invalid/ca.crl".into(),
        "authorityInfoAccess=caIssuers;URI:http://ca.test.invalid/ca.crt,OCSP;URI:http://ocsp.test.invalid/".into(),
    ];
    if !dns.is_empty() {
        let names: Vec<String> = dns.iter().map(|d| format!("DNS:{d}")).collect();
        ext.push(format!("subjectAltName={}", names.join(",")));
    }
    ext
}

/// A digest matching a key's strength.
pub fn md_for(alg: Alg) -> &'static str {
    match alg {
        Alg::Ec("P-384") => "sha384",
        Alg::Ec("P-521") => "sha512",
        _ => "sha256",
    }
}

fn md_for_key(issuer: &Issued) -> &'static str {
    let out = Command::new("openssl")
        .args([
            "pkey",
            "-in",
            issuer.key.path.to_str().unwrap(),
            "-noout",
            "-text",
        ])
        .output()
        .expect("openssl runs");
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("P-521") {
        "sha512"
    } else if text.contains("P-384") {
        "sha384"
    } else {
        "sha256"
    }
}

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
    ///
    /// openssl runs with `-auth_level 0` so that it judges the path only, not the
    /// algorithms' security level (at its default level SHA-1 signatures are refused).
    pub fn run(&self, pki: &mut Pki) -> (Verdict, bool) {
        let verdict = chain::evaluate(&self.input()).expect("leaf parses");
        (verdict, openssl_verify(pki, self))
    }
}

/// `openssl verify -attime T -CAfile anchors -untrusted intermediates -purpose sslserver
/// [-verify_hostname NAME] leaf`, never consulting the system's trust store.
pub fn openssl_verify(pki: &mut Pki, case: &Case<'_>) -> bool {
    let at = case.at.to_string();
    let mut args: Vec<String> = [
        "verify",
        "-no-CApath",
        "-no-CAstore",
        "-attime",
        &at,
        "-purpose",
        "sslserver",
        "-auth_level",
        "0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if case.anchors.is_empty() {
        args.push("-no-CAfile".into());
    } else {
        let anchors = pki.bundle(&case.anchors);
        args.extend(["-CAfile".into(), anchors.to_str().unwrap().into()]);
    }
    if !case.intermediates.is_empty() {
        let ints = pki.bundle(&case.intermediates);
        args.extend(["-untrusted".into(), ints.to_str().unwrap().into()]);
    }
    if let Some(name) = case.name {
        args.extend(["-verify_hostname".into(), name.into()]);
    }
    args.push(case.leaf.pem.to_str().unwrap().into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = openssl(pki.path(), &args);
    out.status.success()
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
