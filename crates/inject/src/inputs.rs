//! Loading the certificates to inject: certificate files (every format certblob reads) and
//! regedit exports. The result is a list of [`Insertion`]s: an exact Blob for an exact key.

use std::path::{Path, PathBuf};

use certblob::{Certificate, Location, Store, Thumbprint};

use crate::error::Error;
use crate::placement::{self, Placement, StoreChoice};
use crate::report::InputCertificate;
use crate::stores;
use crate::time::rfc3339;

/// One certificate entry to write: the `Blob` for `key`.
#[derive(Debug, Clone)]
pub struct Insertion {
    /// The file it came from.
    pub source: PathBuf,
    /// The parsed certificate (from the file, or decoded from the `.reg` Blob).
    pub certificate: Certificate,
    /// Store location.
    pub location: Location,
    /// Store.
    pub store: Store,
    /// Key path relative to the SOFTWARE root.
    pub key: String,
    /// Exact Blob bytes to write.
    pub blob: Vec<u8>,
    /// Why it goes to `store` ("self-signed CA -> AuthRoot", "issued by CN=... -> CA").
    pub placement: String,
}

impl Insertion {
    /// The certificate's thumbprint.
    pub fn thumbprint(&self) -> Thumbprint {
        self.certificate.thumbprint()
    }

    /// How the report shows this input.
    pub fn describe(&self, warnings: Vec<String>) -> InputCertificate {
        let info = self.certificate.info();
        InputCertificate {
            source: self.source.display().to_string(),
            subject: info.subject.clone(),
            thumbprint: self.thumbprint().to_string(),
            not_after: rfc3339(info.not_after),
            store: stores::store_name(self.location, self.store),
            location: stores::location_name(self.location).to_string(),
            placement: self.placement.clone(),
            warnings,
        }
    }
}

/// The loaded inputs of a job.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Entries to write, deduplicated by key.
    pub insertions: Vec<Insertion>,
    /// How the report shows them.
    pub described: Vec<InputCertificate>,
    /// Warnings about the inputs as a whole (skipped `.reg` operations).
    pub warnings: Vec<String>,
}

impl Inputs {
    /// Adds every certificate of a certificate file, checked against certblob's findings, each
    /// placed in the store `choice` gives it.
    pub fn add_certificate_file(
        &mut self,
        path: &Path,
        location: Location,
        choice: StoreChoice,
        force: bool,
        now_unix: i64,
    ) -> Result<(), Error> {
        let certificates = certblob::read_certificates(path).map_err(|e| Error::Certificate {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?;
        if certificates.is_empty() {
            return Err(Error::NoCertificate {
                path: path.to_path_buf(),
            });
        }
        // A serialized store is an export of a whole store (Windows' own root list holds
        // expired roots): what would be refused is skipped with a warning, the rest is added.
        // Any other file is refused whole when one of its certificates is.
        let skip_refused = is_serialized_store(path);
        let mut first_refusal = None;
        let mut added = 0;
        for certificate in certificates {
            let blob = certblob::encode_blob(&certificate);
            let placed = placement::place(&certificate, choice);
            let key = certblob::cert_key_path(location, placed.store, &certificate.thumbprint());
            match self.push(
                path,
                certificate,
                location,
                placed,
                key,
                blob,
                force,
                now_unix,
            ) {
                Ok(()) => added += 1,
                Err(e @ Error::Refused { .. }) if skip_refused => {
                    self.warnings.push(format!("skipped: {e}"));
                    first_refusal.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        match first_refusal {
            Some(e) if added == 0 => Err(e),
            _ => Ok(()),
        }
    }

    pub(crate) fn skip(&mut self, path: &Path, what: &str) {
        self.warnings.push(format!(
            "{}: skipped {what}: only certificate entries are applied",
            path.display()
        ));
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        path: &Path,
        certificate: Certificate,
        location: Location,
        placed: Placement,
        key: String,
        blob: Vec<u8>,
        force: bool,
        now_unix: i64,
    ) -> Result<(), Error> {
        let mut warnings = Vec::new();
        let mut refusals = Vec::new();
        // Whether a certificate is a root or an intermediate is the placement's business: it
        // chose the store by it, or warns when the given store is not what Windows would choose.
        let findings = certificate
            .findings(now_unix)
            .into_iter()
            .filter(|f| f.kind != certblob::FindingKind::NotSelfSigned);
        let Placement {
            store,
            reason: placement,
            warning,
        } = placed;
        warnings.extend(warning);
        for finding in findings {
            match finding.severity {
                certblob::Severity::Refuse if !force => refusals.push(finding.message),
                certblob::Severity::Refuse => warnings.push(format!("forced: {}", finding.message)),
                certblob::Severity::Warn => warnings.push(finding.message),
            }
        }
        if !refusals.is_empty() {
            return Err(Error::Refused {
                path: path.to_path_buf(),
                thumbprint: certificate.thumbprint().to_string(),
                subject: certificate.info().subject.clone(),
                reasons: refusals.join("; "),
            });
        }
        if let Some(existing) = self
            .insertions
            .iter_mut()
            .find(|i| i.key.eq_ignore_ascii_case(&key))
        {
            if existing.blob != blob {
                return Err(Error::Usage(format!(
                    "{}: certificate {} is given twice with different Blob contents ({} and {})",
                    path.display(),
                    certificate.thumbprint(),
                    existing.source.display(),
                    path.display()
                )));
            }
            return Ok(());
        }
        let insertion = Insertion {
            source: path.to_path_buf(),
            certificate,
            location,
            store,
            key,
            blob,
            placement,
        };
        self.described.push(insertion.describe(warnings));
        self.insertions.push(insertion);
        Ok(())
    }
}

/// True when `path` starts like a serialized certificate store (`.sst`).
fn is_serialized_store(path: &Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| certblob::is_sst(&head))
}

/// The certificate held in a Blob, or why there is none.
pub fn certificate_in_blob(blob: &[u8]) -> Result<Certificate, String> {
    let decoded = certblob::decode_blob(blob).map_err(|e| e.to_string())?;
    let der = decoded
        .cert_der
        .as_deref()
        .ok_or_else(|| "the Blob holds no certificate".to_string())?;
    Certificate::from_der(der).map_err(|e| e.to_string())
}
