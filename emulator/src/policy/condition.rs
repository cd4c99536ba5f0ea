//! Condition operators: parsing `"StringNotEqualsIfExists"` and friends, compiling their values,
//! and deciding one condition for one request.
//!
//! Logic (IAM User Guide, condition logic with multiple keys or values): the values of one key
//! are ORed (for a negated operator, NORed: the request value must match none of them); keys and
//! operators are ANDed by the caller. A missing key makes a positive operator false and a
//! negated one true, except `...IfExists` (true when missing) and `Null`. `ForAnyValue` and
//! `ForAllValues` apply the operator to each value of a multivalued key; with the key missing or
//! empty, `ForAnyValue` is false and `ForAllValues` true.

use std::net::IpAddr;

use base64::Engine;
use ipnet::IpNet;
use serde::Serialize;

use super::context::ConditionContext;
use super::error::{json_type, PolicyError, PolicyErrorKind};
use super::matching::{arn_matches, Pattern};

/// The operator family, without negation, `IfExists` or set qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

/// `ForAnyValue:` / `ForAllValues:` or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Qualifier {
    Single,
    ForAnyValue,
    ForAllValues,
}

/// A parsed operator name.
#[derive(Debug, Clone)]
pub(crate) struct Operator {
    pub(crate) name: String,
    base: Base,
    negated: bool,
    if_exists: bool,
    qualifier: Qualifier,
}

impl Operator {
    pub(crate) fn parse(name: &str) -> Result<Operator, PolicyErrorKind> {
        let (qualifier, rest) = match name.split_once(':') {
            Some(("ForAnyValue", rest)) => (Qualifier::ForAnyValue, rest),
            Some(("ForAllValues", rest)) => (Qualifier::ForAllValues, rest),
            Some((other, _)) => return Err(PolicyErrorKind::UnknownQualifier(other.to_string())),
            None => (Qualifier::Single, name),
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let (base, negated) = match rest {
            "StringEquals" => (Base::StringEquals, false),
            "StringNotEquals" => (Base::StringEquals, true),
            "StringEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, true),
            "StringLike" => (Base::StringLike, false),
            "StringNotLike" => (Base::StringLike, true),
            "NumericEquals" => (Base::NumericEquals, false),
            "NumericNotEquals" => (Base::NumericEquals, true),
            "NumericLessThan" => (Base::NumericLessThan, false),
            "NumericLessThanEquals" => (Base::NumericLessThanEquals, false),
            "NumericGreaterThan" => (Base::NumericGreaterThan, false),
            "NumericGreaterThanEquals" => (Base::NumericGreaterThanEquals, false),
            "DateEquals" => (Base::DateEquals, false),
            "DateNotEquals" => (Base::DateEquals, true),
            "DateLessThan" => (Base::DateLessThan, false),
            "DateLessThanEquals" => (Base::DateLessThanEquals, false),
            "DateGreaterThan" => (Base::DateGreaterThan, false),
            "DateGreaterThanEquals" => (Base::DateGreaterThanEquals, false),
            "Bool" => (Base::Bool, false),
            "BinaryEquals" => (Base::BinaryEquals, false),
            "IpAddress" => (Base::IpAddress, false),
            "NotIpAddress" => (Base::IpAddress, true),
            // ArnEquals and ArnLike behave the same: both take wildcards, per ARN component.
            "ArnEquals" | "ArnLike" => (Base::ArnLike, false),
            "ArnNotEquals" | "ArnNotLike" => (Base::ArnLike, true),
            "Null" if !if_exists && qualifier == Qualifier::Single => (Base::Null, false),
            _ => return Err(PolicyErrorKind::UnknownOperator(name.to_string())),
        };
        Ok(Operator {
            name: name.to_string(),
            base,
            negated,
            if_exists,
            qualifier,
        })
    }
}

/// A compiled policy value.
#[derive(Debug, Clone)]
enum Value {
    Text(Pattern),
    Number(f64),
    Date(i128),
    Bool(bool),
    Binary(Vec<u8>),
    Cidr(IpNet),
    /// `Null: "true"` means the key must be absent.
    Absent(bool),
}

/// One operator applied to one key with its values.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub(crate) operator: Operator,
    /// As written in the policy, for traces.
    pub(crate) key: String,
    key_lower: String,
    values: Vec<Value>,
    value_texts: Vec<String>,
}

/// What a condition saw and decided, for traces.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionTrace {
    /// The operator as written.
    pub operator: String,
    /// The key as written.
    pub key: String,
    /// The request's values, or `null` when the key is absent.
    pub request_values: Option<Vec<String>>,
    /// The policy's values.
    pub policy_values: Vec<String>,
    /// Whether the condition held.
    pub result: bool,
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

/// Base64 with or without `=` padding.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .ok()
}

fn parse_cidr(text: &str) -> Option<IpNet> {
    let t = text.trim();
    t.parse::<IpNet>()
        .ok()
        .map(|n| n.trunc())
        .or_else(|| t.parse::<IpAddr>().ok().map(IpNet::from))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

impl Condition {
    /// Compiles `"key": value-or-values` under `operator`. `path` names the key, for errors.
    pub(crate) fn compile(
        operator: Operator,
        key: &str,
        raw: &serde_json::Value,
        variables: bool,
        path: &str,
    ) -> Result<Condition, PolicyError> {
        let items: Vec<(String, &serde_json::Value)> = match raw {
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect(),
            other => vec![(path.to_string(), other)],
        };
        let mut values = Vec::with_capacity(items.len());
        let mut value_texts = Vec::with_capacity(items.len());
        for (vpath, v) in items {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => {
                    return Err(PolicyError::new(
                        vpath,
                        PolicyErrorKind::WrongType {
                            expected: "a string, a number, a boolean or an array of them",
                            found: json_type(other),
                        },
                    ))
                }
            };
            let invalid = |expected: &'static str| {
                PolicyError::new(
                    vpath.clone(),
                    PolicyErrorKind::InvalidConditionValue {
                        operator: operator.name.clone(),
                        value: text.clone(),
                        expected,
                    },
                )
            };
            let variable_error = |e: super::matching::VariableSyntaxError| {
                PolicyError::new(vpath.clone(), PolicyErrorKind::InvalidVariable(e.0))
            };
            let value = match operator.base {
                Base::StringEquals => {
                    Value::Text(Pattern::compile(&text, false, variables).map_err(variable_error)?)
                }
                Base::StringEqualsIgnoreCase => Value::Text(
                    Pattern::compile(&text.to_lowercase(), false, variables)
                        .map_err(variable_error)?,
                ),
                Base::StringLike | Base::ArnLike => {
                    Value::Text(Pattern::compile(&text, true, variables).map_err(variable_error)?)
                }
                Base::NumericEquals
                | Base::NumericLessThan
                | Base::NumericLessThanEquals
                | Base::NumericGreaterThan
                | Base::NumericGreaterThanEquals => Value::Number(
                    text.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .ok_or_else(|| invalid("a number"))?,
                ),
                Base::DateEquals
                | Base::DateLessThan
                | Base::DateLessThanEquals
                | Base::DateGreaterThan
                | Base::DateGreaterThanEquals => {
                    Value::Date(parse_date(&text).ok_or_else(|| {
                        invalid("an ISO 8601 date (2026-01-01T00:00:00Z) or epoch seconds")
                    })?)
                }
                Base::Bool => {
                    Value::Bool(parse_bool(&text).ok_or_else(|| invalid("\"true\" or \"false\""))?)
                }
                Base::Null => Value::Absent(
                    parse_bool(&text).ok_or_else(|| invalid("\"true\" or \"false\""))?,
                ),
                Base::BinaryEquals => Value::Binary(
                    decode_base64(&text).ok_or_else(|| invalid("base64-encoded bytes"))?,
                ),
                Base::IpAddress => Value::Cidr(parse_cidr(&text).ok_or_else(|| {
                    invalid("an IPv4 or IPv6 address or CIDR such as \"10.0.0.0/16\"")
                })?),
            };
            values.push(value);
            value_texts.push(text);
        }
        Ok(Condition {
            operator,
            key: key.to_string(),
            key_lower: key.to_ascii_lowercase(),
            values,
            value_texts,
        })
    }

    /// Whether the request value matches any policy value (in the operator's positive sense);
    /// `None` when the request value cannot be compared (not a number, date or address).
    fn value_matches(&self, request: &str, context: &ConditionContext) -> Option<bool> {
        let base = self.operator.base;
        match base {
            Base::StringEquals | Base::StringLike => Some(
                self.values
                    .iter()
                    .any(|v| matches!(v, Value::Text(p) if p.matches(request, context, false))),
            ),
            Base::StringEqualsIgnoreCase => Some(
                self.values
                    .iter()
                    .any(|v| matches!(v, Value::Text(p) if p.matches(request, context, true))),
            ),
            Base::ArnLike => Some(
                self.values
                    .iter()
                    .any(|v| matches!(v, Value::Text(p) if arn_matches(p, request, context))),
            ),
            Base::NumericEquals
            | Base::NumericLessThan
            | Base::NumericLessThanEquals
            | Base::NumericGreaterThan
            | Base::NumericGreaterThanEquals => {
                let r: f64 = request.trim().parse().ok()?;
                Some(self.values.iter().any(|v| match v {
                    Value::Number(p) => match base {
                        Base::NumericEquals => r == *p,
                        Base::NumericLessThan => r < *p,
                        Base::NumericLessThanEquals => r <= *p,
                        Base::NumericGreaterThan => r > *p,
                        _ => r >= *p,
                    },
                    _ => false,
                }))
            }
            Base::DateEquals
            | Base::DateLessThan
            | Base::DateLessThanEquals
            | Base::DateGreaterThan
            | Base::DateGreaterThanEquals => {
                let r = parse_date(request)?;
                Some(self.values.iter().any(|v| match v {
                    Value::Date(p) => match base {
                        Base::DateEquals => r == *p,
                        Base::DateLessThan => r < *p,
                        Base::DateLessThanEquals => r <= *p,
                        Base::DateGreaterThan => r > *p,
                        _ => r >= *p,
                    },
                    _ => false,
                }))
            }
            Base::Bool => {
                let r = parse_bool(request)?;
                Some(
                    self.values
                        .iter()
                        .any(|v| matches!(v, Value::Bool(p) if *p == r)),
                )
            }
            Base::BinaryEquals => {
                let r = decode_base64(request)?;
                Some(
                    self.values
                        .iter()
                        .any(|v| matches!(v, Value::Binary(p) if *p == r)),
                )
            }
            Base::IpAddress => {
                let r: IpAddr = request.trim().parse().ok()?;
                Some(
                    self.values
                        .iter()
                        .any(|v| matches!(v, Value::Cidr(net) if net.contains(&r))),
                )
            }
            Base::Null => None,
        }
    }

    /// Decides the condition for a request.
    pub(crate) fn holds(&self, context: &ConditionContext) -> bool {
        let request = context.get_lower(&self.key_lower);
        // A policy variable the request cannot fill makes the condition fail, negated or not;
        // only a missing key under `...IfExists` is settled before values are looked at.
        let unfillable = self
            .values
            .iter()
            .any(|v| matches!(v, Value::Text(p) if !p.resolvable(context)));
        if unfillable && !(request.is_none() && self.operator.if_exists) {
            return false;
        }
        if self.operator.base == Base::Null {
            let absent = request.is_none();
            return self
                .values
                .iter()
                .any(|v| matches!(v, Value::Absent(want) if *want == absent));
        }
        let negated = self.operator.negated;
        // For one request value: does it satisfy the operator (negation included)?
        let satisfies = |r: &String| match self.value_matches(r, context) {
            Some(m) => m != negated,
            None => false,
        };
        match self.operator.qualifier {
            Qualifier::Single => match request {
                None => self.operator.if_exists || negated,
                Some([]) => self.operator.if_exists || negated,
                Some(values) if negated => values.iter().all(satisfies),
                Some(values) => values.iter().any(satisfies),
            },
            Qualifier::ForAnyValue => match request {
                None => self.operator.if_exists,
                Some(values) => values.iter().any(satisfies),
            },
            Qualifier::ForAllValues => match request {
                None => true,
                Some(values) => values.iter().all(satisfies),
            },
        }
    }

    /// The decision with what it was based on.
    pub(crate) fn trace(&self, context: &ConditionContext) -> ConditionTrace {
        ConditionTrace {
            operator: self.operator.name.clone(),
            key: self.key.clone(),
            request_values: context.get_lower(&self.key_lower).map(<[String]>::to_vec),
            policy_values: self.value_texts.clone(),
            result: self.holds(context),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: serde_json::Value) -> Condition {
        Condition::compile(Operator::parse(op).unwrap(), key, &values, true, "k").unwrap()
    }

    fn ctx(pairs: &[(&str, &[&str])]) -> ConditionContext {
        let mut c = ConditionContext::new();
        for (k, v) in pairs {
            c.insert_multi(k, v.iter().map(|s| s.to_string()).collect());
        }
        c
    }

    #[test]
    fn negated_operators_nor_their_values_and_hold_for_missing_keys() {
        let c = cond(
            "StringNotEquals",
            "aws:SourceVpce",
            serde_json::json!(["vpce-a", "vpce-b"]),
        );
        assert!(!c.holds(&ctx(&[("aws:sourcevpce", &["vpce-a"])])));
        assert!(!c.holds(&ctx(&[("AWS:SOURCEVPCE", &["vpce-b"])])));
        assert!(c.holds(&ctx(&[("aws:SourceVpce", &["vpce-c"])])));
        assert!(
            c.holds(&ConditionContext::new()),
            "missing key: negated operators hold"
        );
        let p = cond(
            "StringEquals",
            "aws:SourceVpce",
            serde_json::json!("vpce-a"),
        );
        assert!(
            !p.holds(&ConditionContext::new()),
            "missing key: positive operators fail"
        );
        let e = cond(
            "StringEqualsIfExists",
            "aws:SourceVpce",
            serde_json::json!("vpce-a"),
        );
        assert!(e.holds(&ConditionContext::new()));
        assert!(!e.holds(&ctx(&[("aws:SourceVpce", &["vpce-b"])])));
    }

    #[test]
    fn set_operators_follow_the_documented_table() {
        let any = cond(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            serde_json::json!(["a", "b"]),
        );
        assert!(any.holds(&ctx(&[("aws:TagKeys", &["x", "b"])])));
        assert!(!any.holds(&ctx(&[("aws:TagKeys", &["x"])])));
        assert!(!any.holds(&ConditionContext::new()));
        assert!(!any.holds(&ctx(&[("aws:TagKeys", &[])])));
        let all = cond(
            "ForAllValues:StringLike",
            "aws:TagKeys",
            serde_json::json!(["key1*"]),
        );
        assert!(all.holds(&ctx(&[("aws:TagKeys", &["key1a", "key1b"])])));
        assert!(!all.holds(&ctx(&[("aws:TagKeys", &["key1a", "key2"])])));
        assert!(all.holds(&ConditionContext::new()));
        assert!(all.holds(&ctx(&[("aws:TagKeys", &[])])));
        let not_all = cond(
            "ForAllValues:StringNotLike",
            "aws:TagKeys",
            serde_json::json!(["key1*"]),
        );
        assert!(not_all.holds(&ctx(&[("aws:TagKeys", &["key2:audit"])])));
        assert!(not_all.holds(&ConditionContext::new()));
        assert!(!not_all.holds(&ctx(&[("aws:TagKeys", &["key1:hr", "key1:personnel"])])));
        assert!(!not_all.holds(&ctx(&[("aws:TagKeys", &["key1:hr", "key2:audit"])])));
    }

    #[test]
    fn numbers_dates_addresses_and_booleans_compare_by_value() {
        assert!(
            cond("NumericLessThan", "k", serde_json::json!(3600)).holds(&ctx(&[("k", &["900"])]))
        );
        assert!(
            !cond("NumericLessThan", "k", serde_json::json!("900")).holds(&ctx(&[("k", &["900"])]))
        );
        assert!(cond("NumericLessThanEquals", "k", serde_json::json!("900"))
            .holds(&ctx(&[("k", &["900.0"])])));
        assert!(
            !cond("NumericNotEquals", "k", serde_json::json!(5)).holds(&ctx(&[("k", &["abc"])])),
            "incomparable"
        );
        let before = cond(
            "DateLessThan",
            "aws:CurrentTime",
            serde_json::json!("2026-01-01T00:00:00Z"),
        );
        assert!(before.holds(&ctx(&[("aws:CurrentTime", &["2025-12-31T23:59:59Z"])])));
        assert!(
            !before.holds(&ctx(&[("aws:CurrentTime", &["2026-01-01T01:00:00+01:00"])])),
            "same instant, not before"
        );
        assert!(cond("DateEquals", "k", serde_json::json!(1767225600))
            .holds(&ctx(&[("k", &["2026-01-01T00:00:00Z"])])));
        let ip = cond(
            "IpAddress",
            "aws:VpcSourceIp",
            serde_json::json!(["10.20.0.0/16", "2001:DB8::/32"]),
        );
        assert!(ip.holds(&ctx(&[("aws:VpcSourceIp", &["10.20.3.4"])])));
        assert!(ip.holds(&ctx(&[("aws:VpcSourceIp", &["2001:db8::1"])])));
        assert!(!ip.holds(&ctx(&[("aws:VpcSourceIp", &["10.21.0.1"])])));
        assert!(cond(
            "NotIpAddress",
            "aws:SourceIp",
            serde_json::json!("10.0.0.1")
        )
        .holds(&ctx(&[("aws:SourceIp", &["10.0.0.2"])])));
        assert!(cond("Bool", "aws:SecureTransport", serde_json::json!(true))
            .holds(&ctx(&[("aws:SecureTransport", &["true"])])));
        assert!(
            !cond("Bool", "aws:SecureTransport", serde_json::json!("true"))
                .holds(&ConditionContext::new())
        );
        assert!(cond("BinaryEquals", "k", serde_json::json!("QmluYXJ5"))
            .holds(&ctx(&[("k", &["QmluYXJ5"])])));
    }

    #[test]
    fn null_checks_presence() {
        let absent = cond("Null", "aws:SourceVpc", serde_json::json!("true"));
        assert!(absent.holds(&ConditionContext::new()));
        assert!(!absent.holds(&ctx(&[("aws:SourceVpc", &["vpc-1"])])));
        assert!(cond("Null", "aws:SourceVpc", serde_json::json!(false))
            .holds(&ctx(&[("aws:SourceVpc", &["vpc-1"])])));
    }

    #[test]
    fn operator_names_are_checked() {
        assert!(matches!(
            Operator::parse("StringEqualz"),
            Err(PolicyErrorKind::UnknownOperator(_))
        ));
        assert!(matches!(
            Operator::parse("ForSomeValues:StringEquals"),
            Err(PolicyErrorKind::UnknownQualifier(_))
        ));
        assert!(matches!(
            Operator::parse("NullIfExists"),
            Err(PolicyErrorKind::UnknownOperator(_))
        ));
        assert!(Operator::parse("ForAllValues:ArnNotLikeIfExists").is_ok());
        assert!(
            Operator::parse("stringequals").is_err(),
            "operator names are case-sensitive"
        );
    }

    #[test]
    fn bad_values_name_their_path() {
        let err = Condition::compile(
            Operator::parse("IpAddress").unwrap(),
            "aws:SourceIp",
            &serde_json::json!(["10.0.0.0/8", "10.0.0.0/33"]),
            true,
            "Statement[0].Condition.IpAddress.aws:SourceIp",
        )
        .unwrap_err();
        assert_eq!(err.path, "Statement[0].Condition.IpAddress.aws:SourceIp[1]");
        let err = Condition::compile(
            Operator::parse("StringEquals").unwrap(),
            "k",
            &serde_json::json!({"a": 1}),
            true,
            "p",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "p: expected a string, a number, a boolean or an array of them, found an object"
        );
        assert!(Condition::compile(
            Operator::parse("DateLessThan").unwrap(),
            "k",
            &serde_json::json!("yesterday"),
            true,
            "p"
        )
        .is_err());
    }
}
