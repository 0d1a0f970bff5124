//! Which store a certificate goes to. When the caller names none, the choice Windows'
//! certificate import wizard makes when it is left to choose: a self-signed CA certificate goes
//! to a root store (the trust anchors), any other CA certificate to `CA` (Intermediate
//! Certification Authorities). An intermediate in a root store is a field failure admins report
//! (WinPE then fails its HTTPS connection), so a store named by the caller that differs from the
//! wizard's choice gets a warning that says what the wizard would have done.

use certblob::{Certificate, Store};

/// The caller's say in where certificates go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreChoice {
    /// A store for every certificate (`--store`); `None`: by kind.
    pub explicit: Option<Store>,
    /// The root store a self-signed CA goes to when placed by kind (default AuthRoot, as in
    /// Microsoft's procedure).
    pub root_store: Store,
}

impl Default for StoreChoice {
    fn default() -> StoreChoice {
        StoreChoice {
            explicit: None,
            root_store: Store::AuthRoot,
        }
    }
}

/// Where one certificate goes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The store chosen.
    pub store: Store,
    /// Why, for the report: "self-signed CA -> AuthRoot", "issued by CN=... -> CA".
    pub reason: String,
    /// A store given by the caller that the wizard would not have chosen.
    pub warning: Option<String>,
}

/// What a certificate is, for placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Self-signed CA (or self-signed X.509 v1 certificate, which Windows treats as one).
    Root,
    /// A CA certificate issued by another CA.
    Intermediate,
    /// Not a CA certificate (refused unless forced).
    EndEntity,
}

fn kind(cert: &Certificate) -> Kind {
    let info = cert.info();
    let ca = info.is_ca || (info.version == 1 && info.is_self_signed);
    match (ca, info.is_self_signed) {
        (true, true) => Kind::Root,
        (true, false) => Kind::Intermediate,
        (false, _) => Kind::EndEntity,
    }
}

/// True for the stores whose certificates are trust anchors.
pub fn is_root_store(store: Store) -> bool {
    matches!(store, Store::AuthRoot | Store::Root)
}

/// Where `cert` goes under `choice`.
pub fn place(cert: &Certificate, choice: StoreChoice) -> Placement {
    let kind = kind(cert);
    let issuer = &cert.info().issuer;
    match choice.explicit {
        None => {
            let (store, reason) = match kind {
                Kind::Root => (choice.root_store, "self-signed CA".to_string()),
                Kind::Intermediate => (Store::Ca, format!("issued by {issuer}")),
                Kind::EndEntity => (choice.root_store, "not a CA, forced".to_string()),
            };
            Placement {
                store,
                reason: format!("{reason} -> {}", store.key_name()),
                warning: None,
            }
        }
        Some(store) => Placement {
            store,
            reason: format!("--store {}", store.key_name()),
            warning: explicit_warning(kind, store, issuer),
        },
    }
}

/// The warning for a store named by the caller (or by a `.reg` file) that the import wizard
/// would not have chosen.
pub fn explicit_warning_for(cert: &Certificate, store: Store) -> Option<String> {
    explicit_warning(kind(cert), store, &cert.info().issuer)
}

fn explicit_warning(kind: Kind, store: Store, issuer: &str) -> Option<String> {
    match kind {
        Kind::Intermediate if is_root_store(store) => Some(format!(
            "not self-signed (issued by {issuer}): an intermediate, not a root, put into {}; \
             Windows' certificate import wizard would put it in CA (Intermediate Certification \
             Authorities)",
            store.key_name()
        )),
        Kind::Root if !is_root_store(store) && store != Store::Disallowed => Some(format!(
            "a self-signed CA (a root) put into {}; Windows' certificate import wizard would \
             put it in a root store (Root), where it is a trust anchor",
            store.key_name()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real_root() -> Certificate {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/certs/DigiCert_Global_Root_CA.crt"
        );
        certblob::read_certificates(std::path::Path::new(path))
            .unwrap()
            .remove(0)
    }

    #[test]
    fn a_real_root_goes_to_the_root_store_chosen() {
        let root = real_root();
        let placed = place(&root, StoreChoice::default());
        assert_eq!(placed.store, Store::AuthRoot);
        assert_eq!(placed.reason, "self-signed CA -> AuthRoot");
        assert_eq!(placed.warning, None);
        let placed = place(
            &root,
            StoreChoice {
                explicit: None,
                root_store: Store::Root,
            },
        );
        assert_eq!(placed.store, Store::Root);
    }

    #[test]
    fn an_explicit_store_wins_and_warns_when_the_wizard_would_differ() {
        let root = real_root();
        for (store, warns) in [
            (Store::AuthRoot, false),
            (Store::Root, false),
            (Store::Disallowed, false),
            (Store::Ca, true),
            (Store::TrustedPeople, true),
        ] {
            let placed = place(
                &root,
                StoreChoice {
                    explicit: Some(store),
                    root_store: Store::AuthRoot,
                },
            );
            assert_eq!(placed.store, store);
            assert_eq!(placed.reason, format!("--store {}", store.key_name()));
            assert_eq!(placed.warning.is_some(), warns, "{store:?}");
        }
    }
}
