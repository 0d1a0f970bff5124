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

/// Parses an RFC 3339 date and time (`2027-01-01T00:00:00Z`, or with an offset such as
/// `+02:00`) into unix seconds.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|e| {
            format!(
                "{text:?} is not an RFC 3339 date and time (e.g. 2027-01-01T00:00:00Z or \
                 2027-01-01T02:00:00+02:00): {e}"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_z_or_offset() {
        assert_eq!(parse_rfc3339("2027-01-01T00:00:00Z"), Ok(1_798_761_600));
        assert_eq!(
            parse_rfc3339("2027-01-01T02:00:00+02:00"),
            Ok(1_798_761_600)
        );
        assert_eq!(
            parse_rfc3339("2027-01-01T00:00:00+00:00"),
            Ok(1_798_761_600)
        );
        assert!(parse_rfc3339("2027-01-01").is_err());
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
