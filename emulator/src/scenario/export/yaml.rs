//! `aws apigateway get-export`'s YAML: block mappings and sequences, every string
//! double-quoted, as AWS writes them.
//!
//! Quoting every string is the point: YAML 1.1 readers such as PyYAML read an unquoted
//! `2024-01-13T23:01:41Z` as a timestamp and `1.0` as a float, so an export's `info.version`
//! would not survive the trip. This is the only YAML writer in the crate.

use serde_json::{Map, Value};

/// The document as YAML, for `Accept: application/yaml`, in AWS's style: block mappings and
/// sequences (a sequence at its key's indentation), every string double-quoted (so
/// `version: "2024-01-13T23:01:41Z"` stays a string for YAML 1.1 readers such as PyYAML, which
/// would read it unquoted as a timestamp), keys plain unless YAML would misread them (`"200":`).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => yaml_mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => yaml_sequence(items, 0, &mut out),
        scalar => {
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
    out
}

fn yaml_mapping(map: &Map<String, Value>, indent: usize, out: &mut String) {
    for (i, (key, value)) in map.iter().enumerate() {
        // The first key of a sequence item shares the `- ` line.
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&yaml_key(key));
        out.push(':');
        match value {
            Value::Object(child) if !child.is_empty() => {
                out.push('\n');
                yaml_mapping(child, indent + 2, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                yaml_sequence(items, indent, out);
            }
            scalar => {
                out.push(' ');
                out.push_str(&yaml_scalar(scalar));
                out.push('\n');
            }
        }
    }
}

fn yaml_sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        if !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => yaml_mapping(map, indent + 2, out),
            Value::Array(inner) if !inner.is_empty() => yaml_sequence(inner, indent + 2, out),
            scalar => {
                out.push_str(&yaml_scalar(scalar));
                out.push('\n');
            }
        }
    }
}

fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        // A JSON string literal is a valid YAML double-quoted scalar with the same escapes.
        other => other.to_string(),
    }
}

fn yaml_key(key: &str) -> String {
    let needs_quotes = key.is_empty()
        || key.trim() != key
        || key.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        || key.contains(": ")
        || key.contains(" #")
        || key.ends_with(':')
        || key.chars().any(char::is_control)
        || key.parse::<f64>().is_ok()
        || matches!(
            key.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
        );
    if needs_quotes {
        Value::from(key).to_string()
    } else {
        key.to_string()
    }
}
