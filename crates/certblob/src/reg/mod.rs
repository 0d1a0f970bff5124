//! Reading and writing regedit `.reg` files.
//!
//! Reads "Windows Registry Editor Version 5.00" files (UTF-16LE with BOM as regedit writes them,
//! or UTF-8 with or without BOM) and REGEDIT4 files (ANSI, read as Windows-1252), with CRLF, LF
//! or CR line ends. Key paths are mapped to the SOFTWARE hive root ([`RootMapping`]); the
//! resulting [`RegOp`]s carry paths relative to that root, without a leading backslash.
//!
//! The parser is stricter than regedit: lines regedit silently skips (unknown lines, values
//! after a `[-key]`, unknown escapes) are errors here, each naming the file and line.

mod data;
mod decode;
mod error;
mod parse;
mod root;
mod write;

use std::io::Read;
use std::path::Path;

pub use decode::TextEncoding;
pub use error::{RegError, RegError as Error, Result};
pub use parse::{HEADER_V4, HEADER_V5};
pub use write::{encode_utf16le_bom, write_reg};

/// Largest `.reg` file [`read_reg_file`] reads (256 MiB; a full SOFTWARE export is far less).
pub const MAX_REG_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// How key paths in a `.reg` file map to the root of the SOFTWARE hive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RootMapping {
    /// Detect: the single `HKEY_LOCAL_MACHINE\<name>` prefix every key in the file uses (e.g.
    /// `SOFTWARE`, or `winpe-offline` for a hive loaded in regedit), else
    /// `HKEY_LOCAL_MACHINE\SOFTWARE` (keys outside it are then errors).
    #[default]
    Auto,
    /// The given prefix, e.g. `HKEY_LOCAL_MACHINE\winpe-offline`, `HKLM\SOFTWARE`, or a bare
    /// hive name (`winpe-offline`, taken as under `HKEY_LOCAL_MACHINE`).
    Prefix(String),
}

/// The operations a `.reg` file asks for, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegFile {
    /// One op per key line and value line.
    pub ops: Vec<RegOp>,
}

/// One operation from a `.reg` file. Paths are relative to the hive root ("" is the root
/// itself), with `\` between key names and no leading backslash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegOp {
    /// `[key]`: create the key (and its parents) if missing.
    CreateKey {
        /// Key path.
        path: String,
    },
    /// `[-key]`: delete the key with its subtree.
    DeleteKey {
        /// Key path.
        path: String,
    },
    /// `"name"=data`: set a value.
    SetValue {
        /// Key path.
        key: String,
        /// Value name, "" for the default value (`@`).
        name: String,
        /// Registry type code (1 REG_SZ, 3 REG_BINARY, 4 REG_DWORD, ...).
        ty: u32,
        /// Data bytes exactly as the registry stores them (strings UTF-16LE with NUL).
        data: Vec<u8>,
    },
    /// `"name"=-`: delete a value.
    DeleteValue {
        /// Key path.
        key: String,
        /// Value name, "" for the default value (`@`).
        name: String,
    },
}

/// Reads and parses a `.reg` file; errors name `path`. The file is only read.
pub fn read_reg_file(path: &Path, root: RootMapping) -> Result<RegFile> {
    let io = |error| RegError::Io {
        path: path.to_owned(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let name = path.display().to_string();
    if size > MAX_REG_FILE_SIZE {
        return Err(RegError::TooLarge {
            file: name,
            size,
            limit: MAX_REG_FILE_SIZE,
        });
    }
    let mut bytes = Vec::new();
    // `take` bounds the read even if the file grows after the size check.
    file.take(MAX_REG_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_REG_FILE_SIZE {
        return Err(RegError::TooLarge {
            file: name,
            size: bytes.len() as u64,
            limit: MAX_REG_FILE_SIZE,
        });
    }
    parse_reg(&bytes, &name, root)
}

/// Parses the bytes of a `.reg` file; `source` names it in errors (a path or a label).
pub fn parse_reg(bytes: &[u8], source: &str, root: RootMapping) -> Result<RegFile> {
    let decoded = decode::decode(bytes, source)?;
    let entries = parse::parse_entries(&decoded.text, decoded.encoding, source)?;
    let ops = root::map_entries(entries, &root, source)?;
    Ok(RegFile { ops })
}
