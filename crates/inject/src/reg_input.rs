//! Certificates from regedit exports (`--reg`): which operations are applied and which skipped.

use std::path::Path;

use certblob::reg::{RegOp, RootMapping};

use crate::error::Error;
use crate::inputs::{certificate_in_blob, Inputs};
use crate::stores::{self, CertKey};

impl Inputs {
    /// Adds the certificate entries of a regedit export. Only `Blob` values of certificate keys
    /// (`...\SystemCertificates\<Store>\Certificates\<THUMBPRINT>`) are applied, with their exact
    /// bytes; parent-key creations are implied; every other operation is skipped with a warning.
    pub fn add_reg_file(&mut self, path: &Path, force: bool, now_unix: i64) -> Result<(), Error> {
        let reg_error = |detail: String| Error::RegFile {
            path: path.to_path_buf(),
            detail,
            source: None,
        };
        let file =
            certblob::reg::read_reg_file(path, RootMapping::Auto).map_err(|e| Error::RegFile {
                path: path.to_path_buf(),
                detail: e.to_string(),
                source: Some(Box::new(e)),
            })?;
        let mut found = 0usize;
        for op in &file.ops {
            match op {
                RegOp::SetValue {
                    key,
                    name,
                    ty,
                    data,
                } if name.eq_ignore_ascii_case("Blob") => {
                    let Some(CertKey {
                        location,
                        store,
                        thumbprint,
                    }) = stores::parse_cert_key(key)
                    else {
                        self.skip(
                            path,
                            &format!("value {key}\\{name} (not a certificate key)"),
                        );
                        continue;
                    };
                    if *ty != certblob::REG_BINARY {
                        return Err(reg_error(format!(
                            "{key}\\Blob has registry type {ty}, expected REG_BINARY (3)"
                        )));
                    }
                    let certificate = certificate_in_blob(data)
                        .map_err(|detail| reg_error(format!("{key}\\Blob: {detail}")))?;
                    if certificate.thumbprint() != thumbprint {
                        return Err(reg_error(format!(
                            "{key}\\Blob holds certificate {}, not {thumbprint}: Windows would not find it",
                            certificate.thumbprint()
                        )));
                    }
                    let key = certblob::cert_key_path(location, store, &thumbprint);
                    let placed = crate::placement::Placement {
                        warning: crate::placement::explicit_warning_for(&certificate, store),
                        reason: format!("written in the .reg file -> {}", store.key_name()),
                        store,
                    };
                    self.push(
                        path,
                        certificate,
                        location,
                        placed,
                        key,
                        data.clone(),
                        force,
                        now_unix,
                    )?;
                    found += 1;
                }
                RegOp::CreateKey { path: key }
                    if stores::is_store_ancestor(key) || stores::parse_cert_key(key).is_some() => {}
                RegOp::CreateKey { path: key } => self.skip(path, &format!("key {key}")),
                RegOp::SetValue { key, name, .. } => {
                    self.skip(path, &format!("value {key}\\{name}"))
                }
                RegOp::DeleteKey { path: key } => {
                    self.skip(path, &format!("deletion of key {key}"))
                }
                RegOp::DeleteValue { key, name } => {
                    self.skip(path, &format!("deletion of value {key}\\{name}"))
                }
            }
        }
        if found == 0 {
            return Err(reg_error(
                "no certificate entry (...\\SystemCertificates\\<Store>\\Certificates\\<thumbprint>, value Blob) in the file"
                    .to_string(),
            ));
        }
        Ok(())
    }
}
