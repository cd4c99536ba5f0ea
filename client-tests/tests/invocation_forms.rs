//! Every way AWS lets a client reach a private API, and the ways it refuses: private DNS (inside
//! the VPC only, and how it breaks public APIs there), Route 53 alias names, a Host header on an
//! endpoint name, public REGIONAL APIs beside private ones, security groups, dual stack, and TLS
//! names. Clients on premises and in VPCs are local source addresses (`dig -b`, `curl
//! --interface`) that the scenario maps onto the addresses they stand for.

use std::time::{Duration, Instant};

use client_tests::{config_from, CurlResponse, Emulator, Target};

const PRIVATE_API: &str = "chw1a2q2xk";
const PUBLIC_API: &str = "pub1234567";
const VPCE_A: &str = "vpce-01234567890abcdef";
const VPCE_B: &str = "vpce-0fedcba9876543210";
/// A second endpoint in VPC A, without private DNS.
const VPCE_C: &str = "vpce-0c0c0c0c0c0c0c0c0";
/// Sources standing for: an on-premises host, an instance in VPC A (private DNS on), an
/// instance in VPC B (private DNS off), a branch office the security group does not allow.
const ON_PREM: &str = "127.0.0.1";
const IN_VPC_A: &str = "127.0.3.7";
const IN_VPC_B: &str = "127.0.4.7";
const BRANCH: &str = "127.0.9.5";

fn scenario() -> serde_json::Value {
    serde_json::json!({
        "region": "us-east-1",
        "accountId": "123456789012",
        "vpcs": [
            {"vpcId": "vpc-0a1b2c3d4e5f67890", "cidrBlock": "172.31.0.0/16", "subnets": [
                {"subnetId": "subnet-0a1b2c3d4e5f60001", "availabilityZone": "us-east-1a", "cidrBlock": "172.31.0.0/20"},
                {"subnetId": "subnet-0a1b2c3d4e5f60002", "availabilityZone": "us-east-1b", "cidrBlock": "172.31.16.0/20"}]},
            {"vpcId": "vpc-0b1b2c3d4e5f67890", "cidrBlock": "10.1.0.0/16", "subnets": [
                {"subnetId": "subnet-0b1b2c3d4e5f60001", "availabilityZone": "us-east-1c", "cidrBlock": "10.1.0.0/24"}]}
        ],
        "securityGroups": [
            {"groupId": "sg-0a1b2c3d4e5f60003", "vpcId": "vpc-0a1b2c3d4e5f67890", "ipPermissions": [
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                 "ipRanges": [{"cidrIp": "172.31.0.0/16"}, {"cidrIp": "10.20.0.0/16"}]}]},
            {"groupId": "sg-0b1b2c3d4e5f60003", "vpcId": "vpc-0b1b2c3d4e5f67890", "ipPermissions": [
                {"ipProtocol": "-1", "ipRanges": [{"cidrIp": "0.0.0.0/0"}], "ipv6Ranges": [{"cidrIpv6": "::/0"}]}]}
        ],
        "vpcEndpoints": [
            {"vpcEndpointId": VPCE_A, "serviceName": "com.amazonaws.us-east-1.execute-api", "vpcId": "vpc-0a1b2c3d4e5f67890",
             "subnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"], "securityGroupIds": ["sg-0a1b2c3d4e5f60003"],
             "privateDnsEnabled": true},
            {"vpcEndpointId": VPCE_B, "serviceName": "com.amazonaws.us-east-1.execute-api", "vpcId": "vpc-0b1b2c3d4e5f67890",
             "subnetIds": ["subnet-0b1b2c3d4e5f60001"], "securityGroupIds": ["sg-0b1b2c3d4e5f60003"], "ipAddressType": "dualstack",
             "networkInterfaces": [{"subnetId": "subnet-0b1b2c3d4e5f60001", "privateIpAddress": "127.0.2.1", "ipv6Address": "::1"}]},
            {"vpcEndpointId": VPCE_C, "serviceName": "com.amazonaws.us-east-1.execute-api", "vpcId": "vpc-0a1b2c3d4e5f67890",
             "subnetIds": ["subnet-0a1b2c3d4e5f60002"]}
        ],
        "restApis": [
            {"id": PRIVATE_API, "name": "PetStore", "endpointConfiguration": {"types": ["PRIVATE"], "vpcEndpointIds": [VPCE_A]},
             "example": "PetStore", "stages": [{"stageName": "test"}],
             "policy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}},
            {"id": PUBLIC_API, "name": "Public", "endpointConfiguration": {"types": ["REGIONAL"]}, "example": "PetStore",
             "stages": [{"stageName": "prod"}]}
        ],
        "emulator": {
            "clients": [
                {"name": "on-premises over Direct Connect", "sourceCidr": "127.0.0.0/8", "appearsAs": "10.20.0.0/16"},
                {"name": "an instance in VPC A", "sourceCidr": "127.0.3.0/24", "appearsAs": "172.31.3.0/24", "vpcId": "vpc-0a1b2c3d4e5f67890"},
                {"name": "an instance in VPC B", "sourceCidr": "127.0.4.0/24", "appearsAs": "10.1.0.0/24", "vpcId": "vpc-0b1b2c3d4e5f67890"},
                {"name": "a branch office without Direct Connect", "sourceCidr": "127.0.9.0/24", "appearsAs": "192.168.9.0/24"}
            ],
            "securityGroupDropSeconds": 3
        }
    })
}

async fn start() -> (Emulator, Target) {
    let emulator = Emulator::start(config_from(&scenario()))
        .await
        .expect("the scenario starts");
    let target = Target::of(&emulator);
    (emulator, target)
}

fn api_name(label: &str) -> String {
    format!("{label}.execute-api.us-east-1.amazonaws.com")
}

/// Runs blocking client tools off the runtime the emulator serves on.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("the client side finished")
}

fn squeeze(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_dns_names_resolve_inside_their_vpc_only() {
    let (_emu, t) = start().await;
    let name = api_name(PRIVATE_API);
    blocking(move || {
        let inside = squeeze(&t.dig(&["-b", IN_VPC_A, &name]));
        assert!(inside.contains("status: NOERROR"), "{inside}");
        assert!(
            inside.contains(&format!(
                "{name}. 60 IN CNAME execute-api.us-east-1.amazonaws.com."
            )),
            "{inside}"
        );
        assert!(
            inside.contains("execute-api.us-east-1.amazonaws.com. 60 IN A 127.0.1.1"),
            "{inside}"
        );
        assert!(
            inside.contains("execute-api.us-east-1.amazonaws.com. 60 IN A 127.0.1.2"),
            "{inside}"
        );
        let apex = t.dig(&[
            "-b",
            IN_VPC_A,
            "+short",
            "execute-api.us-east-1.amazonaws.com",
        ]);
        assert_eq!(apex.lines().collect::<Vec<_>>(), ["127.0.1.1", "127.0.1.2"]);
        for source in [ON_PREM, IN_VPC_B] {
            let outside = t.dig(&["-b", source, &name]);
            assert!(
                outside.contains("status: NXDOMAIN"),
                "from {source}: {outside}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_private_dns_name_reaches_the_api_without_the_header() {
    let (_emu, t) = start().await;
    let name = api_name(PRIVATE_API);
    let out = blocking(move || {
        t.curl(
            &name,
            "127.0.1.2".parse().unwrap(),
            "/test/pets/2",
            &["-i", "--interface", IN_VPC_A],
        )
    })
    .await;
    let resp = CurlResponse::parse(&out);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        resp.body,
        "{\n  \"id\": 2,\n  \"type\": \"cat\",\n  \"price\": 124.99\n}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_dns_breaks_public_api_names_inside_the_vpc_but_not_on_premises() {
    let (_emu, t) = start().await;
    let name = api_name(PUBLIC_API);
    blocking(move || {
        // On premises, public DNS sends the name to the public endpoint, which serves it.
        assert_eq!(
            t.resolve(&name),
            vec!["127.0.0.2".parse::<std::net::IpAddr>().unwrap()]
        );
        let resp = CurlResponse::parse(&t.curl(
            &name,
            "127.0.0.2".parse().unwrap(),
            "/prod/pets/1",
            &["-i"],
        ));
        assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
        // Inside VPC A the same name is a CNAME to the endpoint, which only routes to private APIs.
        let inside = t.dig(&["-b", IN_VPC_A, "+short", &name]);
        assert_eq!(
            inside.lines().collect::<Vec<_>>(),
            [
                "execute-api.us-east-1.amazonaws.com.",
                "127.0.1.1",
                "127.0.1.2"
            ]
        );
        let resp = CurlResponse::parse(&t.curl(
            &name,
            "127.0.1.1".parse().unwrap(),
            "/prod/pets/1",
            &["-i", "--interface", IN_VPC_A],
        ));
        assert_eq!(resp.status_line, "HTTP/1.1 403 Forbidden");
        assert_eq!(resp.header("x-amzn-ErrorType"), Some("ForbiddenException"));
        assert_eq!(resp.body, r#"{"message":"Forbidden"}"#);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_53_alias_names_need_the_association() {
    let (_emu, t) = start().await;
    let alias = api_name(&format!("{PRIVATE_API}-{VPCE_A}"));
    let unassociated = api_name(&format!("{PRIVATE_API}-{VPCE_B}"));
    blocking(move || {
        // Alias names are public DNS: on premises too.
        assert_eq!(
            t.dig(&["+short", &alias]).lines().collect::<Vec<_>>(),
            ["127.0.1.1", "127.0.1.2"]
        );
        let resp = CurlResponse::parse(&t.curl(
            &alias,
            "127.0.1.1".parse().unwrap(),
            "/test/pets",
            &["-i"],
        ));
        assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
        assert!(t.dig(&[&unassociated]).contains("status: NXDOMAIN"));
        // Sent to the other endpoint anyway, the alias is refused.
        let resp = CurlResponse::parse(&t.curl(
            &unassociated,
            "127.0.2.1".parse().unwrap(),
            "/test/pets",
            &["-i"],
        ));
        assert_eq!(resp.status_line, "HTTP/1.1 403 Forbidden");
        assert_eq!(resp.body, r#"{"message":"Forbidden"}"#);
        // And the right alias through the wrong endpoint is refused too.
        let resp = CurlResponse::parse(&t.curl(
            &alias,
            "127.0.2.1".parse().unwrap(),
            "/test/pets",
            &["-i"],
        ));
        assert_eq!(resp.body, r#"{"message":"Forbidden"}"#);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_header_naming_the_api_works_on_an_endpoint_name() {
    let (_emu, t) = start().await;
    let vpce_name = t.dns_name(0, 0);
    let out = blocking(move || {
        t.curl(
            &vpce_name,
            "127.0.1.1".parse().unwrap(),
            "/test/pets/3",
            &["-i", "-H", &format!("Host: {}", api_name(PRIVATE_API))],
        )
    })
    .await;
    let resp = CurlResponse::parse(&out);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert!(resp.body.contains("\"type\": \"fish\""), "{}", resp.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_and_private_apis_are_refused_on_the_wrong_side() {
    let (_emu, t) = start().await;
    let vpce_name = t.dns_name(0, 0);
    blocking(move || {
        let through_endpoint = CurlResponse::parse(&t.curl(
            &vpce_name,
            "127.0.1.1".parse().unwrap(),
            "/prod",
            &["-i", "-H", &format!("x-apigw-api-id:{PUBLIC_API}")],
        ));
        assert_eq!(through_endpoint.status_line, "HTTP/1.1 403 Forbidden");
        assert_eq!(through_endpoint.body, r#"{"message":"Forbidden"}"#);
        let private_name = api_name(PRIVATE_API);
        let on_public = CurlResponse::parse(&t.curl(
            &private_name,
            "127.0.0.2".parse().unwrap(),
            "/test",
            &["-i"],
        ));
        assert_eq!(on_public.status_line, "HTTP/1.1 403 Forbidden");
        assert_eq!(
            on_public.header("x-amzn-ErrorType"),
            Some("ForbiddenException")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_the_security_group_does_not_allow_gets_no_bytes_at_all() {
    let (_emu, t) = start().await;
    let name = t.dns_name(0, 0);
    blocking(move || {
        let started = Instant::now();
        let out = t.curl(
            &name,
            "127.0.1.1".parse().unwrap(),
            "/test",
            &[
                "-i",
                "--interface",
                BRANCH,
                "--max-time",
                "2",
                "-H",
                "x-apigw-api-id:chw1a2q2xk",
            ],
        );
        assert!(
            started.elapsed() >= Duration::from_millis(1900),
            "the client waited until it gave up"
        );
        assert_eq!(
            out.status.code(),
            Some(28),
            "curl timed out: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout.is_empty(),
            "no bytes: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        // The allowed on-premises range still gets through the same endpoint.
        let ok = CurlResponse::parse(&t.curl(
            &name,
            "127.0.1.1".parse().unwrap(),
            "/test",
            &["-i", "-H", "x-apigw-api-id:chw1a2q2xk"],
        ));
        assert_eq!(ok.status_line, "HTTP/1.1 200 OK");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dual_stack_endpoint_answers_aaaa_and_serves_over_ipv6() {
    let (_emu, t) = start().await;
    let name = t.dns_name(1, 0);
    blocking(move || {
        assert_eq!(t.dig(&["+short", &name, "AAAA"]).trim(), "::1");
        assert_eq!(t.dig(&["+short", &name, "A"]).trim(), "127.0.2.1");
        let resp = CurlResponse::parse(&t.curl(
            &name,
            "::1".parse().unwrap(),
            "/test/pets/1",
            &["-i", "-H", "x-apigw-api-id:chw1a2q2xk"],
        ));
        assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_the_certificate_does_not_cover_fails_verification() {
    let (_emu, t) = start().await;
    let out = blocking(move || {
        t.curl(
            "api.example.com",
            "127.0.1.1".parse().unwrap(),
            "/test",
            &["-i"],
        )
    })
    .await;
    assert_eq!(
        out.status.code(),
        Some(60),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ready_file_lists_private_dns_names_after_the_endpoint_names() {
    let (emu, _t) = start().await;
    let ready = serde_json::to_value(emu.ready_info()).unwrap();
    let names: Vec<&str> = ready["vpcEndpoints"][0]["dnsEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["dnsName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        5,
        "regional, two zonal, two private: {names:?}"
    );
    assert!(names[0].starts_with("vpce-01234567890abcdef-") && !names[0].contains("-us-east-1"));
    assert!(names[1].ends_with("-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com"));
    assert_eq!(
        &names[3..],
        [
            "execute-api.us-east-1.amazonaws.com",
            "*.execute-api.us-east-1.amazonaws.com"
        ]
    );
    assert_eq!(
        ready["publicEndpoint"]["addresses"],
        serde_json::json!(["127.0.0.2"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_endpoint_in_the_same_vpc_has_its_own_names_and_route() {
    let (emu, t) = start().await;
    let ready = serde_json::to_value(emu.ready_info()).unwrap();
    assert_eq!(ready["vpcEndpoints"][2]["vpcEndpointId"], VPCE_C);
    let name = t.dns_name(2, 0);
    blocking(move || {
        // Automatic addresses continue after endpoint A's two interfaces.
        assert_eq!(
            t.resolve(&name),
            vec!["127.0.1.3".parse::<std::net::IpAddr>().unwrap()]
        );
        assert!(t
            .dns_name(2, 1)
            .ends_with("-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com"));
        let resp = CurlResponse::parse(&t.curl(
            &name,
            "127.0.1.3".parse().unwrap(),
            "/test/pets/1",
            &["-i", "-H", &format!("x-apigw-api-id:{PRIVATE_API}")],
        ));
        assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
        // VPC A's private DNS names still point at endpoint A, the one that enabled them.
        let inside = t.dig(&[
            "-b",
            IN_VPC_A,
            "+short",
            "execute-api.us-east-1.amazonaws.com",
        ]);
        assert_eq!(
            inside.lines().collect::<Vec<_>>(),
            ["127.0.1.1", "127.0.1.2"]
        );
    })
    .await;
}
