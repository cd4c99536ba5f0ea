//! `--state-dir` never loses an acknowledged write: a SIGHUP keeps the control plane's state
//! (it does not replace it with the scenario), and a second emulator on the same directory
//! refuses to start, naming the directory and the first one's pid.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use client_tests::{emulator_binary, seed_json, RunningBinary, SEED_API_ID};
use serde_json::Value;

fn start(dir: &Path) -> RunningBinary {
    let scenario = dir.join("scenario.json");
    if !scenario.exists() {
        std::fs::write(&scenario, seed_json().to_string()).expect("scenario written");
    }
    RunningBinary::start(&[
        "--config",
        scenario.to_str().expect("utf-8 path"),
        "--control-plane-listen",
        "127.0.0.1:0",
        "--state-dir",
        dir.join("state").to_str().expect("utf-8 path"),
    ])
}

/// One API Gateway call over a plain socket (JSON, an unverified SigV4 header as the CLI
/// sends); returns the status code and the body.
fn apigateway(control: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let addr = control.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("the control plane accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("answered");
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {response}"));
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let value = serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON ({e}): {response}"));
    (status, value)
}

fn api_ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn sighup_with_a_state_directory_keeps_every_acknowledged_change() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let running = start(dir.path());
    let control = running.target.control_plane_endpoint();
    let (status, created) = apigateway(&control, "POST", "/restapis", r#"{"name":"second"}"#);
    assert_eq!(status, 201, "{created}");
    let new_id = created["id"].as_str().expect("an id").to_string();

    running.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log = running.stderr();
        if log.contains("reload") {
            break log;
        }
        assert!(Instant::now() < deadline, "no reload line in: {log}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let state_file = dir.path().join("state").join("state.json");
    assert!(
        log.contains(&format!(
            "reload: kept the control plane's state from {} (2 REST APIs, 1 VPC endpoints): with a state directory a reload does not replace it with the scenario",
            state_file.display()
        )),
        "{log}"
    );

    // Still served and still on disk.
    let (status, listed) = apigateway(&control, "GET", "/restapis", "");
    assert_eq!(status, 200, "{listed}");
    let mut ids = api_ids(&listed["item"]);
    ids.sort();
    let mut expected = vec![SEED_API_ID.to_string(), new_id];
    expected.sort();
    assert_eq!(ids, expected);
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).expect("a state file"))
            .expect("JSON");
    assert_eq!(
        state["scenario"]["restApis"]
            .as_array()
            .expect("APIs")
            .len(),
        2
    );
    let (exit, _) = running.stop();
    assert!(exit.success());
}

#[test]
fn a_second_emulator_on_one_state_directory_exits_1_naming_the_holder() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let first = start(dir.path());
    let state_dir = dir.path().join("state");
    let mut second = Command::new(emulator_binary())
        .args(["up", "--dns-listen", "127.0.0.1:0", "--https-port", "0"])
        .args(["--control-plane-listen", "127.0.0.1:0", "--certs-dir"])
        .arg(dir.path().join("certs-2"))
        .arg("--state-dir")
        .arg(&state_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the emulator binary starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while second.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("the second emulator is serving the same state directory");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = second.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: state directory {} is in use by another apigw-emulator (pid {})",
            state_dir.display(),
            first.pid()
        )),
        "{stderr}"
    );
    // The first one is unaffected.
    let (status, _) = apigateway(
        &first.target.control_plane_endpoint(),
        "GET",
        "/restapis",
        "",
    );
    assert_eq!(status, 200);
    let (exit, _) = first.stop();
    assert!(exit.success());
}
