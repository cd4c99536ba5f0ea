//! Unit tests of whole policies: the seed walkthrough's policy, shorthand and normalization,
//! Full Access, principals and actions, and the paths of malformed documents.

use super::*;

fn scope() -> PolicyScope {
    PolicyScope::for_api("us-east-1", "123456789012", "chw1a2q2xk")
}

const SEED: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*",
     "Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-01234567890abcdef"}}},
    {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*"}]}"#;

fn decide(policy: &Policy, resource: &str, context: &ConditionContext) -> Decision {
    policy
        .evaluate(&AuthzRequest {
            action: "execute-api:Invoke",
            resource,
            principal: &Principal::Anonymous,
            context,
        })
        .decision
}

#[test]
fn the_seed_policy_allows_only_its_endpoint() {
    let p = Policy::parse(SEED, &scope()).unwrap();
    let root = "arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/test/GET/";
    let mut right = ConditionContext::new();
    right.insert("aws:SourceVpce", "vpce-01234567890abcdef");
    let mut wrong = ConditionContext::new();
    wrong.insert("aws:SourceVpce", "vpce-0fedcba9876543210");
    assert_eq!(decide(&p, root, &right), Decision::Allow);
    assert_eq!(decide(&p, root, &wrong), Decision::ExplicitDeny);
    assert_eq!(
        decide(&p, root, &ConditionContext::new()),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(
            &p,
            "arn:aws:execute-api:us-east-1:123456789012:otherapi01/test/GET/",
            &right
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn shorthand_is_expanded_and_lists_of_one_saved_as_strings() {
    let p = Policy::parse(SEED, &scope()).unwrap();
    assert_eq!(
        p.normalized()["Statement"][1]["Resource"],
        "arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/*/*/*"
    );
    let endpoint_scope = PolicyScope {
        api_id: None,
        ..scope()
    };
    let err = Policy::parse(SEED, &endpoint_scope).unwrap_err();
    assert_eq!(err.path, "Statement[0].Resource");
}

#[test]
fn full_access_allows_everything() {
    let p = Policy::full_access();
    assert_eq!(
        decide(
            &p,
            "arn:aws:execute-api:us-east-1:1:x/a/GET/",
            &ConditionContext::new()
        ),
        Decision::Allow
    );
}

#[test]
fn principals_actions_and_their_negations() {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"Execute-API:invoke","Resource":"*"}]}"#;
    let p = Policy::parse(doc, &scope()).unwrap();
    let ctx = ConditionContext::new();
    let member = Principal::Aws {
        arn: "arn:aws:iam::111122223333:role/r".into(),
        account_id: "111122223333".into(),
    };
    let req = |principal: &Principal| {
        p.evaluate(&AuthzRequest {
            action: "execute-api:Invoke",
            resource: "arn:aws:execute-api:us-east-1:1:x/a/GET/",
            principal,
            context: &ctx,
        })
        .decision
    };
    assert_eq!(req(&member), Decision::Allow);
    assert_eq!(
        req(&Principal::Anonymous),
        Decision::ImplicitDeny,
        "an account principal does not match anonymous callers"
    );
    let not_action = r#"{"Statement":[{"Effect":"Deny","Principal":"*","NotAction":"execute-api:Invoke","Resource":"*"}]}"#;
    let p = Policy::parse(not_action, &scope()).unwrap();
    assert_eq!(
        decide(&p, "arn:aws:execute-api:us-east-1:1:x/a/GET/", &ctx),
        Decision::ImplicitDeny
    );
}

#[test]
fn malformed_policies_name_the_element() {
    let cases = [
        (
            r#"{"Statement":[{"Effect":"Permit","Principal":"*","Action":"*","Resource":"*"}]}"#,
            "Statement[0].Effect",
            "expected \"Allow\" or \"Deny\", found \"Permit\"",
        ),
        (
            r#"{"Statement":[{"Principal":"*","Action":"*","Resource":"*"}]}"#,
            "Statement[0]",
            "missing Effect",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            "Statement[0]",
            "missing Principal",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"*","Resource":"*"}]}"#,
            "Statement[0]",
            "a statement has either Action or NotAction, not both",
        ),
        (
            r#"{"Version":"2013-01-01","Statement":[]}"#,
            "Version",
            "expected \"2012-10-17\" or \"2008-10-17\", found \"2013-01-01\"",
        ),
        (
            r#"{"Statement":"x"}"#,
            "Statement",
            "expected an object or an array of objects, found a string",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#,
            "Statement[0].Condition.StringEqualz",
            "unknown condition operator \"StringEqualz\"",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"*","Resource":"*"}]}"#,
            "Statement[0].Principal.AWS",
            "expected \"*\", a 12-digit account id",
        ),
    ];
    for (doc, path, message) in cases {
        let err = Policy::parse(doc, &scope()).unwrap_err();
        assert_eq!(err.path, path, "{doc}");
        assert!(
            err.message().starts_with(message),
            "{doc}: {}",
            err.message()
        );
    }
    assert!(
        Policy::parse(r#"{"Statement":[]}"#, &scope()).is_ok(),
        "an empty statement list is valid"
    );
}
