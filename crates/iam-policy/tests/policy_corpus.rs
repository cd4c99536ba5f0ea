//! The policy corpus: table-driven cases in `tests/policy_corpus/*.json`, each naming the IAM (or
//! API Gateway) documentation page it relies on. A case is either a request with the decision
//! AWS makes, or an invalid policy with the JSON path and the words of the expected error.
//!
//! Policies are scoped to API `chw1a2q2xk` of account 123456789012 in us-east-1, so
//! `execute-api:/...` shorthand expands against it.

use iam_policy::{
    AuthzRequest, ConditionContext, Decision, Effect, Policy, PolicyScope, Principal,
};

fn scope() -> PolicyScope {
    PolicyScope::for_api("us-east-1", "123456789012", "chw1a2q2xk")
}

fn principal(text: &str) -> Principal {
    if text == "anonymous" {
        return Principal::Anonymous;
    }
    let account = text.split(':').nth(4).expect("an IAM ARN").to_string();
    Principal::Aws {
        arn: text.to_string(),
        account_id: account,
    }
}

fn decision(text: &str) -> Decision {
    match text {
        "Allow" => Decision::Allow,
        "ExplicitDeny" => Decision::ExplicitDeny,
        "ImplicitDeny" => Decision::ImplicitDeny,
        other => panic!("unknown decision {other}"),
    }
}

/// Checks one case; a mismatch with what AWS decides is pushed onto `failures`.
fn check_case(name: &str, case: &serde_json::Value, failures: &mut Vec<String>) {
    assert!(
        case["doc"].as_str().is_some_and(|d| !d.is_empty()),
        "{name}: every case names its source"
    );
    let parsed = match &case["policy"] {
        serde_json::Value::String(text) => Policy::parse(text, &scope()),
        value => Policy::from_value(value, &scope()),
    };
    if let Some(expected) = case.get("expectError") {
        match parsed {
            Ok(_) => failures.push(format!(
                "{name}: accepted, expected an error at {}",
                expected["path"]
            )),
            Err(e) => {
                let (path, contains) = (
                    expected["path"].as_str().unwrap(),
                    expected["contains"].as_str().unwrap(),
                );
                if e.path != path || !e.message().contains(contains) {
                    failures.push(format!("{name}: got {e:?}, expected path {path:?} and a message containing {contains:?}"));
                }
            }
        }
        return;
    }
    let policy = match parsed {
        Ok(p) => p,
        Err(e) => {
            failures.push(format!("{name}: rejected: {e}"));
            return;
        }
    };
    let request = &case["request"];
    let context: ConditionContext = serde_json::from_value(request["context"].clone()).unwrap();
    let principal = principal(request["principal"].as_str().unwrap());
    let req = AuthzRequest {
        action: request["action"].as_str().unwrap(),
        resource: request["resource"].as_str().unwrap(),
        principal: &principal,
        context: &context,
    };
    let (evaluation, trace) = policy.evaluate_with_trace(&req);
    let expected = decision(case["expect"].as_str().unwrap());
    if evaluation.decision != expected {
        failures.push(format!(
            "{name}: decided {:?}, AWS decides {expected:?}; trace {}",
            evaluation.decision,
            serde_json::to_string(&trace).unwrap()
        ));
    }
    // The trace must agree with the decision it explains.
    let applying_deny = trace.iter().any(|t| t.applies && t.effect == Effect::Deny);
    let applying_allow = trace.iter().any(|t| t.applies && t.effect == Effect::Allow);
    let from_trace = if applying_deny {
        Decision::ExplicitDeny
    } else if applying_allow {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    };
    assert_eq!(
        from_trace, evaluation.decision,
        "{name}: the trace contradicts the decision"
    );
}

#[test]
fn every_corpus_case_is_decided_as_aws_decides_it() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy_corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in files {
        let corpus: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for case in corpus["cases"].as_array().unwrap() {
            count += 1;
            let name = format!(
                "{}: {}",
                file.file_name().unwrap().to_string_lossy(),
                case["name"].as_str().unwrap()
            );
            check_case(&name, case, &mut failures);
        }
    }
    assert!(
        count >= 150,
        "the corpus has {count} cases; keep at least 150"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
