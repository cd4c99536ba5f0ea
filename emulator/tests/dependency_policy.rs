//! The dependency policy in `.ci/dependency-policy.json`: every crate in the graph has an allowed
//! license, comes from crates.io, and none is banned. Reads `cargo metadata` for the whole
//! workspace (all platforms), so a new dependency cannot slip in unchecked.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

/// Whether an SPDX expression is satisfied by the allowed licenses: some `OR` branch whose
/// `AND` terms are all allowed. Handles parentheses, the old `/` for OR, and `WITH` exceptions.
fn satisfied(expression: &str, allowed: &BTreeSet<String>) -> bool {
    let tokens: Vec<String> = expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut pos = 0;
    or_expr(&tokens, &mut pos, allowed) && pos == tokens.len()
}

fn or_expr(t: &[String], pos: &mut usize, allowed: &BTreeSet<String>) -> bool {
    let mut any = and_expr(t, pos, allowed);
    while t.get(*pos).is_some_and(|x| x == "OR") {
        *pos += 1;
        any |= and_expr(t, pos, allowed);
    }
    any
}

fn and_expr(t: &[String], pos: &mut usize, allowed: &BTreeSet<String>) -> bool {
    let mut all = term(t, pos, allowed);
    while t.get(*pos).is_some_and(|x| x == "AND") {
        *pos += 1;
        all &= term(t, pos, allowed);
    }
    all
}

fn term(t: &[String], pos: &mut usize, allowed: &BTreeSet<String>) -> bool {
    match t.get(*pos).map(String::as_str) {
        Some("(") => {
            *pos += 1;
            let inner = or_expr(t, pos, allowed);
            if t.get(*pos).is_some_and(|x| x == ")") {
                *pos += 1;
            }
            inner
        }
        Some(id) => {
            let mut id = id.to_string();
            *pos += 1;
            if t.get(*pos).is_some_and(|x| x == "WITH") {
                id = format!("{id} WITH {}", t.get(*pos + 1).cloned().unwrap_or_default());
                *pos += 2;
            }
            allowed.contains(&id)
        }
        None => false,
    }
}

#[test]
fn license_expressions_are_evaluated_as_spdx() {
    let allowed: BTreeSet<String> = ["MIT", "Apache-2.0", "Unicode-3.0"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(satisfied("MIT OR Apache-2.0", &allowed));
    assert!(satisfied("MIT/Apache-2.0", &allowed));
    assert!(satisfied("(MIT OR Apache-2.0) AND Unicode-3.0", &allowed));
    assert!(satisfied("GPL-3.0 OR MIT", &allowed));
    assert!(!satisfied("GPL-3.0", &allowed));
    assert!(!satisfied("MIT AND GPL-3.0", &allowed));
    assert!(!satisfied("Apache-2.0 WITH LLVM-exception", &allowed));
}

#[test]
fn every_dependency_meets_the_policy() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/.ci/dependency-policy.json")).unwrap(),
    )
    .unwrap();
    let strings = |key: &str| -> BTreeSet<String> {
        policy[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let allowed = strings("allowedLicenses");
    let sources = strings("allowedSources");
    let banned = policy["bannedCrates"].as_object().unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut problems = Vec::new();
    for p in metadata["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let version = p["version"].as_str().unwrap();
        match p["source"].as_str() {
            None => {} // a workspace member
            Some(s) if sources.contains(s) => {}
            Some(s) => problems.push(format!("{name} {version}: source {s} is not allowed")),
        }
        if let Some(why) = banned.get(name) {
            problems.push(format!(
                "{name} {version} is banned: {}",
                why.as_str().unwrap_or("")
            ));
        }
        if p["source"].is_null() {
            continue;
        }
        match p["license"].as_str() {
            Some(l) if satisfied(l, &allowed) => {}
            Some(l) => problems.push(format!("{name} {version}: license {l:?} is not allowed")),
            None => problems.push(format!("{name} {version}: no license expression")),
        }
    }
    assert!(
        problems.is_empty(),
        "dependency policy violations:\n{}",
        problems.join("\n")
    );
}
