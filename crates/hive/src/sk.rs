//! Key security (`sk`) records: reference counts and the doubly linked list of all of them.

use crate::cell::{allocated, Cell};
use crate::error::Result;
use crate::image::Image;

/// Field offsets inside the sk cell data.
pub(crate) mod off {
    pub const FLINK: usize = 4;
    pub const BLINK: usize = 8;
    pub const REFCOUNT: usize = 12;
}

/// A parsed key security record.
#[derive(Debug, Clone)]
pub(crate) struct Sk {
    pub cell: Cell,
    pub flink: u32,
    pub blink: u32,
    pub refcount: u32,
}

impl Sk {
    /// Reads the sk at cell `off`.
    pub fn read(bytes: &Image, bins_size: u32, off: u32, referrer: u64) -> Result<Sk> {
        let cell = allocated(bytes, bins_size, off, referrer)?;
        cell.expect_sig(bytes, "sk")?;
        Ok(Sk {
            cell,
            flink: cell.u32(bytes, off::FLINK, "sk flink")?,
            blink: cell.u32(bytes, off::BLINK, "sk blink")?,
            refcount: cell.u32(bytes, off::REFCOUNT, "sk reference count")?,
        })
    }
}
