//! The edit read back by nt-hive, an independent parser: every key and value the edit created,
//! changed or removed must read back exactly as intended.
//!
//! Only what the edit is about is read: the key paths of the expectations and the values of
//! their last keys. The rest of the hive is judged by its bytes (`footprint`), so a structure
//! nt-hive cannot read but the edit did not touch (a version 1.3 value over 16,344 bytes, which
//! nt-hive takes for big data; an NT 4.0 quirk) never blocks an edit. nt-hive runs behind
//! [`no_panic`]: it asserts on some inputs.

use nt_hive::{Hive, KeyNode};

use crate::guard::no_panic;

/// What must be true of one key after the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// `key` exists and its value `value` has exactly `data`.
    Value {
        /// Key path relative to the hive root, `\`-separated.
        key: String,
        /// Value name.
        value: String,
        /// Exact expected data.
        data: Vec<u8>,
    },
    /// `key` does not exist.
    Absent {
        /// Key path relative to the hive root, `\`-separated.
        key: String,
    },
}

impl Expectation {
    /// The key path the expectation is about.
    pub fn key(&self) -> &str {
        match self {
            Expectation::Value { key, .. } | Expectation::Absent { key } => key,
        }
    }
}

/// Checks every expectation with nt-hive on `bytes` (a hive image holding at least what a
/// lookup of the expectations' keys reads). Returns a one-line description of the first
/// problem found.
pub fn check(bytes: &[u8], expectations: &[Expectation]) -> Result<(), String> {
    let minor = bytes
        .get(24..28)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    // nt-hive takes a version 1.3 value over 16,344 bytes for big data: such values are read
    // back by the second, independent reader instead (`raw`).
    let one_cell_big = |e: &Expectation| matches!(e, Expectation::Value { data, .. } if minor == 3 && data.len() > 16_344);
    for e in expectations.iter().filter(|e| one_cell_big(e)) {
        if let Expectation::Value { key, value, data } = e {
            let found = super::raw::value_data(bytes, key, value)
                .map_err(|why| format!("{key}\\{value} does not read back: {why}"))?;
            if &found != data {
                return Err(format!(
                    "data of {key}\\{value} reads back as {} bytes that differ from the {} bytes written",
                    found.len(),
                    data.len()
                ));
            }
        }
    }
    let expectations: Vec<&Expectation> =
        expectations.iter().filter(|e| !one_cell_big(e)).collect();
    no_panic("nt-hive", || {
        let hive = Hive::new(bytes).map_err(|e| format!("nt-hive rejects the hive: {e}"))?;
        let root = hive
            .root_key_node()
            .map_err(|e| format!("nt-hive cannot read the root key: {e}"))?;
        for expectation in expectations {
            check_one(&root, expectation)?;
        }
        Ok(())
    })?
}

fn check_one(root: &KeyNode<&[u8]>, expectation: &Expectation) -> Result<(), String> {
    match expectation {
        Expectation::Value { key, value, data } => {
            let node = root
                .subpath(key)
                .ok_or_else(|| format!("key {key} is missing after the edit"))?
                .map_err(|e| format!("key {key} does not read back: {e}"))?;
            let found = node
                .value(value)
                .ok_or_else(|| format!("value {key}\\{value} is missing after the edit"))?
                .map_err(|e| format!("value {key}\\{value} does not read back: {e}"))?;
            let bytes = found
                .data()
                .and_then(|d| d.into_vec())
                .map_err(|e| format!("data of {key}\\{value} does not read back: {e}"))?;
            if &bytes != data {
                return Err(format!(
                    "data of {key}\\{value} reads back as {} bytes that differ from the {} bytes written",
                    bytes.len(),
                    data.len()
                ));
            }
            Ok(())
        }
        Expectation::Absent { key } => match root.subpath(key) {
            None => Ok(()),
            Some(Ok(_)) => Err(format!("key {key} is still present after the edit")),
            Some(Err(e)) => Err(format!("parent of key {key} does not read back: {e}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testhive() -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/hives/offreg-testhive");
        std::fs::read(path).expect("testdata/hives/offreg-testhive is part of the repository")
    }

    #[test]
    fn absent_key_is_absent() {
        let bytes = testhive();
        check(
            &bytes,
            &[Expectation::Absent {
                key: "Microsoft\\SystemCertificates".into(),
            }],
        )
        .unwrap();
    }

    #[test]
    fn present_key_is_not_absent_and_missing_value_is_reported() {
        let bytes = testhive();
        let err = check(
            &bytes,
            &[Expectation::Absent {
                key: "subkey-test".into(),
            }],
        )
        .unwrap_err();
        assert!(err.contains("still present"), "{err}");
        let err = check(
            &bytes,
            &[Expectation::Value {
                key: "subkey-test".into(),
                value: "Blob".into(),
                data: vec![1],
            }],
        )
        .unwrap_err();
        assert!(err.contains("missing"), "{err}");
    }

    #[test]
    fn corrupt_checksum_is_rejected() {
        let mut bytes = testhive();
        bytes[0x1fc] ^= 0xff;
        let err = check(&bytes, &[]).unwrap_err();
        assert!(err.contains("nt-hive rejects"), "{err}");
    }
}
