//! A second interface endpoint in the seed's VPC that the seed's resource policy does not name:
//! its own DNS names and address, and AWS's denial for it (status line, header order, exact
//! body, both wordings), an implicit deny, and a denying VPC endpoint policy.

use std::net::IpAddr;

use client_tests::{config_from, seed_json, CurlResponse, Target, SEED_API_ID};

/// The second endpoint: same VPC as the seed's, one subnet, an explicit interface address.
const VPCE_B: &str = "vpce-0fedcba9876543210";
const VPCE_B_ADDRESS: &str = "127.0.2.1";

/// The headers API Gateway sends on an error, in its order and spelling.
const ERROR_HEADERS: [&str; 7] = [
    "Date",
    "Content-Type",
    "Content-Length",
    "Connection",
    "x-amzn-RequestId",
    "x-amzn-ErrorType",
    "x-amz-apigw-id",
];

/// The seed scenario plus endpoint B.
fn two_endpoints() -> serde_json::Value {
    let mut v = seed_json();
    v["vpcEndpoints"]
        .as_array_mut()
        .expect("the seed has endpoints")
        .push(serde_json::json!({
            "vpcEndpointId": VPCE_B,
            "serviceName": "com.amazonaws.us-east-1.execute-api",
            "vpcId": "vpc-0a1b2c3d4e5f67890",
            "subnetIds": ["subnet-0a1b2c3d4e5f60001"],
            "networkInterfaces": [{"subnetId": "subnet-0a1b2c3d4e5f60001", "privateIpAddress": VPCE_B_ADDRESS}]
        }));
    v
}

/// AWS's AccessDeniedException body for an anonymous call of the seed API.
fn denial(method_path: &str, tail: &str) -> String {
    format!(
        r#"{{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:{SEED_API_ID}/{method_path}{tail}"}}"#
    )
}

/// Starts `scenario` and runs the blocking client side off the runtime's workers.
async fn with_emulator(scenario: serde_json::Value, check: impl FnOnce(Target) + Send + 'static) {
    client_tests::with_emulator(config_from(&scenario), check).await;
}

/// `curl -i` through endpoint `e` (0: the seed's, 1: B) by its regional name, at the first
/// address DNS gives for it.
fn call(t: &Target, e: usize, method: &str, path: &str) -> CurlResponse {
    let name = t.dns_name(e, 0);
    let address = *t
        .resolve(&name)
        .first()
        .unwrap_or_else(|| panic!("{name} resolves"));
    CurlResponse::parse(&t.curl(
        &name,
        address,
        path,
        &[
            "-i",
            "-X",
            method,
            "-H",
            &format!("x-apigw-api-id:{SEED_API_ID}"),
        ],
    ))
}

fn assert_access_denied(resp: &CurlResponse, body: &str) {
    assert_eq!(resp.status_line, "HTTP/1.1 403 Forbidden", "{resp:?}");
    assert_eq!(resp.header_names(), ERROR_HEADERS);
    assert_eq!(resp.header("Content-Type"), Some("application/json"));
    assert_eq!(
        resp.header("Content-Length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(resp.header("Connection"), Some("keep-alive"));
    assert_eq!(resp.header("x-amzn-RequestId").map(str::len), Some(36));
    assert_eq!(
        resp.header("x-amzn-ErrorType"),
        Some("AccessDeniedException")
    );
    let apigw_id = resp.header("x-amz-apigw-id").unwrap_or_default();
    assert!(
        apigw_id.len() == 16 && apigw_id.ends_with('='),
        "{apigw_id}"
    );
    assert_eq!(resp.body, body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_endpoint_resolves_to_its_own_addresses() {
    with_emulator(two_endpoints(), |t| {
        let a = t.dns_name(0, 0);
        let b = t.dns_name(1, 0);
        assert!(
            b.starts_with(&format!("{VPCE_B}-"))
                && b.ends_with(".execute-api.us-east-1.vpce.amazonaws.com"),
            "{b}"
        );
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(t.resolve(&a), vec![ip("127.0.1.1"), ip("127.0.1.2")]);
        assert_eq!(t.resolve(&b), vec![ip(VPCE_B_ADDRESS)]);
        let b_zonal = t.dns_name(1, 1);
        assert!(
            b_zonal.starts_with(&format!(
                "{b_label}-us-east-1a.",
                b_label = b.split('.').next().unwrap()
            )),
            "{b_zonal}"
        );
        assert_eq!(t.resolve(&b_zonal), vec![ip(VPCE_B_ADDRESS)]);
        assert_eq!(
            t.ready["vpcEndpoints"][1]["dnsEntries"]
                .as_array()
                .map(Vec::len),
            Some(2),
            "one regional and one zonal name for a one-subnet endpoint"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_the_resource_policy_does_not_name_gets_an_explicit_deny_in_aws_shape() {
    with_emulator(two_endpoints(), |t| {
        assert_access_denied(
            &call(&t, 1, "GET", "/test"),
            &denial(
                "test/GET/",
                " with an explicit deny in a resource-based policy",
            ),
        );
        let through_seed = call(&t, 0, "GET", "/test");
        assert_eq!(through_seed.status_line, "HTTP/1.1 200 OK");
        assert_eq!(through_seed.header("x-amzn-ErrorType"), None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_denied_resource_arn_names_the_method_and_the_requested_path() {
    with_emulator(two_endpoints(), |t| {
        let tail = " with an explicit deny in a resource-based policy";
        assert_access_denied(
            &call(&t, 1, "GET", "/test/pets/1"),
            &denial("test/GET/pets/1", tail),
        );
        assert_access_denied(
            &call(&t, 1, "POST", "/test/pets"),
            &denial("test/POST/pets", tail),
        );
        // The path as requested: a trailing slash stays in the ARN.
        assert_access_denied(
            &call(&t, 1, "GET", "/test/pets/"),
            &denial("test/GET/pets/", tail),
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_wording_drops_the_policy_kind_from_an_explicit_deny() {
    let mut v = two_endpoints();
    v["emulator"]["denialWording"] = "legacy".into();
    with_emulator(v, |t| {
        assert_access_denied(
            &call(&t, 1, "GET", "/test/pets/1"),
            &denial("test/GET/pets/1", " with an explicit deny"),
        );
    })
    .await;
}

/// The seed's policy without its Allow statement: the Deny still refuses endpoint B, and nothing
/// allows the seed's endpoint.
fn deny_only(v: &mut serde_json::Value) {
    v["restApis"][0]["policy"]["Statement"]
        .as_array_mut()
        .expect("the seed policy has statements")
        .retain(|s| s["Effect"] == "Deny");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_with_no_allow_is_an_implicit_deny_and_an_explicit_deny_still_wins() {
    let mut v = two_endpoints();
    deny_only(&mut v);
    with_emulator(v, |t| {
        assert_access_denied(
            &call(&t, 0, "GET", "/test/pets"),
            &denial(
                "test/GET/pets",
                " because no resource-based policy allows the execute-api:Invoke action",
            ),
        );
        assert_access_denied(
            &call(&t, 1, "GET", "/test/pets"),
            &denial(
                "test/GET/pets",
                " with an explicit deny in a resource-based policy",
            ),
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_wording_of_an_implicit_deny_has_no_reason_at_all() {
    let mut v = two_endpoints();
    deny_only(&mut v);
    v["emulator"]["denialWording"] = "legacy".into();
    with_emulator(v, |t| {
        assert_access_denied(&call(&t, 0, "GET", "/test"), &denial("test/GET/", ""));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denying_endpoint_policy_is_named_and_is_checked_before_the_resource_policy() {
    let mut v = two_endpoints();
    // The seed endpoint's policy, as AWS returns it (a JSON string): full access except pet 1.
    v["vpcEndpoints"][0]["policyDocument"] = serde_json::json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/*/GET/pets/1"}
    ]})
    .to_string()
    .into();
    // Endpoint B's policy denies everything; the resource policy would deny B as well.
    v["vpcEndpoints"][1]["policyDocument"] = serde_json::json!({"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
    ]});
    with_emulator(v, |t| {
        let tail = " with an explicit deny in a VPC endpoint policy";
        assert_access_denied(
            &call(&t, 0, "GET", "/test/pets/1"),
            &denial("test/GET/pets/1", tail),
        );
        assert_eq!(
            call(&t, 0, "GET", "/test/pets/2").status_line,
            "HTTP/1.1 200 OK"
        );
        assert_access_denied(
            &call(&t, 1, "GET", "/test/pets/2"),
            &denial("test/GET/pets/2", tail),
        );
    })
    .await;
}
