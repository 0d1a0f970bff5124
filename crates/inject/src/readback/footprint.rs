//! Judging an edit by what it changed: every byte that differs between the hive before and
//! after must have been written by the edit, in the base block only where a writer may change
//! it, and every hbin the edit wrote into or appended must still be tiled by well-formed cells.
//!
//! The parsing here is deliberately separate from crates/hive: it reads only hbin headers and
//! cell sizes, so that a bug in the engine's allocator or bookkeeping shows up as a difference
//! it cannot explain. Nothing outside the edit's hbins is looked at, so damage elsewhere in a
//! hive (which Windows tolerates, or never reads) does not block an edit.

use std::ops::Range;

use hive::{Footprint, HbinChange};

/// Size of the base block.
const BASE: usize = 4096;
/// Size of an hbin header.
const HBIN_HEADER: usize = 32;
/// Base block bytes a registry writer changes: sequence numbers and timestamp (4..20), hive
/// bins data size (40..44), checksum (508..512).
const BASE_MAY_CHANGE: [Range<usize>; 3] = [4..20, 40..44, 508..512];

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Checks the footprint of an edit (see the module documentation).
pub fn judge(f: &Footprint) -> Result<(), String> {
    check_base(f)?;
    for h in &f.hbins {
        check_hbin(h, &f.written)?;
    }
    check_appended(f)
}

/// Checks a whole image after the edit against the image before it: every differing byte
/// must be in the base block, in a range the edit wrote, or past the original hive bins
/// data (appended hbins). One pass over both images.
pub fn judge_whole(before: &[u8], after: &[u8], f: &Footprint) -> Result<(), String> {
    let common = before.len().min(after.len()).min(f.original_bins_end);
    const CHUNK: usize = 4096;
    let mut pos = BASE.min(common);
    while pos < common {
        let end = (pos + CHUNK).min(common);
        if before[pos..end] != after[pos..end] {
            for run in differing_runs(&before[pos..end], &after[pos..end], pos) {
                covered(&run, &f.written)?;
            }
        }
        pos = end;
    }
    if after.get(..BASE) != Some(&f.base_after[..]) {
        return Err("the base block written is not the one checked".to_string());
    }
    Ok(())
}

fn check_base(f: &Footprint) -> Result<(), String> {
    let (b, a) = (&f.base_before, &f.base_after);
    if b.len() != BASE || a.len() != BASE || &a[0..4] != b"regf" {
        return Err("the new base block is not a regf base block".to_string());
    }
    for run in differing_runs(b, a, 0) {
        if !BASE_MAY_CHANGE
            .iter()
            .any(|r| r.start <= run.start && run.end <= r.end)
        {
            return Err(format!(
                "the edit changed base block bytes {:#x}..{:#x}, which no registry writer changes",
                run.start, run.end
            ));
        }
    }
    let field = |bytes: &[u8], at| le_u32(bytes, at).unwrap_or(0);
    if field(a, 4) != field(a, 8) {
        return Err("the new base block's sequence numbers differ".to_string());
    }
    if field(a, 4) == field(b, 4) {
        return Err("the new base block's sequence number was not advanced".to_string());
    }
    let mut sum = 0u32;
    for i in 0..127 {
        sum ^= field(a, i * 4);
    }
    let sum = match sum {
        0 => 1,
        0xFFFF_FFFF => 0xFFFF_FFFE,
        s => s,
    };
    if field(a, 508) != sum {
        return Err("the new base block's checksum is wrong".to_string());
    }
    let bins = field(a, 40) as usize;
    if BASE + bins != f.original_bins_end + f.appended.len() {
        return Err(format!(
            "the new base block says {bins:#x} bytes of hive bins data, the edit left {:#x}",
            f.original_bins_end + f.appended.len() - BASE
        ));
    }
    Ok(())
}

fn check_hbin(h: &HbinChange, written: &[Range<usize>]) -> Result<(), String> {
    if h.before.len() != h.after.len() || h.after.len() < HBIN_HEADER {
        return Err(format!("the hbin at {:#x} changed its size", h.offset));
    }
    if h.before[..HBIN_HEADER] != h.after[..HBIN_HEADER] {
        return Err(format!(
            "the edit changed the header of the hbin at {:#x}",
            h.offset
        ));
    }
    for run in differing_runs(&h.before, &h.after, h.offset) {
        covered(&run, written)?;
    }
    cells_tile(&h.after, h.offset)
}

fn check_appended(f: &Footprint) -> Result<(), String> {
    let mut pos = 0;
    while pos < f.appended.len() {
        let at = f.original_bins_end + pos;
        let bin = &f.appended[pos..];
        let size = le_u32(bin, 8).unwrap_or(0) as usize;
        let self_offset = le_u32(bin, 4).unwrap_or(u32::MAX) as usize;
        if &bin[..4.min(bin.len())] != b"hbin"
            || self_offset + BASE != at
            || size < 4096
            || !size.is_multiple_of(4096)
            || size > bin.len()
        {
            return Err(format!("the hbin appended at {at:#x} has a bad header"));
        }
        cells_tile(&bin[..size], at)?;
        pos += size;
    }
    Ok(())
}

/// Fails unless the cells of the hbin `bin` (at file offset `at`) tile it exactly: each cell's
/// size non-zero, a multiple of 8, inside the hbin.
fn cells_tile(bin: &[u8], at: usize) -> Result<(), String> {
    let mut pos = HBIN_HEADER;
    while pos < bin.len() {
        let raw = le_u32(bin, pos).unwrap_or(0) as i32;
        let size = raw.unsigned_abs() as usize;
        if size == 0 || !size.is_multiple_of(8) || pos + size > bin.len() {
            return Err(format!(
                "after the edit, the cell at {:#x} (in the hbin at {at:#x}) has size {raw}: \
                 the hbin's cells no longer tile it",
                at + pos
            ));
        }
        pos += size;
    }
    Ok(())
}

/// Fails unless `run` lies inside the ranges the edit wrote.
fn covered(run: &Range<usize>, written: &[Range<usize>]) -> Result<(), String> {
    let i = written.partition_point(|w| w.end <= run.start);
    let mut pos = run.start;
    for w in &written[i..] {
        if w.start > pos {
            break;
        }
        pos = pos.max(w.end);
        if pos >= run.end {
            return Ok(());
        }
    }
    let next = written[i..]
        .iter()
        .find(|w| w.start > pos)
        .map_or(run.end, |w| w.start.min(run.end));
    Err(format!(
        "bytes {pos:#x}..{next:#x} changed, but no edit wrote them"
    ))
}

/// The runs of positions where `a` and `b` (equal-length views starting at file offset
/// `base`) differ.
fn differing_runs(a: &[u8], b: &[u8], base: usize) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        match (x != y, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push(base + s..base + i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push(base + s..base + a.len().min(b.len()));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_coverage() {
        let a = [0u8, 1, 2, 3, 4, 5, 6, 7];
        let b = [0u8, 9, 9, 3, 4, 9, 6, 9];
        assert_eq!(
            differing_runs(&a, &b, 100),
            vec![101..103, 105..106, 107..108]
        );
        let written = [100..103, 103..104, 105..108];
        assert!(covered(&(101..104), &written).is_ok());
        assert!(covered(&(105..108), &written).is_ok());
        let err = covered(&(103..106), &written).unwrap_err();
        assert!(err.contains("0x68..0x69"), "{err}");
        assert!(covered(&(200..201), &written).is_err());
    }

    #[test]
    fn tiling() {
        let mut bin = vec![0u8; 4096];
        bin[..4].copy_from_slice(b"hbin");
        bin[32..36].copy_from_slice(&(-64i32).to_le_bytes());
        bin[96..100].copy_from_slice(&(4000u32).to_le_bytes());
        assert!(cells_tile(&bin, 0x1000).is_ok());
        bin[96..100].copy_from_slice(&(4008u32).to_le_bytes());
        let err = cells_tile(&bin, 0x1000).unwrap_err();
        assert!(err.contains("0x1060"), "{err}");
    }
}
