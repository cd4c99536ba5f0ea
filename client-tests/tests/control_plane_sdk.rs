//! The seed walkthrough built with the official AWS SDK for Rust (`aws-sdk-ec2`,
//! `aws-sdk-apigateway`) against the control plane of the real binary: the SDK's generated
//! deserializers must accept every response, and its typed errors must come out of the
//! emulator's error bodies. `dig` and `curl` then check that the deployed API answers through
//! the new endpoint's DNS name.
//!
//! The SDK is built without its default HTTPS client (which brings aws-lc-sys, banned by the
//! dependency policy): the control plane is plain http, so a hyper client without TLS does.

use std::path::Path;

use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, IntegrationType};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{IpPermission, IpRange, VpcEndpointType};
use client_tests::{RunningBinary, Target};

/// An empty scenario: only the Region and account; everything else comes from the SDK.
const EMPTY: &str = r#"{"region":"us-east-1","accountId":"123456789012"}"#;

const REGION: &str = "us-east-1";

fn start(dir: &Path) -> RunningBinary {
    let scenario = dir.join("scenario.json");
    std::fs::write(&scenario, EMPTY).expect("scenario written");
    RunningBinary::start_with_certs_dir(
        &dir.join("certs"),
        &[
            "--config",
            scenario.to_str().expect("utf-8 path"),
            "--control-plane-listen",
            "127.0.0.1:0",
            "--state-dir",
            dir.join("state").to_str().expect("utf-8 path"),
        ],
    )
}

/// Static test credentials, as a CI job without an AWS account would configure them.
fn credentials() -> aws_sdk_ec2::config::Credentials {
    aws_sdk_ec2::config::Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "client-tests",
    )
}

/// An HTTP/1.1 client without TLS: enough for the plain-http control plane, and it keeps
/// aws-lc-sys and rustls-native-certs' platform verifier out of the build.
fn plain_http_client() -> aws_sdk_ec2::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_http()
}

fn ec2_client(endpoint: &str) -> aws_sdk_ec2::Client {
    let config = aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_ec2::config::Region::new(REGION))
        .credentials_provider(credentials())
        .http_client(plain_http_client())
        .build();
    aws_sdk_ec2::Client::from_conf(config)
}

fn apigateway_client(endpoint: &str) -> aws_sdk_apigateway::Client {
    let config = aws_sdk_apigateway::Config::builder()
        .behavior_version(aws_sdk_apigateway::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_apigateway::config::Region::new(REGION))
        .credentials_provider(credentials())
        .http_client(plain_http_client())
        .build();
    aws_sdk_apigateway::Client::from_conf(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_for_rust_builds_a_private_api_that_answers() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let emulator = start(dir.path());
    let target = emulator.target.clone();
    let endpoint = target.control_plane_endpoint();
    let ec2 = ec2_client(&endpoint);
    let apigw = apigateway_client(&endpoint);

    // The network side: VPC, two subnets, a security group for HTTPS, the endpoint.
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .expect("CreateVpc");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("VpcId")
        .to_string();
    assert!(vpc_id.starts_with("vpc-") && vpc_id.len() == 21, "{vpc_id}");
    assert_eq!(vpc.vpc().and_then(|v| v.cidr_block()), Some("10.0.0.0/16"));
    let mut subnet_ids = Vec::new();
    for (cidr, az) in [("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b")] {
        let created = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(cidr)
            .availability_zone(az)
            .send()
            .await
            .expect("CreateSubnet");
        let subnet = created.subnet().expect("Subnet");
        assert_eq!(subnet.availability_zone(), Some(az));
        assert_eq!(subnet.vpc_id(), Some(vpc_id.as_str()));
        subnet_ids.push(subnet.subnet_id().expect("SubnetId").to_string());
    }
    let group_id = ec2
        .create_security_group()
        .group_name("vpce-https")
        .description("HTTPS from on premises")
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id()
        .expect("GroupId")
        .to_string();
    assert!(group_id.starts_with("sg-"), "{group_id}");
    let authorized = ec2
        .authorize_security_group_ingress()
        .group_id(&group_id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("127.0.0.0/8").build())
                .build(),
        )
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");
    assert_eq!(authorized.r#return(), Some(true));
    let rule = authorized
        .security_group_rules()
        .first()
        .expect("the new rule");
    assert_eq!(
        (rule.from_port(), rule.to_port(), rule.cidr_ipv4()),
        (Some(443), Some(443), Some("127.0.0.0/8"))
    );
    let created = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc_id)
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .service_name("com.amazonaws.us-east-1.execute-api")
        .subnet_ids(&subnet_ids[0])
        .subnet_ids(&subnet_ids[1])
        .security_group_ids(&group_id)
        .private_dns_enabled(false)
        .send()
        .await
        .expect("CreateVpcEndpoint");
    let vpce_id = created
        .vpc_endpoint()
        .and_then(|e| e.vpc_endpoint_id())
        .expect("VpcEndpointId")
        .to_string();
    assert!(vpce_id.starts_with("vpce-"), "{vpce_id}");

    let described = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&vpce_id)
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    let [found] = described.vpc_endpoints() else {
        panic!("one endpoint: {described:?}");
    };
    assert_eq!(found.vpc_endpoint_id(), Some(vpce_id.as_str()));
    assert_eq!(found.vpc_endpoint_type(), Some(&VpcEndpointType::Interface));
    // EC2 answers `available` (lowercase, as the CLI prints) while the SDK's `State` enum spells
    // `Available`: the SDK keeps it as an unknown variant, so compare the wire text.
    assert_eq!(found.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(found.private_dns_enabled(), Some(false));
    assert_eq!(found.subnet_ids(), subnet_ids.as_slice());
    assert_eq!(
        found
            .groups()
            .iter()
            .filter_map(|g| g.group_id())
            .collect::<Vec<_>>(),
        [group_id.as_str()]
    );
    let dns_names: Vec<&str> = found
        .dns_entries()
        .iter()
        .filter_map(|e| e.dns_name())
        .collect();
    assert_eq!(dns_names.len(), 3, "regional and two zonal: {dns_names:?}");
    let regional = dns_names[0].to_string();
    assert!(
        regional.starts_with(&format!("{vpce_id}-"))
            && regional.ends_with(".execute-api.us-east-1.vpce.amazonaws.com"),
        "{regional}"
    );
    assert!(dns_names[1].contains("-us-east-1a."), "{dns_names:?}");
    assert!(dns_names[2].contains("-us-east-1b."), "{dns_names:?}");
    assert!(
        found
            .dns_entries()
            .iter()
            .all(|e| e.hosted_zone_id().is_some()),
        "every entry names its hosted zone"
    );

    // The PRIVATE API with its policy, /orders GET answered by a MOCK integration.
    let api = apigw
        .create_rest_api()
        .name("orders")
        .endpoint_configuration(
            EndpointConfiguration::builder()
                .types(EndpointType::Private)
                .vpc_endpoint_ids(&vpce_id)
                .build(),
        )
        .policy(client_tests::walkthrough_policy(&vpce_id))
        .send()
        .await
        .expect("CreateRestApi");
    let api_id = api.id().expect("id").to_string();
    assert_eq!(api_id.len(), 10, "{api_id}");
    assert_eq!(api.name(), Some("orders"));
    let configuration = api.endpoint_configuration().expect("endpointConfiguration");
    assert_eq!(configuration.types(), [EndpointType::Private]);
    assert_eq!(
        configuration.vpc_endpoint_ids(),
        std::slice::from_ref(&vpce_id)
    );
    assert!(
        api.policy().is_some_and(|p| p.contains(&vpce_id)),
        "{:?}",
        api.policy()
    );
    assert!(api.created_date().is_some(), "createdDate parses");

    let resources = apigw
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .expect("GetResources");
    let root_id = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .expect("the root resource")
        .to_string();
    let orders = apigw
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&root_id)
        .path_part("orders")
        .send()
        .await
        .expect("CreateResource");
    assert_eq!(orders.path(), Some("/orders"));
    assert_eq!(orders.parent_id(), Some(root_id.as_str()));
    let orders_id = orders.id().expect("id").to_string();

    let method = apigw
        .put_method()
        .rest_api_id(&api_id)
        .resource_id(&orders_id)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .expect("PutMethod");
    assert_eq!(method.http_method(), Some("GET"));
    assert_eq!(method.authorization_type(), Some("NONE"));
    let integration = apigw
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(&orders_id)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .expect("PutIntegration");
    assert_eq!(integration.r#type(), Some(&IntegrationType::Mock));
    assert_eq!(
        integration
            .request_templates()
            .and_then(|t| t.get("application/json"))
            .map(String::as_str),
        Some(r#"{"statusCode": 200}"#)
    );
    let method_response = apigw
        .put_method_response()
        .rest_api_id(&api_id)
        .resource_id(&orders_id)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .expect("PutMethodResponse");
    assert_eq!(method_response.status_code(), Some("200"));
    let integration_response = apigw
        .put_integration_response()
        .rest_api_id(&api_id)
        .resource_id(&orders_id)
        .http_method("GET")
        .status_code("200")
        .response_templates("application/json", r#"{"orders": []}"#)
        .send()
        .await
        .expect("PutIntegrationResponse");
    assert_eq!(integration_response.status_code(), Some("200"));

    let deployment = apigw
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("test")
        .send()
        .await
        .expect("CreateDeployment");
    assert_eq!(deployment.id().map(str::len), Some(6), "{deployment:?}");
    let stage = apigw
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("test")
        .send()
        .await
        .expect("GetStage");
    assert_eq!(stage.deployment_id(), deployment.id());

    // The data plane through the endpoint's DNS name (blocking tools, off the runtime).
    let response = tokio::task::spawn_blocking({
        let (target, regional, api_id) = (target.clone(), regional.clone(), api_id.clone());
        move || target.call_by_name(&regional, &api_id, "/test/orders")
    })
    .await
    .expect("curl finished");
    assert_eq!(response.status_line, "HTTP/1.1 200 OK", "{response:?}");
    assert_eq!(response.body, r#"{"orders": []}"#);

    // Errors come back typed.
    let missing_api = apigw
        .get_rest_api()
        .rest_api_id("abcdefghij")
        .send()
        .await
        .expect_err("an unknown API");
    let service_error = missing_api.into_service_error();
    assert!(
        service_error.is_not_found_exception(),
        "NotFoundException: {service_error:?}"
    );
    assert_eq!(
        aws_sdk_apigateway::error::ProvideErrorMetadata::message(&service_error),
        Some("Invalid API identifier specified 123456789012:abcdefghij")
    );

    let missing_endpoint = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids("vpce-0123456789abcdef0")
        .send()
        .await
        .expect_err("an unknown endpoint");
    let service_error = missing_endpoint.into_service_error();
    assert_eq!(service_error.code(), Some("InvalidVpcEndpointId.NotFound"));
    assert!(
        service_error
            .message()
            .is_some_and(|m| m.contains("vpce-0123456789abcdef0")),
        "{service_error:?}"
    );
    assert!(
        aws_sdk_ec2::operation::RequestId::request_id(&service_error).is_some(),
        "the request id is parsed: {service_error:?}"
    );

    let (status, log) = emulator.stop();
    assert!(status.success(), "{log}");
}
