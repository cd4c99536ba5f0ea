//! Explaining a request is a dry run: `apigw-emulator explain` and the console's explain page
//! decide the request by the gateway's own steps and say what they would call, without calling
//! it. The function here writes a marker file when it runs: it stays absent until the request
//! is sent for real (`explain --send`, the console's POST with its token).

use std::path::{Path, PathBuf};
use std::process::Command;

use client_tests::{emulator_binary, require_tool, seed_json, CurlResponse, RunningBinary};
use serde_json::json;

const API: &str = "a1b2c3d4e5";
const NAME: &str = "vpce-01234567890abcdef-3ganbd1q.execute-api.us-east-1.vpce.amazonaws.com";

/// The seed's network with one API whose `DELETE /cmd` runs a command that touches `marker`.
fn scenario(dir: &Path, marker: &Path) -> PathBuf {
    let mut s = seed_json();
    let policy = s["restApis"][0]["policy"].clone();
    s["restApis"] = json!([{
        "id": API,
        "endpointConfiguration": {"types": ["PRIVATE"]},
        "policy": policy,
        "body": {
            "openapi": "3.0.1",
            "info": {"title": "side effects", "version": "1"},
            "paths": {"/cmd": {"delete": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST",
                "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:marker/invocations"
            }}}}
        },
        "stages": [{"stageName": "test"}]
    }]);
    let script = format!(
        "cat >/dev/null; touch '{}'; printf '%s' '{{\"statusCode\": 200, \"body\": \"ran\"}}'",
        marker.display()
    );
    s["emulator"]["integrations"] =
        json!({"lambdaFunctions": {"marker": {"command": ["sh", "-c", script]}}});
    let file = dir.join("scenario.json");
    std::fs::write(&file, s.to_string()).expect("scenario written");
    file
}

fn curl_words() -> Vec<String> {
    [
        "curl",
        "-X",
        "DELETE",
        "-H",
        &format!("x-apigw-api-id:{API}"),
        &format!("https://{NAME}/test/cmd"),
    ]
    .map(String::from)
    .to_vec()
}

fn explain(file: &Path, send: bool) -> (Option<i32>, String) {
    let mut cmd = Command::new(emulator_binary());
    cmd.arg("explain").arg("--config").arg(file);
    if send {
        cmd.arg("--send");
    }
    let out = cmd
        .arg("--")
        .args(curl_words())
        .output()
        .expect("explain runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_cli_explains_without_running_the_function_unless_told_to_send() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let marker = dir.path().join("ran");
    let file = scenario(dir.path(), &marker);

    let (code, text) = explain(&file, false);
    assert_eq!(code, Some(0), "{text}");
    assert!(!marker.exists(), "a dry run ran the function: {text}");
    assert!(text.contains("policies: Allow\n"), "{text}");
    assert!(
        text.contains("integration: AWS_PROXY: Lambda function arn:aws:lambda:us-east-1:123456789012:function:marker (the local command sh -c "),
        "{text}"
    );
    assert!(text.contains("not called, explain is a dry run"), "{text}");
    assert!(!text.contains("response: 200"), "{text}");

    let (code, text) = explain(&file, true);
    assert_eq!(code, Some(0), "{text}");
    assert!(marker.exists(), "--send runs the function: {text}");
    assert!(text.contains("response: 200 ran\n"), "{text}");
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn curl(args: &[&str]) -> CurlResponse {
    require_tool("curl", "curl");
    let out = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl runs");
    CurlResponse::parse(&out)
}

#[test]
fn the_consoles_explain_page_is_a_dry_run_and_its_post_sends() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let marker = dir.path().join("ran");
    let file = scenario(dir.path(), &marker);
    let emulator = RunningBinary::start(&[
        "--config",
        file.to_str().expect("utf-8 path"),
        "--control-plane-listen",
        "127.0.0.1:0",
    ]);
    let ep = emulator.target.control_plane_endpoint();
    let command = curl_words().join(" ");

    let page = curl(&[&format!(
        "{ep}/console/explain?from=127.0.0.1&command={}",
        encode(&command)
    )]);
    assert_eq!(page.status_line, "HTTP/1.1 200 OK", "{}", page.body);
    assert!(!marker.exists(), "the explain page ran the function");
    assert!(
        page.body.contains("<p id=\"explain-would-call\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("function:marker"), "{}", page.body);

    let token = page
        .body
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the send form carries the token")
        .to_string();
    let sent = curl(&[
        "--data-urlencode",
        &format!("command={command}"),
        "--data-urlencode",
        "from=127.0.0.1",
        "--data-urlencode",
        &format!("token={token}"),
        &format!("{ep}/console/explain"),
    ]);
    assert_eq!(sent.status_line, "HTTP/1.1 200 OK", "{}", sent.body);
    assert!(marker.exists(), "sending runs the function");
    assert!(
        sent.body.contains("<pre id=\"explain-body\">ran</pre>"),
        "{}",
        sent.body
    );
}
