//! Formatting of certificate dates for the report.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `unix` seconds as RFC 3339 (`2031-01-01T00:00:00Z`), `None` when out of range.
pub fn rfc3339(unix: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// The current time in unix seconds.
pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}
