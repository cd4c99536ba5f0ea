//! Property tests: whatever JSON a user writes (scenario, OpenAPI definition, CloudFormation
//! template), the loaders never panic, and every refusal names a JSON path.

use apigw_emulator::scenario::cloudformation::{scenario_from_str, TemplateOptions};
use apigw_emulator::{Config, ConfigOrigin, Topology};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Field names the loaders know, so generated documents reach deep into them.
const KEYS: &[&str] = &[
    "region",
    "accountId",
    "vpcs",
    "vpcId",
    "cidrBlock",
    "subnets",
    "subnetId",
    "availabilityZone",
    "vpcEndpoints",
    "vpcEndpointId",
    "serviceName",
    "subnetIds",
    "securityGroupIds",
    "policyDocument",
    "restApis",
    "id",
    "name",
    "endpointConfiguration",
    "types",
    "vpcEndpointIds",
    "policy",
    "body",
    "stages",
    "stageName",
    "variables",
    "emulator",
    "clients",
    "sourceCidr",
    "appearsAs",
    "openapi",
    "swagger",
    "paths",
    "/",
    "/a/{b}",
    "/{proxy+}",
    "get",
    "x-amazon-apigateway-any-method",
    "x-amazon-apigateway-integration",
    "type",
    "uri",
    "httpMethod",
    "requestParameters",
    "requestTemplates",
    "application/json",
    "responses",
    "default",
    "statusCode",
    "responseParameters",
    "responseTemplates",
    "timeoutInMillis",
    "Resources",
    "Type",
    "Properties",
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Body",
    "Version",
    "Statement",
    "Effect",
    "Action",
    "Resource",
    "Principal",
    "Condition",
];

const WORDS: &[&str] = &[
    "us-east-1",
    "123456789012",
    "PRIVATE",
    "REGIONAL",
    "mock",
    "http",
    "http_proxy",
    "aws_proxy",
    "http://127.0.0.1:9/x",
    "vpce-01234567890abcdef",
    "vpc-0a1b2c3d4e5f67890",
    "172.31.0.0/16",
    "test",
    "Allow",
    "Deny",
    "execute-api:Invoke",
    "execute-api:/*",
    "AWS::EC2::VPC",
    "AWS::ApiGateway::RestApi",
    "AWS::EC2::VPCEndpoint",
    "3.0.1",
    "2.0",
    "$input.json('$')",
    "#if($a)x#end",
    "method.request.path.b",
    "integration.request.path.b",
    "'static'",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        prop::sample::select(WORDS).prop_map(|w| json!(w)),
        "[ -~]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(KEYS).prop_map(str::to_string),
                    "[a-zA-Z]{1,6}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn seed() -> Value {
    serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO).expect("the seed parses")
}

/// Every JSON pointer in a value.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn assert_located(e: &apigw_emulator::ConfigError) {
    assert!(e.path.starts_with('$'), "no JSON path: {e}");
    assert!(!e.message.is_empty(), "no message: {e}");
}

fn load(text: &str) {
    match Config::from_json_str(text, ConfigOrigin::Inline) {
        Ok(config) => {
            if let Err(e) = Topology::from_config(&config) {
                assert_located(&e);
            }
        }
        Err(e) => assert_located(&e),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_scenarios_are_refused_with_a_path(v in value()) {
        load(&v.to_string());
    }

    #[test]
    fn the_seed_with_one_value_replaced_is_refused_with_a_path(
        index in any::<prop::sample::Index>(),
        replacement in value(),
    ) {
        let mut s = seed();
        let mut all = Vec::new();
        pointers(&s, String::new(), &mut all);
        let pointer = &all[index.index(all.len())];
        if pointer.is_empty() {
            s = replacement;
        } else if let Some(slot) = s.pointer_mut(pointer) {
            *slot = replacement;
        }
        load(&s.to_string());
    }

    #[test]
    fn arbitrary_api_definitions_are_refused_with_a_path(paths in value(), version in prop::sample::select(&["3.0.1", "2.0", "3.1.0"][..])) {
        let mut s = seed();
        let key = if version == "2.0" { "swagger" } else { "openapi" };
        s["restApis"][0]["example"] = Value::Null;
        if let Some(api) = s["restApis"][0].as_object_mut() {
            api.remove("example");
            api.insert("body".into(), json!({key: version, "paths": paths}));
        }
        load(&s.to_string());
    }

    #[test]
    fn arbitrary_templates_are_refused_with_a_path(resources in value()) {
        let text = json!({"Resources": resources}).to_string();
        match scenario_from_str(&text, ConfigOrigin::Inline, "t", &TemplateOptions::default()) {
            Ok(made) => {
                if let Err(e) = Topology::from_config(&made.config) {
                    assert_located(&e);
                }
            }
            Err(e) => assert_located(&e),
        }
    }
}
