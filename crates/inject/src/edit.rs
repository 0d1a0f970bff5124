//! Applying the planned operations to one SOFTWARE hive in memory, then checking the result with
//! nt-hive. Produces the new bytes only when something changed.

use std::path::Path;

use hive::{Hive, ValueType};

use crate::error::Error;
use crate::inputs::{certificate_in_blob, Insertion};
use crate::readback::{self, Expectation};
use crate::report::{Action, CertEntry};
use crate::stores;
use crate::time::rfc3339;

/// The name of the value holding a certificate.
const BLOB: &str = certblob::BLOB_VALUE_NAME;

/// One operation on a hive.
#[derive(Debug, Clone)]
pub enum HiveOp {
    /// Write the insertion's Blob at its key.
    Put(Box<Insertion>),
    /// Delete the certificate key (with its subtree).
    Delete {
        /// Key path relative to the SOFTWARE root.
        key: String,
        /// The thumbprint (the key name).
        thumbprint: String,
        /// Store name for the report.
        store: String,
        /// Location name for the report.
        location: String,
    },
}

impl HiveOp {
    /// A stable fingerprint of the operation, for the batch's edit cache.
    pub fn fingerprint(&self, into: &mut Vec<u8>) {
        match self {
            HiveOp::Put(insertion) => {
                into.extend_from_slice(b"put\0");
                into.extend_from_slice(insertion.key.to_ascii_uppercase().as_bytes());
                into.push(0);
                into.extend_from_slice(&(insertion.blob.len() as u64).to_le_bytes());
                into.extend_from_slice(&insertion.blob);
            }
            HiveOp::Delete { key, .. } => {
                into.extend_from_slice(b"del\0");
                into.extend_from_slice(key.to_ascii_uppercase().as_bytes());
                into.push(0);
            }
        }
    }
}

/// What editing one hive gave.
#[derive(Debug, Clone)]
pub struct Edited {
    /// One entry per operation, in order.
    pub entries: Vec<CertEntry>,
    /// The new hive, checked by nt-hive; `None` when nothing changed.
    pub new_bytes: Option<Vec<u8>>,
}

/// Applies `ops` to the hive `bytes` (named `label` in errors) and checks the result.
pub fn edit(bytes: Vec<u8>, ops: &[HiveOp], label: &Path) -> Result<Edited, Error> {
    let hive_error = |e: hive::Error| Error::Hive {
        path: label.to_path_buf(),
        detail: e.to_string(),
    };
    let mut hive = Hive::from_bytes(bytes).map_err(hive_error)?;
    let mut entries = Vec::with_capacity(ops.len());
    let mut expectations = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            HiveOp::Put(insertion) => {
                let existing = existing_blob(&hive, &insertion.key).map_err(hive_error)?;
                let (action, note) = match existing {
                    None => (Action::Added, None),
                    Some(old) if old == insertion.blob => (Action::AlreadyPresent, None),
                    Some(old) => (
                        Action::Replaced,
                        Some(format!("the previous Blob ({} bytes) differed", old.len())),
                    ),
                };
                if action != Action::AlreadyPresent {
                    hive.set_value(&insertion.key, BLOB, ValueType::Binary, &insertion.blob)
                        .map_err(hive_error)?;
                }
                expectations.push(Expectation::Value {
                    key: insertion.key.clone(),
                    value: BLOB.to_string(),
                    data: insertion.blob.clone(),
                });
                let info = insertion.certificate.info();
                entries.push(CertEntry {
                    subject: info.subject.clone(),
                    thumbprint: insertion.thumbprint().to_string(),
                    not_after: rfc3339(info.not_after),
                    store: stores::store_name(insertion.location, insertion.store),
                    location: stores::location_name(insertion.location).to_string(),
                    key: insertion.key.clone(),
                    action,
                    key_matches: true,
                    note,
                });
            }
            HiveOp::Delete {
                key,
                thumbprint,
                store,
                location,
            } => {
                // Name what is removed in the report: the certificate in the Blob, if readable.
                let old = existing_blob(&hive, key)
                    .ok()
                    .flatten()
                    .and_then(|blob| certificate_in_blob(&blob).ok());
                let action = if hive.delete_key(key).map_err(hive_error)? {
                    Action::Removed
                } else {
                    Action::NotPresent
                };
                expectations.push(Expectation::Absent { key: key.clone() });
                entries.push(CertEntry {
                    subject: old
                        .as_ref()
                        .map(|c| c.info().subject.clone())
                        .unwrap_or_default(),
                    thumbprint: thumbprint.clone(),
                    not_after: old.as_ref().and_then(|c| rfc3339(c.info().not_after)),
                    store: store.clone(),
                    location: location.clone(),
                    key: key.clone(),
                    action,
                    key_matches: true,
                    note: None,
                });
            }
        }
    }
    if !entries.iter().any(|e| e.action.changes_hive()) {
        return Ok(Edited {
            entries,
            new_bytes: None,
        });
    }
    let new_bytes = hive.into_bytes().map_err(hive_error)?;
    readback::check(&new_bytes, &expectations).map_err(|detail| Error::ReadBack {
        path: label.to_path_buf(),
        detail,
    })?;
    Ok(Edited {
        entries,
        new_bytes: Some(new_bytes),
    })
}

/// The Blob currently stored at `key`, if any.
fn existing_blob(hive: &Hive, key: &str) -> Result<Option<Vec<u8>>, hive::Error> {
    let Some(node) = hive.key(key)? else {
        return Ok(None);
    };
    let Some(value) = node.value(BLOB)? else {
        return Ok(None);
    };
    Ok(Some(value.data()?))
}
