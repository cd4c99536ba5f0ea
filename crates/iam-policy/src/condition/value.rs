//! Condition values: the text of a policy value compiled into what its operator compares
//! ([`Value`]), and the readers of numbers, dates, booleans, base64 and addresses that both the
//! policy's and the request's values go through.

use std::net::IpAddr;

use base64::Engine;
use ipnet::IpNet;

use super::operator::{Base, Operator};
use crate::error::{PolicyError, PolicyErrorKind};
use crate::matching::Pattern;

/// A compiled policy value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(Pattern),
    Number(f64),
    Date(i128),
    Bool(bool),
    Binary(Vec<u8>),
    Cidr(IpNet),
    /// `Null: "true"` means the key must be absent.
    Absent(bool),
}

/// Epoch seconds, or an ISO 8601 / RFC 3339 date and time, as nanoseconds since the epoch.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let t = text.trim();
    let unsigned = t.strip_prefix('-').unwrap_or(t);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let seconds: f64 = t.parse().ok()?;
        return Some((seconds * 1e9) as i128);
    }
    if let Ok(dt) = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Some(dt.unix_timestamp_nanos());
    }
    if let Ok(dt) =
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Iso8601::DEFAULT)
    {
        return Some(dt.unix_timestamp_nanos());
    }
    // A date without a time: midnight UTC.
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(t, &date_only)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp_nanos())
}

/// A finite decimal number.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// Base64 with or without `=` padding.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .ok()
}

/// An address or CIDR block; host bits of a block are cleared.
fn parse_cidr(text: &str) -> Option<IpNet> {
    let t = text.trim();
    t.parse::<IpNet>()
        .ok()
        .map(|n| n.trunc())
        .or_else(|| t.parse::<IpAddr>().ok().map(IpNet::from))
}

/// `true` or `false`, in any case.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

impl Value {
    /// Compiles one policy value of `operator`; `path` names it, for errors.
    pub(crate) fn compile(
        operator: &Operator,
        text: &str,
        variables: bool,
        path: &str,
    ) -> Result<Value, PolicyError> {
        let text_pattern = |text: &str, wildcards: bool| {
            Pattern::compile_at(text, wildcards, variables, path).map(Value::Text)
        };
        let (value, expected) = match operator.base {
            Base::StringEquals => return text_pattern(text, false),
            Base::StringEqualsIgnoreCase => return text_pattern(&text.to_lowercase(), false),
            Base::StringLike | Base::ArnLike => return text_pattern(text, true),
            Base::Numeric(_) => (
                parse_number(text)
                    .filter(|n| n.is_finite())
                    .map(Value::Number),
                "a number",
            ),
            Base::Date(_) => (
                parse_date(text).map(Value::Date),
                "an ISO 8601 date (2026-01-01T00:00:00Z) or epoch seconds",
            ),
            Base::Bool => (parse_bool(text).map(Value::Bool), "\"true\" or \"false\""),
            Base::Null => (parse_bool(text).map(Value::Absent), "\"true\" or \"false\""),
            Base::BinaryEquals => (
                decode_base64(text).map(Value::Binary),
                "base64-encoded bytes",
            ),
            Base::IpAddress => (
                parse_cidr(text).map(Value::Cidr),
                "an IPv4 or IPv6 address or CIDR such as \"10.0.0.0/16\"",
            ),
        };
        value.ok_or_else(|| {
            PolicyError::new(
                path,
                PolicyErrorKind::InvalidConditionValue {
                    operator: operator.name.clone(),
                    value: text.to_string(),
                    expected,
                },
            )
        })
    }
}
