//! Certificate stores and their registry locations.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::thumbprint::Thumbprint;

/// Name of the registry value that holds a certificate's serialized form.
pub const BLOB_VALUE_NAME: &str = "Blob";

/// Registry value type code of `REG_BINARY` (the type of the `Blob` value).
pub const REG_BINARY: u32 = 3;

/// A system certificate store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Store {
    /// Third-party trusted roots (`AuthRoot`), the default: where Windows keeps roots it trusts.
    #[default]
    AuthRoot,
    /// Trusted Root Certification Authorities (`ROOT`).
    Root,
    /// Intermediate Certification Authorities (`CA`).
    Ca,
    /// Trusted Publishers (`TrustedPublisher`).
    TrustedPublisher,
    /// Trusted People (`TrustedPeople`).
    TrustedPeople,
    /// Untrusted certificates (`Disallowed`).
    Disallowed,
}

impl Store {
    /// All stores, in declaration order.
    pub const ALL: [Store; 6] = [
        Store::AuthRoot,
        Store::Root,
        Store::Ca,
        Store::TrustedPublisher,
        Store::TrustedPeople,
        Store::Disallowed,
    ];

    /// The registry key name, spelled as Windows spells it.
    pub fn key_name(self) -> &'static str {
        match self {
            Store::AuthRoot => "AuthRoot",
            Store::Root => "ROOT",
            Store::Ca => "CA",
            Store::TrustedPublisher => "TrustedPublisher",
            Store::TrustedPeople => "TrustedPeople",
            Store::Disallowed => "Disallowed",
        }
    }
}

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key_name())
    }
}

impl FromStr for Store {
    type Err = Error;

    /// Any case; the registry key names above.
    fn from_str(s: &str) -> Result<Store, Error> {
        let t = s.trim();
        Store::ALL
            .into_iter()
            .find(|st| st.key_name().eq_ignore_ascii_case(t))
            .ok_or_else(|| Error::UnknownStore {
                input: s.to_string(),
            })
    }
}

/// Where, below the SOFTWARE hive root, the stores live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Location {
    /// `Microsoft\SystemCertificates` (the local machine's own stores), the default.
    #[default]
    Machine,
    /// `Policies\Microsoft\SystemCertificates` (stores filled by Group Policy).
    Policy,
    /// `Microsoft\EnterpriseCertificates` (stores filled from Active Directory).
    Enterprise,
}

impl Location {
    /// The key path relative to the SOFTWARE hive root.
    pub fn key_path(self) -> &'static str {
        match self {
            Location::Machine => "Microsoft\\SystemCertificates",
            Location::Policy => "Policies\\Microsoft\\SystemCertificates",
            Location::Enterprise => "Microsoft\\EnterpriseCertificates",
        }
    }

    /// Short name, as accepted by `FromStr`.
    pub fn name(self) -> &'static str {
        match self {
            Location::Machine => "Machine",
            Location::Policy => "Policy",
            Location::Enterprise => "Enterprise",
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Location {
    type Err = Error;

    /// Any case: `Machine` (also `LocalMachine`), `Policy` (also `Policies`, `GroupPolicy`),
    /// `Enterprise`.
    fn from_str(s: &str) -> Result<Location, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "machine" | "localmachine" => Ok(Location::Machine),
            "policy" | "policies" | "grouppolicy" => Ok(Location::Policy),
            "enterprise" => Ok(Location::Enterprise),
            _ => Err(Error::UnknownLocation {
                input: s.to_string(),
            }),
        }
    }
}

/// The `Certificates` key of a store, relative to the SOFTWARE hive root,
/// e.g. `Microsoft\SystemCertificates\AuthRoot\Certificates`.
pub fn certificates_key(location: Location, store: Store) -> String {
    format!(
        "{}\\{}\\Certificates",
        location.key_path(),
        store.key_name()
    )
}

/// The key of one certificate: [`certificates_key`] + `\` + 40 upper-case hex digits.
pub fn cert_key_path(location: Location, store: Store, tp: &Thumbprint) -> String {
    format!("{}\\{}", certificates_key(location, store), tp.to_hex())
}
