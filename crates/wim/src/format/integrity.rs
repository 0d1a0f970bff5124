//! The integrity table: SHA-1s of consecutive chunks (10 MiB by default) of the file, from the
//! end of the header to the end of the blob table.

use super::{le_u32, sha1_at, FormatError};

/// Chunk size new tables use.
pub const DEFAULT_CHUNK_SIZE: u32 = 10 * 1024 * 1024;

/// A parsed integrity table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityTable {
    /// Bytes per hashed chunk.
    pub chunk_size: u32,
    /// One SHA-1 per chunk.
    pub hashes: Vec<[u8; 20]>,
}

impl IntegrityTable {
    /// Parses a table that must cover `checked_bytes` bytes. `at` is its file offset.
    pub fn parse(b: &[u8], checked_bytes: u64, at: u64) -> Result<IntegrityTable, FormatError> {
        let short = || FormatError::new(at, "integrity table shorter than its header");
        let size = le_u32(b, 0).ok_or_else(short)?;
        let count = le_u32(b, 4).ok_or_else(short)?;
        let chunk_size = le_u32(b, 8).ok_or_else(short)?;
        if u64::from(size) != b.len() as u64
            || u64::from(size) != 12 + u64::from(count) * 20
            || chunk_size == 0
            || u64::from(count) != checked_bytes.div_ceil(u64::from(chunk_size))
        {
            return Err(FormatError::new(
                at,
                format!(
                    "integrity table (size {size}, {count} entries of {chunk_size} bytes) does not match the {checked_bytes} bytes it must cover"
                ),
            ));
        }
        let hashes = (0..count as usize)
            .map(|i| sha1_at(b, 12 + i * 20).unwrap_or([0; 20]))
            .collect();
        Ok(IntegrityTable { chunk_size, hashes })
    }

    /// The table's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let size = 12 + self.hashes.len() * 20;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&(size as u32).to_le_bytes());
        out.extend_from_slice(&(self.hashes.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.chunk_size.to_le_bytes());
        for h in &self.hashes {
            out.extend_from_slice(h);
        }
        out
    }

    /// The byte ranges (file offsets) of the chunks covering `[start, end)` with this
    /// table's chunk size, and for each whether `old` (covering `[start, old_end)`) already
    /// holds its hash: a full chunk before the old last one, or the old last chunk if it has
    /// the same length.
    pub fn plan(
        chunk_size: u32,
        start: u64,
        end: u64,
        old_end: Option<u64>,
    ) -> Vec<(u64, u64, bool)> {
        let cs = u64::from(chunk_size.max(1));
        let old_count = old_end.map(|e| e.saturating_sub(start).div_ceil(cs));
        let mut out = Vec::new();
        let mut at = start;
        let mut i = 0u64;
        while at < end {
            let len = cs.min(end - at);
            let reusable = match (old_count, old_end) {
                (Some(n), Some(oe)) if n > 0 => {
                    let old_last_len = oe - start - (n - 1) * cs;
                    (len == cs && i + 1 < n) || (i + 1 == n && len == old_last_len)
                }
                _ => false,
            };
            out.push((at, at + len, reusable));
            at += len;
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_plan() {
        let t = IntegrityTable {
            chunk_size: 100,
            hashes: vec![[1; 20], [2; 20]],
        };
        assert_eq!(IntegrityTable::parse(&t.to_bytes(), 150, 0).unwrap(), t);
        assert!(IntegrityTable::parse(&t.to_bytes(), 250, 0).is_err());
        let plan = IntegrityTable::plan(100, 208, 208 + 350, Some(208 + 150));
        assert_eq!(plan.len(), 4);
        assert!(plan[0].2);
        assert!(!plan[1].2, "old last chunk was 50 bytes, now 100");
        let same = IntegrityTable::plan(100, 208, 208 + 150, Some(208 + 150));
        assert!(same.iter().all(|c| c.2));
    }
}
