//! The wall-clock texts the request path prints (the `Date` header, `aws:CurrentTime`,
//! `$context.requestTime`), and IP addresses as text.
//!
//! Every request needs the time in three formats, but they change once a second: each worker
//! thread formats them when the second changes and hands out a shared copy, so a request pays for
//! a clock read and a reference count, not for formatting.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The texts of one second.
#[derive(Debug)]
pub struct SecondTexts {
    /// Seconds since the epoch.
    pub epoch_secs: u64,
    /// `aws:EpochTime`: the same, as text.
    pub epoch_text: String,
    /// `aws:CurrentTime`: `2026-11-25T10:00:00Z`.
    pub iso8601: String,
    /// `$context.requestTime`: `25/Nov/2026:10:00:00 +0000`.
    pub request_time: String,
    /// The `Date` header: `Wed, 25 Nov 2026 10:00:00 GMT`.
    pub http_date: String,
}

/// The current time: milliseconds and the texts of its second.
#[derive(Debug, Clone)]
pub struct Now {
    /// Milliseconds since the epoch (`$context.requestTimeEpoch`).
    pub epoch_ms: u64,
    /// The formatted second.
    pub texts: Arc<SecondTexts>,
}

/// Reads the clock.
pub fn now() -> Now {
    thread_local! {
        static CACHE: RefCell<Option<Arc<SecondTexts>>> = const { RefCell::new(None) };
    }
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let second = since_epoch.as_secs();
    let texts = CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        match &*cache {
            Some(texts) if texts.epoch_secs == second => texts.clone(),
            _ => {
                let texts = Arc::new(format_second(second));
                *cache = Some(texts.clone());
                texts
            }
        }
    });
    Now {
        epoch_ms: since_epoch.as_millis() as u64,
        texts,
    }
}

fn format_second(second: u64) -> SecondTexts {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = time::OffsetDateTime::from_unix_timestamp(second as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let month = u8::from(t.month());
    SecondTexts {
        epoch_secs: second,
        epoch_text: second.to_string(),
        iso8601: crate::aws::timestamps::iso8601_seconds(t),
        request_time: format!(
            "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
            t.day(),
            MONTHS[usize::from(month).saturating_sub(1) % 12],
            t.year(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        http_date: httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(second)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_texts_of_a_second() {
        let t = format_second(1_795_600_800);
        assert_eq!(t.iso8601, "2026-11-25T10:00:00Z");
        assert_eq!(t.request_time, "25/Nov/2026:10:00:00 +0000");
        assert_eq!(t.http_date, "Wed, 25 Nov 2026 10:00:00 GMT");
        assert_eq!(t.epoch_text, "1795600800");
    }

    #[test]
    fn the_clock_hands_out_its_second() {
        let now = now();
        assert_eq!(now.texts.epoch_secs, now.epoch_ms / 1000);
        assert_eq!(now.texts.http_date.len(), 29);
    }
}
