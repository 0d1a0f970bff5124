//! Mapping full key paths (`HKEY_LOCAL_MACHINE\SOFTWARE\...`) to paths relative to the SOFTWARE
//! hive root, given or detected.

use super::error::{RegError, Result};
use super::parse::{Entry, Located};
use super::{RegOp, RootMapping};

/// Longest key name component the registry allows, in UTF-16 units.
const MAX_KEY_NAME: usize = 255;

/// Long names of the predefined root keys and their accepted abbreviations.
const ROOT_KEYS: [(&str, &str); 5] = [
    ("HKEY_LOCAL_MACHINE", "HKLM"),
    ("HKEY_CURRENT_USER", "HKCU"),
    ("HKEY_CLASSES_ROOT", "HKCR"),
    ("HKEY_USERS", "HKU"),
    ("HKEY_CURRENT_CONFIG", "HKCC"),
];

/// The long name of a predefined root key (`HKLM` -> `HKEY_LOCAL_MACHINE`), any case.
fn root_key_name(component: &str) -> Option<&'static str> {
    ROOT_KEYS.iter().find_map(|(long, short)| {
        (component.eq_ignore_ascii_case(long) || component.eq_ignore_ascii_case(short))
            .then_some(*long)
    })
}

/// Case-insensitive comparison of key names, as the registry compares them.
fn same_name(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_uppercase)
        .eq(b.chars().flat_map(char::to_uppercase))
}

/// A hive root: a predefined key and the loaded hive's name below it, e.g.
/// `HKEY_LOCAL_MACHINE` + `["SOFTWARE"]`.
#[derive(Debug, Clone)]
pub struct Root {
    /// Components, the first one the long name of a predefined key.
    parts: Vec<String>,
}

impl Root {
    /// `HKEY_LOCAL_MACHINE\SOFTWARE`.
    fn software() -> Root {
        Root {
            parts: vec!["HKEY_LOCAL_MACHINE".to_owned(), "SOFTWARE".to_owned()],
        }
    }

    /// Parses a prefix such as `HKEY_LOCAL_MACHINE\winpe-offline`, `HKLM\SOFTWARE` or a bare
    /// hive name (`winpe-offline`, taken to be under `HKEY_LOCAL_MACHINE`).
    pub fn from_prefix(prefix: &str) -> Result<Root> {
        let bad = |message: &str| RegError::BadPrefix {
            prefix: prefix.to_owned(),
            message: message.to_owned(),
        };
        let trimmed = prefix.trim().trim_matches('\\');
        if trimmed.is_empty() {
            return Err(bad("empty"));
        }
        let mut parts: Vec<String> = trimmed.split('\\').map(str::to_owned).collect();
        if parts.iter().any(String::is_empty) {
            return Err(bad("empty key name between backslashes"));
        }
        match parts.first().and_then(|p| root_key_name(p)) {
            Some(long) => {
                if let Some(first) = parts.first_mut() {
                    *first = long.to_owned();
                }
            }
            None => parts.insert(0, "HKEY_LOCAL_MACHINE".to_owned()),
        }
        if parts.len() < 2 {
            return Err(bad(
                "names only a predefined key; give the loaded hive too, e.g. \
                 HKEY_LOCAL_MACHINE\\SOFTWARE",
            ));
        }
        Ok(Root { parts })
    }

    /// The prefix as text, e.g. `HKEY_LOCAL_MACHINE\SOFTWARE`.
    pub fn display(&self) -> String {
        self.parts.join("\\")
    }

    /// The path below this root, or `None` if `parts` is not under it.
    fn strip<'p>(&self, parts: &'p [&'p str]) -> Option<&'p [&'p str]> {
        if parts.len() < self.parts.len() {
            return None;
        }
        let (head, tail) = parts.split_at(self.parts.len());
        head.iter()
            .zip(&self.parts)
            .all(|(a, b)| same_name(a, b))
            .then_some(tail)
    }
}

/// Splits a key path into components with the root key's long name first; checks each name.
fn key_parts<'p>(path: &'p str, file: &str, line: usize) -> Result<Vec<&'p str>> {
    let mut parts: Vec<&str> = path.split('\\').collect();
    let syntax = |message: String| RegError::Syntax {
        file: file.to_owned(),
        line,
        column: 2,
        message,
    };
    // regedit tolerates one trailing backslash (RegCreateKeyEx ignores it).
    if parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    if parts.iter().any(|p| p.is_empty()) {
        return Err(syntax(format!(
            "key path {path:?} has an empty key name (two backslashes in a row?)"
        )));
    }
    if let Some(long) = parts.first().and_then(|p| root_key_name(p)) {
        if let Some(first) = parts.first_mut() {
            *first = long;
        }
    }
    if let Some(p) = parts
        .iter()
        .find(|p| p.encode_utf16().count() > MAX_KEY_NAME)
    {
        return Err(syntax(format!(
            "key name {:?} is longer than {MAX_KEY_NAME} characters",
            super::data::clip(p)
        )));
    }
    Ok(parts)
}

/// The key path of an entry, if it has one of its own (key lines only).
fn entry_key(entry: &Entry) -> Option<&str> {
    match entry {
        Entry::Key { path } | Entry::DeleteKey { path } => Some(path),
        Entry::SetValue { .. } | Entry::DeleteValue { .. } => None,
    }
}

/// Picks the root for [`RootMapping::Auto`]: the one `HKEY_LOCAL_MACHINE\<name>` every key
/// shares, else `HKEY_LOCAL_MACHINE\SOFTWARE` if any key uses it, else an error.
fn detect(entries: &[Located], file: &str) -> Result<Root> {
    let mut shared: Option<(String, usize)> = None;
    let mut consistent = true;
    let mut any_software = false;
    let mut first_conflict: Option<(usize, String)> = None;
    for located in entries {
        let Some(path) = entry_key(&located.entry) else {
            continue;
        };
        let parts = key_parts(path, file, located.line)?;
        let hive = match parts.as_slice() {
            [root, hive, ..] if *root == "HKEY_LOCAL_MACHINE" => Some(*hive),
            _ => None,
        };
        match hive {
            Some(h) if same_name(h, "SOFTWARE") => any_software = true,
            _ => {}
        }
        match (&shared, hive) {
            (None, Some(h)) if consistent => shared = Some((h.to_owned(), located.line)),
            (Some((name, _)), Some(h)) if same_name(name, h) => {}
            _ => {
                consistent = false;
                if first_conflict.is_none() {
                    first_conflict = Some((located.line, path.to_owned()));
                }
            }
        }
    }
    if consistent {
        return Ok(match shared {
            Some((name, _)) => Root {
                parts: vec!["HKEY_LOCAL_MACHINE".to_owned(), name],
            },
            None => Root::software(),
        });
    }
    if any_software {
        return Ok(Root::software());
    }
    let (line, key) = first_conflict.unwrap_or((1, String::new()));
    let message = match shared {
        Some((name, first_line)) => format!(
            "key [{key}] is not under HKEY_LOCAL_MACHINE\\{name} like the key on line {first_line}; \
             give the root prefix explicitly"
        ),
        None => format!(
            "key [{key}] is not under HKEY_LOCAL_MACHINE\\<hive>; give the root prefix explicitly"
        ),
    };
    Err(RegError::RootDetection {
        file: file.to_owned(),
        line,
        message,
    })
}

/// Maps parsed entries to operations on the hive root.
pub fn map_entries(entries: Vec<Located>, mapping: &RootMapping, file: &str) -> Result<Vec<RegOp>> {
    let root = match mapping {
        RootMapping::Auto => detect(&entries, file)?,
        RootMapping::Prefix(p) => Root::from_prefix(p)?,
    };
    let relative = |path: &str, line: usize| -> Result<String> {
        let parts = key_parts(path, file, line)?;
        match root.strip(&parts) {
            Some(tail) => Ok(tail.join("\\")),
            None => Err(RegError::OutsideRoot {
                file: file.to_owned(),
                line,
                key: path.to_owned(),
                root: root.display(),
            }),
        }
    };
    let mut ops = Vec::with_capacity(entries.len());
    for Located { line, entry } in entries {
        ops.push(match entry {
            Entry::Key { path } => RegOp::CreateKey {
                path: relative(&path, line)?,
            },
            Entry::DeleteKey { path } => {
                let rel = relative(&path, line)?;
                if rel.is_empty() {
                    return Err(RegError::Syntax {
                        file: file.to_owned(),
                        line,
                        column: 2,
                        message: format!(
                            "[-{path}] would delete the whole hive root {}; refusing",
                            root.display()
                        ),
                    });
                }
                RegOp::DeleteKey { path: rel }
            }
            Entry::SetValue {
                key,
                name,
                ty,
                data,
            } => RegOp::SetValue {
                key: relative(&key, line)?,
                name,
                ty,
                data,
            },
            Entry::DeleteValue { key, name } => RegOp::DeleteValue {
                key: relative(&key, line)?,
                name,
            },
        });
    }
    Ok(ops)
}
