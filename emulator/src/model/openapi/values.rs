//! Typed reads of a document's values, each failing with the JSON path and what was found.

use serde_json::{Map, Value};

use crate::scenario::document::{type_name, DocumentError};

pub(super) fn object<'v>(
    v: &'v Value,
    path: &str,
) -> Result<&'v Map<String, Value>, DocumentError> {
    v.as_object().ok_or_else(|| {
        DocumentError::new(path, format!("expected an object, found {}", type_name(v)))
    })
}

pub(super) fn string<'v>(v: &'v Value, path: &str) -> Result<&'v str, DocumentError> {
    v.as_str().ok_or_else(|| {
        DocumentError::new(path, format!("expected a string, found {}", type_name(v)))
    })
}

pub(super) fn string_list(v: &Value, path: &str) -> Result<Vec<String>, DocumentError> {
    let items = v.as_array().ok_or_else(|| {
        DocumentError::new(
            path,
            format!("expected an array of strings, found {}", type_name(v)),
        )
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| string(item, &format!("{path}[{i}]")).map(str::to_string))
        .collect()
}
