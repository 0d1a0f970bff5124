//! Names of certificate stores and locations, and recognising a certificate key path
//! (`<location>\SystemCertificates\<Store>\Certificates\<THUMBPRINT>`) in a `.reg` file or hive.

use certblob::{Location, Store, Thumbprint};

/// Every store certblob knows, in the order `list` shows them.
pub const ALL_STORES: [Store; 6] = Store::ALL;

/// Every location certblob knows.
pub const ALL_LOCATIONS: [Location; 3] =
    [Location::Machine, Location::Policy, Location::Enterprise];

/// The store's registry name, e.g. `AuthRoot` (the component before `Certificates`).
pub fn store_name(_location: Location, store: Store) -> String {
    store.key_name().to_string()
}

/// The location's name as the CLI spells it.
pub fn location_name(location: Location) -> &'static str {
    match location {
        Location::Machine => "machine",
        Location::Policy => "policy",
        Location::Enterprise => "enterprise",
    }
}

/// A certificate key in a named store.
#[derive(Debug, Clone)]
pub struct StorePlace {
    /// Key path relative to the SOFTWARE root.
    pub key: String,
    /// Store name for the report.
    pub store: String,
    /// Location name for the report.
    pub location: String,
}

impl StorePlace {
    /// The key of `thumbprint` in `store` of `location`.
    pub fn new(location: Location, store: Store, thumbprint: &Thumbprint) -> StorePlace {
        StorePlace {
            key: certblob::cert_key_path(location, store, thumbprint),
            store: store_name(location, store),
            location: location_name(location).to_string(),
        }
    }
}

/// Where a certificate is looked for (verify) or removed from (remove): `first`, and when
/// `anywhere` (no store was named) every other store of every location after it.
pub fn places(
    thumbprint: &Thumbprint,
    first: (Location, Store),
    anywhere: bool,
) -> Vec<StorePlace> {
    let mut all = vec![StorePlace::new(first.0, first.1, thumbprint)];
    if anywhere {
        for location in ALL_LOCATIONS {
            for store in ALL_STORES {
                if (location, store) != first {
                    all.push(StorePlace::new(location, store, thumbprint));
                }
            }
        }
    }
    all
}

/// A certificate key recognised in a path.
#[derive(Debug, Clone, Copy)]
pub struct CertKey {
    /// Where the store lives.
    pub location: Location,
    /// Which store.
    pub store: Store,
    /// The key name, parsed as a thumbprint.
    pub thumbprint: Thumbprint,
}

/// Recognises `path` (relative to the SOFTWARE root, any case) as a certificate key.
pub fn parse_cert_key(path: &str) -> Option<CertKey> {
    let path = path.trim_matches('\\');
    for location in ALL_LOCATIONS {
        for store in ALL_STORES {
            let prefix = certblob::certificates_key(location, store);
            let Some(head) = path.get(..prefix.len()) else {
                continue;
            };
            if !head.eq_ignore_ascii_case(&prefix) {
                continue;
            }
            let rest = &path[prefix.len()..];
            let Some(name) = rest.strip_prefix('\\') else {
                continue;
            };
            if name.contains('\\') {
                continue;
            }
            if let Ok(thumbprint) = name.parse::<Thumbprint>() {
                return Some(CertKey {
                    location,
                    store,
                    thumbprint,
                });
            }
        }
    }
    None
}

/// True when `path` is inside some certificate store tree (a parent of certificate keys), e.g.
/// `Microsoft\SystemCertificates\AuthRoot`: such `CreateKey` operations are implied and skipped
/// silently when a `.reg` file is applied.
pub fn is_store_ancestor(path: &str) -> bool {
    let path = path.trim_matches('\\');
    ALL_LOCATIONS.iter().any(|&location| {
        ALL_STORES.iter().any(|&store| {
            let key = certblob::certificates_key(location, store);
            key.get(..path.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(path))
                && (key.len() == path.len() || key.as_bytes().get(path.len()) == Some(&b'\\'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_keys_are_recognised_in_any_case_and_location() {
        let tp = "73A5E64A3BFF8316FF0EDCCC618A906E4EAE4D74";
        let key = parse_cert_key(&format!(
            "microsoft\\systemcertificates\\authroot\\certificates\\{tp}"
        ))
        .unwrap();
        assert_eq!(
            (key.location, key.store),
            (Location::Machine, Store::AuthRoot)
        );
        assert_eq!(key.thumbprint.to_string(), tp);
        let key = parse_cert_key(&format!(
            "Policies\\Microsoft\\SystemCertificates\\Root\\Certificates\\{tp}"
        ))
        .unwrap();
        assert_eq!((key.location, key.store), (Location::Policy, Store::Root));
        assert!(parse_cert_key("Microsoft\\SystemCertificates\\AuthRoot\\Certificates").is_none());
        assert!(
            parse_cert_key(&format!("Microsoft\\Other\\AuthRoot\\Certificates\\{tp}")).is_none()
        );
        assert!(
            parse_cert_key("Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\XYZ").is_none()
        );
        assert!(is_store_ancestor("Microsoft\\SystemCertificates"));
        assert!(is_store_ancestor("MICROSOFT"));
        assert!(!is_store_ancestor("Microsoft\\System"));
        assert!(!is_store_ancestor("Classes"));
    }
}
