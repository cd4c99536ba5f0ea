//! Stage access logs in API Gateway's format: a `$context` format string, one line per request
//! that reached the stage, written to a file.

use std::time::{Duration, Instant};

use client_tests::{config_from, seed_json, with_emulator, SEED_API_ID};

const JSON_FORMAT: &str = r#"{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","ip":"$context.identity.sourceIp","vpce":"$context.identity.vpceId","vpc":"$context.identity.vpcId","caller":"$context.identity.caller","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","path":"$context.path","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency","error":"$context.error.message","errorType":"$context.error.responseType","stage":"$context.stage"}"#;

const CLF_FORMAT: &str = r#"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId"#;

fn lines(path: &std::path::Path, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.len() >= count {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "{} lines of {count} in {}",
            lines.len(),
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_to_a_stage_gets_a_line_in_the_stage_format() {
    let dir = tempfile::tempdir().unwrap();
    let json_log = dir.path().join("test-stage.log");
    let clf_log = dir.path().join("prod-stage.log");
    let mut scenario = seed_json();
    scenario["restApis"][0]["stages"] = serde_json::json!([
        {"stageName": "test", "accessLogSettings": {"format": JSON_FORMAT, "destination": json_log}},
        {"stageName": "prod", "accessLogSettings": {"format": CLF_FORMAT, "destination": clf_log}}
    ]);
    with_emulator(config_from(&scenario), move |t| {
        let ok = t.call(SEED_API_ID, "/test/pets/1", &[]);
        let missing = t.call(SEED_API_ID, "/test/nowhere", &[]);
        let posted = t.call(
            SEED_API_ID,
            "/test/pets",
            &[
                "-H",
                "Content-Type: application/json",
                "--data",
                r#"{"type":"cat","price":1}"#,
            ],
        );
        let unknown_stage = t.call(SEED_API_ID, "/staging/pets", &[]);
        assert_eq!(unknown_stage.status_line, "HTTP/1.1 403 Forbidden");
        let prod = t.call(SEED_API_ID, "/prod", &["-A", "probe/1"]);

        let logged: Vec<serde_json::Value> = lines(&json_log, 3)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        assert_eq!(
            logged.len(),
            3,
            "the unknown stage is no stage's request: {logged:?}"
        );
        let first = &logged[0];
        assert_eq!(first["requestId"].as_str(), ok.header("x-amzn-RequestId"));
        assert_eq!(
            first["extendedRequestId"].as_str(),
            ok.header("x-amz-apigw-id")
        );
        assert_eq!(first["ip"], "10.20.0.1");
        assert_eq!(first["vpce"], "vpce-01234567890abcdef");
        assert_eq!(first["vpc"], "vpc-0a1b2c3d4e5f67890");
        assert_eq!(first["caller"], "-");
        assert_eq!(first["httpMethod"], "GET");
        assert_eq!(first["resourcePath"], "/pets/{petId}");
        assert_eq!(first["path"], "/test/pets/1");
        assert_eq!(first["status"], "200");
        assert_eq!(first["protocol"], "HTTP/1.1");
        assert_eq!(first["responseLength"], ok.body.len().to_string());
        assert!(first["integrationLatency"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok());
        assert_eq!(first["error"], "-");
        assert_eq!(first["stage"], "test");
        let time = first["requestTime"].as_str().unwrap();
        assert!(
            time.len() == 26 && time.ends_with(" +0000") && &time[2..3] == "/",
            "{time}"
        );

        let second = &logged[1];
        assert_eq!(
            second["requestId"].as_str(),
            missing.header("x-amzn-RequestId")
        );
        assert_eq!(second["status"], "403");
        assert_eq!(second["resourcePath"], "-");
        assert_eq!(second["error"], "Missing Authentication Token");
        assert_eq!(second["errorType"], "MISSING_AUTHENTICATION_TOKEN");
        assert_eq!(second["integrationLatency"], "-");

        assert_eq!(
            logged[2]["requestId"].as_str(),
            posted.header("x-amzn-RequestId")
        );
        assert_eq!(logged[2]["httpMethod"], "POST");
        assert_eq!(logged[2]["resourcePath"], "/pets");

        let clf = lines(&clf_log, 1);
        let expected = format!(
            "10.20.0.1 - - [{}] \"GET / HTTP/1.1\" 200 {} {}",
            "TIME",
            prod.body.len(),
            prod.header("x-amzn-RequestId").unwrap()
        );
        let (before, after) = expected.split_once("TIME").unwrap();
        assert!(
            clf[0].starts_with(before) && clf[0].ends_with(after),
            "{}\n{expected}",
            clf[0]
        );
    })
    .await;
}
