//! SIGHUP reloads the scenario without a restart: a valid change is served at once, a bad one
//! is refused and the running scenario stays in force, whole.

use std::time::{Duration, Instant};

use client_tests::{seed_json, CurlResponse, RunningBinary, SEED_API_ID};

fn status(running: &RunningBinary) -> String {
    let t = &running.target;
    let name = t.dns_name(0, 0);
    let header = format!("x-apigw-api-id: {SEED_API_ID}");
    CurlResponse::parse(&t.curl(
        &name,
        "127.0.1.1".parse().unwrap(),
        "/test/pets/1",
        &["-i", "-H", &header],
    ))
    .status_line
}

fn wait_for_stderr(running: &RunningBinary, needle: &str, count: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = running.stderr();
        if log.matches(needle).count() >= count {
            return log;
        }
        assert!(Instant::now() < deadline, "no {needle:?} in: {log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sighup_applies_a_valid_scenario_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    let mut scenario = seed_json();
    std::fs::write(&file, scenario.to_string()).unwrap();
    let running = RunningBinary::start(&["--config", file.to_str().unwrap()]);
    assert_eq!(status(&running), "HTTP/1.1 200 OK");

    // A policy that denies everything: served after the reload.
    scenario["restApis"][0]["policy"]["Statement"][1]["Effect"] = "Deny".into();
    std::fs::write(&file, scenario.to_string()).unwrap();
    running.signal("HUP");
    wait_for_stderr(&running, "reloaded: ", 1);
    assert_eq!(status(&running), "HTTP/1.1 403 Forbidden");

    // Broken JSON: refused, naming the file and place; the denying scenario stays.
    std::fs::write(&file, "{\"region\": ").unwrap();
    running.signal("HUP");
    let log = wait_for_stderr(&running, "reload refused", 1);
    assert!(
        log.contains(&format!("{}: $.region: EOF while parsing", file.display())),
        "{log}"
    );
    assert_eq!(status(&running), "HTTP/1.1 403 Forbidden");

    // A change only a restart can make (new endpoint addresses): refused too.
    scenario["restApis"][0]["policy"]["Statement"][1]["Effect"] = "Allow".into();
    scenario["vpcEndpoints"][0]["networkInterfaces"] = serde_json::json!([
        {"subnetId": "subnet-0a1b2c3d4e5f60001", "privateIpAddress": "127.0.7.1"},
        {"subnetId": "subnet-0a1b2c3d4e5f60002", "privateIpAddress": "127.0.7.2"}
    ]);
    std::fs::write(&file, scenario.to_string()).unwrap();
    running.signal("HUP");
    let log = wait_for_stderr(&running, "reload refused", 2);
    assert!(
        log.contains("needs a restart: the endpoint addresses change"),
        "{log}"
    );
    assert_eq!(status(&running), "HTTP/1.1 403 Forbidden");

    let (exit, _) = running.stop();
    assert!(exit.success());
}
