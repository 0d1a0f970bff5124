//! Pieces of a value line: quoted strings with escapes, `dword:` numbers and `hex:` byte lists.
//!
//! Each function takes the text right after a marker and returns what it read plus the byte
//! index (into that text) where something went wrong, so the caller can report a column.

/// A problem inside one line: byte index into the text that was passed in, and a message.
pub type LineError = (usize, String);

/// Reads a quoted string whose opening `"` was already consumed. Returns the unescaped text and
/// the rest of the line after the closing quote.
///
/// Escapes: `\\`, `\"`, and (as regedit accepts them) `\n`, `\r`, `\0`. Any other escape is an
/// error: a lone backslash in a path (`"C:\Windows"`) is a common hand-editing mistake that
/// regedit would silently turn into something else.
pub fn quoted(text: &str) -> Result<(String, &str), LineError> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, text.get(i + 1..).unwrap_or(""))),
            '\\' => match chars.next() {
                Some((_, '\\')) => out.push('\\'),
                Some((_, '"')) => out.push('"'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '0')) => out.push('\0'),
                Some((_, other)) => {
                    return Err((
                        i,
                        format!(
                            "unknown escape sequence \\{other} in a quoted string \
                             (write a backslash as \\\\)"
                        ),
                    ))
                }
                None => return Err((i, "unterminated quoted string".to_owned())),
            },
            _ => out.push(c),
        }
    }
    Err((0, "unterminated quoted string (no closing \")".to_owned()))
}

/// Checks that `rest` holds nothing but whitespace and an optional `;` comment.
pub fn expect_end(rest: &str) -> Result<(), LineError> {
    let trimmed = rest.trim_start_matches([' ', '\t']);
    if trimmed.is_empty() || trimmed.starts_with(';') {
        Ok(())
    } else {
        Err((
            rest.len() - trimmed.len(),
            format!("unexpected text {:?} after the value", clip(trimmed)),
        ))
    }
}

/// Reads the digits after `dword:`: 1 to 8 hex digits, then only whitespace or a comment.
pub fn dword(text: &str) -> Result<u32, LineError> {
    let digits = text.bytes().take_while(u8::is_ascii_hexdigit).count();
    if digits == 0 {
        return Err((0, "dword: needs 1 to 8 hexadecimal digits".to_owned()));
    }
    if digits > 8 {
        return Err((0, "dword: has more than 8 hexadecimal digits".to_owned()));
    }
    let (num, rest) = text.split_at(digits);
    expect_end(rest).map_err(|(i, m)| (i + digits, m))?;
    u32::from_str_radix(num, 16).map_err(|e| (0, format!("bad dword: {e}")))
}

/// Reads the type code inside `hex(`...`):`; `text` starts right after `hex(`. Returns the
/// type and the rest after `):`.
pub fn hex_type(text: &str) -> Result<(u32, &str), LineError> {
    let digits = text.bytes().take_while(u8::is_ascii_hexdigit).count();
    let (num, rest) = text.split_at(digits);
    let Some(rest) = rest.strip_prefix("):") else {
        return Err((
            digits,
            "hex(N): needs a hexadecimal type code and \"):\"".to_owned(),
        ));
    };
    if digits == 0 {
        return Err((0, "hex(): the type code is missing".to_owned()));
    }
    let ty = u32::from_str_radix(num, 16)
        .map_err(|_| (0, "hex(N): type code does not fit in 32 bits".to_owned()))?;
    Ok((ty, rest))
}

/// Result of reading one physical line of a hex byte list.
#[derive(Debug, PartialEq, Eq)]
pub enum HexLine {
    /// The list ends on this line.
    Done,
    /// The line ends with a `\`: the list goes on on the next non-blank, non-comment line.
    Continues,
}

/// Reads comma-separated hex bytes (`de,ad, be ,ef`) from one physical line, appending to
/// `out`. A trailing `\` (optionally followed by whitespace or a comment) continues the list;
/// a `;` ends it with a comment. Each byte is one or two hex digits.
pub fn hex_bytes(text: &str, out: &mut Vec<u8>) -> Result<HexLine, LineError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let skip_ws = |mut i: usize| {
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        match bytes.get(i) {
            None | Some(b';') => return Ok(HexLine::Done),
            Some(b'\\') => {
                let rest = text.get(i + 1..).unwrap_or("");
                expect_end(rest).map_err(|(j, _)| {
                    (
                        i + 1 + j,
                        "only whitespace or a comment may follow a continuation backslash"
                            .to_owned(),
                    )
                })?;
                return Ok(HexLine::Continues);
            }
            Some(b) if b.is_ascii_hexdigit() => {
                let start = i;
                while bytes.get(i).is_some_and(u8::is_ascii_hexdigit) {
                    i += 1;
                }
                if i - start > 2 {
                    return Err((
                        start,
                        "a hex byte has more than two digits (bytes are separated by commas)"
                            .to_owned(),
                    ));
                }
                let digits = text.get(start..i).unwrap_or("0");
                let byte = u8::from_str_radix(digits, 16)
                    .map_err(|e| (start, format!("bad hex byte: {e}")))?;
                out.push(byte);
                i = skip_ws(i);
                match bytes.get(i) {
                    Some(b',') => i += 1,
                    None | Some(b';') => return Ok(HexLine::Done),
                    Some(b'\\') => {}
                    Some(_) => {
                        return Err((
                            i,
                            format!(
                                "expected a comma after a hex byte, found {:?}",
                                clip(text.get(i..).unwrap_or(""))
                            ),
                        ))
                    }
                }
            }
            Some(_) => {
                return Err((
                    i,
                    format!(
                        "expected a hex byte, found {:?}",
                        clip(text.get(i..).unwrap_or(""))
                    ),
                ))
            }
        }
    }
}

/// The first few characters of `s`, for messages.
pub fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(24).collect();
    if s.chars().nth(24).is_some() {
        out.push('…');
    }
    out
}

/// Encodes text as UTF-16LE with a terminating NUL, as regedit stores `"..."` string data.
pub fn utf16le_with_nul(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2 + 2);
    for unit in s.encode_utf16().chain(std::iter::once(0)) {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_escapes() {
        let (s, rest) = quoted(r#"a\\b\"c" ; x"#).unwrap();
        assert_eq!(s, "a\\b\"c");
        assert_eq!(rest, " ; x");
        assert!(quoted(r#"C:\Windows""#).is_err());
        assert!(quoted("abc").is_err());
    }

    #[test]
    fn dword_rules() {
        assert_eq!(dword("0000000a").unwrap(), 10);
        assert_eq!(dword("1 ; c").unwrap(), 1);
        assert!(dword("123456789").is_err());
        assert!(dword("").is_err());
        assert!(dword("12x").is_err());
    }

    #[test]
    fn hex_lists() {
        let mut v = Vec::new();
        assert_eq!(
            hex_bytes("de, ad,be ,ef,\\", &mut v).unwrap(),
            HexLine::Continues
        );
        assert_eq!(hex_bytes("1,2 ; c", &mut v).unwrap(), HexLine::Done);
        assert_eq!(v, [0xde, 0xad, 0xbe, 0xef, 1, 2]);
        assert!(hex_bytes("123", &mut v).is_err());
        assert!(hex_bytes("12 34", &mut v).is_err());
        assert!(hex_bytes("12,,34", &mut v).is_err());
        assert!(hex_bytes("12,\\ x", &mut v).is_err());
        assert_eq!(hex_type("b):").unwrap(), (11, ""));
        assert!(hex_type("0x2):").is_err());
        assert!(hex_type("100000000):").is_err());
    }
}
