//! Unit tests of condition operators: negation, set qualifiers, typed comparisons, `Null`,
//! operator names and the paths of bad values.

use super::*;
use crate::error::PolicyErrorKind;

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
    assert!(cond("NumericLessThan", "k", serde_json::json!(3600)).holds(&ctx(&[("k", &["900"])])));
    assert!(!cond("NumericLessThan", "k", serde_json::json!("900")).holds(&ctx(&[("k", &["900"])])));
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

#[test]
fn every_numeric_and_date_operator_is_known() {
    for family in ["Numeric", "Date"] {
        for suffix in [
            "Equals",
            "NotEquals",
            "LessThan",
            "LessThanEquals",
            "GreaterThan",
            "GreaterThanEquals",
        ] {
            let name = format!("{family}{suffix}");
            let op = Operator::parse(&name).unwrap();
            assert_eq!(op.negated, suffix == "NotEquals", "{name}");
        }
        for bad in ["NotLessThan", "Like", "", "equals"] {
            assert!(
                Operator::parse(&format!("{family}{bad}")).is_err(),
                "{family}{bad}"
            );
        }
    }
}
