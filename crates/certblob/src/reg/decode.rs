//! Turning the bytes of a `.reg` file into text: byte-order marks, UTF-16LE, UTF-8 and ANSI.
//!
//! regedit writes "Windows Registry Editor Version 5.00" files as UTF-16LE with a BOM and
//! REGEDIT4 files in the ANSI code page. Hand-made files are often UTF-8 (with or without a BOM).
//! Rules used here:
//! - `FF FE` BOM: UTF-16LE. `EF BB BF` BOM: UTF-8. `FE FF` (UTF-16BE): refused, regedit never
//!   writes it.
//! - No BOM but the bytes look like UTF-16LE (`W\0` or `R\0` first): UTF-16LE.
//! - No BOM, REGEDIT4 header: Windows-1252 (the ANSI code page of western Windows).
//! - No BOM, any other header: UTF-8 when the bytes are valid UTF-8, else Windows-1252.

use super::error::{RegError, Result};

/// The text encoding a `.reg` file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-16 little endian (as regedit writes version 5.00 files).
    Utf16Le,
    /// UTF-8.
    Utf8,
    /// Windows-1252 ("ANSI").
    Windows1252,
}

/// Decoded text and the encoding it was found in.
#[derive(Debug)]
pub struct Decoded {
    /// The text, without any byte-order mark.
    pub text: String,
    /// Encoding used.
    pub encoding: TextEncoding,
}

/// Decodes the bytes of a `.reg` file. `file` names the file in errors.
pub fn decode(bytes: &[u8], file: &str) -> Result<Decoded> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Ok(Decoded {
            text: decode_utf16le(rest, 2, file)?,
            encoding: TextEncoding::Utf16Le,
        });
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(RegError::Encoding {
            file: file.to_owned(),
            offset: 0,
            message: "UTF-16 big-endian .reg files are not supported (regedit writes UTF-16LE)"
                .to_owned(),
        });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok(Decoded {
                text: s.to_owned(),
                encoding: TextEncoding::Utf8,
            }),
            Err(e) => Err(RegError::Encoding {
                file: file.to_owned(),
                offset: 3 + e.valid_up_to(),
                message: "invalid UTF-8 after a UTF-8 byte-order mark".to_owned(),
            }),
        };
    }
    if looks_like_utf16le(bytes) {
        return Ok(Decoded {
            text: decode_utf16le(bytes, 0, file)?,
            encoding: TextEncoding::Utf16Le,
        });
    }
    let start = bytes
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(bytes.len());
    let is_regedit4 = bytes
        .get(start..)
        .is_some_and(|b| b.starts_with(b"REGEDIT4"));
    if !is_regedit4 {
        if let Ok(s) = std::str::from_utf8(bytes) {
            return Ok(Decoded {
                text: s.to_owned(),
                encoding: TextEncoding::Utf8,
            });
        }
    }
    Ok(Decoded {
        text: decode_windows_1252(bytes),
        encoding: TextEncoding::Windows1252,
    })
}

/// Decodes Windows-1252 bytes (never fails: every byte maps to a character).
pub fn decode_windows_1252(bytes: &[u8]) -> String {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// True when BOM-less bytes start with an ASCII header letter followed by a zero byte.
fn looks_like_utf16le(bytes: &[u8]) -> bool {
    matches!(bytes, [b'W' | b'R' | b' ' | b'\t', 0, ..])
}

/// Decodes UTF-16LE; `base` is the file offset of `bytes[0]` (for error offsets).
fn decode_utf16le(bytes: &[u8], base: usize, file: &str) -> Result<String> {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut offset = base;
    for item in char::decode_utf16(units) {
        match item {
            Ok(c) => {
                text.push(c);
                offset += c.len_utf16() * 2;
            }
            Err(e) => {
                return Err(RegError::Encoding {
                    file: file.to_owned(),
                    offset,
                    message: format!("unpaired UTF-16 surrogate 0x{:04X}", e.unpaired_surrogate()),
                })
            }
        }
    }
    if bytes.len() % 2 == 1 {
        return Err(RegError::Encoding {
            file: file.to_owned(),
            offset: base + bytes.len() - 1,
            message: "UTF-16LE text has an odd number of bytes (file truncated?)".to_owned(),
        });
    }
    Ok(text)
}
