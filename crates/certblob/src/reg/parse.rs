//! The line syntax of `.reg` files: header, `[key]` and `[-key]` lines, value lines, comments
//! and continuation lines. Produces entries with full key paths as written; mapping them to the
//! hive root is `root.rs`'s job.

use super::data::{self, HexLine, LineError};
use super::decode::{decode_windows_1252, TextEncoding};
use super::error::{RegError, Result};

/// Longest value name the registry allows, in UTF-16 units.
const MAX_VALUE_NAME: usize = 16_383;

/// Header of version 5 files (Unicode).
pub const HEADER_V5: &str = "Windows Registry Editor Version 5.00";
/// Header of version 4 files (ANSI).
pub const HEADER_V4: &str = "REGEDIT4";

/// One thing a `.reg` file asks for, with the full key path as written (`HKEY_...\A\B`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// `[key]`: create (or open) the key.
    Key {
        /// Full key path.
        path: String,
    },
    /// `[-key]`: delete the key and its subtree.
    DeleteKey {
        /// Full key path.
        path: String,
    },
    /// `"name"=data` under the current key.
    SetValue {
        /// Full path of the key.
        key: String,
        /// Value name, "" for `@`.
        name: String,
        /// Registry type code.
        ty: u32,
        /// Raw data bytes.
        data: Vec<u8>,
    },
    /// `"name"=-` under the current key.
    DeleteValue {
        /// Full path of the key.
        key: String,
        /// Value name, "" for `@`.
        name: String,
    },
}

/// An entry and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Line number (1-based).
    pub line: usize,
    /// What the line asks for.
    pub entry: Entry,
}

/// Which key value lines currently apply to.
enum Current {
    /// No key line seen yet.
    None,
    /// Values go to this key (full path).
    Key(String),
    /// The last key line was a deletion.
    Deleted,
}

/// Splits text into lines the way regedit does: CR LF, a lone LF or a lone CR ends a line.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'\r') => {
                lines.push(text.get(start..i).unwrap_or(""));
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            Some(b'\n') => {
                lines.push(text.get(start..i).unwrap_or(""));
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        lines.push(text.get(start..).unwrap_or(""));
    }
    lines
}

/// Parses decoded `.reg` text into located entries.
pub fn parse_entries(text: &str, encoding: TextEncoding, file: &str) -> Result<Vec<Located>> {
    let lines = split_lines(text);
    let mut p = LineParser {
        file,
        lines: &lines,
        next: 0,
        ansi: false,
        current: Current::None,
        out: Vec::new(),
    };
    p.header(encoding)?;
    while let Some((no, line)) = p.take_line() {
        p.line(no, line)?;
    }
    Ok(p.out)
}

/// A syntax error at byte `byte` of line `text` (line number `line`), with a 1-based column.
fn syntax_error(file: &str, line: usize, text: &str, byte: usize, message: String) -> RegError {
    let column = text.get(..byte).map_or(1, |s| s.chars().count() + 1);
    RegError::Syntax {
        file: file.to_owned(),
        line,
        column,
        message,
    }
}

/// State of the line-by-line parse.
struct LineParser<'a> {
    file: &'a str,
    lines: &'a [&'a str],
    /// Index of the next line to read.
    next: usize,
    /// True for REGEDIT4 files: hex(2)/hex(7) data is ANSI text, converted to UTF-16LE.
    ansi: bool,
    current: Current,
    out: Vec<Located>,
}

impl<'a> LineParser<'a> {
    /// Next physical line and its 1-based number.
    fn take_line(&mut self) -> Option<(usize, &'a str)> {
        let line = self.lines.get(self.next).copied()?;
        self.next += 1;
        Some((self.next, line))
    }

    fn syntax(&self, line: usize, text: &str, byte: usize, message: String) -> RegError {
        syntax_error(self.file, line, text, byte, message)
    }

    /// Reads the header line: blank lines before it are not allowed (regedit requires it first).
    fn header(&mut self, encoding: TextEncoding) -> Result<()> {
        let Some((no, line)) = self.take_line() else {
            return Err(RegError::BadHeader {
                file: self.file.to_owned(),
                line: 1,
                found: String::new(),
            });
        };
        let head = line
            .trim_start_matches([' ', '\t'])
            .trim_end_matches([' ', '\t']);
        if head == HEADER_V5 {
            self.ansi = false;
        } else if head == HEADER_V4 {
            // A REGEDIT4 file saved as UTF-16 is still read as Unicode data by regedit.
            self.ansi = encoding != TextEncoding::Utf16Le;
        } else {
            return Err(RegError::BadHeader {
                file: self.file.to_owned(),
                line: no,
                found: data::clip(head),
            });
        }
        Ok(())
    }

    fn line(&mut self, no: usize, line: &'a str) -> Result<()> {
        let body = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - body.len();
        match body.as_bytes().first() {
            None | Some(b';') => Ok(()),
            Some(b'[') => self.key_line(no, line, indent),
            Some(b'@' | b'"') => self.value_line(no, line, indent),
            Some(_) => Err(self.syntax(
                no,
                line,
                indent,
                format!(
                    "expected [key], a value line (\"name\"= or @=), a ; comment or a blank line, \
                     found {:?}",
                    data::clip(body)
                ),
            )),
        }
    }

    fn key_line(&mut self, no: usize, line: &str, open: usize) -> Result<()> {
        let after = open + 1;
        let Some(close) = line.rfind(']').filter(|c| *c >= after) else {
            return Err(self.syntax(no, line, open, "key line has no closing ]".to_owned()));
        };
        data::expect_end(line.get(close + 1..).unwrap_or("")).map_err(|(i, _)| {
            self.syntax(
                no,
                line,
                close + 1 + i,
                "only whitespace or a ; comment may follow the closing ] of a key".to_owned(),
            )
        })?;
        let inner = line.get(after..close).unwrap_or("");
        let (delete, path, path_at) = match inner.strip_prefix('-') {
            Some(p) => (true, p, after + 1),
            None => (false, inner, after),
        };
        if path.starts_with([' ', '\t']) {
            return Err(self.syntax(
                no,
                line,
                path_at,
                "a key path must not start with whitespace".to_owned(),
            ));
        }
        if path.is_empty() {
            return Err(self.syntax(no, line, path_at, "empty key path".to_owned()));
        }
        let path = path.to_owned();
        if delete {
            self.current = Current::Deleted;
            self.out.push(Located {
                line: no,
                entry: Entry::DeleteKey { path },
            });
        } else {
            self.current = Current::Key(path.clone());
            self.out.push(Located {
                line: no,
                entry: Entry::Key { path },
            });
        }
        Ok(())
    }

    fn value_line(&mut self, no: usize, line: &'a str, start: usize) -> Result<()> {
        let key = match &self.current {
            Current::Key(k) => k.clone(),
            Current::None => {
                return Err(self.syntax(
                    no,
                    line,
                    start,
                    "value line before any [key] line".to_owned(),
                ))
            }
            Current::Deleted => {
                return Err(self.syntax(
                    no,
                    line,
                    start,
                    "value line under a [-key] deletion (regedit ignores these; \
                     remove it or add a [key] line)"
                        .to_owned(),
                ))
            }
        };
        let body = line.get(start..).unwrap_or("");
        // Value name.
        let (name, after_name) = if let Some(rest) = body.strip_prefix('@') {
            (String::new(), rest)
        } else {
            let quoted = body.get(1..).unwrap_or("");
            let (name, rest) =
                data::quoted(quoted).map_err(|(i, m)| self.syntax(no, line, start + 1 + i, m))?;
            (name, rest)
        };
        if name.encode_utf16().count() > MAX_VALUE_NAME {
            return Err(self.syntax(
                no,
                line,
                start,
                format!("value name longer than {MAX_VALUE_NAME} characters"),
            ));
        }
        let mut at = line.len() - after_name.len();
        let rest = after_name.trim_start_matches([' ', '\t']);
        at += after_name.len() - rest.len();
        let Some(rest) = rest.strip_prefix('=') else {
            return Err(self.syntax(no, line, at, "expected = after the value name".to_owned()));
        };
        at += 1;
        let data_text = rest.trim_start_matches([' ', '\t']);
        at += rest.len() - data_text.len();
        let file = self.file;
        let err = |_: &Self, base: usize| {
            move |(i, m): LineError| syntax_error(file, no, line, base + i, m)
        };

        let entry = if let Some(r) = data_text.strip_prefix('-') {
            data::expect_end(r).map_err(err(self, at + 1))?;
            Entry::DeleteValue { key, name }
        } else if let Some(r) = data_text.strip_prefix('"') {
            let (s, tail) = data::quoted(r).map_err(err(self, at + 1))?;
            let tail_at = line.len() - tail.len();
            data::expect_end(tail).map_err(err(self, tail_at))?;
            Entry::SetValue {
                key,
                name,
                ty: 1,
                data: data::utf16le_with_nul(&s),
            }
        } else if let Some(r) = data_text.strip_prefix("dword:") {
            let v = data::dword(r).map_err(err(self, at + 6))?;
            Entry::SetValue {
                key,
                name,
                ty: 4,
                data: v.to_le_bytes().to_vec(),
            }
        } else if let Some(r) = data_text.strip_prefix("hex:") {
            let bytes = self.hex_list(no, line, r)?;
            Entry::SetValue {
                key,
                name,
                ty: 3,
                data: bytes,
            }
        } else if let Some(r) = data_text.strip_prefix("hex(") {
            let (ty, list) = data::hex_type(r).map_err(err(self, at + 4))?;
            let mut bytes = self.hex_list(no, line, list)?;
            if self.ansi && (ty == 2 || ty == 7) {
                // REGEDIT4: expand/multi strings are ANSI bytes; regedit stores them as UTF-16.
                let text = decode_windows_1252(&bytes);
                bytes = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            }
            Entry::SetValue {
                key,
                name,
                ty,
                data: bytes,
            }
        } else {
            return Err(self.syntax(
                no,
                line,
                at,
                format!(
                    "unknown value data {:?}: expected \"string\", dword:, hex:, hex(N): or -",
                    data::clip(data_text)
                ),
            ));
        };
        self.out.push(Located { line: no, entry });
        Ok(())
    }

    /// Reads a hex byte list starting in `first` (the text after `hex:` on line `no`), following
    /// continuation lines. Blank and comment lines inside a continuation are skipped, as regedit
    /// does; the list ends at the end of the file too.
    fn hex_list(&mut self, no: usize, line: &str, first: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let base = line.len() - first.len();
        let mut state = data::hex_bytes(first, &mut out)
            .map_err(|(i, m)| self.syntax(no, line, base + i, m))?;
        while state == HexLine::Continues {
            let Some((cno, cline)) = self.take_line() else {
                break;
            };
            let body = cline.trim_start_matches([' ', '\t']);
            if body.is_empty() || body.starts_with(';') {
                continue;
            }
            let base = cline.len() - body.len();
            state = data::hex_bytes(body, &mut out)
                .map_err(|(i, m)| self.syntax(cno, cline, base + i, m))?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_like_regedit() {
        assert_eq!(split_lines("a\r\nb\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(split_lines("a\r\n\r\n"), ["a", ""]);
    }
}
