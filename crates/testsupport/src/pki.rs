//! Test PKIs made at test time with the openssl command: roots, intermediates and server
//! certificates with the extensions each case needs. Nothing here is checked in.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A directory of keys and certificates.
pub struct Pki {
    dir: PathBuf,
}

/// The key algorithm of a new certificate.
#[derive(Clone, Copy)]
pub enum Key {
    /// RSA 2048.
    Rsa,
    /// ECDSA P-256.
    P256,
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl not found: install the Debian package openssl (scripts/deps.sh test)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Extensions of a CA certificate.
pub const CA_EXT: &str = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n";

/// Extensions of a server certificate for `name`.
pub fn server_ext(names: &[&str]) -> String {
    let sans = names
        .iter()
        .map(|n| format!("DNS:{n}"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName={sans}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\ncrlDistributionPoints=URI:http://pki.contoso.test/issuing.crl\nauthorityInfoAccess=caIssuers;URI:http://pki.contoso.test/issuing.cer\n"
    )
}

impl Pki {
    /// A PKI in `dir`.
    pub fn new(dir: &Path) -> Pki {
        fs::create_dir_all(dir).unwrap();
        Pki {
            dir: dir.to_path_buf(),
        }
    }

    /// The file `name` in the PKI's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn key(&self, name: &str, key: Key) -> PathBuf {
        let path = self.path(&format!("{name}.key"));
        let p = path.to_str().unwrap();
        match key {
            Key::Rsa => openssl(&[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                p,
            ]),
            Key::P256 => openssl(&[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                p,
            ]),
        }
        path
    }

    /// A self-signed root CA `name.pem` with subject `CN=<cn>`.
    pub fn root(&self, name: &str, cn: &str, key: Key) -> PathBuf {
        let k = self.key(name, key);
        let cert = self.path(&format!("{name}.pem"));
        let ext = self.path(&format!("{name}.ext"));
        fs::write(
            &ext,
            "[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
        )
        .unwrap();
        openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            k.to_str().unwrap(),
            "-sha256",
            "-days",
            "3650",
            "-subj",
            &format!("/O=Contoso Test/CN={cn}"),
            "-config",
            ext.to_str().unwrap(),
            "-extensions",
            "v3",
            "-out",
            cert.to_str().unwrap(),
        ]);
        cert
    }

    /// A certificate `name.pem` with subject `CN=<cn>`, issued by `issuer` (a name given to
    /// `root` or `issue` before), with the extensions `ext` (openssl extension lines).
    pub fn issue(&self, name: &str, cn: &str, issuer: &str, key: Key, ext: &str) -> PathBuf {
        let k = self.key(name, key);
        let csr = self.path(&format!("{name}.csr"));
        let cert = self.path(&format!("{name}.pem"));
        let extfile = self.path(&format!("{name}.ext"));
        fs::write(&extfile, ext).unwrap();
        openssl(&[
            "req",
            "-new",
            "-key",
            k.to_str().unwrap(),
            "-subj",
            &format!("/O=Contoso Test/CN={cn}"),
            "-out",
            csr.to_str().unwrap(),
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            csr.to_str().unwrap(),
            "-CA",
            self.path(&format!("{issuer}.pem")).to_str().unwrap(),
            "-CAkey",
            self.path(&format!("{issuer}.key")).to_str().unwrap(),
            "-CAcreateserial",
            "-sha256",
            "-days",
            "825",
            "-extfile",
            extfile.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ]);
        cert
    }

    /// Concatenates PEM files into `name`.
    pub fn bundle(&self, name: &str, parts: &[&Path]) -> PathBuf {
        let mut text = String::new();
        for part in parts {
            text.push_str(&fs::read_to_string(part).unwrap());
        }
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// A PKCS#7 (.p7b, DER) holding `parts`.
    pub fn p7b(&self, name: &str, parts: &[&Path]) -> PathBuf {
        let path = self.path(name);
        let mut args = vec!["crl2pkcs7", "-nocrl", "-outform", "DER", "-out"];
        args.push(path.to_str().unwrap());
        for part in parts {
            args.push("-certfile");
            args.push(part.to_str().unwrap());
        }
        openssl(&args);
        path
    }

    /// openssl's verdict: `openssl verify -attime -CAfile -untrusted [-verify_hostname]
    /// -purpose sslserver`; true when it says OK.
    pub fn openssl_trusts(
        &self,
        leaf: &Path,
        anchors: &[&Path],
        untrusted: &[&Path],
        name: Option<&str>,
        at_unix: i64,
    ) -> bool {
        let ca = self.bundle("oracle-anchors.pem", anchors);
        let mut cmd = Command::new("openssl");
        cmd.args([
            "verify",
            "-attime",
            &at_unix.to_string(),
            "-purpose",
            "sslserver",
        ]);
        cmd.arg("-CAfile").arg(&ca);
        if !untrusted.is_empty() {
            cmd.arg("-untrusted")
                .arg(self.bundle("oracle-untrusted.pem", untrusted));
        }
        if let Some(name) = name {
            cmd.args(["-verify_hostname", name]);
        }
        cmd.arg(leaf);
        let out = cmd.output().expect("openssl");
        out.status.success()
    }
}
