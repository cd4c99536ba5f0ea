//! Resource and endpoint policies decided over real HTTPS: `aws:SourceVpc`, `aws:VpcSourceIp`,
//! several endpoints, per-method resources, and a VPC endpoint policy, each with AWS's exact
//! denial body.

use client_tests::{config_from, CurlResponse, Target};

const VPCE_A: &str = "vpce-01234567890abcdef";
const VPCE_B: &str = "vpce-0fedcba9876543210";
const VPC_A: &str = "vpc-0a1b2c3d4e5f67890";
const VPC_B: &str = "vpc-0b1b2c3d4e5f67890";

fn api(id: &str, policy: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"id": id, "name": id, "endpointConfiguration": {"types": ["PRIVATE"]}, "example": "PetStore",
                       "policy": policy, "stages": [{"stageName": "test"}]})
}

fn statement(
    effect: &str,
    resource: &str,
    condition: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut s = serde_json::json!({"Effect": effect, "Principal": "*", "Action": "execute-api:Invoke", "Resource": resource});
    if let Some(c) = condition {
        s["Condition"] = c;
    }
    s
}

fn scenario() -> serde_json::Value {
    serde_json::json!({
        "region": "us-east-1",
        "accountId": "123456789012",
        "vpcs": [
            {"vpcId": VPC_A, "cidrBlock": "172.31.0.0/16", "subnets": [{"subnetId": "subnet-0a1b2c3d4e5f60001", "availabilityZone": "us-east-1a", "cidrBlock": "172.31.0.0/20"}]},
            {"vpcId": VPC_B, "cidrBlock": "10.1.0.0/16", "subnets": [{"subnetId": "subnet-0b1b2c3d4e5f60001", "availabilityZone": "us-east-1b", "cidrBlock": "10.1.0.0/24"}]}
        ],
        "vpcEndpoints": [
            {"vpcEndpointId": VPCE_A, "serviceName": "com.amazonaws.us-east-1.execute-api", "vpcId": VPC_A, "subnetIds": ["subnet-0a1b2c3d4e5f60001"]},
            {"vpcEndpointId": VPCE_B, "serviceName": "com.amazonaws.us-east-1.execute-api", "vpcId": VPC_B, "subnetIds": ["subnet-0b1b2c3d4e5f60001"],
             "policyDocument": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                                               "Resource": ["arn:aws:execute-api:us-east-1:123456789012:srcvpc0001/*", "arn:aws:execute-api:us-east-1:123456789012:twovpce001/*"]}]}}
        ],
        "restApis": [
            api("srcvpc0001", serde_json::json!({"Version": "2012-10-17", "Statement": [
                statement("Deny", "execute-api:/*", Some(serde_json::json!({"StringNotEquals": {"aws:SourceVpc": VPC_A}}))),
                statement("Allow", "execute-api:/*", None)]})),
            api("srcip00001", serde_json::json!({"Version": "2012-10-17", "Statement": [
                statement("Allow", "execute-api:/*", Some(serde_json::json!({"IpAddress": {"aws:VpcSourceIp": "10.20.0.0/16"}})))]})),
            api("twovpce001", serde_json::json!({"Version": "2012-10-17", "Statement": [
                statement("Deny", "execute-api:/*", Some(serde_json::json!({"StringNotEquals": {"aws:SourceVpce": [VPCE_A, VPCE_B]}}))),
                statement("Allow", "execute-api:/*", None)]})),
            api("getonly001", serde_json::json!({"Version": "2012-10-17", "Statement": [
                statement("Allow", "execute-api:/*/GET/*", None)]}))
        ],
        "emulator": {"clients": [
            {"name": "on-premises over Direct Connect", "sourceCidr": "127.0.0.0/8", "appearsAs": "10.20.0.0/16"},
            {"name": "another office", "sourceCidr": "127.0.9.0/24", "appearsAs": "192.168.9.0/24"}
        ]}
    })
}

/// Calls `api` through endpoint `e` (0: A, 1: B), from `source`.
fn call(t: &Target, e: usize, api: &str, method: &str, path: &str, source: &str) -> CurlResponse {
    let name = t.dns_name(e, 0);
    let address = t.resolve(&name)[0];
    let out = t.curl(
        &name,
        address,
        path,
        &[
            "-i",
            "-X",
            method,
            "--interface",
            source,
            "-H",
            &format!("x-apigw-api-id:{api}"),
        ],
    );
    CurlResponse::parse(&out)
}

fn denial(api: &str, method_path: &str, tail: &str) -> String {
    format!(
        r#"{{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:{api}/{method_path} {tail}"}}"#
    )
}

async fn with_emulator(check: impl FnOnce(Target) + Send + 'static) {
    client_tests::with_emulator(config_from(&scenario()), check).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_vpc_policy_admits_its_vpc_and_denies_the_other() {
    with_emulator(|t| {
        assert_eq!(
            call(&t, 0, "srcvpc0001", "GET", "/test/pets", "127.0.0.1").status_line,
            "HTTP/1.1 200 OK"
        );
        let denied = call(&t, 1, "srcvpc0001", "GET", "/test/pets", "127.0.0.1");
        assert_eq!(denied.status_line, "HTTP/1.1 403 Forbidden");
        assert_eq!(
            denied.header("x-amzn-ErrorType"),
            Some("AccessDeniedException")
        );
        assert_eq!(
            denied.body,
            denial(
                "srcvpc0001",
                "test/GET/pets",
                "with an explicit deny in a resource-based policy"
            )
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vpc_source_ip_policy_sees_the_address_the_client_stands_for() {
    with_emulator(|t| {
        // 127.0.0.1 stands for 10.20.0.1 (on premises), inside the allowed range.
        assert_eq!(
            call(&t, 0, "srcip00001", "GET", "/test", "127.0.0.1").status_line,
            "HTTP/1.1 200 OK"
        );
        // 127.0.9.5 stands for 192.168.9.5: no statement allows it.
        let denied = call(&t, 0, "srcip00001", "GET", "/test", "127.0.9.5");
        assert_eq!(denied.status_line, "HTTP/1.1 403 Forbidden");
        assert_eq!(
            denied.body,
            denial(
                "srcip00001",
                "test/GET/",
                "because no resource-based policy allows the execute-api:Invoke action"
            )
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_naming_two_endpoints_admits_both() {
    with_emulator(|t| {
        for e in [0, 1] {
            assert_eq!(
                call(&t, e, "twovpce001", "GET", "/test/pets/1", "127.0.0.1").status_line,
                "HTTP/1.1 200 OK",
                "endpoint {e}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_method_resource_allows_get_and_implicitly_denies_post() {
    with_emulator(|t| {
        assert_eq!(
            call(&t, 0, "getonly001", "GET", "/test/pets", "127.0.0.1").status_line,
            "HTTP/1.1 200 OK"
        );
        let denied = call(&t, 0, "getonly001", "POST", "/test/pets", "127.0.0.1");
        assert_eq!(
            denied.body,
            denial(
                "getonly001",
                "test/POST/pets",
                "because no resource-based policy allows the execute-api:Invoke action"
            )
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_policy_is_checked_before_the_resource_policy() {
    with_emulator(|t| {
        // getonly001 allows everyone, but endpoint B's policy lists only two other APIs.
        let denied = call(&t, 1, "getonly001", "GET", "/test/pets", "127.0.0.1");
        assert_eq!(denied.status_line, "HTTP/1.1 403 Forbidden");
        assert_eq!(
            denied.body,
            denial(
                "getonly001",
                "test/GET/pets",
                "because no VPC endpoint policy allows the execute-api:Invoke action"
            )
        );
        assert_eq!(
            call(&t, 0, "getonly001", "GET", "/test/pets", "127.0.0.1").status_line,
            "HTTP/1.1 200 OK"
        );
    })
    .await;
}
