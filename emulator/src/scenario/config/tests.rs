//! Reading scenario files: the seed parses, and refusals name their JSON path.

use super::*;

#[test]
fn the_seed_scenario_parses() {
    let c = Config::seed();
    assert_eq!(c.region, "us-east-1");
    assert_eq!(c.rest_apis[0].id, "chw1a2q2xk");
}

#[test]
fn an_unknown_field_names_its_path() {
    let err = Config::from_json_str(
        r#"{"region":"us-east-1","accountId":"123456789012","restApis":[{"id":"a","name":"b","stagez":[]}]}"#,
        ConfigOrigin::File("s.json".into()),
    )
    .unwrap_err();
    assert_eq!(err.origin, "s.json");
    assert_eq!(err.path, "$.restApis[0].stagez");
    assert!(
        err.message
            .starts_with("unknown field `stagez`, expected one of"),
        "{}",
        err.message
    );
}

#[test]
fn a_wrong_type_names_its_path() {
    let err = Config::from_json_str(
        r#"{"region":"us-east-1","accountId":"123456789012","restApis":[{"id":"a","name":"b","stages":[{"stageName":5}]}]}"#,
        ConfigOrigin::Inline,
    )
    .unwrap_err();
    assert_eq!(err.path, "$.restApis[0].stages[0].stageName");
    assert!(err.message.contains("expected a string"), "{}", err.message);
}

#[test]
fn a_syntax_error_says_where() {
    let err =
        Config::from_json_str("{\"region\": \"us-east-1\",", ConfigOrigin::Inline).unwrap_err();
    assert!(err.message.contains("line 1"), "{}", err.message);
}
