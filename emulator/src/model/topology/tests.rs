//! Validation of scenarios into a topology: names, addresses, references and the paths errors
//! name.

use std::net::IpAddr;
use std::sync::Arc;

use super::*;
use crate::aws::names;
use crate::scenario::config::{Config, ConfigError, ConfigOrigin};

fn load(json: &str) -> Result<Topology, ConfigError> {
    Topology::from_config(&Config::from_json_str(
        json,
        ConfigOrigin::File("s.json".into()),
    )?)
}

fn seed_with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Topology, ConfigError> {
    let mut v: serde_json::Value =
        serde_json::from_str(crate::scenario::config::SEED_SCENARIO).unwrap();
    edit(&mut v);
    load(&v.to_string())
}

#[test]
fn the_seed_scenario_has_the_walkthrough_names_and_addresses() {
    let t = Topology::from_config(&Config::seed()).unwrap();
    let e = &t.vpc_endpoints[0];
    let suffix = names::endpoint_dns_suffix("vpce-01234567890abcdef");
    assert_eq!(
        e.dns_entries[0].dns_name,
        format!("vpce-01234567890abcdef-{suffix}.execute-api.us-east-1.vpce.amazonaws.com")
    );
    assert_eq!(
        e.dns_entries[0].addresses,
        vec![
            "127.0.1.1".parse::<IpAddr>().unwrap(),
            "127.0.1.2".parse().unwrap()
        ]
    );
    assert_eq!(
        e.dns_entries[2].dns_name,
        format!(
            "vpce-01234567890abcdef-{suffix}-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com"
        )
    );
    assert_eq!(
        e.dns_entries[2].addresses,
        vec!["127.0.1.2".parse::<IpAddr>().unwrap()]
    );
    assert_eq!(
        t.endpoint_by_address("127.0.1.2".parse().unwrap())
            .unwrap()
            .id,
        "vpce-01234567890abcdef"
    );
    assert!(t.rest_apis["chw1a2q2xk"].stages.contains_key("test"));
}

#[test]
fn a_private_api_without_policy_cannot_be_deployed() {
    let err = seed_with(|v| {
        v["restApis"][0].as_object_mut().unwrap().remove("policy");
    })
    .unwrap_err();
    assert_eq!(err.path, "$.restApis[0].policy");
    assert!(err
        .message
        .starts_with("Private REST API doesn't have a resource policy attached to it"));
}

#[test]
fn references_and_ids_are_checked_with_their_paths() {
    let err =
        seed_with(|v| v["vpcEndpoints"][0]["subnetIds"][1] = "subnet-0000000000000000f".into())
            .unwrap_err();
    assert_eq!(err.to_string(), "s.json: $.vpcEndpoints[0].subnetIds[1]: subnet-0000000000000000f is not a subnet of vpc-0a1b2c3d4e5f67890");
    let err = seed_with(|v| v["restApis"][0]["id"] = "ABC".into()).unwrap_err();
    assert_eq!(err.path, "$.restApis[0].id");
    let err = seed_with(|v| {
        v["restApis"][0]["endpointConfiguration"]["types"] =
            serde_json::json!(["PRIVATE", "REGIONAL"])
    })
    .unwrap_err();
    assert_eq!(
        err.message,
        "Cannot create an api with multiple Endpoint Types."
    );
    let err =
        seed_with(|v| v["vpcEndpoints"][0]["serviceName"] = "com.amazonaws.us-east-1.s3".into())
            .unwrap_err();
    assert_eq!(err.path, "$.vpcEndpoints[0].serviceName");
    let err = seed_with(|v| v["restApis"][0]["example"] = "Pets".into()).unwrap_err();
    assert_eq!(
        err.message,
        "expected one of [\"PetStore\"], found \"Pets\""
    );
}

#[test]
fn stage_settings_are_checked_as_aws_checks_them() {
    let err = seed_with(|v| {
        v["restApis"][0]["stages"][0]["accessLogSettings"] =
            serde_json::json!({"format": "$context.status"})
    })
    .unwrap_err();
    assert_eq!(err.path, "$.restApis[0].stages[0].accessLogSettings.format");
    assert_eq!(
        err.message,
        "Access Log format must contain either $context.requestId or $context.extendedRequestId"
    );
    let err = seed_with(|v| {
        v["restApis"][0]["stages"][0]["variables"] = serde_json::json!({"bad name": "x"})
    })
    .unwrap_err();
    assert_eq!(err.path, "$.restApis[0].stages[0].variables['bad name']");
    let err = seed_with(|v| {
        v["restApis"][0]["stages"][0]["variables"] = serde_json::json!({"ok": "spaces not allowed"})
    })
    .unwrap_err();
    assert!(
        err.message.starts_with("Stage variable values must be"),
        "{err}"
    );
}

#[test]
fn policy_errors_are_prefixed_with_the_scenario_path() {
    let err = seed_with(|v| v["restApis"][0]["policy"]["Statement"][1]["Effect"] = "Permit".into())
        .unwrap_err();
    assert_eq!(err.path, "$.restApis[0].policy.Statement[1].Effect");
}

#[test]
fn security_group_references_are_checked() {
    let err = seed_with(|v| {
        v["vpcEndpoints"][0]["securityGroupIds"] = serde_json::json!(["sg-0000000000000000f"])
    })
    .unwrap_err();
    assert_eq!(err.path, "$.vpcEndpoints[0].securityGroupIds[0]");
    assert_eq!(
        err.message,
        "sg-0000000000000000f is not one of the scenario's securityGroups"
    );
    let err = seed_with(|v| {
        v["securityGroups"][0]["ipPermissions"][0]["ipRanges"][0]["cidrIp"] = "10.0.0.0/33".into()
    })
    .unwrap_err();
    assert_eq!(
        err.path,
        "$.securityGroups[0].ipPermissions[0].ipRanges[0].cidrIp"
    );
    let err =
        seed_with(|v| v["securityGroups"][0]["ipPermissions"][0]["ipProtocol"] = "sctp".into())
            .unwrap_err();
    assert_eq!(err.path, "$.securityGroups[0].ipPermissions[0].ipProtocol");
    let err = seed_with(|v| v["securityGroups"][0]["ipPermissions"][0]["fromPort"] = 500.into())
        .unwrap_err();
    assert_eq!(err.path, "$.securityGroups[0].ipPermissions[0].fromPort");
}

#[test]
fn clients_map_local_sources_onto_the_addresses_they_stand_for() {
    let t = Topology::from_config(&Config::seed()).unwrap();
    let c = t.client("127.0.0.1".parse().unwrap());
    assert_eq!(c.address, "10.20.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(c.vpc_id(), None);
    let err =
        seed_with(|v| v["emulator"]["clients"][0]["vpcId"] = "vpc-00000000".into()).unwrap_err();
    assert_eq!(err.path, "$.emulator.clients[0].vpcId");
    let err =
        seed_with(|v| v["emulator"]["clients"][0]["appearsAs"] = "fd00::/64".into()).unwrap_err();
    assert_eq!(
        err.message,
        "expected the same address family as sourceCidr"
    );
}

#[test]
fn one_endpoint_per_vpc_may_have_private_dns() {
    let err = seed_with(|v| {
        v["vpcEndpoints"][0]["privateDnsEnabled"] = true.into();
        let mut second = v["vpcEndpoints"][0].clone();
        second["vpcEndpointId"] = "vpce-0fedcba9876543210".into();
        v["vpcEndpoints"].as_array_mut().unwrap().push(second);
    })
    .unwrap_err();
    assert_eq!(err.path, "$.vpcEndpoints[1].privateDnsEnabled");
    assert!(
        err.message
            .starts_with("vpce-01234567890abcdef already has private DNS names"),
        "{}",
        err.message
    );
}

#[test]
fn dualstack_endpoints_need_ipv6_addresses() {
    let err =
        seed_with(|v| v["vpcEndpoints"][0]["ipAddressType"] = "dualstack".into()).unwrap_err();
    assert_eq!(err.path, "$.vpcEndpoints[0].networkInterfaces");
    let t = seed_with(|v| {
        v["vpcEndpoints"][0]["ipAddressType"] = "dualstack".into();
        v["vpcEndpoints"][0]["networkInterfaces"] = serde_json::json!([
            {"subnetId": "subnet-0a1b2c3d4e5f60001", "privateIpAddress": "127.0.1.1", "ipv6Address": "::1"},
            {"subnetId": "subnet-0a1b2c3d4e5f60002", "privateIpAddress": "127.0.1.2", "ipv6Address": "fd00::2"}
        ]);
    })
    .unwrap();
    let e = &t.vpc_endpoints[0];
    assert_eq!(e.dns_entries[0].addresses.len(), 4);
    assert!(matches!(
        t.frontend("::1".parse().unwrap()),
        Some(Frontend::VpcEndpoint(_))
    ));
}

#[test]
fn public_apis_get_a_public_endpoint() {
    let t = seed_with(|v| {
        let mut public = v["restApis"][0].clone();
        public["id"] = "pub1234567".into();
        public["endpointConfiguration"] = serde_json::json!({"types": ["REGIONAL"]});
        v["restApis"].as_array_mut().unwrap().push(public);
    })
    .unwrap();
    assert_eq!(
        t.public_addresses,
        vec!["127.0.0.2".parse::<IpAddr>().unwrap()]
    );
    assert!(matches!(
        t.frontend("127.0.0.2".parse().unwrap()),
        Some(Frontend::Public)
    ));
    let err = seed_with(|v| {
        v["emulator"]["publicEndpoint"] = serde_json::json!({"addresses": ["127.0.1.1"]})
    })
    .unwrap_err();
    assert_eq!(err.path, "$.emulator.publicEndpoint.addresses[0]");
}

fn mock_document(path: &str) -> serde_json::Value {
    serde_json::json!({"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
        "paths": {path: {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200"}}}}}}})
}

#[test]
fn a_stage_with_a_deployment_id_serves_that_snapshot() {
    let t = seed_with(|v| {
        let api = &mut v["restApis"][0];
        let frozen_policy = api["policy"].clone();
        api["deployments"] = serde_json::json!([
            {"id": "abc123", "description": "first", "createdDate": 1700000000,
             "body": mock_document("/frozen"), "policy": frozen_policy},
            {"id": "def456", "body": mock_document("/other").to_string(), "policy": frozen_policy}
        ]);
        api["stages"][0]["deploymentId"] = "abc123".into();
        let mut second = api["stages"][0].clone();
        second["stageName"] = "prod".into();
        let mut current = api["stages"][0].clone();
        current["stageName"] = "live".into();
        current.as_object_mut().unwrap().remove("deploymentId");
        api["stages"].as_array_mut().unwrap().push(second);
        api["stages"].as_array_mut().unwrap().push(current);
    })
    .unwrap();
    let api = &t.rest_apis["chw1a2q2xk"];
    let test = &api.stages["test"];
    assert_eq!(test.deployment.id, "abc123");
    assert!(test.deployment.definition.route("/frozen", "GET").is_some());
    assert!(test.deployment.definition.route("/pets", "GET").is_none());
    assert!(test.deployment.policy.is_some());
    assert!(Arc::ptr_eq(
        &test.deployment,
        &api.stages["prod"].deployment
    ));
    let live = &api.stages["live"];
    assert_eq!(
        live.deployment.id,
        crate::aws::ids::short_id("deployment/chw1a2q2xk")
    );
    assert!(live.deployment.definition.route("/pets", "GET").is_some());
}

#[test]
fn deployment_references_and_bodies_are_checked_with_their_paths() {
    let err = seed_with(|v| {
        v["restApis"][0]["stages"][0]["deploymentId"] = "nope12".into();
    })
    .unwrap_err();
    assert_eq!(err.path, "$.restApis[0].stages[0].deploymentId");
    assert_eq!(
        err.message,
        "\"nope12\" is not the id of one of $.restApis[0].deployments"
    );
    let err = seed_with(|v| {
        let mut body = mock_document("/a");
        body["paths"]["/a"]["get"]["x-amazon-apigateway-integration"]["type"] = "kafka".into();
        v["restApis"][0]["deployments"] = serde_json::json!([{"id": "abc123", "body": body}]);
    })
    .unwrap_err();
    assert_eq!(
        err.path,
        "$.restApis[0].deployments[0].body.paths['/a'].get.x-amazon-apigateway-integration.type"
    );
    let err = seed_with(|v| {
        v["restApis"][0]["deployments"] =
            serde_json::json!([{"id": "abc123", "body": mock_document("/a")}]);
        v["restApis"][0]["stages"][0]["deploymentId"] = "abc123".into();
    })
    .unwrap_err();
    assert_eq!(err.path, "$.restApis[0].deployments[0].policy");
    assert!(err
        .message
        .starts_with("Private REST API doesn't have a resource policy attached to it"));
}

#[test]
fn explicit_addresses_must_be_unique() {
    let err = seed_with(|v| {
        v["vpcEndpoints"][0]["networkInterfaces"] = serde_json::json!([
            {"subnetId": "subnet-0a1b2c3d4e5f60001", "privateIpAddress": "127.0.0.5"},
            {"subnetId": "subnet-0a1b2c3d4e5f60002", "privateIpAddress": "127.0.0.5"}
        ]);
    })
    .unwrap_err();
    assert_eq!(
        err.path,
        "$.vpcEndpoints[0].networkInterfaces[1].privateIpAddress"
    );
}
