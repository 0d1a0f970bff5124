//! SHA-1 certificate thumbprints.

use std::fmt;
use std::str::FromStr;

use sha1::{Digest, Sha1};

use crate::error::Error;

/// SHA-1 hash of a certificate's DER encoding: the name of its registry key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Thumbprint(pub [u8; 20]);

impl Thumbprint {
    /// The thumbprint of the given DER bytes.
    pub fn of_der(der: &[u8]) -> Thumbprint {
        Thumbprint(Sha1::digest(der).into())
    }

    /// 40 upper-case hex digits, as Windows names the registry key (crypt32 ignores other spellings).
    pub fn to_hex(&self) -> String {
        hex::encode_upper(self.0)
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Thumbprint({})", self.to_hex())
    }
}

/// Characters that the certificate MMC or copy/paste leave around a thumbprint.
fn is_ignorable(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ':' | '-' | '\u{200E}' | '\u{200F}' | '\u{FEFF}' | '\u{200B}'
        )
}

impl FromStr for Thumbprint {
    type Err = Error;

    /// Accepts upper or lower case hex with spaces, colons or dashes between digits, strips
    /// the invisible U+200E (left-to-right mark) the certificate MMC puts in front when copied,
    /// and takes what follows `=` in openssl's `SHA1 Fingerprint=AA:BB:...` line.
    fn from_str(s: &str) -> Result<Thumbprint, Error> {
        let bad = || Error::InvalidThumbprint {
            input: s.to_string(),
        };
        let text = match s.rsplit_once('=') {
            Some((label, value)) if label.to_ascii_lowercase().contains("fingerprint") => value,
            _ => s,
        };
        let digits: String = text.chars().filter(|&c| !is_ignorable(c)).collect();
        if digits.len() != 40 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut out = [0u8; 20];
        hex::decode_to_slice(&digits, &mut out).map_err(|_| bad())?;
        Ok(Thumbprint(out))
    }
}
