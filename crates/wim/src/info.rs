//! Descriptions of a WIM file ([`WimInfo`]) and of its images ([`ImageInfo`]).

use crate::format::header::Codec;

/// Compression type of a WIM's resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Stored uncompressed.
    None,
    /// XPRESS (fast, used by some boot.wim files).
    Xpress,
    /// LZX (the usual boot.wim/install.wim compression).
    Lzx,
    /// LZMS (solid ESD files).
    Lzms,
    /// A code this crate does not know.
    Other(i32),
}

impl Compression {
    pub(crate) fn from_code(code: i32) -> Compression {
        match code {
            0 => Compression::None,
            1 => Compression::Xpress,
            2 => Compression::Lzx,
            3 => Compression::Lzms,
            other => Compression::Other(other),
        }
    }

    pub(crate) fn of_codec(codec: Codec) -> Compression {
        match codec {
            Codec::None => Compression::None,
            Codec::Xpress => Compression::Xpress,
            Codec::Lzx => Compression::Lzx,
            Codec::Lzms => Compression::Lzms,
        }
    }

    /// Name as wimlib-imagex prints it ("None", "XPRESS", "LZX", "LZMS").
    pub fn name(&self) -> String {
        match self {
            Compression::None => "None".into(),
            Compression::Xpress => "XPRESS".into(),
            Compression::Lzx => "LZX".into(),
            Compression::Lzms => "LZMS".into(),
            Compression::Other(c) => format!("unknown({c})"),
        }
    }
}

/// Header-level facts about a WIM file: from its header, XML and blob table (natively), or
/// from `wimlib_get_wim_info` plus a scan of its blob table (wimlib).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WimInfo {
    /// Number of images.
    pub image_count: u32,
    /// 1-based index of the bootable image, 0 if none.
    pub boot_index: u32,
    /// Default compression type of the WIM's resources.
    pub compression: Compression,
    /// Compression chunk size in bytes.
    pub chunk_size: u32,
    /// The WIM has an integrity table.
    pub has_integrity: bool,
    /// The WIM's GUID.
    pub guid: [u8; 16],
    /// The WIM holds solid ("packed") resources, as ESD files do, or uses the solid format
    /// version (3584).
    pub solid: bool,
    /// `Some((part, total))` when this is one part of a split WIM (.swm).
    pub split: Option<(u16, u16)>,
    /// The WIM is in wimlib's pipable format.
    pub pipable: bool,
    /// The header's read-only flag is set.
    pub marked_readonly: bool,
    /// The header's write-in-progress flag is set: a writer crashed or is still writing (the
    /// data the header points to is still the last committed state).
    pub write_in_progress: bool,
    /// WIM format version number.
    pub wim_version: u32,
    /// Size of the WIM file in bytes, excluding the XML data and integrity table.
    pub total_bytes: u64,
}

/// One image of a WIM, as its XML describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// 1-based image index.
    pub index: u32,
    /// Image name (`NAME`), if any.
    pub name: Option<String>,
    /// Image description (`DESCRIPTION`), if any.
    pub description: Option<String>,
    /// `WINDOWS/ARCH` as written in the XML (0 = x86, 5 = ARM, 9 = x64, 12 = ARM64).
    pub arch: Option<String>,
    /// `WINDOWS/EDITIONID` (e.g. "WindowsPE").
    pub edition: Option<String>,
    /// `FLAGS` (e.g. "9" for a boot image).
    pub flags: Option<String>,
}

impl ImageInfo {
    /// Architecture name for the `WINDOWS/ARCH` code ("x86", "x64", "ARM", "ARM64"), or the
    /// raw value when the code is unknown.
    pub fn arch_name(&self) -> Option<String> {
        self.arch.as_deref().map(|a| match a.trim() {
            "0" => "x86".to_string(),
            "5" => "ARM".to_string(),
            "6" => "IA64".to_string(),
            "9" => "x64".to_string(),
            "12" => "ARM64".to_string(),
            other => other.to_string(),
        })
    }
}
