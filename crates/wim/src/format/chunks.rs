//! The chunk table of a non-solid compressed resource: the resource's data is cut into chunks
//! of the WIM's chunk size (the last one shorter), each compressed on its own; the table in
//! front gives the start of chunks 1.. relative to the end of the table (4-byte entries, 8 when
//! the uncompressed size exceeds 4 GiB). A chunk whose stored size equals its uncompressed
//! size is stored raw.

use super::FormatError;

/// One chunk of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Offset of the stored chunk from the start of the resource (table included).
    pub stored_offset: u64,
    /// Stored (compressed or raw) size.
    pub stored_size: u32,
    /// Size once decompressed.
    pub size: u32,
}

impl Chunk {
    /// Stored raw rather than compressed.
    pub fn is_raw(&self) -> bool {
        self.stored_size == self.size
    }
}

/// Number of chunks of a resource of `size` bytes.
pub fn chunk_count(size: u64, chunk_size: u32) -> u64 {
    size.div_ceil(u64::from(chunk_size.max(1)))
}

/// Bytes per chunk table entry.
pub fn entry_size(size: u64) -> u64 {
    if size > u64::from(u32::MAX) {
        8
    } else {
        4
    }
}

/// Size of the chunk table of a resource of `size` bytes.
pub fn table_size(size: u64, chunk_size: u32) -> u64 {
    chunk_count(size, chunk_size).saturating_sub(1) * entry_size(size)
}

/// Parses the chunk table `table` (the first [`table_size`] bytes of the resource) of a
/// resource whose stored size is `stored_size` and uncompressed size `size`. `at` is the
/// resource's file offset, for error offsets.
pub fn parse(
    table: &[u8],
    stored_size: u64,
    size: u64,
    chunk_size: u32,
    at: u64,
) -> Result<Vec<Chunk>, FormatError> {
    let count = chunk_count(size, chunk_size);
    let esize = entry_size(size);
    let tsize = table_size(size, chunk_size);
    if (table.len() as u64) < tsize || stored_size < tsize {
        return Err(FormatError::new(
            at,
            format!(
                "resource of {stored_size} bytes is too short for its {tsize}-byte chunk table"
            ),
        ));
    }
    let data_size = stored_size - tsize;
    let mut starts = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    starts.push(0u64);
    for i in 0..count.saturating_sub(1) {
        let o = (i * esize) as usize;
        let v = if esize == 8 {
            super::le_u64(table, o)
        } else {
            super::le_u32(table, o).map(u64::from)
        };
        starts.push(v.unwrap_or(u64::MAX));
    }
    starts.push(data_size);
    let mut out = Vec::with_capacity(starts.len().saturating_sub(1));
    for i in 0..count {
        let (s, e) = (starts[i as usize], starts[i as usize + 1]);
        let csize = u64::from(chunk_size);
        let usize_ = if i + 1 == count {
            size - i * csize
        } else {
            csize
        };
        if e <= s || e - s > usize_ {
            return Err(FormatError::new(
                at + i.saturating_sub(1) * esize,
                format!(
                    "chunk {i} of the resource at {at:#x} has a bad stored size ({} for {usize_} bytes)",
                    e.wrapping_sub(s) as i64
                ),
            ));
        }
        out.push(Chunk {
            stored_offset: tsize + s,
            stored_size: (e - s) as u32,
            size: usize_ as u32,
        });
    }
    Ok(out)
}

/// The chunk table for chunks of the given stored sizes, for a resource of `size` bytes.
pub fn build(stored_sizes: &[u32], size: u64) -> Vec<u8> {
    let esize = entry_size(size);
    let mut out = Vec::with_capacity(stored_sizes.len().saturating_sub(1) * esize as usize);
    let mut start = 0u64;
    for s in stored_sizes
        .iter()
        .take(stored_sizes.len().saturating_sub(1))
    {
        start += u64::from(*s);
        if esize == 8 {
            out.extend_from_slice(&start.to_le_bytes());
        } else {
            out.extend_from_slice(&(start as u32).to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_then_parse() {
        let sizes = [100u32, 32768, 7];
        let size = 32768 * 2 + 50;
        let table = build(&sizes, size);
        assert_eq!(table.len() as u64, table_size(size, 32768));
        let stored = table.len() as u64 + sizes.iter().map(|&s| u64::from(s)).sum::<u64>();
        let chunks = parse(&table, stored, size, 32768, 0).unwrap();
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[1].stored_offset, table.len() as u64 + 100);
        assert!(chunks[1].is_raw());
        assert_eq!(chunks[2].size, 50);
    }

    #[test]
    fn bad_tables_are_refused() {
        let table = build(&[10, 10], 40000);
        assert!(parse(&table, 2, 40000, 32768, 0).is_err());
        let mut bad = table.clone();
        bad[0] = 0;
        assert!(parse(&bad, 24, 40000, 32768, 0).is_err());
        // A chunk "larger" than its uncompressed size.
        assert!(parse(&build(&[40000, 10], 40000), 40014, 40000, 32768, 0).is_err());
    }
}
