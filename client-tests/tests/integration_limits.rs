//! Integration answers are read only up to API Gateway's limits (issue 19, item 2): backends and
//! Lambda functions that stream far more than 10 MB get the client AWS's error, and the
//! emulator's memory does not grow by what they sent.

use std::path::Path;

use client_tests::backends::StreamingBackend;
use client_tests::{seed_json, CurlResponse, RunningBinary};
use serde_json::json;

const API: &str = "a1b2c3d4e5";
/// Far more than any limit: an emulator that held it would show it in its memory.
const HUGE: usize = 200 * 1024 * 1024;
/// Under API Gateway's 10 MB: still answered whole.
const UNDER: usize = 5 * 1024 * 1024;

fn proxy(url: String) -> serde_json::Value {
    json!({"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": url}})
}

fn function(name: &str) -> serde_json::Value {
    json!({"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "httpMethod": "POST",
        "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{name}/invocations")
    }})
}

struct Streams {
    chunked: StreamingBackend,
    announced: StreamingBackend,
    under: StreamingBackend,
}

fn scenario(s: &Streams) -> serde_json::Value {
    let definition = json!({
        "openapi": "3.0.1",
        "info": {"title": "big", "version": "1"},
        "paths": {
            "/chunked": {"get": proxy(format!("{}/chunked", s.chunked.url()))},
            "/announced": {"get": proxy(format!("{}/announced", s.announced.url()))},
            "/under": {"get": proxy(format!("{}/under", s.under.url()))},
            "/mapped": {"get": {"x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "GET", "uri": format!("{}/mapped", s.chunked.url()),
                "responses": {"default": {"statusCode": "200"}}
            }}},
            "/fn": {"get": function("endpoint")},
            "/cmd": {"get": function("command")}
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
    scenario["emulator"]["integrations"] = json!({"lambdaFunctions": {
        "endpoint": {"endpoint": s.chunked.url()},
        "command": {"command": ["sh", "-c", format!("cat >/dev/null; head -c {HUGE} /dev/zero")]}
    }});
    scenario
}

fn get(running: &RunningBinary, path: &str) -> CurlResponse {
    running.target.call(API, path, &["--max-time", "60"])
}

fn start(dir: &Path, streams: &Streams) -> RunningBinary {
    let file = dir.join("scenario.json");
    std::fs::write(&file, scenario(streams).to_string()).expect("scenario written");
    RunningBinary::start(&["--config", file.to_str().expect("a UTF-8 path")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_over_the_limit_are_refused_without_being_held() {
    let streams = Streams {
        chunked: StreamingBackend::start(HUGE, false).await,
        announced: StreamingBackend::start(HUGE, true).await,
        under: StreamingBackend::start(UNDER, false).await,
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let running = start(dir.path(), &streams);
    tokio::task::spawn_blocking(move || {
        let pid = running.pid();
        // Under the limit: the whole body, once (which also warms the process up).
        let under = get(&running, "/test/under");
        assert_eq!(under.status_line, "HTTP/1.1 200 OK", "{:?}", under.headers);
        assert_eq!(under.body.len(), UNDER);
        // The peak, not the current size: a buffer freed after the answer would hide in VmRSS.
        let before = client_tests::status_kb(pid, "VmHWM:");
        for (path, status) in [
            ("/test/chunked", "HTTP/1.1 500 Internal Server Error"),
            ("/test/announced", "HTTP/1.1 500 Internal Server Error"),
            ("/test/mapped", "HTTP/1.1 500 Internal Server Error"),
            ("/test/fn", "HTTP/1.1 502 Bad Gateway"),
            ("/test/cmd", "HTTP/1.1 502 Bad Gateway"),
        ] {
            let r = get(&running, path);
            assert_eq!(r.status_line, status, "{path}: {:?}", r.headers);
            assert_eq!(r.body, r#"{"message": "Internal server error"}"#, "{path}");
            assert_eq!(
                r.header("x-amzn-ErrorType"),
                Some("InternalServerErrorException")
            );
        }
        let after = client_tests::status_kb(pid, "VmHWM:");
        let rss = client_tests::status_kb(pid, "VmRSS:");
        let grown = after.saturating_sub(before);
        eprintln!("peak memory {before} -> {after} bytes, {rss} resident");
        // 10 MB may be held (and copied once); 200 MB, five times over, may not.
        assert!(
            grown < 80 * 1024 * 1024,
            "the emulator's peak memory grew by {} MB (now {} MB resident)",
            grown / (1024 * 1024),
            rss / (1024 * 1024)
        );
        let (_, log) = running.stop();
        assert!(
            log.contains("over API Gateway's payload limit (10485760 bytes)"),
            "{log}"
        );
        assert!(
            log.contains(
                "Response payload size exceeded maximum allowed payload size (6291556 bytes)"
            ),
            "{log}"
        );
    })
    .await
    .expect("the client side finished");
    drop(streams);
}
