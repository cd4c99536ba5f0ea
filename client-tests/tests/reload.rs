//! SIGHUP reloads the scenario without a restart: a valid change is served at once (new endpoint
//! addresses included), a bad one is refused and the running scenario stays in force, whole.

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

    // New endpoint addresses: listened on at once, the old ones closed, on the same port.
    scenario["restApis"][0]["policy"]["Statement"][1]["Effect"] = "Allow".into();
    scenario["vpcEndpoints"][0]["networkInterfaces"] = serde_json::json!([
        {"subnetId": "subnet-0a1b2c3d4e5f60001", "privateIpAddress": "127.0.7.1"},
        {"subnetId": "subnet-0a1b2c3d4e5f60002", "privateIpAddress": "127.0.7.2"}
    ]);
    std::fs::write(&file, scenario.to_string()).unwrap();
    running.signal("HUP");
    wait_for_stderr(&running, "reloaded: ", 2);
    let t = &running.target;
    let name = t.dns_name(0, 0);
    assert_eq!(
        t.resolve(&name),
        vec![
            "127.0.7.1".parse::<std::net::IpAddr>().unwrap(),
            "127.0.7.2".parse().unwrap()
        ]
    );
    let header = format!("x-apigw-api-id: {SEED_API_ID}");
    let moved = CurlResponse::parse(&t.curl(
        &name,
        "127.0.7.2".parse().unwrap(),
        "/test/pets/1",
        &["-i", "-H", &header],
    ));
    assert_eq!(moved.status_line, "HTTP/1.1 200 OK");
    let old = t.curl(&name, "127.0.1.1".parse().unwrap(), "/test", &["-i"]);
    assert_eq!(
        old.status.code(),
        Some(7),
        "nothing listens on the old address any more"
    );

    // A change only a restart can make (the Region: DNS zones and certificates): refused.
    scenario["region"] = "eu-west-1".into();
    scenario["vpcEndpoints"][0]["serviceName"] = "com.amazonaws.eu-west-1.execute-api".into();
    for subnet in scenario["vpcs"][0]["subnets"].as_array_mut().unwrap() {
        let az = subnet["availabilityZone"]
            .as_str()
            .unwrap()
            .replace("us-east-1", "eu-west-1");
        subnet["availabilityZone"] = az.into();
    }
    std::fs::write(&file, scenario.to_string()).unwrap();
    running.signal("HUP");
    let log = wait_for_stderr(&running, "reload refused", 2);
    assert!(log.contains("needs a restart: the Region changes"), "{log}");
    assert_eq!(
        CurlResponse::parse(&t.curl(
            &name,
            "127.0.7.1".parse().unwrap(),
            "/test/pets/1",
            &["-i", "-H", &header],
        ))
        .status_line,
        "HTTP/1.1 200 OK"
    );

    let (exit, _) = running.stop();
    assert!(exit.success());
}
