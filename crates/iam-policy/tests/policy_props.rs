//! Properties of the policy engine over generated inputs: the parser and the evaluator never
//! panic, and IAM's decision logic holds (an added Deny never yields Allow, an added Allow never
//! lifts an explicit deny, statement order does not matter).

use iam_policy::{AuthzRequest, ConditionContext, Decision, Policy, PolicyScope, Principal};
use proptest::prelude::*;
use serde_json::{json, Value};

fn scope() -> PolicyScope {
    PolicyScope::for_api("us-east-1", "123456789012", "chw1a2q2xk")
}

/// Arbitrary JSON, biased towards the shapes and names policies use.
fn any_json() -> impl Strategy<Value = Value> {
    let words = prop::sample::select(vec![
        "Version",
        "Statement",
        "Effect",
        "Allow",
        "Deny",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "StringEquals",
        "ForAnyValue:StringLike",
        "IpAddress",
        "Null",
        "AWS",
        "*",
        "execute-api:/*",
        "2012-10-17",
        "aws:SourceVpce",
        "${aws:SourceVpce",
        "${x, 'y'}",
        "10.0.0.0/33",
        "arn:aws:iam::1:root",
        "",
        "Sid",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        words.clone().prop_map(|w| Value::String(w.to_string())),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((words.clone(), inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

/// A valid statement from building blocks.
fn statement() -> impl Strategy<Value = Value> {
    let effect = prop::sample::select(vec!["Allow", "Deny"]);
    let resource = prop::sample::select(vec![
        "execute-api:/*",
        "execute-api:/test/*",
        "execute-api:/*/GET/*",
        "execute-api:/prod/POST/pets",
        "*",
    ]);
    let condition = prop::sample::select(vec![
        json!(null),
        json!({"StringNotEquals": {"aws:SourceVpce": "vpce-a"}}),
        json!({"StringEquals": {"aws:SourceVpc": ["vpc-a", "vpc-b"]}}),
        json!({"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}),
        json!({"NotIpAddress": {"aws:VpcSourceIp": "10.1.0.0/16"}}),
        json!({"StringLikeIfExists": {"aws:UserAgent": "curl*"}}),
        json!({"Null": {"aws:SourceVpce": "true"}}),
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}, "Bool": {"aws:SecureTransport": "true"}}),
    ]);
    (effect, resource, condition).prop_map(|(e, r, c)| {
        let mut s =
            json!({"Effect": e, "Principal": "*", "Action": "execute-api:Invoke", "Resource": r});
        if !c.is_null() {
            s["Condition"] = c;
        }
        s
    })
}

fn request_parts() -> impl Strategy<Value = (String, ConditionContext)> {
    let path = prop::sample::select(vec![
        "test/GET/",
        "test/GET/pets",
        "prod/POST/pets",
        "prod/GET/pets/1",
    ]);
    let vpce = prop::option::of(prop::sample::select(vec!["vpce-a", "vpce-b"]));
    let vpc = prop::option::of(prop::sample::select(vec!["vpc-a", "vpc-c"]));
    let ip = prop::option::of(prop::sample::select(vec![
        "10.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "garbage",
    ]));
    let tags = prop::option::of(prop::collection::vec(
        prop::sample::select(vec!["a", "b"]),
        0..3,
    ));
    (path, vpce, vpc, ip, tags).prop_map(|(path, vpce, vpc, ip, tags)| {
        let mut c = ConditionContext::new();
        if let Some(v) = vpce {
            c.insert("aws:SourceVpce", v);
        }
        if let Some(v) = vpc {
            c.insert("aws:SourceVpc", v);
        }
        if let Some(v) = ip {
            c.insert("aws:VpcSourceIp", v);
        }
        if let Some(t) = tags {
            c.insert_multi("aws:TagKeys", t.into_iter().map(String::from).collect());
        }
        c.insert("aws:SecureTransport", "true");
        (
            format!("arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/{path}"),
            c,
        )
    })
}

fn decide(statements: &[Value], resource: &str, context: &ConditionContext) -> Decision {
    let policy = Policy::from_value(
        &json!({"Version": "2012-10-17", "Statement": statements}),
        &scope(),
    )
    .expect("generated policies are valid");
    policy
        .evaluate(&AuthzRequest {
            action: "execute-api:Invoke",
            resource,
            principal: &Principal::Anonymous,
            context,
        })
        .decision
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics(doc in any_json()) {
        let _ = Policy::from_value(&doc, &scope());
        let _ = Policy::parse(&doc.to_string(), &scope());
    }

    #[test]
    fn the_parser_never_panics_on_policy_shaped_documents(statements in prop::collection::vec(any_json(), 0..4), version in any_json()) {
        let doc = json!({"Version": version, "Statement": statements});
        let _ = Policy::from_value(&doc, &scope());
    }

    #[test]
    fn evaluation_never_panics(statements in prop::collection::vec(statement(), 0..6), (resource, context) in request_parts(), action in ".{0,20}") {
        let policy = Policy::from_value(&json!({"Version": "2012-10-17", "Statement": statements}), &scope()).unwrap();
        let req = AuthzRequest { action: &action, resource: &resource, principal: &Principal::Anonymous, context: &context };
        let (evaluation, trace) = policy.evaluate_with_trace(&req);
        prop_assert_eq!(trace.len(), policy.statement_count());
        prop_assert_eq!(evaluation.decision == Decision::ImplicitDeny, evaluation.deciding_statement.is_none());
    }

    #[test]
    fn adding_a_deny_never_yields_allow(statements in prop::collection::vec(statement(), 0..6), extra in statement(), (resource, context) in request_parts()) {
        let before = decide(&statements, &resource, &context);
        let mut deny = extra;
        deny["Effect"] = json!("Deny");
        let mut with_deny = statements.clone();
        with_deny.push(deny);
        let after = decide(&with_deny, &resource, &context);
        prop_assert!(!(after == Decision::Allow && before != Decision::Allow), "{before:?} became {after:?}");
        prop_assert!(before != Decision::ExplicitDeny || after == Decision::ExplicitDeny);
    }

    #[test]
    fn adding_an_allow_never_lifts_an_explicit_deny(statements in prop::collection::vec(statement(), 0..6), extra in statement(), (resource, context) in request_parts()) {
        let before = decide(&statements, &resource, &context);
        let mut allow = extra;
        allow["Effect"] = json!("Allow");
        let mut with_allow = statements.clone();
        with_allow.push(allow);
        let after = decide(&with_allow, &resource, &context);
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
        if before == Decision::Allow {
            prop_assert_eq!(after, Decision::Allow);
        }
    }

    #[test]
    fn statement_order_does_not_matter(statements in prop::collection::vec(statement(), 0..6), (resource, context) in request_parts()) {
        let forward = decide(&statements, &resource, &context);
        let mut reversed = statements.clone();
        reversed.reverse();
        prop_assert_eq!(forward, decide(&reversed, &resource, &context));
    }
}
