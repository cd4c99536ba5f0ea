//! A resource's resolved `Properties` read as the scenario's typed fields.
//!
//! A property of the wrong JSON type is refused at its place in the template
//! (`$.Resources.X.Properties.Y`) in serde's words (`invalid type: null, expected a string`),
//! the words a scenario file gets for the same mistake.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::scenario::document::{child_path, DocumentError};

type Result<T> = std::result::Result<T, DocumentError>;

/// One resource's properties with intrinsics resolved, and the template path they sit at.
pub(super) struct Properties {
    values: Map<String, Value>,
    path: String,
}

impl Properties {
    pub(super) fn new(values: Map<String, Value>, path: String) -> Properties {
        Properties { values, path }
    }

    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    pub(super) fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    pub(super) fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    pub(super) fn values(&self) -> &Map<String, Value> {
        &self.values
    }

    /// `$.Resources.X.Properties`.
    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// `$.Resources.X.Properties.Key`.
    pub(super) fn path_of(&self, key: &str) -> String {
        child_path(&self.path, key)
    }

    /// A string the scenario requires: absent is refused like `null`.
    pub(super) fn string(&self, key: &str) -> Result<String> {
        string(self.get(key).unwrap_or(&Value::Null), &self.path_of(key))
    }

    /// A string, or `default` when the property is absent.
    pub(super) fn string_or(&self, key: &str, default: impl FnOnce() -> String) -> Result<String> {
        match self.get(key) {
            Some(v) => string(v, &self.path_of(key)),
            None => Ok(default()),
        }
    }

    /// An optional string: absent and `null` are both none.
    pub(super) fn optional_string(&self, key: &str) -> Result<Option<String>> {
        optional_string(self.get(key), &self.path_of(key))
    }

    /// A list of strings, empty when absent.
    pub(super) fn strings(&self, key: &str) -> Result<Vec<String>> {
        match self.get(key) {
            Some(v) => strings(v, &self.path_of(key)),
            None => Ok(Vec::new()),
        }
    }

    /// An optional list of strings: absent and `null` are both none.
    pub(super) fn optional_strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => strings(v, &self.path_of(key)).map(Some),
        }
    }

    /// A boolean, or `default` when absent.
    pub(super) fn boolean_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(invalid_type(other, "a boolean", &self.path_of(key))),
        }
    }

    /// A JSON value kept as it is (a policy); `null` is none.
    pub(super) fn document(&self, key: &str) -> Option<Value> {
        self.get(key).filter(|v| !v.is_null()).cloned()
    }
}

/// A string.
pub(super) fn string(value: &Value, path: &str) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(invalid_type(other, "a string", path)),
    }
}

/// An optional string: absent and `null` are both none.
pub(super) fn optional_string(value: Option<&Value>, path: &str) -> Result<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => string(v, path).map(Some),
    }
}

/// An array of strings.
pub(super) fn strings(value: &Value, path: &str) -> Result<Vec<String>> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| string(v, &format!("{path}[{i}]")))
            .collect(),
        other => Err(invalid_type(other, "an array", path)),
    }
}

/// An object of strings (stage variables).
pub(super) fn string_map(value: &Value, path: &str) -> Result<BTreeMap<String, String>> {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), string(v, &child_path(path, k))?)))
            .collect(),
        other => Err(invalid_type(other, "an object", path)),
    }
}

/// A port number (a number or a numeric string); anything else is no port.
pub(super) fn port(value: Option<&Value>, path: &str) -> Result<Option<i32>> {
    let number = value.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    number
        .map(|n| {
            i32::try_from(n).map_err(|_| {
                DocumentError::new(path, format!("invalid value: integer `{n}`, expected i32"))
            })
        })
        .transpose()
}

/// serde's message for a value of the wrong type, as a scenario file gets it.
pub(super) fn invalid_type(value: &Value, expected: &str, path: &str) -> DocumentError {
    let found = match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    };
    DocumentError::new(path, format!("invalid type: {found}, expected {expected}"))
}
