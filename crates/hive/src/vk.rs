//! Key value (`vk`) records and the value list of a key.

use crate::cell::{allocated, Cell};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::names;

/// Field offsets inside the vk cell data.
pub(crate) mod off {
    pub const NAME_LEN: usize = 2;
    pub const DATA_SIZE: usize = 4;
    pub const DATA_OFF: usize = 8;
    pub const TYPE: usize = 12;
    pub const FLAGS: usize = 16;
    pub const NAME: usize = 20;
}

/// Value name is stored one byte per character.
pub(crate) const VALUE_COMP_NAME: u16 = 0x0001;
/// High bit of the data size: data (at most 4 bytes) is stored in the data offset field.
pub(crate) const DATA_INLINE: u32 = 0x8000_0000;

/// A parsed key value record.
#[derive(Debug, Clone)]
pub(crate) struct Vk {
    pub cell: Cell,
    pub raw_size: u32,
    pub data_off: u32,
    pub ty: u32,
    pub name: Vec<u16>,
}

impl Vk {
    /// Reads the vk at cell `off`.
    pub fn read(bytes: &Image, bins_size: u32, off: u32, referrer: u64) -> Result<Vk> {
        let cell = allocated(bytes, bins_size, off, referrer)?;
        cell.expect_sig(bytes, "vk")?;
        let name_len = cell.u16(bytes, off::NAME_LEN, "vk name length")?;
        let flags = cell.u16(bytes, off::FLAGS, "vk flags")?;
        let raw = cell.slice(bytes, off::NAME, usize::from(name_len), "vk name")?;
        let compressed = flags & VALUE_COMP_NAME != 0;
        if !compressed && name_len % 2 != 0 {
            return Err(Error::corrupt(
                cell.at(off::NAME_LEN),
                format!("UTF-16 value name has odd length {name_len}"),
            ));
        }
        Ok(Vk {
            cell,
            raw_size: cell.u32(bytes, off::DATA_SIZE, "vk data size")?,
            data_off: cell.u32(bytes, off::DATA_OFF, "vk data offset")?,
            ty: cell.u32(bytes, off::TYPE, "vk type")?,
            name: names::decode(raw, compressed),
        })
    }

    /// True when the data lives in the data offset field.
    pub fn is_inline(&self) -> bool {
        self.raw_size & DATA_INLINE != 0
    }

    /// The data length in bytes.
    pub fn data_len(&self) -> u32 {
        self.raw_size & !DATA_INLINE
    }

    /// Builds the cell data of a new vk with the given name (data fields filled by the caller).
    pub fn build(name: &[u16], ty: u32, raw_size: u32, data_off: u32) -> Vec<u8> {
        let (raw, compressed) = names::encode(name);
        let mut d = vec![0u8; off::NAME + raw.len()];
        d[0..2].copy_from_slice(b"vk");
        d[off::NAME_LEN..off::NAME_LEN + 2].copy_from_slice(&(raw.len() as u16).to_le_bytes());
        d[off::DATA_SIZE..off::DATA_SIZE + 4].copy_from_slice(&raw_size.to_le_bytes());
        d[off::DATA_OFF..off::DATA_OFF + 4].copy_from_slice(&data_off.to_le_bytes());
        d[off::TYPE..off::TYPE + 4].copy_from_slice(&ty.to_le_bytes());
        let flags = if compressed { VALUE_COMP_NAME } else { 0 };
        d[off::FLAGS..off::FLAGS + 2].copy_from_slice(&flags.to_le_bytes());
        d[off::NAME..].copy_from_slice(&raw);
        d
    }
}

/// Reads the value list of a key: `count` vk offsets in the cell at `list`.
pub(crate) fn value_list(
    bytes: &Image,
    bins_size: u32,
    list: u32,
    count: u32,
    referrer: u64,
) -> Result<Vec<u32>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let cell = allocated(bytes, bins_size, list, referrer)?;
    if u64::from(count) * 4 > cell.len as u64 {
        return Err(Error::corrupt(
            referrer,
            format!(
                "value count {count} does not fit the value list cell ({} bytes)",
                cell.len
            ),
        ));
    }
    (0..count as usize)
        .map(|i| cell.u32(bytes, i * 4, "value list entry"))
        .collect()
}
