//! Policy evaluation speed: the seed walkthrough's policy (target ≤ 250 ns) and a realistic
//! 20-statement policy (target ≤ 2 µs), for an allowed and a denied request each.
//!
//! Run: `cargo bench -p iam-policy --bench policy`

use criterion::{criterion_group, criterion_main, Criterion};
use iam_policy::{AuthzRequest, ConditionContext, Policy, PolicyScope, Principal};
use std::hint::black_box;

fn scope() -> PolicyScope {
    PolicyScope::for_api("us-east-1", "123456789012", "chw1a2q2xk")
}

const SEED: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*",
   "Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-01234567890abcdef"}}},
  {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*"}]}"#;

/// Twenty statements of the kinds production policies carry: per-stage and per-method allows,
/// IP and VPC restrictions, account principals, time windows, NotResource carve-outs.
fn twenty_statements() -> String {
    let mut statements = vec![
        r#"{"Sid":"DenyOtherEndpoints","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":["vpce-01234567890abcdef","vpce-0fedcba9876543210"]}}}"#.to_string(),
        r#"{"Sid":"DenyOutsideVpcs","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEqualsIfExists":{"aws:SourceVpc":["vpc-0a1b2c3d4e5f67890","vpc-0b1b2c3d4e5f67890"]}}}"#.to_string(),
        r#"{"Sid":"DenyPlainHttp","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#.to_string(),
        r#"{"Sid":"DenyAdminFromOutside","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/admin/*","Condition":{"NotIpAddress":{"aws:VpcSourceIp":["10.20.0.0/16","172.31.0.0/16"]}}}"#.to_string(),
        r#"{"Sid":"DenyAfterSunset","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/legacy/*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}"#.to_string(),
    ];
    for (i, stage) in ["test", "prod", "dev", "qa", "staging"].iter().enumerate() {
        statements.push(format!(
            r#"{{"Sid":"Read{i}","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/{stage}/GET/*","execute-api:/{stage}/HEAD/*"],"Condition":{{"IpAddress":{{"aws:VpcSourceIp":["10.{i}.0.0/16","10.20.0.0/16"]}}}}}}"#
        ));
        statements.push(format!(
            r#"{{"Sid":"Write{i}","Effect":"Allow","Principal":{{"AWS":["111122223333","arn:aws:iam::123456789012:role/writer-{i}"]}},"Action":"execute-api:Invoke","Resource":"execute-api:/{stage}/POST/*"}}"#
        ));
    }
    for i in 0..5 {
        statements.push(format!(
            r#"{{"Sid":"Partner{i}","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/*/*/internal/*","Condition":{{"StringLike":{{"aws:UserAgent":"partner-{i}/*"}},"StringEquals":{{"aws:SourceVpce":"vpce-0fedcba9876543210"}}}}}}"#
        ));
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn context(vpce: &str) -> ConditionContext {
    let mut c = ConditionContext::new();
    c.insert("aws:SourceVpce", vpce);
    c.insert("aws:SourceVpc", "vpc-0a1b2c3d4e5f67890");
    c.insert("aws:VpcSourceIp", "10.20.0.7");
    c.insert("aws:SecureTransport", "true");
    c.insert("aws:CurrentTime", "2026-11-25T07:00:00Z");
    c.insert("aws:PrincipalType", "Anonymous");
    c.insert("aws:UserAgent", "curl/7.88.1");
    c
}

fn bench(c: &mut Criterion) {
    let seed = Policy::parse(SEED, &scope()).unwrap();
    let big = Policy::parse(&twenty_statements(), &scope()).unwrap();
    assert_eq!(big.statement_count(), 20);
    let resource = "arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/prod/GET/pets/1";
    let (allowed, denied) = (
        context("vpce-01234567890abcdef"),
        context("vpce-0ffffffffffffffff"),
    );
    let principal = Principal::Anonymous;
    for (name, policy) in [("seed", &seed), ("20 statements", &big)] {
        for (outcome, ctx) in [("allowed", &allowed), ("denied", &denied)] {
            let req = AuthzRequest {
                action: "execute-api:Invoke",
                resource,
                principal: &principal,
                context: ctx,
            };
            c.bench_function(&format!("evaluate {name} policy, {outcome}"), |b| {
                b.iter(|| black_box(policy.evaluate(black_box(&req))))
            });
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
