//! Windows time stamps (FILETIME: 100 ns ticks since 1601-01-01 UTC), as hives and WIMs store
//! them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds between 1601-01-01 (the FILETIME epoch) and 1970-01-01 (the Unix epoch).
pub const UNIX_EPOCH_SECS: u64 = 11_644_473_600;
/// FILETIME ticks per second.
pub const TICKS_PER_SEC: u64 = 10_000_000;

/// `time` as a FILETIME (saturating: 0 before 1601, `u64::MAX` far in the future).
pub fn from_system_time(time: SystemTime) -> u64 {
    let ticks = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::from(UNIX_EPOCH_SECS) * i128::from(TICKS_PER_SEC) + ticks_of(after),
        Err(before) => {
            i128::from(UNIX_EPOCH_SECS) * i128::from(TICKS_PER_SEC) - ticks_of(before.duration())
        }
    };
    u64::try_from(ticks.max(0)).unwrap_or(u64::MAX)
}

fn ticks_of(d: Duration) -> i128 {
    i128::from(d.as_secs()) * i128::from(TICKS_PER_SEC) + i128::from(d.subsec_nanos() / 100)
}

/// The FILETIME of `secs` seconds and `nanos` nanoseconds after the Unix epoch (negative
/// seconds are before it), saturating at 0 and `u64::MAX`.
pub fn from_unix(secs: i64, nanos: u32) -> u64 {
    let ticks = (i128::from(secs) + i128::from(UNIX_EPOCH_SECS)) * i128::from(TICKS_PER_SEC)
        + i128::from(nanos / 100);
    u64::try_from(ticks.max(0)).unwrap_or(u64::MAX)
}

/// A FILETIME as a `SystemTime`.
pub fn to_system_time(filetime: u64) -> SystemTime {
    let since_1601 = Duration::new(
        filetime / TICKS_PER_SEC,
        ((filetime % TICKS_PER_SEC) * 100) as u32,
    );
    let epoch_offset = Duration::from_secs(UNIX_EPOCH_SECS);
    match since_1601.checked_sub(epoch_offset) {
        Some(after) => UNIX_EPOCH + after,
        None => UNIX_EPOCH - (epoch_offset - since_1601),
    }
}

/// Now, as a FILETIME.
pub fn now() -> u64 {
    from_system_time(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unix_epoch_is_the_documented_tick_count() {
        assert_eq!(from_unix(0, 0), 116_444_736_000_000_000);
        assert_eq!(from_system_time(UNIX_EPOCH), 116_444_736_000_000_000);
        assert_eq!(to_system_time(116_444_736_000_000_000), UNIX_EPOCH);
    }

    #[test]
    fn round_trips_and_saturates() {
        let t = UNIX_EPOCH + Duration::new(1_247_547_220, 123_456_700);
        assert_eq!(to_system_time(from_system_time(t)), t);
        assert_eq!(from_unix(-20_000_000_000, 0), 0);
        assert_eq!(from_unix(i64::MAX, 0), u64::MAX);
        assert_eq!(
            to_system_time(0),
            UNIX_EPOCH - Duration::from_secs(UNIX_EPOCH_SECS)
        );
    }
}
