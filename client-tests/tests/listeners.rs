//! Loopback only, whichever way an address comes in: a SIGHUP reload that moves an endpoint
//! beyond loopback is refused (the running scenario stays), and a state file holding such an
//! address exits 2, as the same scenario given with `--config` does.
//!
//! The addresses refused here are `0.0.0.0`: never a target, only what must not be bound.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use client_tests::{emulator_binary, seed_json, CurlResponse, RunningBinary, SEED_API_ID};

fn status(running: &RunningBinary, address: &str) -> String {
    let t = &running.target;
    let header = format!("x-apigw-api-id: {SEED_API_ID}");
    CurlResponse::parse(&t.curl(
        &t.dns_name(0, 0),
        address.parse().expect("an address"),
        "/test/pets/1",
        &["-i", "-H", &header],
    ))
    .status_line
}

fn wait_for_stderr(running: &RunningBinary, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = running.stderr();
        if log.contains(needle) {
            return log;
        }
        assert!(Instant::now() < deadline, "no {needle:?} in: {log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the binary with `args` until it exits (at most 20 s; then it is killed and the test
/// fails: it was serving).
fn run_to_exit(args: &[&std::ffi::OsStr]) -> Output {
    let mut child = Command::new(emulator_binary())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the emulator binary starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "still running after 20 s: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn a_reload_moving_an_endpoint_beyond_loopback_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("scenario.json");
    let mut scenario = seed_json();
    std::fs::write(&file, scenario.to_string()).expect("written");
    let running = RunningBinary::start(&["--config", file.to_str().expect("utf-8")]);
    assert_eq!(status(&running, "127.0.1.1"), "HTTP/1.1 200 OK");

    scenario["vpcEndpoints"][0]["networkInterfaces"] = serde_json::json!([
        {"subnetId": "subnet-0a1b2c3d4e5f60001", "privateIpAddress": "0.0.0.0"},
        {"subnetId": "subnet-0a1b2c3d4e5f60002", "privateIpAddress": "127.0.1.2"}
    ]);
    std::fs::write(&file, scenario.to_string()).expect("written");
    running.signal("HUP");
    let log = wait_for_stderr(&running, "reload refused");
    assert!(
        log.contains(&format!(
            "error: reload refused, still serving the previous scenario: the emulator listens on 0.0.0.0 beyond loopback (HTTPS for vpce-01234567890abcdef on 0.0.0.0 from $.vpcEndpoints[0].networkInterfaces in {})",
            file.display()
        )) && log.contains("Pass --allow-non-loopback"),
        "{log}"
    );
    // The last good scenario is served, whole: the old addresses still answer.
    assert_eq!(status(&running, "127.0.1.1"), "HTTP/1.1 200 OK");
    assert_eq!(
        running.target.resolve(&running.target.dns_name(0, 0)),
        vec![
            "127.0.1.1".parse::<std::net::IpAddr>().expect("ip"),
            "127.0.1.2".parse().expect("ip")
        ]
    );
    let (exit, _) = running.stop();
    assert!(exit.success());
}

#[test]
fn a_state_file_beyond_loopback_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state_dir = dir.path().join("state");
    std::fs::create_dir(&state_dir).expect("state dir");
    let mut scenario = seed_json();
    scenario["emulator"]["controlPlane"] = serde_json::json!({"listen": "0.0.0.0:0"});
    let state = serde_json::json!({"format": "apigw-emulator-state/1", "scenario": scenario});
    let state_file = state_dir.join("state.json");
    std::fs::write(&state_file, state.to_string()).expect("written");
    let certs = dir.path().join("certs");
    let out = run_to_exit(&[
        "up".as_ref(),
        "--dns-listen".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--https-port".as_ref(),
        "0".as_ref(),
        "--certs-dir".as_ref(),
        certs.as_os_str(),
        "--state-dir".as_ref(),
        state_dir.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: the emulator listens on 0.0.0.0 beyond loopback (the control plane on 0.0.0.0 from $.emulator.controlPlane.listen in the state file {})",
            state_file.display()
        )),
        "{stderr}"
    );
    assert!(
        !certs.join("ca.pem").exists(),
        "refused before anything was created"
    );
}
