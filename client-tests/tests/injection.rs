//! What a client puts in a request cannot become a header of the answer or a line of the log
//! (issue 19, items 4 and 5): a CR/LF copied into a response header by an AWS_PROXY function, a
//! MOCK's `$context.responseOverride.header`, or an HTTP integration's `responseParameters` is
//! refused as API Gateway refuses it, and stderr keeps one line per message.

use std::time::{Duration, Instant};

use client_tests::backends::{EchoBackend, FunctionResult, LambdaRie};
use client_tests::{seed_json, CurlResponse, RunningBinary};
use serde_json::json;

const API: &str = "a1b2c3d4e5";
/// What a client would like to add to the answer.
const INJECTED: &str = "%0d%0aSet-Cookie:%20injected=1";

/// A function that does what careless functions do: copies the request into its answer.
fn careless(event: &serde_json::Value) -> FunctionResult {
    let next = event["queryStringParameters"]["next"]
        .as_str()
        .unwrap_or_default();
    let name = event["pathParameters"]["name"].as_str().unwrap_or_default();
    let result = match event["resource"].as_str().unwrap_or_default() {
        "/redirect" => json!({"statusCode": 302, "headers": {"Location": next}, "body": ""}),
        "/redirects" => {
            json!({"statusCode": 302, "multiValueHeaders": {"Location": [next]}, "body": ""})
        }
        "/named" => json!({"statusCode": 200, "headers": {next: "1"}, "body": "named"}),
        // Not a proxy response at all: the cause quotes it.
        _ => return (format!("not a proxy response: {name}").into_bytes(), false),
    };
    (result.to_string().into_bytes(), false)
}

fn function() -> serde_json::Value {
    json!({"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:careless/invocations"
    }})
}

fn scenario(echo: &EchoBackend, lambda: &LambdaRie) -> serde_json::Value {
    let definition = json!({
        "openapi": "3.0.1",
        "info": {"title": "injection", "version": "1"},
        "paths": {
            "/redirect": {"get": function()},
            "/redirects": {"get": function()},
            "/named": {"get": function()},
            "/raw/{name}": {"get": function()},
            "/mock": {"get": {"x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200", "responseTemplates": {
                    "application/json": "#set($context.responseOverride.header.Location = $input.params('next'))moved"
                }}}
            }}},
            "/http": {"post": {"x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "POST",
                "uri": format!("http://127.0.0.1:{}/echo", echo.port()),
                "responses": {"default": {"statusCode": "200", "responseParameters": {
                    "method.response.header.X-Echo": "integration.response.body.body"
                }}}
            }}}
        }
    });
    let mut scenario = seed_json();
    let policy = scenario["restApis"][0]["policy"].clone();
    scenario["restApis"] = json!([{
        "id": API,
        "endpointConfiguration": {"types": ["PRIVATE"]},
        "policy": policy,
        "body": definition,
        "stages": [{"stageName": "test"}]
    }]);
    scenario["emulator"]["integrations"] =
        json!({"lambdaFunctions": {"careless": {"endpoint": lambda.url()}}});
    scenario
}

/// Starts the binary on the scenario, runs the blocking `check` against it, stops it.
async fn with_binary(check: impl FnOnce(&RunningBinary) + Send + 'static) {
    let echo = EchoBackend::http().await;
    let lambda = LambdaRie::start(careless).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, scenario(&echo, &lambda).to_string()).expect("scenario written");
    tokio::task::spawn_blocking(move || {
        let running = RunningBinary::start(&["--config", file.to_str().expect("a UTF-8 path")]);
        check(&running);
        drop(dir);
    })
    .await
    .expect("the client side finished");
    drop((echo, lambda));
}

fn call(running: &RunningBinary, path: &str, args: &[&str]) -> CurlResponse {
    running.target.call(API, path, args)
}

/// The answer carries no header, and no line, that the client wrote.
fn assert_not_injected(r: &CurlResponse) {
    assert!(r.header("Set-Cookie").is_none(), "{:?}", r.headers);
    assert!(
        r.headers
            .iter()
            .all(|(k, v)| !k.contains("injected") && !v.contains("injected")),
        "{:?}",
        r.headers
    );
}

fn assert_refused(r: &CurlResponse, status_line: &str) {
    assert_eq!(r.status_line, status_line, "{:?} {}", r.headers, r.body);
    assert_eq!(r.body, r#"{"message": "Internal server error"}"#);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InternalServerErrorException")
    );
    assert_not_injected(r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_copying_the_request_into_a_header_is_a_malformed_proxy_response() {
    with_binary(|running| {
        let fine = call(running, "/test/redirect?next=/elsewhere", &[]);
        assert_eq!(fine.status_line, "HTTP/1.1 302 Found");
        assert_eq!(fine.header("Location"), Some("/elsewhere"));

        for path in [
            format!("/test/redirect?next=/elsewhere{INJECTED}"),
            format!("/test/redirects?next=/elsewhere{INJECTED}"),
            "/test/redirect?next=/elsewhere%0aSet-Cookie:%20injected=1".to_string(),
            // A header name is a token: no CR/LF, no colon, no space.
            format!("/test/named?next=X-A:%20b{INJECTED}"),
        ] {
            assert_refused(&call(running, &path, &[]), "HTTP/1.1 502 Bad Gateway");
        }
        let log = running.stderr();
        assert!(log.contains("Malformed Lambda proxy response"), "{log}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_override_header_with_a_line_break_is_refused() {
    with_binary(|running| {
        let fine = call(running, "/test/mock?next=/elsewhere", &[]);
        assert_eq!(fine.status_line, "HTTP/1.1 200 OK");
        assert_eq!(fine.header("Location"), Some("/elsewhere"));
        assert_eq!(fine.body, "moved");

        let r = call(
            running,
            &format!("/test/mock?next=/elsewhere{INJECTED}"),
            &[],
        );
        assert_refused(&r, "HTTP/1.1 500 Internal Server Error");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_parameter_taken_from_the_backend_body_is_refused_with_a_line_break() {
    with_binary(|running| {
        let fine = call(running, "/test/http", &["--data-binary", "hello"]);
        assert_eq!(fine.status_line, "HTTP/1.1 200 OK", "{}", fine.body);
        assert_eq!(fine.header("X-Echo"), Some("hello"));

        // The echo backend puts the request body in its JSON answer; the mapping takes it out.
        for body in [
            "hello\r\nSet-Cookie: injected=1",
            "hello\r\n\r\ninjected body",
            "hello\nSet-Cookie: injected=1",
        ] {
            let r = call(running, "/test/http", &["--data-binary", body]);
            assert_refused(&r, "HTTP/1.1 500 Internal Server Error");
            assert!(!r.body.contains("injected"), "{}", r.body);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_break_in_the_path_stays_inside_its_log_line() {
    with_binary(|running| {
        let r = call(running, "/test/raw/x%0d%0aFORGED%20log%20line", &[]);
        assert_eq!(r.status_line, "HTTP/1.1 502 Bad Gateway");
        // The access line comes after the cause's: wait for it.
        let deadline = Instant::now() + Duration::from_secs(10);
        let log = loop {
            let log = running.stderr();
            if log.contains("/test/raw/x%0d%0aFORGED%20log%20line 502") {
                break log;
            }
            assert!(Instant::now() < deadline, "no access line in: {log}");
            std::thread::sleep(Duration::from_millis(50));
        };
        // Every line that mentions the forged text is a log line of its own (a level and a
        // timestamp before it), never the start of one.
        let mentions: Vec<&str> = log.lines().filter(|l| l.contains("FORGED")).collect();
        assert!(mentions.len() >= 2, "{log}");
        for line in &mentions {
            assert!(
                line.contains(" WARN ") || line.contains(" INFO "),
                "a forged line: {line:?} in {log}"
            );
            assert!(!line.trim_start().starts_with("FORGED"), "{log}");
        }
        assert!(
            log.contains(r"not a proxy response: x\r\nFORGED log line"),
            "{log}"
        );
    })
    .await;
}
