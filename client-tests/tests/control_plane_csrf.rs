//! A web page cannot drive the control plane: cross-site "simple" POSTs (form and text/plain
//! bodies, credentials in the query string) and DNS-rebinding names (`Host: evil.example`) are
//! refused with the service's own 403, and change nothing; calls shaped as the AWS CLI sends
//! them (a form body with a SigV4 `Authorization` header) still work.

use std::process::Command;

use client_tests::{require_tool, CurlResponse, RunningBinary};

const SG: &str = "sg-0a1b2c3d4e5f60003";
const EC2_AUTH: &str = "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";
const APIGW_AUTH: &str = "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/apigateway/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";
const QUERY_EC2: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fec2%2Faws4_request";
const QUERY_APIGW: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fapigateway%2Faws4_request";

fn start() -> RunningBinary {
    RunningBinary::start(&["--control-plane-listen", "127.0.0.1:0"])
}

/// `curl -i` against the control plane with `args`.
fn curl(args: &[&str]) -> CurlResponse {
    require_tool("curl", "curl");
    let out = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "10"])
        .args(args)
        .output()
        .expect("curl runs");
    CurlResponse::parse(&out)
}

/// What EC2 says of the seed's security group, asked as the AWS CLI asks.
fn describe_group(ep: &str) -> String {
    let r = curl(&[
        "-H",
        EC2_AUTH,
        "-H",
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        "--data",
        &format!("Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1={SG}"),
        &format!("{ep}/"),
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
    r.body
}

fn rest_api_names(ep: &str) -> String {
    let r = curl(&["-H", APIGW_AUTH, &format!("{ep}/restapis")]);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
    r.body
}

#[test]
fn cross_site_form_posts_are_refused_and_change_nothing() {
    let emulator = start();
    let ep = emulator.target.control_plane_endpoint();
    // The group's egress already allows 0.0.0.0/0: count the ranges rather than look for one.
    let open = |ep: &str| describe_group(ep).matches("0.0.0.0/0").count();
    let before = open(&ep);

    // What a page on evil.example can make a browser send: a form, credentials in the URL.
    let form = format!(
        "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId={SG}&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443&IpPermissions.1.ToPort=443&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0"
    );
    for extra in [
        vec!["-H", "Origin: http://evil.example"],
        // Without Origin (an old browser, a GET-like form): no Authorization header is enough.
        vec![],
    ] {
        let mut args = vec![
            "-H",
            "Content-Type: application/x-www-form-urlencoded",
            "--data",
            &form,
        ];
        args.extend(extra);
        let url = format!("{ep}/?{QUERY_EC2}");
        args.push(&url);
        let r = curl(&args);
        assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{}", r.body);
        assert!(
            r.body.contains("<Code>UnauthorizedOperation</Code>"),
            "{}",
            r.body
        );
    }
    assert_eq!(open(&ep), before, "nothing was opened");

    // A text/plain POST creating an API.
    let apis = rest_api_names(&ep);
    let r = curl(&[
        "-H",
        "Origin: http://evil.example",
        "-H",
        "Content-Type: text/plain",
        "--data",
        r#"{"name":"planted"}"#,
        &format!("{ep}/restapis?{QUERY_APIGW}"),
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{}", r.body);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("AccessDeniedException"));
    assert!(r.body.starts_with("{\"message\":"), "{}", r.body);
    assert_eq!(rest_api_names(&ep), apis, "no API was created");

    // Even signed, a call marked as coming from another site is refused.
    let r = curl(&[
        "-H",
        APIGW_AUTH,
        "-H",
        "Sec-Fetch-Site: cross-site",
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"name":"planted"}"#,
        &format!("{ep}/restapis"),
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{}", r.body);
    assert!(!rest_api_names(&ep).contains("planted"));

    // The AWS CLI's shape still works: a form body with a SigV4 Authorization header.
    let r = curl(&[
        "-H",
        EC2_AUTH,
        "-H",
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        "--data",
        &form,
        &format!("{ep}/"),
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
    assert_eq!(open(&ep), before + 1);
}

#[test]
fn a_foreign_host_is_refused_everywhere() {
    let emulator = start();
    let ep = emulator.target.control_plane_endpoint();
    let r = curl(&["-H", "Host: evil.example", &format!("{ep}/console")]);
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{}", r.body);
    assert!(
        !r.body.contains("vpc-endpoints"),
        "the console is not shown"
    );
    let r = curl(&[
        "-H",
        "Host: evil.example:4566",
        "-H",
        APIGW_AUTH,
        &format!("{ep}/restapis"),
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{}", r.body);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("AccessDeniedException"));

    // localhost and the address itself are this machine.
    let port = ep.rsplit(':').next().expect("a port");
    let r = curl(&[
        "-H",
        &format!("Host: localhost:{port}"),
        &format!("{ep}/console"),
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        curl(&[&format!("{ep}/console")]).status_line,
        "HTTP/1.1 200 OK"
    );
}

#[test]
fn the_consoles_send_form_needs_its_token() {
    let emulator = start();
    let ep = emulator.target.control_plane_endpoint();
    let command = "curl -X DELETE https://x.example/test";
    let page = curl(&[
        "-G",
        "--data-urlencode",
        &format!("command={command}"),
        &format!("{ep}/console/explain"),
    ]);
    assert_eq!(page.status_line, "HTTP/1.1 200 OK");
    let token = page
        .body
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries the send form's token")
        .to_string();

    let post = |token: &str, origin: &str| {
        curl(&[
            "-H",
            &format!("Origin: {origin}"),
            "--data-urlencode",
            &format!("command={command}"),
            "--data-urlencode",
            &format!("token={token}"),
            &format!("{ep}/console/explain"),
        ])
    };
    let r = post("guessed", &ep);
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{}", r.body);
    let r = post(&token, "http://evil.example");
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{}", r.body);
    let r = post(&token, &ep);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.body);
    assert!(r.body.contains("<p id=\"explain-sent\">"), "{}", r.body);
}
