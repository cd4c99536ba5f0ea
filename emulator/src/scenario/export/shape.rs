//! Small JSON-tree helpers both conversions share: objects and string lists out of optional
//! values, and AWS's key order for an operation.

use serde_json::{Map, Value};

use super::LEADING_OPERATION_KEYS;

pub(super) fn values_mut(value: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    value
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut())
        .filter_map(Value::as_object_mut)
}

pub(super) fn object_at(value: Option<&Value>) -> Map<String, Value> {
    value
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

pub(super) fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    let list: Vec<String> = value?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    (!list.is_empty()).then_some(list)
}

pub(super) fn into_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub(super) fn string_array(items: Vec<String>) -> Value {
    Value::Array(items.into_iter().map(Value::from).collect())
}

/// Builds an operation with AWS's key order: tags, summary, description, operationId, then the
/// converted keys, then the rest as stored.
pub(super) fn ordered_operation(
    source: &Map<String, Value>,
    converted: Vec<(&str, Value)>,
    replaced: &[&str],
) -> Map<String, Value> {
    let mut out = Map::new();
    for key in LEADING_OPERATION_KEYS {
        if let Some(v) = source.get(*key) {
            out.insert((*key).to_string(), v.clone());
        }
    }
    for (key, value) in converted {
        out.insert(key.to_string(), value);
    }
    for (key, value) in source {
        if !LEADING_OPERATION_KEYS.contains(&key.as_str()) && !replaced.contains(&key.as_str()) {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// Copies the `keys` `from` has into `to`, in the order of `keys`.
pub(super) fn copy_keys(from: &Map<String, Value>, keys: &[&str], to: &mut Map<String, Value>) {
    for key in keys {
        if let Some(v) = from.get(*key) {
            to.insert((*key).to_string(), v.clone());
        }
    }
}

/// Copies the entries of `from` whose key passes `keep` into `to`, in `from`'s order.
pub(super) fn copy_where(
    from: &Map<String, Value>,
    to: &mut Map<String, Value>,
    keep: impl Fn(&str) -> bool,
) {
    for (key, value) in from {
        if keep(key) {
            to.insert(key.clone(), value.clone());
        }
    }
}

/// A vendor extension (`x-...`), which the conversions carry over as they find it.
pub(super) fn is_vendor_key(key: &str) -> bool {
    key.starts_with("x-")
}
