//! Reading certificate stores out of a hive for `list` and `verify`, with nt-hive (the same
//! independent parser that checks our writes).

use certblob::{Certificate, Location, Store};
use nt_hive::{Hive, KeyNode};

use crate::guard::no_panic;
use crate::inputs::certificate_in_blob;
use crate::report::{Action, CertEntry};
use crate::stores::{self, StorePlace, ALL_LOCATIONS, ALL_STORES};
use crate::time::rfc3339;

/// Something `verify` must find.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Thumbprint (40 upper-case hex digits).
    pub thumbprint: String,
    /// DER of the certificate, when known (from a certificate file); `None` when only the
    /// thumbprint was given.
    pub der: Option<Vec<u8>>,
    /// Subject, when known.
    pub subject: String,
    /// Where it counts as present, in the order looked at (see `stores::places`); the first is
    /// the one a "missing" entry names.
    pub places: Vec<StorePlace>,
}

fn open(bytes: &[u8]) -> Result<Hive<&[u8]>, String> {
    Hive::new(bytes).map_err(|e| format!("nt-hive rejects the hive: {e}"))
}

fn root<'h>(hive: &'h Hive<&'h [u8]>) -> Result<KeyNode<'h, &'h [u8]>, String> {
    hive.root_key_node()
        .map_err(|e| format!("cannot read the root key: {e}"))
}

/// Every certificate entry of every store, decoded from its Blob. Entries whose key name is not
/// the thumbprint of the certificate inside have `key_matches: false`.
pub fn list(bytes: &[u8]) -> Result<Vec<CertEntry>, String> {
    no_panic("nt-hive", || list_inner(bytes))?
}

fn list_inner(bytes: &[u8]) -> Result<Vec<CertEntry>, String> {
    let mut entries = Vec::new();
    walk_stores(bytes, |location, store, key, name, blob| {
        let mut entry = CertEntry {
            subject: String::new(),
            thumbprint: name.to_ascii_uppercase(),
            not_after: None,
            store: stores::store_name(location, store),
            location: stores::location_name(location).to_string(),
            key: format!("{key}\\{name}"),
            action: Action::Listed,
            key_matches: false,
            note: None,
            friendly_name: None,
            record_warnings: Vec::new(),
        };
        match blob {
            Ok(Some(blob)) => match certificate_in_blob(&blob) {
                Ok(cert) => {
                    judge_records(&blob, &cert, &mut entry);
                    let tp = cert.thumbprint().to_string();
                    entry.key_matches = tp.eq_ignore_ascii_case(name);
                    if !entry.key_matches {
                        entry.note = Some(format!(
                            "key name {name} is not the thumbprint of the certificate in its Blob"
                        ));
                    }
                    entry.thumbprint = tp;
                    entry.subject = cert.info().subject.clone();
                    entry.not_after = rfc3339(cert.info().not_after);
                }
                Err(e) => entry.note = Some(format!("Blob does not decode: {e}")),
            },
            Ok(None) => entry.note = Some("no Blob value".to_string()),
            Err(e) => entry.note = Some(e),
        }
        entries.push(entry);
    })?;
    Ok(entries)
}

/// A certificate held in one of the hive's stores.
#[derive(Debug, Clone)]
pub struct StoreCert {
    /// Where the store lives.
    pub location: Location,
    /// Which store.
    pub store: Store,
    /// The certificate in the entry's Blob.
    pub certificate: Certificate,
}

/// Every certificate of every store whose Blob decodes (what `list` shows, less the entries
/// that hold none), for `check`'s path building.
pub fn store_certificates(bytes: &[u8]) -> Result<Vec<StoreCert>, String> {
    no_panic("nt-hive", || {
        let mut found = Vec::new();
        walk_stores(bytes, |location, store, _, _, blob| {
            if let Some(certificate) = blob
                .ok()
                .flatten()
                .and_then(|b| certificate_in_blob(&b).ok())
            {
                found.push(StoreCert {
                    location,
                    store,
                    certificate,
                });
            }
        })?;
        Ok(found)
    })?
}

/// Calls `each(location, store, store key, entry name, its Blob)` for every entry of every store.
fn walk_stores(
    bytes: &[u8],
    mut each: impl FnMut(Location, Store, &str, &str, Result<Option<Vec<u8>>, String>),
) -> Result<(), String> {
    let hive = open(bytes)?;
    let root = root(&hive)?;
    for location in ALL_LOCATIONS {
        for store in ALL_STORES {
            let key = certblob::certificates_key(location, store);
            let Some(node) = root.subpath(&key) else {
                continue;
            };
            let node = node.map_err(|e| format!("key {key} does not read: {e}"))?;
            let Some(subkeys) = node.subkeys() else {
                continue;
            };
            let subkeys = subkeys.map_err(|e| format!("subkeys of {key} do not read: {e}"))?;
            for subkey in subkeys {
                let subkey = subkey.map_err(|e| format!("a subkey of {key} does not read: {e}"))?;
                let name = subkey
                    .name()
                    .map_err(|e| format!("a subkey name of {key} does not read: {e}"))?
                    .to_string_lossy();
                each(location, store, &key, &name, blob_of(&subkey));
            }
        }
    }
    Ok(())
}

/// For each expected certificate: present and well-formed (`Verified`), `Missing` or
/// `Malformed`.
pub fn verify(bytes: &[u8], expected: &[Expected]) -> Result<Vec<CertEntry>, String> {
    no_panic("nt-hive", || verify_inner(bytes, expected))?
}

fn verify_inner(bytes: &[u8], expected: &[Expected]) -> Result<Vec<CertEntry>, String> {
    let hive = open(bytes)?;
    let root = root(&hive)?;
    let mut entries = Vec::with_capacity(expected.len());
    for want in expected {
        let mut entry = CertEntry {
            subject: want.subject.clone(),
            thumbprint: want.thumbprint.clone(),
            not_after: None,
            store: String::new(),
            location: String::new(),
            key: String::new(),
            action: Action::Missing,
            key_matches: true,
            note: None,
            friendly_name: None,
            record_warnings: Vec::new(),
        };
        let found = want
            .places
            .iter()
            .find_map(|place| root.subpath(&place.key).map(|node| (node, place)));
        if let Some(place) = found.as_ref().map(|(_, p)| *p).or(want.places.first()) {
            entry.key.clone_from(&place.key);
            entry.store.clone_from(&place.store);
            entry.location.clone_from(&place.location);
        }
        match found.map(|(node, _)| node) {
            None => entry.note = Some("no such key".to_string()),
            Some(Err(e)) => {
                entry.action = Action::Malformed;
                entry.note = Some(format!("key does not read: {e}"));
            }
            Some(Ok(node)) => match blob_of(&node) {
                Ok(None) => entry.note = Some("no Blob value".to_string()),
                Err(e) => {
                    entry.action = Action::Malformed;
                    entry.note = Some(e);
                }
                Ok(Some(blob)) => match certificate_in_blob(&blob) {
                    Err(e) => {
                        entry.action = Action::Malformed;
                        entry.note = Some(format!("Blob does not decode: {e}"));
                    }
                    Ok(cert) => {
                        judge_records(&blob, &cert, &mut entry);
                        entry.subject = cert.info().subject.clone();
                        entry.not_after = rfc3339(cert.info().not_after);
                        let same_tp = cert.thumbprint().to_string() == want.thumbprint;
                        let same_der = want.der.as_deref().is_none_or(|d| d == cert.der());
                        if same_tp && same_der {
                            entry.action = Action::Verified;
                        } else {
                            entry.action = Action::Malformed;
                            entry.note = Some(format!(
                                "the Blob holds certificate {}, not this one",
                                cert.thumbprint()
                            ));
                        }
                    }
                },
            },
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// Notes the Blob's friendly name, and flags its records that disagree with its certificate.
fn judge_records(blob: &[u8], cert: &certblob::Certificate, entry: &mut CertEntry) {
    if let Ok(decoded) = certblob::decode_blob(blob) {
        entry.friendly_name = decoded.friendly_name().filter(|n| !n.is_empty());
        entry.record_warnings = certblob::blob_disagreements(&decoded, cert);
    }
}

fn blob_of(node: &KeyNode<&[u8]>) -> Result<Option<Vec<u8>>, String> {
    let Some(value) = node.value(certblob::BLOB_VALUE_NAME) else {
        return Ok(None);
    };
    let value = value.map_err(|e| format!("Blob value does not read: {e}"))?;
    let data = value
        .data()
        .and_then(|d| d.into_vec())
        .map_err(|e| format!("Blob data does not read: {e}"))?;
    Ok(Some(data))
}
