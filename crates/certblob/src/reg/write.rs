//! Writing operations as regedit-style "Windows Registry Editor Version 5.00" text.
//!
//! Layout follows regedit's exports: CRLF line ends, a blank line after the header and after
//! each key section, strings as `"..."`, 4-byte REG_DWORD as `dword:xxxxxxxx`, everything else as
//! `hex:`/`hex(N):` byte lists wrapped with `\` once a line reaches 77 characters (continuation
//! lines indented by two spaces, 25 bytes each).

use super::parse::HEADER_V5;
use super::root::Root;
use super::RegOp;

/// regedit breaks a hex list once the line (without the trailing `\`) reaches this many chars.
const HEX_WRAP: usize = 77;

/// Writes `ops` under `prefix` (e.g. `HKEY_LOCAL_MACHINE\SOFTWARE`, `HKLM\winpe-offline` or a
/// bare hive name such as `winpe-offline`, taken as under `HKEY_LOCAL_MACHINE`).
///
/// Values go into the section of the key they belong to; a [`RegOp::SetValue`] or
/// [`RegOp::DeleteValue`] whose key differs from the current section opens a new `[key]`
/// section (importing that creates the key, as `SetValue` does). Key names cannot contain line
/// breaks in a `.reg` file; such ops (which the registry itself never holds in practice) are
/// written as they are and will not read back. An unusable prefix is written as given.
pub fn write_reg(ops: &[RegOp], prefix: &str) -> String {
    let root = Root::from_prefix(prefix)
        .map(|r| r.display())
        .unwrap_or_else(|_| prefix.trim_matches('\\').to_owned());
    let full = |path: &str| {
        if path.is_empty() {
            root.clone()
        } else {
            format!("{root}\\{path}")
        }
    };
    let mut out = String::new();
    out.push_str(HEADER_V5);
    out.push_str("\r\n");
    let mut section: Option<&str> = None;
    for op in ops {
        match op {
            RegOp::CreateKey { path } => {
                out.push_str(&format!("\r\n[{}]\r\n", full(path)));
                section = Some(path);
            }
            RegOp::DeleteKey { path } => {
                out.push_str(&format!("\r\n[-{}]\r\n", full(path)));
                section = None;
            }
            RegOp::SetValue {
                key,
                name,
                ty,
                data,
            } => {
                if section != Some(key.as_str()) {
                    out.push_str(&format!("\r\n[{}]\r\n", full(key)));
                    section = Some(key);
                }
                write_value(&mut out, name, *ty, data);
            }
            RegOp::DeleteValue { key, name } => {
                if section != Some(key.as_str()) {
                    out.push_str(&format!("\r\n[{}]\r\n", full(key)));
                    section = Some(key);
                }
                out.push_str(&value_name(name));
                out.push_str("=-\r\n");
            }
        }
    }
    out.push_str("\r\n");
    out
}

/// Encodes text as UTF-16LE with a byte-order mark, the form regedit writes `.reg` files in.
pub fn encode_utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + text.len() * 2);
    out.extend_from_slice(&[0xFF, 0xFE]);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// `@` for the default value, else the quoted, escaped name.
fn value_name(name: &str) -> String {
    if name.is_empty() {
        "@".to_owned()
    } else {
        format!("\"{}\"", escape(name))
    }
}

/// Escapes `\`, `"` and the control characters regedit understands as escapes.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            _ => out.push(c),
        }
    }
    out
}

/// The text of REG_SZ data that reads back to exactly the same bytes as a `"..."` string: valid
/// UTF-16LE, one terminating NUL and no other, no control characters.
fn plain_string(data: &[u8]) -> Option<String> {
    if data.len() < 2 || !data.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let (last, body) = units.split_last()?;
    if *last != 0 {
        return None;
    }
    let text = String::from_utf16(body).ok()?;
    if text.chars().any(char::is_control) {
        return None;
    }
    Some(text)
}

fn write_value(out: &mut String, name: &str, ty: u32, data: &[u8]) {
    let lead = format!("{}=", value_name(name));
    out.push_str(&lead);
    if ty == 1 {
        if let Some(text) = plain_string(data) {
            out.push('"');
            out.push_str(&escape(&text));
            out.push_str("\"\r\n");
            return;
        }
    }
    if ty == 4 {
        if let Ok(bytes) = <[u8; 4]>::try_from(data) {
            out.push_str(&format!("dword:{:08x}\r\n", u32::from_le_bytes(bytes)));
            return;
        }
    }
    let tag = if ty == 3 {
        "hex:".to_owned()
    } else {
        format!("hex({ty:x}):")
    };
    out.push_str(&tag);
    let mut line_len = lead.encode_utf16().count() + tag.len();
    let count = data.len();
    for (i, b) in data.iter().enumerate() {
        out.push_str(&format!("{b:02x}"));
        if i + 1 == count {
            break;
        }
        out.push(',');
        line_len += 3;
        if line_len >= HEX_WRAP {
            out.push_str("\\\r\n  ");
            line_len = 2;
        }
    }
    out.push_str("\r\n");
}
