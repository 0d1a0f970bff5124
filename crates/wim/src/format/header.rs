//! The 208-byte WIM header and the 24-byte resource header it (and the blob table) use.

use super::{le_u16, le_u32, le_u64, FormatError};

/// Size of the header on disk.
pub const HEADER_SIZE: usize = 208;
/// Magic of an ordinary WIM.
pub const MAGIC: [u8; 8] = *b"MSWIM\0\0\0";
/// Magic of wimlib's pipable WIM format.
pub const PIPABLE_MAGIC: [u8; 8] = *b"WLPWM\0\0\0";
/// Version of WIMs with solid (LZMS) resources.
pub const VERSION_SOLID: u32 = 0xe00;

/// Header flag: the WIM is compressed (one of the `COMPRESS_*` flags says how).
pub const FLAG_COMPRESSION: u32 = 0x2;
/// Header flag: the WIM must not be changed.
pub const FLAG_READONLY: u32 = 0x4;
/// Header flag: the WIM is one part of a split set.
pub const FLAG_SPANNED: u32 = 0x8;
/// Header flag: a writer is (or was, when it crashed) appending.
pub const FLAG_WRITE_IN_PROGRESS: u32 = 0x40;
/// Header flag: XPRESS compression.
pub const FLAG_COMPRESS_XPRESS: u32 = 0x20000;
/// Header flag: LZX compression.
pub const FLAG_COMPRESS_LZX: u32 = 0x40000;
/// Header flag: LZMS compression.
pub const FLAG_COMPRESS_LZMS: u32 = 0x80000;
/// Header flag: XPRESS compression, as newer Microsoft writers label it.
pub const FLAG_COMPRESS_XPRESS_2: u32 = 0x200000;

/// Resource flag: free space (ignored).
pub const RES_FREE: u8 = 0x1;
/// Resource flag: image metadata, blob table or XML data.
pub const RES_METADATA: u8 = 0x2;
/// Resource flag: compressed in chunks with the WIM's codec.
pub const RES_COMPRESSED: u8 = 0x4;
/// Resource flag: spanned over split parts.
pub const RES_SPANNED: u8 = 0x8;
/// Resource flag: a solid resource holding several blobs.
pub const RES_SOLID: u8 = 0x10;

/// Where a resource lies in the file and how it is stored (`struct wim_reshdr_disk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ResourceHeader {
    /// Bytes the resource takes in the file (56 bits on disk).
    pub size_in_wim: u64,
    /// `RES_*` flags.
    pub flags: u8,
    /// File offset of the resource.
    pub offset: u64,
    /// Size of the data once decompressed.
    pub uncompressed_size: u64,
}

/// Size of a resource header on disk.
pub const RESHDR_SIZE: usize = 24;

impl ResourceHeader {
    /// Parses the 24 bytes at `at` of `b`.
    pub fn parse(b: &[u8], at: usize) -> Option<ResourceHeader> {
        let word = le_u64(b, at)?;
        Some(ResourceHeader {
            size_in_wim: word & 0x00ff_ffff_ffff_ffff,
            flags: (word >> 56) as u8,
            offset: le_u64(b, at + 8)?,
            uncompressed_size: le_u64(b, at + 16)?,
        })
    }

    /// The 24 bytes on disk.
    pub fn to_bytes(&self) -> [u8; RESHDR_SIZE] {
        let mut out = [0u8; RESHDR_SIZE];
        let word = (self.size_in_wim & 0x00ff_ffff_ffff_ffff) | (u64::from(self.flags) << 56);
        out[0..8].copy_from_slice(&word.to_le_bytes());
        out[8..16].copy_from_slice(&self.offset.to_le_bytes());
        out[16..24].copy_from_slice(&self.uncompressed_size.to_le_bytes());
        out
    }

    /// The offset just past the resource, `None` on overflow.
    pub fn end(&self) -> Option<u64> {
        self.offset.checked_add(self.size_in_wim)
    }

    /// Stored compressed, in chunks.
    pub fn is_compressed(&self) -> bool {
        self.flags & RES_COMPRESSED != 0
    }

    /// A solid resource.
    pub fn is_solid(&self) -> bool {
        self.flags & RES_SOLID != 0
    }

    /// All fields zero: "no such resource".
    pub fn is_zero(&self) -> bool {
        *self == ResourceHeader::default()
    }
}

/// The WIM header. The original 208 bytes are kept, so that writing it back changes only the
/// fields set on purpose (the unused tail and any unknown flag stay as their writer left them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The bytes as read.
    pub raw: [u8; HEADER_SIZE],
    /// `MAGIC` or `PIPABLE_MAGIC`.
    pub magic: [u8; 8],
    /// Format version.
    pub version: u32,
    /// Header flags (`FLAG_*`).
    pub flags: u32,
    /// Chunk size of non-solid compressed resources (0 in uncompressed WIMs).
    pub chunk_size: u32,
    /// The WIM's GUID.
    pub guid: [u8; 16],
    /// 1-based part number.
    pub part_number: u16,
    /// Number of parts.
    pub total_parts: u16,
    /// Number of images.
    pub image_count: u32,
    /// The blob table.
    pub blob_table: ResourceHeader,
    /// The XML data.
    pub xml: ResourceHeader,
    /// A copy of the boot image's metadata resource header (zero if none).
    pub boot_metadata: ResourceHeader,
    /// 1-based boot image, 0 if none.
    pub boot_index: u32,
    /// The integrity table (zero if none).
    pub integrity: ResourceHeader,
}

/// The codec a WIM's header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Codec {
    /// Uncompressed.
    None,
    /// XPRESS.
    Xpress,
    /// LZX.
    Lzx,
    /// LZMS.
    Lzms,
}

impl Header {
    /// Parses the header from the first bytes of a file (`b` may be shorter than 208 bytes:
    /// a truncated file is refused with the offset where it ends).
    pub fn parse(b: &[u8]) -> Result<Header, FormatError> {
        if b.len() < HEADER_SIZE {
            return Err(FormatError::new(
                b.len() as u64,
                format!("the file ends before the {HEADER_SIZE}-byte WIM header does"),
            ));
        }
        let mut raw = [0u8; HEADER_SIZE];
        raw.copy_from_slice(&b[..HEADER_SIZE]);
        let magic: [u8; 8] = raw[0..8].try_into().unwrap_or_default();
        if magic != MAGIC && magic != PIPABLE_MAGIC {
            return Err(FormatError::new(0, "no WIM magic (\"MSWIM\")"));
        }
        let field = |at| le_u32(&raw, at).unwrap_or(0);
        let hdr_size = field(8);
        if hdr_size as usize != HEADER_SIZE {
            return Err(FormatError::new(
                8,
                format!("header size {hdr_size}, expected {HEADER_SIZE}"),
            ));
        }
        let reshdr = |at| ResourceHeader::parse(&raw, at).unwrap_or_default();
        let mut guid = [0u8; 16];
        guid.copy_from_slice(&raw[0x18..0x28]);
        Ok(Header {
            magic,
            version: field(0x0c),
            flags: field(0x10),
            chunk_size: field(0x14),
            guid,
            part_number: le_u16(&raw, 0x28).unwrap_or(0),
            total_parts: le_u16(&raw, 0x2a).unwrap_or(0),
            image_count: field(0x2c),
            blob_table: reshdr(0x30),
            xml: reshdr(0x48),
            boot_metadata: reshdr(0x60),
            boot_index: field(0x78),
            integrity: reshdr(0x7c),
            raw,
        })
    }

    /// The header bytes with the current field values over the original bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_SIZE] {
        let mut out = self.raw;
        out[0..8].copy_from_slice(&self.magic);
        out[0x0c..0x10].copy_from_slice(&self.version.to_le_bytes());
        out[0x10..0x14].copy_from_slice(&self.flags.to_le_bytes());
        out[0x14..0x18].copy_from_slice(&self.chunk_size.to_le_bytes());
        out[0x18..0x28].copy_from_slice(&self.guid);
        out[0x28..0x2a].copy_from_slice(&self.part_number.to_le_bytes());
        out[0x2a..0x2c].copy_from_slice(&self.total_parts.to_le_bytes());
        out[0x2c..0x30].copy_from_slice(&self.image_count.to_le_bytes());
        out[0x30..0x48].copy_from_slice(&self.blob_table.to_bytes());
        out[0x48..0x60].copy_from_slice(&self.xml.to_bytes());
        out[0x60..0x78].copy_from_slice(&self.boot_metadata.to_bytes());
        out[0x78..0x7c].copy_from_slice(&self.boot_index.to_le_bytes());
        out[0x7c..0x94].copy_from_slice(&self.integrity.to_bytes());
        out
    }

    /// The codec of the WIM's non-solid resources, or an error naming the flags at 0x10.
    pub fn codec(&self) -> Result<Codec, FormatError> {
        if self.flags & FLAG_COMPRESSION == 0 {
            return Ok(Codec::None);
        }
        let kinds = [
            (FLAG_COMPRESS_XPRESS, Codec::Xpress),
            (FLAG_COMPRESS_XPRESS_2, Codec::Xpress),
            (FLAG_COMPRESS_LZX, Codec::Lzx),
            (FLAG_COMPRESS_LZMS, Codec::Lzms),
        ];
        let found: Vec<Codec> = kinds
            .iter()
            .filter(|(f, _)| self.flags & f != 0)
            .map(|(_, c)| *c)
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [Codec::Xpress, Codec::Xpress] => Ok(Codec::Xpress),
            _ => Err(FormatError::new(
                0x10,
                format!(
                    "header flags {:#x} name no single compression type",
                    self.flags
                ),
            )),
        }
    }

    /// The chunk size of compressed resources: the header's, or 32768 when it says 0 (older
    /// writers).
    pub fn effective_chunk_size(&self) -> u32 {
        if self.chunk_size == 0 {
            32768
        } else {
            self.chunk_size
        }
    }

    /// Pipable (wimlib's streaming format).
    pub fn is_pipable(&self) -> bool {
        self.magic == PIPABLE_MAGIC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_every_byte() {
        let mut raw = [0u8; HEADER_SIZE];
        raw[0..8].copy_from_slice(&MAGIC);
        raw[8..12].copy_from_slice(&(HEADER_SIZE as u32).to_le_bytes());
        for (i, b) in raw.iter_mut().enumerate().skip(12) {
            *b = (i * 31 % 251) as u8;
        }
        let h = Header::parse(&raw).unwrap();
        assert_eq!(h.to_bytes(), raw);
    }

    #[test]
    fn short_or_foreign_input_is_refused_with_offset() {
        assert_eq!(Header::parse(&[0u8; 10]).unwrap_err().offset, 10);
        let e = Header::parse(&[0u8; HEADER_SIZE]).unwrap_err();
        assert_eq!(e.offset, 0);
    }

    #[test]
    fn reshdr_packs_size_and_flags() {
        let r = ResourceHeader {
            size_in_wim: 0x12_3456,
            flags: RES_METADATA | RES_COMPRESSED,
            offset: 208,
            uncompressed_size: 99,
        };
        let b = r.to_bytes();
        assert_eq!(b[7], 6);
        assert_eq!(ResourceHeader::parse(&b, 0), Some(r));
    }
}
