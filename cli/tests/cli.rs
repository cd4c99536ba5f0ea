//! The command line: exit codes, messages and outputs users and scripts rely on.
//! (Also makes `cargo test --workspace` build the binary the client tests run.)

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_apigw-emulator"))
}

#[test]
fn an_invalid_scenario_exits_2_naming_the_file_path_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    let mut seed: serde_json::Value =
        serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO).unwrap();
    seed["restApis"][0]["stages"][0]["stageName"] = "no spaces allowed".into();
    std::fs::write(&file, seed.to_string()).unwrap();
    for command in ["validate", "up"] {
        let out = bin()
            .arg(command)
            .arg("--config")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            format!(
                "error: {}: $.restApis[0].stages[0].stageName: expected letters, digits, '-' and '_' (at most 128), found \"no spaces allowed\"",
                file.display()
            ),
            "{command}"
        );
    }
}

#[test]
fn a_json_syntax_error_exits_2_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.json");
    std::fs::write(
        &file,
        "{\n  \"region\": \"us-east-1\",\n  \"accountId\": 12\n}\n",
    )
    .unwrap();
    let out = bin()
        .args(["validate", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(&format!("error: {}: $.accountId: invalid type: integer `12`, expected a string at line 3 column", file.display())), "{stderr}");
}

#[test]
fn a_missing_file_exits_2() {
    let out = bin()
        .args(["validate", "--config", "/nonexistent/scenario.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("error: /nonexistent/scenario.json: $: cannot read the file:"));
}

#[test]
fn validate_summarizes_the_seed_scenario() {
    let out = bin().arg("validate").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "<built-in seed scenario>: valid: 1 VPC endpoint(s), 1 REST API(s), 1 stage(s)\n"
    );
}

#[test]
fn the_shipped_schema_is_the_one_the_binary_prints() {
    let out = bin().arg("schema").output().unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shipped: serde_json::Value =
        serde_json::from_str(include_str!("../../emulator/schema/config.schema.json"))
            .expect("schema/config.schema.json is JSON");
    assert_eq!(
        printed, shipped,
        "regenerate with: cargo run -- schema > emulator/schema/config.schema.json"
    );
    assert_eq!(printed["title"], "apigw-emulator scenario");
    assert!(printed["properties"]["restApis"].is_object());
}

#[test]
fn unknown_subcommands_and_flags_are_usage_errors() {
    let out = bin().arg("upp").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("similar"),
        "clap suggests `up`"
    );
}

const SEED_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"OnlyThroughMyEndpoint","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*",
   "Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-01234567890abcdef"}}},
  {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*"}]}"#;

fn eval(policy: &str, context: &str) -> (Option<i32>, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.json");
    std::fs::write(&file, policy).unwrap();
    let out = bin()
        .args(["policy", "eval", "--policy"])
        .arg(&file)
        .args([
            "--action",
            "execute-api:Invoke",
            "--resource",
            "arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/test/GET/pets",
        ])
        .args(["--context", context])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn policy_eval_prints_the_decision_and_the_deciding_condition() {
    let (code, out, _) = eval(
        SEED_POLICY,
        r#"{"aws:SourceVpce": "vpce-0ffffffffffffffff"}"#,
    );
    assert_eq!(code, Some(0));
    assert_eq!(out["decision"], "ExplicitDeny");
    assert_eq!(out["decidingStatement"]["sid"], "OnlyThroughMyEndpoint");
    let condition = &out["trace"][0]["conditions"][0];
    assert_eq!(condition["operator"], "StringNotEquals");
    assert_eq!(condition["key"], "aws:sourceVpce");
    assert_eq!(
        condition["requestValues"],
        serde_json::json!(["vpce-0ffffffffffffffff"])
    );
    assert_eq!(
        condition["policyValues"],
        serde_json::json!(["vpce-01234567890abcdef"])
    );
    assert_eq!(condition["result"], true);
    let (_, out, _) = eval(
        SEED_POLICY,
        r#"{"aws:SourceVpce": "vpce-01234567890abcdef"}"#,
    );
    assert_eq!(out["decision"], "Allow");
    assert_eq!(out["trace"][0]["failedElement"], "Condition");
    let (_, out, _) = eval(r#"{"Statement":[]}"#, "{}");
    assert_eq!(out["decision"], "ImplicitDeny");
    assert_eq!(out["decidingStatement"], serde_json::Value::Null);
}

#[test]
fn policy_eval_and_validate_exit_2_on_an_invalid_policy() {
    let bad = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Principal":"*","Action":"*","Resource":"*"}]}"#;
    let (code, _, stderr) = eval(bad, "{}");
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(": Statement[0].Effect: expected \"Allow\" or \"Deny\", found \"Permit\""),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.json");
    std::fs::write(&file, bad).unwrap();
    let out = bin()
        .args(["policy", "validate"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    std::fs::write(&file, SEED_POLICY).unwrap();
    let out = bin()
        .args(["policy", "validate"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}: valid\n", file.display())
    );
}

#[test]
fn policy_eval_rejects_a_malformed_context() {
    let (code, _, stderr) = eval(SEED_POLICY, "[1, 2]");
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr.trim(),
        "error: --context: expected a JSON object of condition keys"
    );
}

#[test]
fn a_private_api_without_a_resource_policy_cannot_be_deployed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-policy.json");
    let mut seed: serde_json::Value =
        serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO).unwrap();
    seed["restApis"][0]
        .as_object_mut()
        .unwrap()
        .remove("policy");
    std::fs::write(&file, seed.to_string()).unwrap();
    let out = bin()
        .args(["validate", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        format!(
            "error: {}: $.restApis[0].policy: Private REST API doesn't have a resource policy attached to it (a PRIVATE API cannot be deployed without one; add \"policy\" or remove \"stages\")",
            file.display()
        )
    );
}

#[test]
fn healthcheck_follows_the_ready_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ready.json");
    let out = bin()
        .arg("healthcheck")
        .arg("--ready-file")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(&file, r#"{"dns": "127.0.0.1:53"}"#).unwrap();
    let out = bin()
        .arg("healthcheck")
        .arg("--ready-file")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ready: DNS on 127.0.0.1:53\n"
    );
}

#[test]
fn an_api_definition_error_names_the_definition_file_and_its_json_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.yaml"),
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates:\n          application/json: \"#macro(m)#end\"\n",
    )
    .unwrap();
    let mut seed: serde_json::Value =
        serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO).unwrap();
    let api = seed["restApis"][0].as_object_mut().unwrap();
    api.remove("example");
    api.insert("bodyFile".into(), "api.yaml".into());
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, seed.to_string()).unwrap();
    let out = bin().arg("validate").arg("-c").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: {}: $.paths['/x'].get.x-amazon-apigateway-integration.requestTemplates['application/json']: the mapping template does not parse: line 1, column 1: #macro is not supported by apigw-emulator",
            dir.path().join("api.yaml").display()
        )
    );
}

#[test]
fn a_template_validates_with_warnings_for_what_is_not_emulated() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("stack.yaml");
    std::fs::write(
        &template,
        "Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      Name: a\n      Colour: blue\n      Body: {openapi: 3.0.1, paths: {/: {get: {security: [{key: []}], x-amazon-apigateway-integration: {type: mock}}}}}\n  Topic:\n    Type: AWS::SNS::Topic\n  Deployment:\n    Type: AWS::ApiGateway::Deployment\n    Properties: {RestApiId: !Ref Api, StageName: dev}\n",
    )
    .unwrap();
    let out = bin()
        .arg("validate")
        .arg("--template")
        .arg(&template)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let t = template.display();
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            format!("warning: {t}: $.Resources.Api.Properties.Colour: AWS::ApiGateway::RestApi has no property Colour the emulator knows; ignored"),
            format!("warning: {t}: $.Resources.Topic: AWS::SNS::Topic is not emulated; ignored"),
            format!("warning: {t}: $.Resources.Api.Properties.Body.paths['/'].get.security: security [\"key\"] is not enforced: authorizers, IAM authorization and API keys are not emulated"),
        ]
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        format!("{t}: valid: 0 VPC endpoint(s), 1 REST API(s), 1 stage(s)")
    );
    let out = bin()
        .arg("validate")
        .arg("--template")
        .arg(&template)
        .args(["--parameter", "Nope=1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("$.Parameters: --parameter Nope: the template declares no such parameter"));
}

#[test]
fn certs_shows_the_ca_its_limits_and_how_to_trust_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("certs")
        .arg("--certs-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "no CA yet");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("No CA in "));

    let zones = ["execute-api.eu-west-1.amazonaws.com".to_string()];
    apigw_emulator::ca::LocalCa::load_or_create(dir.path(), &zones).unwrap();
    let out = bin()
        .arg("certs")
        .arg("--certs-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let ca = std::fs::canonicalize(dir.path()).unwrap().join("ca.pem");
    assert!(
        text.starts_with(&format!("CA certificate  {}\n", ca.display())),
        "{text}"
    );
    assert!(text.contains("(mode 0600;"), "{text}");
    assert!(text.contains("May vouch for   execute-api.eu-west-1.amazonaws.com and names under them, nothing else"), "{text}");
    assert!(
        text.contains(&format!("export NODE_EXTRA_CA_CERTS={}", ca.display())),
        "{text}"
    );
    assert!(
        text.contains("keytool -delete -alias apigw-emulator"),
        "{text}"
    );
    // The fingerprint is the certificate's, as OpenSSL computes it.
    let openssl = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&ca)
        .output()
        .expect("openssl runs (the README's test command installs it)");
    let expected = String::from_utf8_lossy(&openssl.stdout);
    let expected = expected.trim().rsplit('=').next().unwrap();
    assert!(
        text.contains(&format!("SHA-256 {expected}\n")),
        "{text}\nopenssl: {expected}"
    );
}

#[test]
fn listening_beyond_loopback_needs_an_explicit_flag() {
    let certs = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../docker/scenario.json");
    let out = bin()
        .args(["up", "--config", scenario, "--certs-dir"])
        .arg(certs.path())
        .env_remove("APIGW_EMULATOR_ALLOW_NON_LOOPBACK")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("listens on 0.0.0.0, 172.31.0.10, 172.31.16.10 beyond loopback")
            && stderr.contains("Pass --allow-non-loopback"),
        "{stderr}"
    );
    assert!(
        !certs.path().join("ca.pem").exists(),
        "refused before anything was created"
    );
}

#[test]
fn a_control_plane_beyond_loopback_needs_the_flag_too() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");

    // From the command line.
    let (code, stderr) = up_fails(
        &certs,
        &["--https-port", "0", "--control-plane-listen", "0.0.0.0:0"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: the emulator listens on 0.0.0.0 beyond loopback (the control plane on 0.0.0.0 from --control-plane-listen)")
            && stderr.contains("Pass --allow-non-loopback"),
        "{stderr}"
    );

    // From the scenario, named by file and JSON path.
    let file = dir.path().join("scenario.json");
    let mut seed: serde_json::Value =
        serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO).unwrap();
    seed["emulator"]["controlPlane"] = serde_json::json!({"listen": "0.0.0.0:0"});
    std::fs::write(&file, seed.to_string()).unwrap();
    let (code, stderr) = up_fails(
        &certs,
        &["--https-port", "0", "--config", file.to_str().unwrap()],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: the emulator listens on 0.0.0.0 beyond loopback (the control plane on 0.0.0.0 from $.emulator.controlPlane.listen in {})",
            file.display()
        )),
        "{stderr}"
    );
    assert!(
        !certs.join("ca.pem").exists(),
        "refused before anything was created"
    );
}

/// Runs `up` on free ports with `certs_dir` and extra arguments; returns (exit code, stderr).
fn up_fails(certs_dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let ready = certs_dir.with_extension("ready.json");
    let out = bin()
        .args(["up", "--dns-listen", "127.0.0.1:0", "--ready-file"])
        .arg(&ready)
        .arg("--certs-dir")
        .arg(certs_dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(!ready.exists(), "a failed start must not announce itself");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn start_failures_name_the_path_and_the_fix_and_leave_nothing_running() {
    let dir = tempfile::tempdir().unwrap();

    // The HTTPS port is taken on an endpoint address.
    let taken = std::net::TcpListener::bind("127.0.1.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, stderr) = up_fails(&dir.path().join("certs"), &["--https-port", &port]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: cannot listen for HTTPS on 127.0.1.1:{port}: "
        )),
        "{stderr}"
    );
    drop(taken);

    // The certs directory cannot be created (a file is in the way).
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let (code, stderr) = up_fails(&file.join("certs"), &["--https-port", "0"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("error: {}: ", file.join("certs").display())),
        "{stderr}"
    );

    // A corrupted CA description.
    let certs = dir.path().join("corrupt");
    apigw_emulator::ca::LocalCa::load_or_create(
        &certs,
        &["execute-api.us-east-1.amazonaws.com".to_string()],
    )
    .unwrap();
    std::fs::write(certs.join("ca.json"), "{not json").unwrap();
    let (code, stderr) = up_fails(&certs, &["--https-port", "0"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: {}: not the emulator's CA description",
            certs.join("ca.json").display()
        )) && stderr.contains("delete the certs directory's ca* files to make a new CA"),
        "{stderr}"
    );

    // The CA key is missing: no silent replacement of a CA clients may trust.
    let certs = dir.path().join("keyless");
    apigw_emulator::ca::LocalCa::load_or_create(
        &certs,
        &["execute-api.us-east-1.amazonaws.com".to_string()],
    )
    .unwrap();
    std::fs::remove_file(certs.join("ca-key.pem")).unwrap();
    let (code, stderr) = up_fails(&certs, &["--https-port", "0"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: {}: missing, so the CA in {} cannot issue certificates; delete the certs directory's ca* files",
            certs.join("ca-key.pem").display(),
            certs.join("ca.pem").display()
        )),
        "{stderr}"
    );
}

#[test]
fn doctor_reports_each_problem_with_the_command_that_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let out = bin()
        .args(["doctor", "--certs-dir"])
        .arg(&certs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("fix  no local CA in {} yet", certs.display())),
        "{text}"
    );
    assert!(
        text.contains("ok   every endpoint address can be listened on (127.0.1.1, 127.0.1.2)"),
        "{text}"
    );
    // The names are not in this machine's resolver (tests never change it).
    assert!(
        text.contains("fix  the system resolver does not send vpce-01234567890abcdef-"),
        "{text}"
    );
    assert!(text.contains("$ sudo resolvectl dns lo 127.0.0.1 && sudo resolvectl domain lo ~execute-api.us-east-1.vpce.amazonaws.com ~execute-api.us-east-1.amazonaws.com"), "{text}");

    apigw_emulator::ca::LocalCa::load_or_create(
        &certs,
        &["execute-api.us-east-1.amazonaws.com".to_string()],
    )
    .unwrap();
    let ca = std::fs::canonicalize(&certs).unwrap().join("ca.pem");
    let out = bin()
        .args(["doctor", "--certs-dir"])
        .arg(&certs)
        .env("CURL_CA_BUNDLE", &ca)
        .env_remove("NODE_EXTRA_CA_CERTS")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ok   curl: trusts the local CA (CURL_CA_BUNDLE)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "fix  Node.js: does not trust the local CA\n       $ export NODE_EXTRA_CA_CERTS={}\n",
            ca.display()
        )),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("checks need a fix (commands above)"),
        "{text}"
    );
}

/// `explain -- curl …` against a scenario file; returns (exit code, stdout).
fn explain(scenario: &serde_json::Value, from: &str, curl: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, scenario.to_string()).unwrap();
    let out = bin()
        .args(["explain", "--config"])
        .arg(&file)
        .args(["--from", from, "--", "curl"])
        .args(curl)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn explain_says_why_a_request_fails_and_what_fixes_it() {
    let mut seed: serde_json::Value =
        serde_json::from_str(apigw_emulator::scenario::config::SEED_SCENARIO).unwrap();
    seed["emulator"]["clients"] = serde_json::json!([
        {"name": "a branch office", "sourceCidr": "127.0.9.0/24", "appearsAs": "192.168.9.0/24"},
        {"name": "on premises", "sourceCidr": "127.0.0.0/8", "appearsAs": "10.20.0.0/16"}
    ]);
    let name = "vpce-01234567890abcdef-3ganbd1q.execute-api.us-east-1.vpce.amazonaws.com";
    let url = format!("https://{name}/test");

    let (code, text) = explain(
        &seed,
        "127.0.0.1",
        &["-IX", "GET", "-H", "x-apigw-api-id:chw1a2q2xk", &url],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(" 8. policies: Allow\n 9. response: 200 (text/html, 1310 bytes)\n"),
        "{text}"
    );

    let (code, text) = explain(&seed, "127.0.0.1", &["-IX", "GET", &url]);
    assert_eq!(code, Some(1));
    assert!(text.ends_with("To make it succeed: add the header: -H 'x-apigw-api-id:<api id>' (APIs here: chw1a2q2xk)\n"), "{text}");

    let (_, text) = explain(
        &seed,
        "127.0.0.1",
        &[
            "-IX",
            "GET",
            "-H",
            "x-apigw-api-id:chw1a2q2xk",
            &format!("https://{name}/prod"),
        ],
    );
    assert!(
        text.contains("why: stage \"prod\" is not deployed; deployed: [\"test\"]"),
        "{text}"
    );
    assert!(
        text.ends_with("To make it succeed: start the path with a deployed stage: /test\n"),
        "{text}"
    );

    let (_, text) = explain(
        &seed,
        "127.0.0.1",
        &["-X", "DELETE", "-H", "x-apigw-api-id:chw1a2q2xk", &url],
    );
    assert!(
        text.contains("response: 403 {\"message\":\"Missing Authentication Token\"}"),
        "{text}"
    );
    assert!(
        text.contains("To make it succeed: call a method the API has: GET /, GET /pets,"),
        "{text}"
    );

    let (_, text) = explain(
        &seed,
        "127.0.9.5",
        &["-H", "x-apigw-api-id:chw1a2q2xk", &url],
    );
    assert!(
        text.contains("security group: sg-0a1b2c3d4e5f60003 allow(s) no tcp/443 from 192.168.9.5"),
        "{text}"
    );
    assert!(text.contains("The client gets no HTTP response."), "{text}");
    assert!(text.ends_with("To make it succeed: add an inbound rule to sg-0a1b2c3d4e5f60003 for tcp/443 from 192.168.9.5 (or a CIDR containing it)\n"), "{text}");

    // An endpoint the resource policy does not name.
    seed["restApis"][0]["policy"]["Statement"][0]["Condition"]["StringNotEquals"]
        ["aws:sourceVpce"] = "vpce-0ffffffffffffffff".into();
    let (_, text) = explain(
        &seed,
        "127.0.0.1",
        &["-H", "x-apigw-api-id:chw1a2q2xk", &url],
    );
    assert!(text.contains("policies: ExplicitDeny"), "{text}");
    assert!(
        text.contains(
            "(requests through this endpoint carry aws:SourceVpce = vpce-01234567890abcdef)"
        ),
        "{text}"
    );
}
