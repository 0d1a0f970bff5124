//! Registry value types.

/// The type of a registry value (`REG_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// REG_NONE (0).
    None,
    /// REG_SZ (1): UTF-16LE string.
    Sz,
    /// REG_EXPAND_SZ (2): UTF-16LE string with %VARIABLES%.
    ExpandSz,
    /// REG_BINARY (3).
    Binary,
    /// REG_DWORD (4): little-endian u32.
    Dword,
    /// REG_DWORD_BIG_ENDIAN (5).
    DwordBigEndian,
    /// REG_LINK (6): UTF-16LE symbolic link target.
    Link,
    /// REG_MULTI_SZ (7): UTF-16LE strings, each NUL-terminated, plus a final NUL.
    MultiSz,
    /// REG_RESOURCE_LIST (8).
    ResourceList,
    /// REG_FULL_RESOURCE_DESCRIPTOR (9).
    FullResourceDescriptor,
    /// REG_RESOURCE_REQUIREMENTS_LIST (10).
    ResourceRequirementsList,
    /// REG_QWORD (11): little-endian u64.
    Qword,
    /// Any other type code, kept as is.
    Unknown(u32),
}

impl ValueType {
    /// The numeric type code stored in the hive.
    pub fn code(self) -> u32 {
        match self {
            ValueType::None => 0,
            ValueType::Sz => 1,
            ValueType::ExpandSz => 2,
            ValueType::Binary => 3,
            ValueType::Dword => 4,
            ValueType::DwordBigEndian => 5,
            ValueType::Link => 6,
            ValueType::MultiSz => 7,
            ValueType::ResourceList => 8,
            ValueType::FullResourceDescriptor => 9,
            ValueType::ResourceRequirementsList => 10,
            ValueType::Qword => 11,
            ValueType::Unknown(c) => c,
        }
    }
}

impl From<u32> for ValueType {
    fn from(code: u32) -> Self {
        match code {
            0 => ValueType::None,
            1 => ValueType::Sz,
            2 => ValueType::ExpandSz,
            3 => ValueType::Binary,
            4 => ValueType::Dword,
            5 => ValueType::DwordBigEndian,
            6 => ValueType::Link,
            7 => ValueType::MultiSz,
            8 => ValueType::ResourceList,
            9 => ValueType::FullResourceDescriptor,
            10 => ValueType::ResourceRequirementsList,
            11 => ValueType::Qword,
            c => ValueType::Unknown(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in 0..20u32 {
            assert_eq!(ValueType::from(c).code(), c);
        }
        assert_eq!(
            ValueType::from(0xFFFF_0010),
            ValueType::Unknown(0xFFFF_0010)
        );
    }
}
