//! Applying the planned operations to one SOFTWARE hive (in memory, or paged from its file),
//! then checking the result (`readback`). Produces a new hive only when something changed.

use std::path::Path;

use hive::{Hive, ValueType};

use crate::error::Error;
use crate::inputs::{certificate_in_blob, Insertion};
use crate::readback::{self, Expectation};
use crate::report::{Action, CertEntry};
use crate::stores::{self, StorePlace};
use crate::time::rfc3339;

/// The name of the value holding a certificate.
const BLOB: &str = certblob::BLOB_VALUE_NAME;

/// One operation on a hive.
#[derive(Debug, Clone)]
pub enum HiveOp {
    /// Write the insertion's Blob at its key.
    Put(Box<Insertion>),
    /// Delete the certificate key (with its subtree) wherever it is among `places`.
    Delete {
        /// The thumbprint (the key name).
        thumbprint: String,
        /// Every place the certificate is removed from: one (a store was named) or every store
        /// of every location. The first is the one a "not present" entry names.
        places: Vec<StorePlace>,
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
            HiveOp::Delete { places, .. } => {
                into.extend_from_slice(b"del\0");
                for place in places {
                    into.extend_from_slice(place.key.to_ascii_uppercase().as_bytes());
                    into.push(0);
                }
            }
        }
    }
}

/// What editing one hive in memory gave.
#[derive(Debug, Clone)]
pub struct Edited {
    /// One entry per operation, in order.
    pub entries: Vec<CertEntry>,
    /// The new hive, checked by nt-hive; `None` when nothing changed.
    pub new_bytes: Option<std::sync::Arc<Vec<u8>>>,
    /// Where the time went.
    pub times: EditTimes,
}

/// Time spent editing a hive and reading the result back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EditTimes {
    /// Parsing, checking and editing.
    pub edit: std::time::Duration,
    /// The read-back of the result.
    pub read_back: std::time::Duration,
}

/// What editing a hive file in place gave: the edited hive, still paged from its file, ready
/// for [`hive::Hive::write_atomic`].
pub struct EditedFile {
    /// One entry per operation, in order.
    pub entries: Vec<CertEntry>,
    /// The edited and checked hive; `None` when nothing changed.
    pub hive: Option<Hive>,
    /// Its new base block (what the logs' after-write policy looks at).
    pub new_head: Vec<u8>,
}

/// Refuses a hive Windows would not load as it is (see `hive::Hive::check_structure`).
pub fn check_structure(hive: &Hive, label: &Path) -> Result<(), Error> {
    hive.check_structure().map_err(|e| damaged(label, &e))
}

/// The error for a hive whose key tree does not hold together.
pub(crate) fn damaged(label: &Path, e: &hive::Error) -> Error {
    Error::Hive {
        path: label.to_path_buf(),
        detail: format!("the hive is damaged, Windows would not load it as it is: {e}"),
        source: None,
    }
}

fn hive_error(label: &Path) -> impl Fn(hive::Error) -> Error + '_ {
    move |e| Error::from_hive(label, e)
}

/// Applies `ops` to the hive `bytes` (named `label` in errors) and checks the result, the
/// whole image included (it is in memory anyway).
pub fn edit(
    before: std::sync::Arc<Vec<u8>>,
    ops: &[HiveOp],
    label: &Path,
) -> Result<Edited, Error> {
    let start = std::time::Instant::now();
    let mut hive = Hive::from_bytes(before.as_ref().clone()).map_err(hive_error(label))?;
    check_structure(&hive, label)?;
    let (entries, new_head, read_back) = apply(&mut hive, ops, Some(&before), label)?;
    let new_bytes = match new_head {
        Some(_) => Some(std::sync::Arc::new(
            hive.into_bytes().map_err(hive_error(label))?,
        )),
        None => None,
    };
    let times = EditTimes {
        edit: start.elapsed().saturating_sub(read_back),
        read_back,
    };
    Ok(Edited {
        entries,
        new_bytes,
        times,
    })
}

/// Applies `ops` to the hive file `path` (named `label` in errors), paged: only the hbins the
/// edit and its check need are read.
pub fn edit_file(path: &Path, ops: &[HiveOp], label: &Path) -> Result<EditedFile, Error> {
    let mut hive = Hive::open_to_edit(path).map_err(hive_error(label))?;
    // The copy the write patches is being made since open (the key tree check runs on its own
    // thread too, and the write waits for it before it commits, see `write_checked`). An edit
    // that fails on a damaged hive reports the damage.
    let (entries, new_head, _) = apply(&mut hive, ops, None, label)
        .map_err(|e| check_structure(&hive, label).err().unwrap_or(e))?;
    Ok(EditedFile {
        entries,
        hive: new_head.is_some().then_some(hive),
        new_head: new_head.unwrap_or_default(),
    })
}

/// Applies `ops` to `hive` and, when anything changed, checks the result (see `readback`).
/// Returns the report entries, when the hive changed its new base block, and the time the
/// read-back took.
type Applied = (Vec<CertEntry>, Option<Vec<u8>>, std::time::Duration);

fn apply(
    hive: &mut Hive,
    ops: &[HiveOp],
    before: Option<&[u8]>,
    label: &Path,
) -> Result<Applied, Error> {
    let hive_error = hive_error(label);
    let mut entries = Vec::with_capacity(ops.len());
    let mut expectations = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            HiveOp::Put(insertion) => {
                let existing = existing_blob(hive, &insertion.key).map_err(&hive_error)?;
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
                        .map_err(&hive_error)?;
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
                    friendly_name: insertion.certificate.friendly_name().map(str::to_string),
                    record_warnings: Vec::new(),
                });
            }
            HiveOp::Delete { thumbprint, places } => {
                let mut removed_any = false;
                for place in places {
                    // Name what is removed in the report: the certificate in the Blob, if
                    // readable.
                    let old = existing_blob(hive, &place.key)
                        .ok()
                        .flatten()
                        .and_then(|blob| certificate_in_blob(&blob).ok());
                    let removed = hive.delete_key(&place.key).map_err(&hive_error)?;
                    expectations.push(Expectation::Absent {
                        key: place.key.clone(),
                    });
                    if removed {
                        removed_any = true;
                        entries.push(delete_entry(thumbprint, place, old, Action::Removed));
                    }
                }
                if let (false, Some(first)) = (removed_any, places.first()) {
                    entries.push(delete_entry(thumbprint, first, None, Action::NotPresent));
                }
            }
        }
    }
    if !entries.iter().any(|e| e.action.changes_hive()) {
        return Ok((entries, None, std::time::Duration::ZERO));
    }
    let start = std::time::Instant::now();
    let new_head =
        readback::check(hive, before, &expectations).map_err(|detail| Error::ReadBack {
            path: label.to_path_buf(),
            detail,
        })?;
    Ok((entries, Some(new_head), start.elapsed()))
}

/// The report entry of a removal (or of nothing to remove) at `place`.
fn delete_entry(
    thumbprint: &str,
    place: &StorePlace,
    old: Option<certblob::Certificate>,
    action: Action,
) -> CertEntry {
    CertEntry {
        subject: old
            .as_ref()
            .map(|c| c.info().subject.clone())
            .unwrap_or_default(),
        thumbprint: thumbprint.to_string(),
        not_after: old.as_ref().and_then(|c| rfc3339(c.info().not_after)),
        store: place.store.clone(),
        location: place.location.clone(),
        key: place.key.clone(),
        action,
        key_matches: true,
        note: None,
        friendly_name: None,
        record_warnings: Vec::new(),
    }
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
