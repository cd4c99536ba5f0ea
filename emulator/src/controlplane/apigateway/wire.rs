//! The wire format of API Gateway's control API: errors as it sends them, the JSON request
//! body and its `patchOperations`, and the JSON answers.

use serde_json::{json, Map, Value};

use crate::controlplane::{ControlRequest, ControlResponse, Handled};

use super::CallResult;

/// An error as API Gateway sends it: a status, `x-amzn-ErrorType` and `{"message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApiError {
    status: u16,
    error_type: &'static str,
    message: String,
}

impl ApiError {
    pub(super) fn new(
        status: u16,
        error_type: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            error_type,
            message: message.into(),
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequestException", message)
    }

    pub(super) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, "NotFoundException", message)
    }

    pub(super) fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(409, "ConflictException", message)
    }

    pub(super) fn response(&self) -> ControlResponse {
        let mut response = ControlResponse::json(self.status, &json!({ "message": self.message }));
        response
            .headers
            .push(("x-amzn-ErrorType".to_string(), self.error_type.to_string()));
        response
    }
}

pub(super) fn body_json(req: &ControlRequest) -> Result<Map<String, Value>, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request(
            "Could not parse request body into json: expected an object",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "Could not parse request body into json: {e}"
        ))),
    }
}

pub(super) fn opt_str<'m>(body: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    body.get(key).and_then(Value::as_str)
}

pub(super) fn string_map(value: Option<&Value>) -> Map<String, Value> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_string())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The strings of a JSON array (other items skipped); `None` when it is not an array.
pub(super) fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    value.and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    })
}

/// The object at `key`, made an empty one if it is missing or not an object.
pub(super) fn object_entry<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
) -> Result<&'m mut Map<String, Value>, ApiError> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().ok_or_else(|| {
        ApiError::bad_request(format!("The API definition's {key} is not an object"))
    })
}

pub(super) fn ok(status: u16, value: Value) -> ControlResponse {
    ControlResponse::json(status, &value)
}

/// A read-only call's 200 answer.
pub(super) fn answer(value: Value) -> CallResult {
    Ok(Handled::read(ok(200, value)))
}

/// A read-only call's 200 answer listing items, under `item` as API Gateway lists them.
pub(super) fn answer_items(items: Vec<Value>) -> CallResult {
    answer(json!({ "item": items }))
}

/// 202 and 204 answers carry no body.
pub(super) fn empty(status: u16) -> ControlResponse {
    ControlResponse::new(status, "application/json", Vec::new())
}

/// One `patchOperations` entry.
pub(super) struct PatchOp {
    pub(super) op: String,
    pub(super) path: String,
    pub(super) value: Option<String>,
}

pub(super) fn patch_operations(body: &Map<String, Value>) -> Vec<PatchOp> {
    body.get("patchOperations")
        .and_then(Value::as_array)
        .map(|ops| {
            ops.iter()
                .map(|o| PatchOp {
                    op: o
                        .get("op")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    path: o
                        .get("path")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    value: o.get("value").and_then(Value::as_str).map(String::from),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// JSON Pointer unescaping of one path segment (`image~1png` is `image/png`).
pub(super) fn unescape_segment(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

pub(super) fn invalid_patch(op: &PatchOp) -> ApiError {
    // AWS's wording for a path it does not patch.
    ApiError::bad_request(format!(
        "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
        op.path, op.op
    ))
}
