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
        serde_json::from_str(apigw_emulator::config::SEED_SCENARIO).unwrap();
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
        serde_json::from_str(include_str!("../schema/config.schema.json"))
            .expect("schema/config.schema.json is JSON");
    assert_eq!(printed, shipped, "regenerate with: cargo run -p apigw-emulator -- schema > emulator/schema/config.schema.json");
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
