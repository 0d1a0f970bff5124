//! Transaction logs (`.LOG1`/`.LOG2`) beside a primary hive.
//!
//! Three jobs, all following the layout and the recovery rules of Maxim Suhanov's "Windows
//! registry file format specification" (sections "Format of transaction log files", "Dirty state
//! of a hive", "Multiple transaction log files"); see docs/hive-logs.md for the reasoning:
//!
//! * [`assess`]: is the primary dirty (bad checksum, sequence numbers differ), or does a log hold
//!   data newer than the primary? Such a hive must not be edited as it is.
//! * [`recover`]: replay the logs into a dirty primary the way the Windows kernel does (old
//!   format: dirty vector + dirty pages; new format: `HvLE` entries with Marvin32 hashes) and
//!   return the recovered bytes, or refuse with a reason.
//! * [`log_action_after_write`]: what to do with a log file after we rewrote its primary, so that
//!   Windows never replays stale log data over our change.

/// Length of the base block at the start of a primary file.
pub const BASE_BLOCK_LEN: usize = 4096;
/// Length of one log sector: the partial base block copy and the entry/page alignment in logs.
pub const LOG_SECTOR_LEN: usize = 512;
/// Marvin32 seed the kernel uses for the `Hash-1`/`Hash-2` fields of `HvLE` log entries.
pub const LOG_ENTRY_HASH_SEED: u64 = 0x82EF_4D88_7A4E_55C5;

/// File type in the base block of a primary file.
const FILE_TYPE_PRIMARY: u32 = 0;
/// File types of an old-format log (Windows XP and later: 1, Windows 2000: 2).
const FILE_TYPES_OLD_LOG: [u32; 2] = [1, 2];
/// File type of a new-format log (Windows 8.1 and later).
const FILE_TYPE_NEW_LOG: u32 = 6;
/// Size of an `HvLE` header before the dirty page references.
const ENTRY_HEADER_LEN: usize = 40;
/// Hive bins are multiples of this size.
const HBIN_ALIGN: u32 = 4096;
/// Largest hive bins data size we accept from a log (the regf format addresses 31 bits).
const MAX_HIVE_BINS_SIZE: u32 = 0x7FFF_F000;

/// What the logs say about a primary hive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogState {
    /// The primary is consistent and no log holds newer data: safe to edit.
    Clean,
    /// The primary is dirty or a log holds newer data; `reason` says which, for the user.
    Dirty {
        /// Human-readable explanation, e.g. "SOFTWARE.LOG1 holds entries up to sequence 42".
        reason: String,
    },
}

/// Errors found while reading a primary base block or a transaction log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The log is malformed at `offset`.
    #[error("malformed transaction log at offset {offset:#x}: {what}")]
    Malformed {
        /// Byte offset inside the log file.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The primary file's base block cannot be used at all (too short, not `regf`).
    #[error("primary hive unusable at offset {offset:#x}: {what}")]
    Primary {
        /// Byte offset inside the primary file.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The hive is dirty and the logs cannot bring it to a consistent state.
    #[error("dirty hive cannot be recovered from its logs: {reason}")]
    Unrecoverable {
        /// Why not.
        reason: String,
    },
}

/// Which of the two log files a message refers to.
fn log_name(index: usize) -> &'static str {
    if index == 0 {
        "LOG1"
    } else {
        "LOG2"
    }
}

/// Little-endian `u32` at `at`, if the slice is long enough.
fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let b: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// Little-endian `u64` at `at`, if the slice is long enough.
fn le_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let end = at.checked_add(8)?;
    let b: [u8; 8] = bytes.get(at..end)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// XOR-32 checksum of the first 508 bytes of a base block, with the two reserved results
/// (-1 and 0) mapped to -2 and 1 as the spec describes. `None` if fewer than 508 bytes.
pub fn base_block_checksum(block: &[u8]) -> Option<u32> {
    let head = block.get(..508)?;
    let x = head
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .fold(0u32, |acc, v| acc ^ v);
    Some(match x {
        u32::MAX => u32::MAX - 1,
        0 => 1,
        other => other,
    })
}

/// The fields of a base block (primary or the partial copy in a log) that recovery uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseBlock {
    /// Primary sequence number (offset 4).
    pub primary_seq: u32,
    /// Secondary sequence number (offset 8).
    pub secondary_seq: u32,
    /// Last written timestamp, FILETIME (offset 12).
    pub timestamp: u64,
    /// File type (offset 28): 0 primary, 1/2 old log, 6 new log.
    pub file_type: u32,
    /// Hive bins data size (offset 40).
    pub hive_bins_size: u32,
    /// KTM flags (offset 144).
    pub flags: u32,
    /// Whether the stored checksum (offset 508) matches the first 508 bytes.
    pub checksum_ok: bool,
}

impl BaseBlock {
    /// Parse the first 512 bytes of `bytes` as a base block; `None` if too short or not `regf`.
    pub fn parse(bytes: &[u8]) -> Option<BaseBlock> {
        if bytes.get(..4)? != b"regf" || bytes.len() < LOG_SECTOR_LEN {
            return None;
        }
        Some(BaseBlock {
            primary_seq: le_u32(bytes, 4)?,
            secondary_seq: le_u32(bytes, 8)?,
            timestamp: le_u64(bytes, 12)?,
            file_type: le_u32(bytes, 28)?,
            hive_bins_size: le_u32(bytes, 40)?,
            flags: le_u32(bytes, 144)?,
            checksum_ok: base_block_checksum(bytes) == le_u32(bytes, 508),
        })
    }

    /// A base block Windows treats as consistent: good checksum and equal sequence numbers.
    pub fn is_consistent(&self) -> bool {
        self.checksum_ok && self.primary_seq == self.secondary_seq
    }
}

/// Marvin32 hash (the algorithm used by the Windows kernel for log entries), returned as
/// `(high << 32) | low`, which is how the 8-byte hash fields are stored little-endian.
pub fn marvin32(seed: u64, data: &[u8]) -> u64 {
    /// One Marvin mixing round.
    fn mix(lo: &mut u32, hi: &mut u32) {
        *hi ^= *lo;
        *lo = lo.rotate_left(20).wrapping_add(*hi);
        *hi = hi.rotate_left(9) ^ *lo;
        *lo = lo.rotate_left(27).wrapping_add(*hi);
        *hi = hi.rotate_left(19);
    }
    let mut lo = seed as u32;
    let mut hi = (seed >> 32) as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        lo = lo.wrapping_add(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        mix(&mut lo, &mut hi);
    }
    let rest = chunks.remainder();
    let mut last = 0x80u32 << (8 * rest.len());
    for (i, b) in rest.iter().enumerate() {
        last |= u32::from(*b) << (8 * i);
    }
    lo = lo.wrapping_add(last);
    mix(&mut lo, &mut hi);
    mix(&mut lo, &mut hi);
    (u64::from(hi) << 32) | u64::from(lo)
}

/// One dirty page of a new-format log entry: where it goes and where its bytes are in the log.
#[derive(Debug, Clone, Copy)]
struct PageRef {
    /// Offset relative to the start of the hive bins data.
    hbin_offset: u32,
    /// Offset of the page bytes inside the log file.
    log_offset: usize,
    /// Length of the page.
    len: usize,
}

/// A new-format (`HvLE`) log entry whose hashes verified.
#[derive(Debug, Clone)]
struct LogEntry {
    /// Sequence number of the entry.
    seq: u32,
    /// Hive bins data size after applying the entry.
    hive_bins_size: u32,
    /// Flags (bit 0 = KTM lock) to restore into the base block.
    flags: u32,
    /// The dirty pages.
    pages: Vec<PageRef>,
}

/// Parse one `HvLE` entry at `at`; `None` if it is not a valid entry (recovery stops there).
fn parse_entry(log: &[u8], at: usize) -> Option<(LogEntry, usize)> {
    if log.get(at..at.checked_add(4)?)? != b"HvLE" {
        return None;
    }
    let size = le_u32(log, at + 4)? as usize;
    let end = at.checked_add(size)?;
    if size < ENTRY_HEADER_LEN || !size.is_multiple_of(LOG_SECTOR_LEN) || end > log.len() {
        return None;
    }
    let entry = log.get(at..end)?;
    let hbins = le_u32(entry, 16)?;
    if hbins == 0 || hbins % HBIN_ALIGN != 0 || hbins > MAX_HIVE_BINS_SIZE {
        return None;
    }
    let hash1 = le_u64(entry, 24)?;
    let hash2 = le_u64(entry, 32)?;
    if marvin32(LOG_ENTRY_HASH_SEED, entry.get(ENTRY_HEADER_LEN..)?) != hash1
        || marvin32(LOG_ENTRY_HASH_SEED, entry.get(..32)?) != hash2
    {
        return None;
    }
    let count = le_u32(entry, 20)? as usize;
    let refs_len = count.checked_mul(8)?;
    let mut data_at = ENTRY_HEADER_LEN.checked_add(refs_len)?;
    if data_at > size {
        return None;
    }
    let mut pages = Vec::with_capacity(count);
    for i in 0..count {
        let r = ENTRY_HEADER_LEN + i * 8;
        let hbin_offset = le_u32(entry, r)?;
        let len = le_u32(entry, r + 4)? as usize;
        let page_end = data_at.checked_add(len)?;
        if page_end > size || u64::from(hbin_offset) + len as u64 > u64::from(hbins) {
            return None;
        }
        pages.push(PageRef {
            hbin_offset,
            log_offset: at + data_at,
            len,
        });
        data_at = page_end;
    }
    let entry = LogEntry {
        seq: le_u32(entry, 12)?,
        hive_bins_size: hbins,
        flags: le_u32(entry, 8)?,
        pages,
    };
    Some((entry, end))
}

/// All consecutive valid entries of a new-format log, from offset 512 until the first invalid one.
fn parse_entries(log: &[u8]) -> Vec<LogEntry> {
    let mut out = Vec::new();
    let mut at = LOG_SECTOR_LEN;
    while let Some((entry, next)) = parse_entry(log, at) {
        out.push(entry);
        at = next;
    }
    out
}

/// What one log file contains.
#[derive(Debug, Clone)]
enum LogContent {
    /// Zero length: nothing to apply, nothing to worry about.
    Empty,
    /// Its base block copy is missing or invalid: Windows ignores (self-heals) such a log.
    Invalid(String),
    /// Old format (dirty vector + dirty pages), base block valid.
    Old(BaseBlock),
    /// New format, base block valid, with its valid entries in file order.
    New(BaseBlock, Vec<LogEntry>),
}

/// The hive file name a base block records (offset 48, 64 bytes: the end of the path the hive
/// was loaded from, UTF-16LE), when it records one.
fn hive_name(block: &[u8]) -> Option<&[u8]> {
    block
        .get(48..112)
        .filter(|name| name.iter().any(|&b| b != 0))
}

/// Classify one log file beside the primary whose base block is `primary` (its name, when
/// both record one, must be the log's: a log left over from another hive is not applied).
fn read_log_for(primary: &[u8], log: &[u8]) -> LogContent {
    match read_log(log) {
        LogContent::Old(_) | LogContent::New(..)
            if hive_name(primary).is_some_and(|p| hive_name(log).is_some_and(|l| l != p)) =>
        {
            LogContent::Invalid(format!(
                "it belongs to another hive (its base block names \"{}\", the primary's \"{}\")",
                utf16_text(hive_name(log).unwrap_or_default()),
                utf16_text(hive_name(primary).unwrap_or_default())
            ))
        }
        other => other,
    }
}

/// UTF-16LE bytes as text, up to the first NUL.
fn utf16_text(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// Classify one log file.
fn read_log(log: &[u8]) -> LogContent {
    if log.is_empty() {
        return LogContent::Empty;
    }
    let Some(bb) = BaseBlock::parse(log) else {
        return LogContent::Invalid("no regf base block".into());
    };
    if !bb.is_consistent() {
        return LogContent::Invalid("base block checksum or sequence numbers do not match".into());
    }
    if FILE_TYPES_OLD_LOG.contains(&bb.file_type) {
        LogContent::Old(bb)
    } else if bb.file_type == FILE_TYPE_NEW_LOG {
        LogContent::New(bb, parse_entries(log))
    } else {
        LogContent::Invalid(format!("file type {} is not a log type", bb.file_type))
    }
}

/// Parse the primary's base block or fail with a typed error.
fn primary_base_block(primary: &[u8]) -> Result<BaseBlock, LogError> {
    if primary.len() < BASE_BLOCK_LEN {
        return Err(LogError::Primary {
            offset: primary.len() as u64,
            what: format!(
                "file is {} bytes, shorter than the 4096-byte base block",
                primary.len()
            ),
        });
    }
    let bb = BaseBlock::parse(primary).ok_or_else(|| LogError::Primary {
        offset: 0,
        what: "signature is not \"regf\"".into(),
    })?;
    if bb.file_type != FILE_TYPE_PRIMARY {
        return Err(LogError::Primary {
            offset: 28,
            what: format!("file type {} is not a primary hive (0)", bb.file_type),
        });
    }
    Ok(bb)
}

/// Assess a primary hive (its bytes) together with the contents of its `.LOG1` / `.LOG2` files.
///
/// `Dirty` when the primary's checksum is wrong, its sequence numbers differ, or (although Windows
/// would ignore it for a clean primary) a valid log holds data newer than the primary: new-format
/// entries with a sequence number at or above the primary's secondary sequence number, or an
/// old-format log whose sequence number is above it. Editing such a hive could lose changes.
pub fn assess(
    primary: &[u8],
    log1: Option<&[u8]>,
    log2: Option<&[u8]>,
) -> Result<LogState, LogError> {
    let bb = primary_base_block(primary)?;
    if !bb.checksum_ok {
        return Ok(LogState::Dirty {
            reason: "the primary base block has a wrong checksum".into(),
        });
    }
    if bb.primary_seq != bb.secondary_seq {
        return Ok(LogState::Dirty {
            reason: format!(
                "the primary's sequence numbers differ ({} vs {}): a write was not finished",
                bb.primary_seq, bb.secondary_seq
            ),
        });
    }
    for (i, log) in [log1, log2].into_iter().enumerate() {
        let Some(log) = log else { continue };
        match read_log_for(primary, log) {
            LogContent::Empty | LogContent::Invalid(_) => {}
            LogContent::Old(lb) => {
                if lb.primary_seq > bb.secondary_seq {
                    return Ok(LogState::Dirty {
                        reason: format!(
                            "{} (old format) has sequence {} beyond the primary's {}: it may hold unwritten changes",
                            log_name(i),
                            lb.primary_seq,
                            bb.secondary_seq
                        ),
                    });
                }
            }
            LogContent::New(_, entries) => {
                let newer: Vec<u32> = entries
                    .iter()
                    .map(|e| e.seq)
                    .filter(|s| *s >= bb.secondary_seq)
                    .collect();
                if let Some(max) = newer.iter().max() {
                    return Ok(LogState::Dirty {
                        reason: format!(
                            "{} holds {} unreconciled entries up to sequence {} (primary is at {})",
                            log_name(i),
                            newer.len(),
                            max,
                            bb.secondary_seq
                        ),
                    });
                }
            }
        }
    }
    Ok(LogState::Clean)
}

/// A primary hive brought up to date from its logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The recovered primary file: base block made consistent (both sequence numbers equal the
    /// last applied entry's, as in the kernel's memory before it writes the hive; our next write
    /// bumps them once, after which every applied entry reads as old), checksum recomputed.
    pub bytes: Vec<u8>,
    /// What was applied, for the report (e.g. "LOG1: entries 5..=7").
    pub applied: Vec<String>,
}

/// Replay the logs into a dirty primary the way the Windows kernel does on load.
///
/// Returns `Ok(None)` when the primary is not dirty (nothing to replay; Windows ignores the logs
/// then). A primary base block with a wrong checksum is rebuilt from a log's copy, as the kernel
/// does (see `recover_base_block`). Refuses (`LogError::Unrecoverable`) when no log applies, or
/// when the result does not have a consistent chain of hive bins.
pub fn recover(
    primary: &[u8],
    log1: Option<&[u8]>,
    log2: Option<&[u8]>,
) -> Result<Option<Recovered>, LogError> {
    let bb = primary_base_block(primary)?;
    if bb.is_consistent() {
        return Ok(None);
    }
    let logs: Vec<(usize, &[u8], LogContent)> = [log1, log2]
        .into_iter()
        .enumerate()
        // A primary whose base block is damaged cannot vouch for its name.
        .filter_map(|(i, l)| {
            l.map(|l| {
                let content = match bb.checksum_ok {
                    true => read_log_for(primary, l),
                    false => read_log(l),
                };
                (i, l, content)
            })
        })
        .collect();
    if !bb.checksum_ok {
        return recover_base_block(primary, &logs);
    }
    let mut out = primary.to_vec();
    let applied = if logs
        .iter()
        .any(|(_, _, c)| matches!(c, LogContent::New(..)))
    {
        replay_new(&mut out, bb, &logs)?
    } else {
        replay_old(&mut out, bb, &logs)?
    };
    check_bins(&out)?;
    Ok(Some(Recovered {
        bytes: out,
        applied,
    }))
}

/// Recovery of a primary whose base block has a wrong checksum ("Format of transaction log
/// files", old format note 4, new format note 6; "Multiple transaction log files"): the base
/// block is rebuilt from a log's partial copy (its first 512 bytes, the file type set back to
/// primary, the rest zero), then that log is applied.
///
/// New format: the log with the latest entries alone is used, from the entry its base block
/// names. Old format: a log whose last-written timestamp is not older than the first hive bin's
/// timestamp (which stands in for the primary's when its base block is invalid), the latest if
/// both qualify; Maxim Suhanov's yarp, the reference implementation of his specification, applies
/// the same rule.
fn recover_base_block(
    primary: &[u8],
    logs: &[(usize, &[u8], LogContent)],
) -> Result<Option<Recovered>, LogError> {
    let newest_new = logs
        .iter()
        .filter(|(_, _, c)| matches!(c, LogContent::New(_, e) if !e.is_empty()))
        .max_by_key(|(_, _, c)| match c {
            LogContent::New(lb, _) => lb.primary_seq,
            _ => 0,
        });
    let hbin_time = le_u64(primary, BASE_BLOCK_LEN + 20).unwrap_or(0);
    let newest_old = logs
        .iter()
        .filter(|(_, _, c)| matches!(c, LogContent::Old(lb) if lb.timestamp >= hbin_time))
        .max_by_key(|(_, _, c)| match c {
            LogContent::Old(lb) => lb.timestamp,
            _ => 0,
        });
    let Some(&(i, log, ref content)) = newest_new.or(newest_old) else {
        return Err(LogError::Unrecoverable {
            reason: "the primary base block has a wrong checksum and no valid log holds a copy \
                     of it that applies"
                .into(),
        });
    };
    let mut out = primary.to_vec();
    out[..BASE_BLOCK_LEN].fill(0);
    out[..LOG_SECTOR_LEN].copy_from_slice(&log[..LOG_SECTOR_LEN]);
    out[28..32].copy_from_slice(&FILE_TYPE_PRIMARY.to_le_bytes());
    // The rebuilt base block is dirty (its copy's sequence numbers are the log's): make its
    // secondary number lower than the first entry to apply, as the kernel's in-memory state is.
    let mut bb = BaseBlock::parse(&out).ok_or_else(|| LogError::Unrecoverable {
        reason: "the log's base block copy does not parse".into(),
    })?;
    bb.checksum_ok = true;
    let one = [(i, log, content.clone())];
    let mut applied = match content {
        LogContent::New(lb, _) => {
            bb.secondary_seq = lb.primary_seq;
            replay_new(&mut out, bb, &one)?
        }
        _ => replay_old(&mut out, bb, &one)?,
    };
    check_bins(&out)?;
    applied.insert(
        0,
        format!(
            "base block rebuilt from {}'s copy (the primary's checksum was wrong)",
            log_name(i)
        ),
    );
    Ok(Some(Recovered {
        bytes: out,
        applied,
    }))
}

/// Write `page` at hive-bins offset `hbin_offset` of `out`, growing it with zeros if needed.
fn write_page(out: &mut Vec<u8>, hbin_offset: u32, page: &[u8]) -> Result<(), LogError> {
    let start = BASE_BLOCK_LEN + hbin_offset as usize;
    let end = start + page.len();
    if end > out.len() {
        out.resize(end, 0);
    }
    out.get_mut(start..end)
        .ok_or_else(|| LogError::Unrecoverable {
            reason: "page outside the hive".into(),
        })?
        .copy_from_slice(page);
    Ok(())
}

/// Make the primary base block consistent after a replay: sequence numbers, size, flags, checksum.
fn finish_base_block(out: &mut Vec<u8>, seq: u32, hive_bins_size: u32, ktm_flag: Option<u32>) {
    let total = BASE_BLOCK_LEN + hive_bins_size as usize;
    if out.len() < total {
        out.resize(total, 0);
    }
    out[4..8].copy_from_slice(&seq.to_le_bytes());
    out[8..12].copy_from_slice(&seq.to_le_bytes());
    out[40..44].copy_from_slice(&hive_bins_size.to_le_bytes());
    if let Some(bit) = ktm_flag {
        let flags = (le_u32(out, 144).unwrap_or(0) & !1) | (bit & 1);
        out[144..148].copy_from_slice(&flags.to_le_bytes());
    }
    let sum = base_block_checksum(out).unwrap_or(1);
    out[508..512].copy_from_slice(&sum.to_le_bytes());
}

/// New-format replay: entries from both logs, earlier log first, consecutive sequence numbers.
fn replay_new(
    out: &mut Vec<u8>,
    bb: BaseBlock,
    logs: &[(usize, &[u8], LogContent)],
) -> Result<Vec<String>, LogError> {
    let mut candidates: Vec<(usize, &[u8], &BaseBlock, &Vec<LogEntry>)> = logs
        .iter()
        .filter_map(|(i, bytes, c)| match c {
            LogContent::New(lb, entries) if !entries.is_empty() => Some((*i, *bytes, lb, entries)),
            _ => None,
        })
        .collect();
    candidates.sort_by_key(|(_, _, lb, _)| lb.primary_seq);
    let mut expected: Option<u32> = None;
    let mut applied = Vec::new();
    let mut last_seq = None;
    for (i, bytes, lb, entries) in candidates {
        // The first log entry to apply must carry the log base block's sequence number, which in
        // turn must not be below the primary's secondary sequence number.
        let start = match expected {
            None if lb.primary_seq >= bb.secondary_seq => lb.primary_seq,
            None => continue,
            Some(n) => n,
        };
        let Some(first) = entries.iter().position(|e| e.seq == start) else {
            continue;
        };
        let mut from = None;
        let mut n = start;
        for e in entries.iter().skip(first) {
            if e.seq != n {
                break;
            }
            // A hive can only grow by bins whose pages are in the log: bound the allocation.
            if e.hive_bins_size as usize > out.len().saturating_add(bytes.len()) {
                return Err(LogError::Malformed {
                    offset: 16,
                    what: format!(
                        "entry {} grows the hive to {:#x} bytes, more than the log holds",
                        e.seq, e.hive_bins_size
                    ),
                });
            }
            for p in &e.pages {
                let page = bytes
                    .get(p.log_offset..p.log_offset + p.len)
                    .ok_or_else(|| LogError::Malformed {
                        offset: p.log_offset as u64,
                        what: "dirty page past end of log".into(),
                    })?;
                write_page(out, p.hbin_offset, page)?;
            }
            finish_base_block(out, e.seq, e.hive_bins_size, Some(e.flags));
            from.get_or_insert(e.seq);
            last_seq = Some(e.seq);
            n = n.wrapping_add(1);
        }
        if let (Some(a), Some(b)) = (from, last_seq) {
            applied.push(format!("{}: entries {a}..={b}", log_name(i)));
            expected = Some(b.wrapping_add(1));
        }
    }
    if applied.is_empty() {
        return Err(LogError::Unrecoverable {
            reason: format!(
                "no log holds an entry sequence starting at or after the primary's secondary sequence number {}",
                bb.secondary_seq
            ),
        });
    }
    Ok(applied)
}

/// Old-format replay: one log whose timestamp matches the primary; its dirty pages.
fn replay_old(
    out: &mut Vec<u8>,
    bb: BaseBlock,
    logs: &[(usize, &[u8], LogContent)],
) -> Result<Vec<String>, LogError> {
    let mut chosen: Option<(usize, &[u8], &BaseBlock)> = None;
    for (i, bytes, c) in logs {
        if let LogContent::Old(lb) = c {
            if lb.timestamp == bb.timestamp
                && chosen.is_none_or(|(_, _, b)| lb.primary_seq > b.primary_seq)
            {
                chosen = Some((*i, *bytes, lb));
            }
        }
    }
    let Some((i, log, lb)) = chosen else {
        let why: Vec<String> = logs
            .iter()
            .map(|(i, _, c)| match c {
                LogContent::Empty => format!("{} is empty", log_name(*i)),
                LogContent::Invalid(w) => format!("{}: {w}", log_name(*i)),
                LogContent::Old(_) => {
                    format!("{}: timestamp does not match the primary", log_name(*i))
                }
                LogContent::New(..) => format!("{}: new format without entries", log_name(*i)),
            })
            .collect();
        return Err(LogError::Unrecoverable {
            reason: if why.is_empty() {
                "no transaction log beside the hive".into()
            } else {
                why.join("; ")
            },
        });
    };
    let size = lb.hive_bins_size;
    if size == 0
        || size % HBIN_ALIGN != 0
        || size > MAX_HIVE_BINS_SIZE
        || size as usize > out.len().saturating_add(log.len())
    {
        return Err(LogError::Malformed {
            offset: 40,
            what: format!("hive bins data size {size:#x}"),
        });
    }
    let vec_at = LOG_SECTOR_LEN;
    if log.get(vec_at..vec_at + 4) != Some(b"DIRT".as_slice()) {
        return Err(LogError::Malformed {
            offset: vec_at as u64,
            what: "dirty vector signature is not \"DIRT\"".into(),
        });
    }
    let bits = (size as usize) / LOG_SECTOR_LEN;
    let bitmap_len = bits.div_ceil(8);
    let bitmap = log
        .get(vec_at + 4..vec_at + 4 + bitmap_len)
        .ok_or_else(|| LogError::Malformed {
            offset: log.len() as u64,
            what: format!("dirty vector shorter than {bitmap_len} bytes"),
        })?;
    let vec_end = vec_at + 4 + bitmap_len;
    let mut page_at = vec_end.div_ceil(LOG_SECTOR_LEN) * LOG_SECTOR_LEN;
    let mut count = 0usize;
    for bit in 0..bits {
        if bitmap[bit / 8] & (1 << (bit % 8)) == 0 {
            continue;
        }
        let page =
            log.get(page_at..page_at + LOG_SECTOR_LEN)
                .ok_or_else(|| LogError::Malformed {
                    offset: page_at as u64,
                    what: format!("dirty page {count} missing (log ends at {:#x})", log.len()),
                })?;
        write_page(out, (bit * LOG_SECTOR_LEN) as u32, page)?;
        page_at += LOG_SECTOR_LEN;
        count += 1;
    }
    finish_base_block(out, lb.primary_seq, size, None);
    Ok(vec![format!(
        "{}: {count} dirty pages (old format, sequence {})",
        log_name(i),
        lb.primary_seq
    )])
}

/// After a replay, the hive bins must chain from offset 0 to the hive bins data size.
fn check_bins(out: &[u8]) -> Result<(), LogError> {
    let size = le_u32(out, 40).unwrap_or(0) as usize;
    let mut at = 0usize;
    while at < size {
        let file_at = BASE_BLOCK_LEN + at;
        let bad = |what: String| LogError::Unrecoverable {
            reason: format!("after replay, at offset {file_at:#x}: {what}"),
        };
        if out.get(file_at..file_at + 4) != Some(b"hbin".as_slice()) {
            return Err(bad("no hive bin signature".into()));
        }
        let off = le_u32(out, file_at + 4).unwrap_or(u32::MAX) as usize;
        let len = le_u32(out, file_at + 8).unwrap_or(0) as usize;
        if off != at
            || len < HBIN_ALIGN as usize
            || !len.is_multiple_of(HBIN_ALIGN as usize)
            || at + len > size
        {
            return Err(bad(format!(
                "hive bin offset {off:#x} / size {len:#x} inconsistent"
            )));
        }
        at += len;
    }
    Ok(())
}

/// Suffixes of the transaction logs beside a hive, `.LOG1` then `.LOG2`.
pub const LOG_SUFFIXES: [&str; 2] = [".LOG1", ".LOG2"];

/// The transaction log files beside `primary` (`<name>.LOG1`, `<name>.LOG2`), as `[log1,
/// log2]`, found as Windows would open them (`platform::find_entry`: the exact name, else a
/// case-insensitive match, since a mounted NTFS image is case-sensitive on Linux but Windows is
/// not). A directory that cannot be listed is an I/O error.
pub fn find_logs(primary: &std::path::Path) -> std::io::Result<[Option<std::path::PathBuf>; 2]> {
    let mut found = [None, None];
    let Some(name) = primary.file_name().and_then(|n| n.to_str()) else {
        return Ok(found);
    };
    let dir = platform::dir_of(primary);
    for (slot, suffix) in found.iter_mut().zip(LOG_SUFFIXES) {
        *slot = platform::find_entry(dir, &format!("{name}{suffix}"))?;
    }
    Ok(found)
}

/// What to do with a `.LOG1`/`.LOG2` file after its primary was rewritten by us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    /// Leave the log as it is (it is already empty).
    Keep,
    /// Replace the log by a zero-length file (in the same atomic way as the primary).
    Truncate,
    /// Do not write the new primary: it is not a clean hive, so Windows would run recovery over
    /// it. This means a bug in the writer.
    RefuseWrite,
}

impl LogAction {
    /// A one-line explanation for reports.
    pub fn reason(self) -> &'static str {
        match self {
            LogAction::Keep => "log is empty; nothing Windows could replay",
            LogAction::Truncate => {
                "log emptied: the rewritten primary is complete and clean, and stale entries must never be replayed over it"
            }
            LogAction::RefuseWrite => "new primary is not clean (checksum or sequence numbers); Windows would try to recover it",
        }
    }
}

/// Decide what to do with one log file beside a hive we just rewrote (`new_primary` is the image
/// we are about to write). See docs/hive-logs.md: a clean primary makes Windows ignore the logs on
/// load, but a later crash could splice stale entries that still verify onto new ones, so any
/// non-empty log is truncated to zero length; an empty log stays.
pub fn log_action_after_write(new_primary: &[u8], log: &[u8]) -> LogAction {
    match primary_base_block(new_primary) {
        Ok(bb) if bb.is_consistent() => {}
        _ => return LogAction::RefuseWrite,
    }
    if log.is_empty() {
        LogAction::Keep
    } else {
        LogAction::Truncate
    }
}

#[cfg(test)]
mod tests;
