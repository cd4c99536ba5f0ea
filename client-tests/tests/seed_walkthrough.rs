//! AWS's "connect to a private API over Direct Connect" walkthrough, step by step, against the
//! real binary with its built-in scenario, using `dig` and `curl` as the article does.

use std::net::IpAddr;

use client_tests::{CurlResponse, RunningBinary, SEED_API_ID};

/// dig separates fields with tabs and spaces; compare with single spaces.
fn squeeze(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn seed() -> RunningBinary {
    RunningBinary::start(&[])
}

#[test]
fn dig_returns_the_endpoints_private_addresses_for_the_regional_name() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    assert!(
        name.starts_with("vpce-01234567890abcdef-")
            && name.ends_with(".execute-api.us-east-1.vpce.amazonaws.com"),
        "{name}"
    );
    let full = squeeze(&t.dig(&[&name, "A"]));
    assert!(full.contains("status: NOERROR"), "{full}");
    assert!(
        full.contains("flags: qr aa rd;"),
        "authoritative, recursion desired but not available: {full}"
    );
    assert!(
        full.contains(&format!("{name}. 60 IN A 127.0.1.1")),
        "{full}"
    );
    assert!(
        full.contains(&format!("{name}. 60 IN A 127.0.1.2")),
        "{full}"
    );
    assert_eq!(
        t.resolve(&name),
        vec![
            "127.0.1.1".parse::<IpAddr>().unwrap(),
            "127.0.1.2".parse().unwrap()
        ]
    );
}

#[test]
fn dig_answers_each_zonal_name_with_its_zones_address_over_udp_and_tcp() {
    let emu = seed();
    let t = &emu.target;
    let a = t.dns_name(0, 1);
    let b = t.dns_name(0, 2);
    assert!(a.contains("-us-east-1a.execute-api."), "{a}");
    assert!(b.contains("-us-east-1b.execute-api."), "{b}");
    assert_eq!(t.resolve(&a), vec!["127.0.1.1".parse::<IpAddr>().unwrap()]);
    assert_eq!(t.dig(&["+tcp", "+short", &b]).trim(), "127.0.1.2");
    assert_eq!(
        t.dig(&["+short", &a.to_uppercase()]).trim(),
        "127.0.1.1",
        "names are case-insensitive"
    );
}

#[test]
fn dig_gives_nodata_nxdomain_and_refused_where_aws_would() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    let aaaa = squeeze(&t.dig(&[&name, "AAAA"]));
    assert!(
        aaaa.contains("status: NOERROR") && aaaa.contains("ANSWER: 0"),
        "AAAA has no data: {aaaa}"
    );
    assert!(
        aaaa.contains("execute-api.us-east-1.vpce.amazonaws.com. 60 IN SOA"),
        "a negative answer carries the zone's SOA: {aaaa}"
    );
    let unknown =
        t.dig(&["vpce-0fffffffffffffff0-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com"]);
    assert!(unknown.contains("status: NXDOMAIN"), "{unknown}");
    let outside = t.dig(&["example.com"]);
    assert!(
        outside.contains("status: REFUSED"),
        "not an open resolver: {outside}"
    );
}

#[test]
fn the_seed_curl_prints_http_1_1_200_ok() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    let address = t.resolve(&name)[0];
    let out = t.curl(
        &name,
        address,
        "/test",
        &["-IX", "GET", "-H", &format!("x-apigw-api-id:{SEED_API_ID}")],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().next(),
        Some("HTTP/1.1 200 OK"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_address_and_zonal_name_reaches_the_api() {
    let emu = seed();
    let t = &emu.target;
    for i in 0..3 {
        let name = t.dns_name(0, i);
        for address in t.resolve(&name) {
            let out = t.curl(
                &name,
                address,
                "/test/pets",
                &["-i", "-H", &format!("x-apigw-api-id:{SEED_API_ID}")],
            );
            assert_eq!(
                CurlResponse::parse(&out).status_line,
                "HTTP/1.1 200 OK",
                "{name} via {address}"
            );
        }
    }
}

/// The headers AWS sends on an error, in its order and spelling.
const ERROR_HEADERS: [&str; 7] = [
    "Date",
    "Content-Type",
    "Content-Length",
    "Connection",
    "x-amzn-RequestId",
    "x-amzn-ErrorType",
    "x-amz-apigw-id",
];

fn assert_aws_error(resp: &CurlResponse, error_type: &str, body: &str) {
    assert_eq!(resp.status_line, "HTTP/1.1 403 Forbidden");
    assert_eq!(resp.header_names(), ERROR_HEADERS);
    assert_eq!(resp.header("Content-Type"), Some("application/json"));
    assert_eq!(
        resp.header("Content-Length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(resp.header("Connection"), Some("keep-alive"));
    assert_eq!(resp.header("x-amzn-ErrorType"), Some(error_type));
    assert_eq!(resp.header("x-amzn-RequestId").map(str::len), Some(36));
    let apigw_id = resp.header("x-amz-apigw-id").unwrap();
    assert!(
        apigw_id.len() == 16 && apigw_id.ends_with('='),
        "{apigw_id}"
    );
    assert_eq!(resp.body, body);
}

#[test]
fn without_the_api_id_header_the_answer_is_403_forbidden() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    let resp = CurlResponse::parse(&t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/test",
        &["-i", "-X", "GET"],
    ));
    assert_aws_error(&resp, "ForbiddenException", r#"{"message":"Forbidden"}"#);
}

#[test]
fn a_method_the_resource_lacks_is_403_missing_authentication_token() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    let resp = CurlResponse::parse(&t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/test",
        &["-i", "-X", "POST", "-H", "x-apigw-api-id:chw1a2q2xk"],
    ));
    assert_aws_error(
        &resp,
        "MissingAuthenticationTokenException",
        r#"{"message":"Missing Authentication Token"}"#,
    );
    let resp = CurlResponse::parse(&t.curl(
        &name,
        "127.0.1.2".parse().unwrap(),
        "/test/nothing/here",
        &["-i", "-H", "x-apigw-api-id:chw1a2q2xk"],
    ));
    assert_aws_error(
        &resp,
        "MissingAuthenticationTokenException",
        r#"{"message":"Missing Authentication Token"}"#,
    );
}

#[test]
fn a_stage_that_does_not_exist_is_403_forbidden() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    for path in ["/prod", "/", "/Test"] {
        let resp = CurlResponse::parse(&t.curl(
            &name,
            "127.0.1.1".parse().unwrap(),
            path,
            &["-i", "-H", "x-apigw-api-id:chw1a2q2xk"],
        ));
        assert_aws_error(&resp, "ForbiddenException", r#"{"message":"Forbidden"}"#);
    }
}

#[test]
fn an_unknown_api_id_is_403_forbidden() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    let resp = CurlResponse::parse(&t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/test",
        &["-i", "-H", "x-apigw-api-id:zzzzzzzzzz"],
    ));
    assert_aws_error(&resp, "ForbiddenException", r#"{"message":"Forbidden"}"#);
}

#[test]
fn a_client_that_asks_to_close_gets_connection_close() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    let resp = CurlResponse::parse(&t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/test",
        &["-i", "-H", "Connection: close"],
    ));
    assert_eq!(resp.header("Connection"), Some("close"));
}

#[test]
fn the_success_headers_follow_aws_order_without_a_server_header() {
    let emu = seed();
    let t = &emu.target;
    let name = t.dns_name(0, 0);
    let resp = CurlResponse::parse(&t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/test",
        &["-i", "-H", "x-apigw-api-id:chw1a2q2xk"],
    ));
    assert_eq!(
        resp.header_names(),
        [
            "Date",
            "Content-Type",
            "Content-Length",
            "Connection",
            "x-amzn-RequestId",
            "x-amz-apigw-id"
        ]
    );
    assert_eq!(resp.header("Content-Type"), Some("text/html"));
    assert!(resp.body.contains("<h1>Welcome to your Pet Store API</h1>"));
    assert!(
        resp.body
            .contains("<a href=\"/test/pets/\" target=\"_blank\">"),
        "$context.stage is filled in"
    );
    assert_eq!(
        resp.header("Content-Length"),
        Some(resp.body.len().to_string().as_str())
    );
}

#[test]
fn sigterm_stops_the_binary_cleanly_and_the_log_names_each_request() {
    let emu = seed();
    let t = emu.target.clone();
    let name = t.dns_name(0, 0);
    t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/prod",
        &["-i", "-H", "x-apigw-api-id:chw1a2q2xk"],
    );
    let (status, log) = emu.stop();
    assert!(status.success(), "exit status {status}");
    let line = log
        .lines()
        .find(|l| l.contains("GET /prod 403"))
        .unwrap_or_else(|| panic!("no access log line in {log}"));
    for field in [
        "request_id=",
        "endpoint=\"vpce-01234567890abcdef\"",
        "api=\"chw1a2q2xk\"",
        "status=403",
        "stage \\\"prod\\\" is not deployed",
    ] {
        assert!(line.contains(field), "{field} missing in {line}");
    }
}
