//! Independent read-back of a finished hive with `nt-hive` before anything is committed.
//!
//! Our own `hive` crate wrote the bytes; a second, unrelated parser must agree that the hive is
//! valid, that every key we touched reads back exactly as intended, and that the whole tree still
//! walks. Only then may the caller write the bytes anywhere.

use nt_hive::{Hive, KeyNode};

/// Most keys and values walked in one hive; a real SOFTWARE hive has far fewer.
const MAX_ITEMS: usize = 20_000_000;
/// Deepest key nesting walked (Windows limits key depth to 512).
const MAX_DEPTH: usize = 512;

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

/// Checks `bytes` with `nt-hive`: valid base block, every key and value of the tree readable, and
/// every expectation met. Returns a one-line description of the first problem found.
pub fn check(bytes: &[u8], expectations: &[Expectation]) -> Result<(), String> {
    let hive = Hive::new(bytes).map_err(|e| format!("nt-hive rejects the hive: {e}"))?;
    let root = hive
        .root_key_node()
        .map_err(|e| format!("nt-hive cannot read the root key: {e}"))?;
    let mut budget = MAX_ITEMS;
    walk(&root, 0, &mut budget, &mut String::new())?;
    for expectation in expectations {
        check_one(&root, expectation)?;
    }
    Ok(())
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

fn walk(
    node: &KeyNode<&[u8]>,
    depth: usize,
    budget: &mut usize,
    path: &mut String,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "key {path} is nested deeper than {MAX_DEPTH} levels"
        ));
    }
    if let Some(values) = node.values() {
        let values = values.map_err(|e| format!("values of key {path} do not read: {e}"))?;
        for value in values {
            take(budget)?;
            let value = value.map_err(|e| format!("a value of key {path} does not read: {e}"))?;
            value
                .name()
                .map_err(|e| format!("a value name of key {path} does not read: {e}"))?;
            value
                .data()
                .and_then(|d| d.into_vec())
                .map_err(|e| format!("a value's data in key {path} does not read: {e}"))?;
        }
    }
    if let Some(subkeys) = node.subkeys() {
        let subkeys = subkeys.map_err(|e| format!("subkeys of key {path} do not read: {e}"))?;
        for subkey in subkeys {
            take(budget)?;
            let subkey =
                subkey.map_err(|e| format!("a subkey of key {path} does not read: {e}"))?;
            let name = subkey
                .name()
                .map_err(|e| format!("a subkey name of key {path} does not read: {e}"))?
                .to_string_lossy();
            let len = path.len();
            if !path.is_empty() {
                path.push('\\');
            }
            path.push_str(&name);
            walk(&subkey, depth + 1, budget, path)?;
            path.truncate(len);
        }
    }
    Ok(())
}

fn take(budget: &mut usize) -> Result<(), String> {
    *budget = budget.checked_sub(1).ok_or_else(|| {
        format!("more than {MAX_ITEMS} keys and values: refusing to walk further")
    })?;
    Ok(())
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
    fn real_hive_walks_and_absent_key_is_absent() {
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
