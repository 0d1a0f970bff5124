//! Key node (`nk`) records.

use crate::cell::{allocated, Cell};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::names;

/// Field offsets inside the nk cell data.
pub(crate) mod off {
    pub const FLAGS: usize = 2;
    pub const LAST_WRITTEN: usize = 4;
    pub const PARENT: usize = 16;
    pub const SUBKEY_COUNT: usize = 20;
    pub const SUBKEY_LIST: usize = 28;
    pub const VOLATILE_LIST: usize = 32;
    pub const VALUE_COUNT: usize = 36;
    pub const VALUE_LIST: usize = 40;
    pub const SECURITY: usize = 44;
    pub const CLASS: usize = 48;
    pub const MAX_SUBKEY_NAME: usize = 52;
    pub const MAX_SUBKEY_CLASS: usize = 56;
    pub const MAX_VALUE_NAME: usize = 60;
    pub const MAX_VALUE_DATA: usize = 64;
    pub const NAME_LEN: usize = 72;
    pub const CLASS_LEN: usize = 74;
    pub const NAME: usize = 76;
}

/// Key name is stored one byte per character.
pub(crate) const KEY_COMP_NAME: u16 = 0x0020;
/// Key cannot be deleted.
pub(crate) const KEY_NO_DELETE: u16 = 0x0008;

/// A parsed key node.
#[derive(Debug, Clone)]
pub(crate) struct Nk {
    pub cell: Cell,
    pub flags: u16,
    pub last_written: u64,
    pub subkey_count: u32,
    pub subkey_list: u32,
    pub value_count: u32,
    pub value_list: u32,
    pub security: u32,
    pub class: u32,
    pub max_subkey_name: u32,
    pub max_value_name: u32,
    pub max_value_data: u32,
    pub name: Vec<u16>,
}

impl Nk {
    /// Reads the key node at cell `off`; `referrer` is the file offset that pointed to it.
    pub fn read(bytes: &Image, bins_size: u32, off: u32, referrer: u64) -> Result<Nk> {
        let cell = allocated(bytes, bins_size, off, referrer)?;
        cell.expect_sig(bytes, "nk")?;
        let u32f = |rel, what| cell.u32(bytes, rel, what);
        let flags = cell.u16(bytes, off::FLAGS, "nk flags")?;
        let name_len = cell.u16(bytes, off::NAME_LEN, "nk name length")?;
        let raw = cell.slice(bytes, off::NAME, usize::from(name_len), "nk name")?;
        let compressed = flags & KEY_COMP_NAME != 0;
        if !compressed && name_len % 2 != 0 {
            return Err(Error::corrupt(
                cell.at(off::NAME_LEN),
                format!("UTF-16 key name has odd length {name_len}"),
            ));
        }
        Ok(Nk {
            cell,
            flags,
            last_written: cell.u64(bytes, off::LAST_WRITTEN, "nk timestamp")?,
            subkey_count: u32f(off::SUBKEY_COUNT, "nk subkey count")?,
            subkey_list: u32f(off::SUBKEY_LIST, "nk subkey list")?,
            value_count: u32f(off::VALUE_COUNT, "nk value count")?,
            value_list: u32f(off::VALUE_LIST, "nk value list")?,
            security: u32f(off::SECURITY, "nk security")?,
            class: u32f(off::CLASS, "nk class")?,
            max_subkey_name: u32f(off::MAX_SUBKEY_NAME, "nk max subkey name")?,
            max_value_name: u32f(off::MAX_VALUE_NAME, "nk max value name")?,
            max_value_data: u32f(off::MAX_VALUE_DATA, "nk max value data")?,
            name: names::decode(raw, compressed),
        })
    }

    /// Compares the name of the key node at `off` with `name` (Windows order: upper-cased
    /// UTF-16 code units) without building the whole record.
    pub fn cmp_name(
        bytes: &Image,
        bins_size: u32,
        off: u32,
        referrer: u64,
        name: &[u16],
    ) -> Result<std::cmp::Ordering> {
        let cell = allocated(bytes, bins_size, off, referrer)?;
        cell.expect_sig(bytes, "nk")?;
        let flags = cell.u16(bytes, off::FLAGS, "nk flags")?;
        let name_len = cell.u16(bytes, off::NAME_LEN, "nk name length")?;
        let raw = cell.slice(bytes, off::NAME, usize::from(name_len), "nk name")?;
        let ours = names::upcased(raw, flags & KEY_COMP_NAME != 0);
        Ok(ours.cmp(name.iter().map(|&u| names::upcase_unit(u))))
    }

    /// File offset of a field of this key node.
    pub fn pos(&self, field: usize) -> usize {
        self.cell.start + field
    }

    /// Builds the cell data of a new key node.
    pub fn build(name: &[u16], parent: u32, security: u32, filetime: u64) -> Vec<u8> {
        let (raw, compressed) = names::encode(name);
        let mut d = vec![0u8; off::NAME + raw.len()];
        d[0..2].copy_from_slice(b"nk");
        let flags = if compressed { KEY_COMP_NAME } else { 0 };
        d[off::FLAGS..off::FLAGS + 2].copy_from_slice(&flags.to_le_bytes());
        d[off::LAST_WRITTEN..off::LAST_WRITTEN + 8].copy_from_slice(&filetime.to_le_bytes());
        let nil = crate::cell::NIL.to_le_bytes();
        d[off::PARENT..off::PARENT + 4].copy_from_slice(&parent.to_le_bytes());
        for f in [
            off::SUBKEY_LIST,
            off::VOLATILE_LIST,
            off::VALUE_LIST,
            off::CLASS,
        ] {
            d[f..f + 4].copy_from_slice(&nil);
        }
        d[off::SECURITY..off::SECURITY + 4].copy_from_slice(&security.to_le_bytes());
        d[off::NAME_LEN..off::NAME_LEN + 2].copy_from_slice(&(raw.len() as u16).to_le_bytes());
        d[off::NAME..].copy_from_slice(&raw);
        d
    }
}
