//! Test PKIs made at test time with the `openssl` command line (`openssl genpkey`, `req` and
//! `ca`), in a temporary directory that lives as long as the [`Pki`]: keys of any algorithm,
//! certificates with any subject, validity, digest, signature options and extensions (openssl
//! x509v3 config lines), PEM bundles, PKCS#7 (.p7b) files, and openssl's own verdict on a chain
//! (`openssl verify`), the oracle the trust tests compare with. Nothing here is checked in.
//!
//! ```no_run
//! use testsupport::pki::{Alg, Pki};
//! let pki = Pki::new();
//! let root = pki.root("Root", Alg::Rsa(2048));
//! let issuing = pki.intermediate("Issuing CA", Alg::Ec("P-256"), &root);
//! let leaf = pki.leaf("www.example.test", &["www.example.test"], &issuing);
//! assert!(pki.openssl_verify(&leaf, &[&root], &[&issuing], Some("www.example.test"), testsupport::pki::AT));
//! ```

use std::cell::Cell;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use sha1::{Digest, Sha1};

/// 2030-01-01T00:00:00Z: a check time inside the default validity window.
pub const AT: i64 = 1_893_456_000;
/// Start of the default validity window of test certificates (openssl `-startdate` form).
pub const FROM: &str = "20200101000000Z";
/// End of the default validity window of test certificates (openssl `-enddate` form).
pub const UNTIL: &str = "20400101000000Z";
/// The organization of the subjects [`Pki::root`], [`Pki::intermediate`] and [`Pki::leaf`]
/// make, unless [`Pki::with_org`] names another.
pub const DEFAULT_ORG: &str = "Test PKI";

/// Runs `openssl args` in `dir` and returns its output, whatever its exit status; fails the
/// test (naming the Debian package) only when openssl cannot be run at all.
pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `openssl` ({e}): install the Debian package openssl (scripts/deps.sh test)")
        })
}

/// Runs `openssl args` in `dir`, failing the test with openssl's stderr unless it succeeds;
/// returns its output.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> Output {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A key algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    /// RSA with this many bits.
    Rsa(u32),
    /// ECDSA on the named curve (openssl's name: `P-256`, `P-384`, `P-521`).
    Ec(&'static str),
}

/// A generated private key (PEM file).
#[derive(Clone, Debug)]
pub struct Key {
    /// The PEM file of the private key; empty for certificates read with [`Issued::load`] or
    /// [`Pki::import`].
    pub path: PathBuf,
}

/// A certificate: its PEM file, its DER bytes and the key it certifies.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The PEM file (one certificate).
    pub pem: PathBuf,
    /// The DER bytes.
    pub der: Vec<u8>,
    /// The certified key (the subject's private key).
    pub key: Key,
    /// The subject in openssl `-subj` form (e.g. `/O=Test PKI/CN=Root`), or the file name for
    /// certificates loaded with [`Issued::load`].
    pub subject: String,
}

impl Issued {
    /// The SHA-1 thumbprint of the DER (Windows' certificate hash).
    pub fn thumbprint(&self) -> [u8; 20] {
        Sha1::digest(&self.der).into()
    }

    /// The SHA-1 thumbprint as upper-case hex, as Windows names certificates.
    pub fn thumbprint_hex(&self) -> String {
        self.thumbprint()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// The first certificate of an existing PEM file (e.g. a real certificate kept as test
    /// data); it has no key, and its `subject` is the file name.
    pub fn load(pem: &Path) -> Issued {
        let text = std::fs::read_to_string(pem)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", pem.display()));
        let der = pem_to_der(&text)
            .unwrap_or_else(|| panic!("{} holds no PEM certificate", pem.display()));
        Issued {
            pem: pem.to_path_buf(),
            der,
            key: Key {
                path: PathBuf::new(),
            },
            subject: pem
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// What [`Pki::issue`] issues; [`Pki::spec`] and [`Pki::leaf_spec`] make one with defaults.
#[derive(Clone, Debug)]
pub struct Spec<'a> {
    /// The subject in openssl `-subj` form, e.g. `/O=Test PKI/CN=Root`.
    pub subject: String,
    /// The subject's key.
    pub key: Key,
    /// The issuer; `None` for a self-signed certificate.
    pub issuer: Option<&'a Issued>,
    /// Start of validity (openssl `-startdate` form, `YYYYMMDDHHMMSSZ`).
    pub from: String,
    /// End of validity (openssl `-enddate` form).
    pub until: String,
    /// Extension lines in openssl x509v3 config syntax, e.g. `basicConstraints=critical,CA:TRUE`.
    pub ext: Vec<String>,
    /// The signature digest (openssl `-md`), e.g. `sha256`.
    pub md: &'static str,
    /// openssl `-sigopt` values, e.g. `rsa_padding_mode:pss`.
    pub sigopts: Vec<&'static str>,
}

/// A temporary directory holding one test PKI; removed when dropped.
pub struct Pki {
    dir: tempfile::TempDir,
    org: String,
    n: Cell<usize>,
}

impl Default for Pki {
    fn default() -> Pki {
        Pki::new()
    }
}

impl Pki {
    /// An empty PKI whose convenience subjects have the organization [`DEFAULT_ORG`].
    pub fn new() -> Pki {
        Pki::with_org(DEFAULT_ORG)
    }

    /// An empty PKI whose convenience subjects ([`Pki::dn`]) have the organization `org`.
    pub fn with_org(org: &str) -> Pki {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir(dir.path().join("newcerts")).unwrap();
        std::fs::write(dir.path().join("index.txt"), "").unwrap();
        std::fs::write(
            dir.path().join("ca.cnf"),
            "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = newcerts\n\
             policy = p\ndefault_md = sha256\nunique_subject = no\ncopy_extensions = none\n\
             rand_serial = yes\n[p]\ncommonName = optional\n",
        )
        .unwrap();
        Pki {
            dir,
            org: org.to_string(),
            n: Cell::new(0),
        }
    }

    /// The PKI's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `/O=<org>/CN=<cn>`: the subject the convenience makers give.
    pub fn dn(&self, cn: &str) -> String {
        format!("/O={}/CN={cn}", self.org)
    }

    /// A new file name in the PKI's directory: `what`, a counter and `ext`.
    fn next(&self, what: &str, ext: &str) -> String {
        let n = self.n.get() + 1;
        self.n.set(n);
        format!("{what}{n}{ext}")
    }

    /// A new private key.
    pub fn key(&self, alg: Alg) -> Key {
        let name = self.next("key", ".pem");
        let opt = match alg {
            Alg::Rsa(bits) => format!("rsa_keygen_bits:{bits}"),
            Alg::Ec(curve) => format!("ec_paramgen_curve:{curve}"),
        };
        let algorithm = match alg {
            Alg::Rsa(_) => "RSA",
            Alg::Ec(_) => "EC",
        };
        openssl_ok(
            self.path(),
            &[
                "genpkey",
                "-algorithm",
                algorithm,
                "-pkeyopt",
                &opt,
                "-out",
                &name,
            ],
        );
        Key {
            path: self.path().join(name),
        }
    }

    /// A spec with the default validity ([`FROM`] to [`UNTIL`]), SHA-256 and no extensions.
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

    /// Issues the certificate `spec` describes (`openssl ca`, a random serial).
    pub fn issue(&self, spec: &Spec<'_>) -> Issued {
        let base = self.next("cert", "");
        let csr = format!("{base}.csr");
        let pem = format!("{base}.pem");
        let extfile = format!("{base}.ext");
        let mut ext = String::from("[e]\n");
        for line in &spec.ext {
            writeln!(ext, "{line}").unwrap();
        }
        std::fs::write(self.path().join(&extfile), ext).unwrap();
        let key = path_str(&spec.key.path).to_string();
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
            None => args.extend(["-selfsign".into(), "-keyfile".into(), key]),
            Some(issuer) => args.extend([
                "-cert".into(),
                path_str(&issuer.pem).into(),
                "-keyfile".into(),
                path_str(&issuer.key.path).into(),
            ]),
        }
        for opt in &spec.sigopts {
            args.extend(["-sigopt".into(), opt.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        openssl_ok(self.path(), &args);
        let text = std::fs::read_to_string(self.path().join(&pem)).unwrap();
        Issued {
            pem: self.path().join(pem),
            der: pem_to_der(&text).expect("openssl wrote a PEM certificate"),
            key: spec.key.clone(),
            subject: spec.subject.clone(),
        }
    }

    /// A self-signed root CA with subject [`Pki::dn`]`(cn)` and [`ca_ext`]`(None)`.
    pub fn root(&self, cn: &str, alg: Alg) -> Issued {
        let key = self.key(alg);
        let mut spec = self.spec(&self.dn(cn), &key, None);
        spec.ext = ca_ext(None);
        spec.md = md_for(alg);
        self.issue(&spec)
    }

    /// An intermediate CA with subject [`Pki::dn`]`(cn)` issued by `issuer`, with
    /// [`ca_ext`]`(None)` and an authorityKeyIdentifier.
    pub fn intermediate(&self, cn: &str, alg: Alg, issuer: &Issued) -> Issued {
        let key = self.key(alg);
        let mut spec = self.spec(&self.dn(cn), &key, Some(issuer));
        spec.ext = ca_ext(None);
        spec.ext.push("authorityKeyIdentifier=keyid:always".into());
        spec.md = md_for_key(issuer);
        self.issue(&spec)
    }

    /// A TLS server certificate (P-256 key) with subject [`Pki::dn`]`(cn)`, subjectAltName
    /// dNSName entries `dns` and the other [`leaf_ext`] extensions, issued by `issuer`.
    pub fn leaf(&self, cn: &str, dns: &[&str], issuer: &Issued) -> Issued {
        let key = self.key(Alg::Ec("P-256"));
        let spec = self.leaf_spec(cn, dns, &key, issuer);
        self.issue(&spec)
    }

    /// The spec [`Pki::leaf`] issues, for changing before [`Pki::issue`].
    pub fn leaf_spec<'a>(&self, cn: &str, dns: &[&str], key: &Key, issuer: &'a Issued) -> Spec<'a> {
        let mut spec = self.spec(&self.dn(cn), key, Some(issuer));
        spec.ext = leaf_ext(dns);
        spec.md = md_for_key(issuer);
        spec
    }

    /// A certificate from DER bytes (e.g. a tampered copy of `like`), written as PEM for
    /// openssl; key and subject are `like`'s.
    pub fn write_der(&self, der: &[u8], like: &Issued) -> Issued {
        let base = self.next("der", "");
        let pem = self.path().join(format!("{base}.pem"));
        std::fs::write(self.path().join(format!("{base}.der")), der).unwrap();
        std::fs::write(&pem, der_to_pem(der)).unwrap();
        Issued {
            pem,
            der: der.to_vec(),
            key: like.key.clone(),
            subject: like.subject.clone(),
        }
    }

    /// An existing certificate file (PEM or DER, e.g. a conformance-suite certificate),
    /// copied into the PKI as PEM so that openssl can read it; it has no key, and its
    /// `subject` is the file name.
    pub fn import(&self, file: &Path) -> Issued {
        let bytes =
            std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let der = std::str::from_utf8(&bytes)
            .ok()
            .and_then(pem_to_der)
            .unwrap_or(bytes);
        let pem = self.path().join(self.next("import", ".pem"));
        std::fs::write(&pem, der_to_pem(&der)).unwrap();
        Issued {
            pem,
            der,
            key: Key {
                path: PathBuf::new(),
            },
            subject: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }

    /// Writes the certificates to one new PEM file (a bundle) and returns its path.
    pub fn bundle(&self, certs: &[&Issued]) -> PathBuf {
        let path = self.path().join(self.next("bundle", ".pem"));
        let text: String = certs.iter().map(|c| der_to_pem(&c.der)).collect();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Writes the certificates to one new PKCS#7 file (.p7b, DER, no CRLs; `openssl
    /// crl2pkcs7`) and returns its path.
    pub fn p7b(&self, certs: &[&Issued]) -> PathBuf {
        let name = self.next("chain", ".p7b");
        let mut args = vec!["crl2pkcs7", "-nocrl", "-outform", "DER", "-out", &name];
        for c in certs {
            args.extend(["-certfile", path_str(&c.pem)]);
        }
        openssl_ok(self.path(), &args);
        self.path().join(name)
    }

    /// openssl's verdict on `leaf`: `openssl verify -attime AT -CAfile ANCHORS -untrusted
    /// UNTRUSTED -purpose sslserver [-verify_hostname NAME] LEAF`, never consulting the
    /// system's trust store (no anchors: `-no-CAfile`); a `name` that is an IP literal goes
    /// to `-verify_ip` instead. True when openssl says OK.
    ///
    /// openssl runs with `-auth_level 0` so that it judges the path only, not the algorithms'
    /// security level (at its default level SHA-1 signatures are refused).
    pub fn openssl_verify(
        &self,
        leaf: &Issued,
        anchors: &[&Issued],
        untrusted: &[&Issued],
        name: Option<&str>,
        at_unix: i64,
    ) -> bool {
        let at = at_unix.to_string();
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
        if anchors.is_empty() {
            args.push("-no-CAfile".into());
        } else {
            args.extend(["-CAfile".into(), path_str(&self.bundle(anchors)).into()]);
        }
        if !untrusted.is_empty() {
            args.extend([
                "-untrusted".into(),
                path_str(&self.bundle(untrusted)).into(),
            ]);
        }
        if let Some(name) = name {
            let ip = name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>();
            let option = if ip.is_ok() {
                "-verify_ip"
            } else {
                "-verify_hostname"
            };
            args.extend([
                option.into(),
                name.trim_start_matches('[').trim_end_matches(']').into(),
            ]);
        }
        args.push(path_str(&leaf.pem).into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        openssl(self.path(), &args).status.success()
    }
}

/// CA extensions (critical basicConstraints cA=TRUE with an optional pathLenConstraint,
/// critical keyUsage keyCertSign and cRLSign, subjectKeyIdentifier).
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

/// Server-certificate extensions: cA=FALSE, keyUsage, serverAuth, key identifiers, a CRL
/// distribution point `http://crl.test.invalid/ca.crl`, AIA caIssuers
/// `http://ca.test.invalid/ca.crt` and OCSP `http://ocsp.test.invalid/`, and a
/// subjectAltName with the dNSName entries `dns` (none when `dns` is empty).
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

/// A digest matching a key's strength: SHA-384 for P-384, SHA-512 for P-521, else SHA-256.
pub fn md_for(alg: Alg) -> &'static str {
    match alg {
        Alg::Ec("P-384") => "sha384",
        Alg::Ec("P-521") => "sha512",
        _ => "sha256",
    }
}

/// [`md_for`] of the algorithm of `issuer`'s key (asked of openssl).
pub fn md_for_key(issuer: &Issued) -> &'static str {
    let out = openssl_ok(
        Path::new("."),
        &["pkey", "-in", path_str(&issuer.key.path), "-noout", "-text"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("P-521") {
        "sha512"
    } else if text.contains("P-384") {
        "sha384"
    } else {
        "sha256"
    }
}

/// The DER of the first `CERTIFICATE` block of PEM text; `None` when there is none.
pub fn pem_to_der(text: &str) -> Option<Vec<u8>> {
    let start = text.find("-----BEGIN CERTIFICATE-----")?;
    let body = &text[start + "-----BEGIN CERTIFICATE-----".len()..];
    let body = &body[..body.find("-----END CERTIFICATE-----")?];
    let b64: String = body.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// DER as one PEM `CERTIFICATE` block (64-column lines).
pub fn der_to_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}
