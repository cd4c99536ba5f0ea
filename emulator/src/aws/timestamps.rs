//! Times as AWS writes them in ISO 8601, UTC with a `Z`: to the second (`2024-05-01T12:00:00Z`:
//! API Gateway's dates, `aws:CurrentTime`) and to the millisecond (`2024-05-01T12:00:00.123Z`:
//! EC2's timestamps). One formatter each, on the `time` crate.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

const SECONDS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

const MILLISECONDS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// `2024-05-01T12:00:00Z`.
pub fn iso8601_seconds(t: OffsetDateTime) -> String {
    format(t, SECONDS)
}

/// `2024-05-01T12:00:00.123Z`.
pub fn iso8601_millis(t: OffsetDateTime) -> String {
    format(t, MILLISECONDS)
}

/// `2024-05-01T12:00:00Z` for seconds since the epoch (the epoch itself when out of range).
pub fn iso8601_from_unix(seconds: i64) -> String {
    iso8601_seconds(
        OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    )
}

fn format(t: OffsetDateTime, description: &[FormatItem<'_>]) -> String {
    // Formatting fails only for years past 9999, which no clock here reaches; the fallback
    // still says what time it was.
    let t = t.to_offset(UtcOffset::UTC);
    t.format(description).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn aws_shapes() {
        let t = datetime!(2024-01-13 23:01:41.25 UTC);
        assert_eq!(iso8601_seconds(t), "2024-01-13T23:01:41Z");
        assert_eq!(iso8601_millis(t), "2024-01-13T23:01:41.250Z");
        assert_eq!(iso8601_from_unix(1_705_186_901), "2024-01-13T23:01:41Z");
        let t = datetime!(2024-01-14 01:01:41 +2);
        assert_eq!(iso8601_seconds(t), "2024-01-13T23:01:41Z");
    }
}
