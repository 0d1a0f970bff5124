//! The security data at the start of an image's metadata resource: the image's security
//! descriptors, which directory entries name by index (`security_id`).

use super::{align8, le_u32, le_u64, FormatError};

/// The security data block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityData {
    /// Length of the block (8-aligned): the root directory entry starts here.
    pub total_length: u64,
    /// Byte ranges of each descriptor inside the metadata resource.
    pub descriptors: Vec<std::ops::Range<usize>>,
}

/// Parses the security data at the start of an uncompressed metadata resource.
pub fn parse(buf: &[u8]) -> Result<SecurityData, FormatError> {
    let short = |at: u64| FormatError::new(at, "metadata resource ends inside its security data");
    let declared = le_u32(buf, 0).ok_or_else(|| short(0))?;
    let count = le_u32(buf, 4).ok_or_else(|| short(4))?;
    let mut total_length = align8(u64::from(declared)).unwrap_or(u64::MAX);
    if total_length == 0 {
        total_length = 8;
    }
    if total_length > buf.len() as u64 {
        return Err(FormatError::new(
            0,
            format!("security data length {declared} exceeds the metadata resource"),
        ));
    }
    let header = 8 + u64::from(count) * 8;
    if header > total_length {
        return Err(FormatError::new(
            4,
            format!("{count} security descriptors do not fit in {total_length} bytes"),
        ));
    }
    let mut descriptors = Vec::with_capacity(count as usize);
    let mut at = header;
    for i in 0..u64::from(count) {
        let size = le_u64(buf, (8 + i * 8) as usize).ok_or_else(|| short(8 + i * 8))?;
        let end = at
            .checked_add(size)
            .filter(|&e| e <= total_length)
            .ok_or_else(|| {
                FormatError::new(
                    8 + i * 8,
                    format!("security descriptor {i} runs past the security data"),
                )
            })?;
        descriptors.push(at as usize..end as usize);
        at = end;
    }
    Ok(SecurityData {
        total_length,
        descriptors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_bounds() {
        let mut b = vec![0u8; 40];
        b[0..4].copy_from_slice(&28u32.to_le_bytes());
        b[4..8].copy_from_slice(&1u32.to_le_bytes());
        b[8..16].copy_from_slice(&12u64.to_le_bytes());
        let s = parse(&b).unwrap();
        assert_eq!(s.total_length, 32);
        assert_eq!(s.descriptors, vec![16..28]);
        b[8..16].copy_from_slice(&100u64.to_le_bytes());
        assert!(parse(&b).is_err());
        assert!(parse(&b[..3]).is_err());
    }
}
