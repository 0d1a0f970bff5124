//! Value data: inline, in one cell, or as big data (`db` record + segment list).

use crate::cell::{allocated, Cell};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::vk::{self, Vk};

/// Largest data segment of a big data record, and the largest data stored in one cell on
/// hives of version 1.4 and later.
pub(crate) const SEGMENT: usize = 16344;

/// True when data of `len` bytes is stored as big data on a hive of minor version `minor`.
pub(crate) fn is_big(minor: u32, len: usize) -> bool {
    minor >= 4 && len > SEGMENT
}

/// The cells that hold a value's data (to free them or rewrite them).
#[derive(Debug, Clone)]
pub(crate) enum DataCells {
    /// Data in the vk itself (or none).
    Inline,
    /// Data in one cell.
    Single(Cell),
    /// Big data: the db cell, the segment list cell and the segments.
    Big {
        db: Cell,
        list: Cell,
        segments: Vec<Cell>,
    },
}

/// Locates and validates the cells holding the data of `v`.
pub(crate) fn cells(bytes: &Image, bins_size: u32, minor: u32, v: &Vk) -> Result<DataCells> {
    let len = v.data_len() as usize;
    let referrer = v.cell.at(vk::off::DATA_OFF);
    if v.is_inline() {
        if len > 4 {
            return Err(Error::corrupt(
                v.cell.at(vk::off::DATA_SIZE),
                format!("inline value data length {len} is over 4 bytes"),
            ));
        }
        return Ok(DataCells::Inline);
    }
    if len == 0 {
        return Ok(DataCells::Inline);
    }
    if len > bins_size as usize {
        return Err(Error::corrupt(
            v.cell.at(vk::off::DATA_SIZE),
            format!("value data length {len} is larger than the hive"),
        ));
    }
    let cell = allocated(bytes, bins_size, v.data_off, referrer)?;
    if !is_big(minor, len) {
        if cell.len < len {
            return Err(Error::corrupt(
                cell.at(0),
                format!(
                    "value data length {len} exceeds its cell ({} bytes)",
                    cell.len
                ),
            ));
        }
        return Ok(DataCells::Single(cell));
    }
    cell.expect_sig(bytes, "db")?;
    let count = usize::from(cell.u16(bytes, 2, "db segment count")?);
    let needed = len.div_ceil(SEGMENT);
    if count != needed {
        return Err(Error::corrupt(
            cell.at(2),
            format!("big data of {len} bytes needs {needed} segments, record says {count}"),
        ));
    }
    let list_off = cell.u32(bytes, 4, "db segment list")?;
    let list = allocated(bytes, bins_size, list_off, cell.at(4))?;
    if count * 4 > list.len {
        return Err(Error::corrupt(
            list.at(0),
            format!("segment list of {count} entries does not fit its cell"),
        ));
    }
    let mut segments = Vec::with_capacity(count);
    let mut left = len;
    for i in 0..count {
        let seg_off = list.u32(bytes, i * 4, "segment list entry")?;
        let seg = allocated(bytes, bins_size, seg_off, list.at(i * 4))?;
        let take = left.min(SEGMENT);
        if seg.len < take {
            return Err(Error::corrupt(
                seg.at(0),
                format!("data segment holds {} bytes, {take} needed", seg.len),
            ));
        }
        left -= take;
        segments.push(seg);
    }
    Ok(DataCells::Big {
        db: cell,
        list,
        segments,
    })
}

/// Reads the data of `v`: exactly data-length bytes.
pub(crate) fn read(bytes: &Image, bins_size: u32, minor: u32, v: &Vk) -> Result<Vec<u8>> {
    let len = v.data_len() as usize;
    match cells(bytes, bins_size, minor, v)? {
        DataCells::Inline => {
            if !v.is_inline() {
                return Ok(Vec::new());
            }
            Ok(v.data_off.to_le_bytes()[..len].to_vec())
        }
        DataCells::Single(cell) => Ok(cell.slice(bytes, 0, len, "value data")?.to_vec()),
        DataCells::Big { segments, .. } => {
            let mut out = Vec::with_capacity(len);
            for seg in segments {
                let take = (len - out.len()).min(SEGMENT);
                out.extend_from_slice(seg.slice(bytes, 0, take, "data segment")?);
            }
            Ok(out)
        }
    }
}
