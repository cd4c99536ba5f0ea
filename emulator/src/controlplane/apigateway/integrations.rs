//! The integration and integration response calls: an integration is the operation's
//! `x-amazon-apigateway-integration`, its responses keyed by selection pattern.

use serde_json::{json, Map, Value};

use super::document::INTEGRATION_KEY;
use super::methods::response_not_found;
use super::operation::{edit_operation, put_on_operation, read_operation, MethodPath};
use super::wire::{empty, object_entry, ok, opt_str, string_map, ApiError};
use super::{Call, CallResult};

fn integration_not_found() -> ApiError {
    ApiError::not_found("Invalid Integration identifier specified")
}

/// A method's integration, or NotFound.
fn integration_of(op: &Value) -> Result<&Value, ApiError> {
    op.get(INTEGRATION_KEY).ok_or_else(integration_not_found)
}

/// A method's integration, to edit, or NotFound.
fn integration_mut(op: &mut Map<String, Value>) -> Result<&mut Map<String, Value>, ApiError> {
    op.get_mut(INTEGRATION_KEY)
        .and_then(Value::as_object_mut)
        .ok_or_else(integration_not_found)
}

fn status_code_of(response: &Value) -> Option<String> {
    match response.get("statusCode")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn integration_response_json(pattern: &str, response: &Value) -> Value {
    let mut out = Map::new();
    out.insert(
        "statusCode".into(),
        json!(status_code_of(response).unwrap_or_default()),
    );
    if pattern != "default" {
        out.insert("selectionPattern".into(), json!(pattern));
    }
    for key in ["responseParameters", "responseTemplates", "contentHandling"] {
        if let Some(v) = response.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

pub(super) fn integration_json(integration: &Value, resource_id: &str) -> Value {
    let get = |k: &str| integration.get(k);
    let kind = get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let mut out = Map::new();
    out.insert("type".into(), json!(kind));
    for key in ["httpMethod", "uri"] {
        if let Some(v) = get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    // AWS reports INTERNET for integrations that call out, and nothing for MOCK.
    match get("connectionType") {
        Some(v) => {
            out.insert("connectionType".into(), v.clone());
        }
        None if kind != "MOCK" => {
            out.insert("connectionType".into(), json!("INTERNET"));
        }
        None => {}
    }
    for key in [
        "connectionId",
        "credentials",
        "requestParameters",
        "requestTemplates",
    ] {
        if let Some(v) = get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let passthrough = get("passthroughBehavior")
        .and_then(Value::as_str)
        .unwrap_or("when_no_match")
        .to_ascii_uppercase();
    out.insert("passthroughBehavior".into(), json!(passthrough));
    if let Some(v) = get("contentHandling") {
        out.insert("contentHandling".into(), v.clone());
    }
    let timeout = get("timeoutInMillis")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .unwrap_or(crate::model::openapi::DEFAULT_TIMEOUT_MILLIS);
    out.insert("timeoutInMillis".into(), json!(timeout));
    out.insert(
        "cacheNamespace".into(),
        get("cacheNamespace").cloned().unwrap_or(json!(resource_id)),
    );
    out.insert(
        "cacheKeyParameters".into(),
        get("cacheKeyParameters").cloned().unwrap_or(json!([])),
    );
    if let Some(responses) = get("responses").and_then(Value::as_object) {
        let map: Map<String, Value> = responses
            .iter()
            .filter_map(|(pattern, r)| {
                Some((status_code_of(r)?, integration_response_json(pattern, r)))
            })
            .collect();
        if !map.is_empty() {
            out.insert("integrationResponses".into(), Value::Object(map));
        }
    }
    if let Some(v) = get("tlsConfig") {
        out.insert("tlsConfig".into(), v.clone());
    }
    Value::Object(out)
}

const INTEGRATION_TYPES: &[&str] = &["HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"];

/// Checks a PutIntegration request as API Gateway does before anything is stored, and returns
/// the document's `x-amazon-apigateway-integration` object.
fn integration_for_document(body: &Map<String, Value>) -> Result<Value, ApiError> {
    let kind = opt_str(body, "type")
        .unwrap_or_default()
        .to_ascii_uppercase();
    check_integration_target(body, &kind)?;
    if let Some(t) = body.get("timeoutInMillis").and_then(Value::as_i64) {
        if !(50..=29_000).contains(&t) {
            return Err(ApiError::bad_request(
                "Timeout should be between 50 ms and 29000 ms",
            ));
        }
    }
    let passthrough = passthrough_for_document(body)?;
    let mut out = Map::new();
    out.insert("type".into(), json!(kind.to_ascii_lowercase()));
    if let Some(m) = opt_str(body, "httpMethod") {
        out.insert("httpMethod".into(), json!(m.to_ascii_uppercase()));
    }
    if let Some(u) = opt_str(body, "uri") {
        out.insert("uri".into(), json!(u));
    }
    for key in [
        "connectionType",
        "connectionId",
        "credentials",
        "contentHandling",
        "cacheNamespace",
    ] {
        if let Some(v) = body.get(key).filter(|v| v.is_string()) {
            out.insert(key.into(), v.clone());
        }
    }
    for key in ["requestParameters", "requestTemplates"] {
        let map = string_map(body.get(key));
        if !map.is_empty() {
            out.insert(key.into(), Value::Object(map));
        }
    }
    if let Some(p) = passthrough {
        out.insert("passthroughBehavior".into(), json!(p));
    }
    if let Some(t) = body.get("timeoutInMillis").filter(|v| v.is_number()) {
        out.insert("timeoutInMillis".into(), t.clone());
    }
    if let Some(k) = body.get("cacheKeyParameters").filter(|v| v.is_array()) {
        out.insert("cacheKeyParameters".into(), k.clone());
    }
    if let Some(t) = body.get("tlsConfig").filter(|v| v.is_object()) {
        out.insert("tlsConfig".into(), t.clone());
    }
    Ok(Value::Object(out))
}

/// The integration's type (upper case) is one API Gateway knows, and its `httpMethod` and
/// `uri` fit it.
fn check_integration_target(body: &Map<String, Value>, kind: &str) -> Result<(), ApiError> {
    if !INTEGRATION_TYPES.contains(&kind) {
        return Err(ApiError::bad_request(
            "Invalid integration type specified. Valid options are HTTP,AWS,MOCK,HTTP_PROXY,AWS_PROXY",
        ));
    }
    if kind == "MOCK" {
        return Ok(());
    }
    if opt_str(body, "httpMethod").is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(
            "Enumeration value for HttpMethod must be non-empty",
        ));
    }
    let uri = opt_str(body, "uri").unwrap_or_default();
    let is_http = uri.starts_with("http://") || uri.starts_with("https://");
    if kind.starts_with("HTTP") && !is_http {
        return Err(ApiError::bad_request(
            "Invalid HTTP endpoint specified for URI",
        ));
    }
    if kind == "AWS_PROXY" && !uri.contains(":lambda:path/") {
        return Err(ApiError::bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."));
    }
    if kind == "AWS" && !uri.starts_with("arn:") {
        return Err(ApiError::bad_request(
            "Invalid ARN specified in the request",
        ));
    }
    Ok(())
}

/// The request's `passthroughBehavior`, checked, as the document writes it (lower case).
fn passthrough_for_document(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let Some(p) = opt_str(body, "passthroughBehavior") else {
        return Ok(None);
    };
    let p = p.to_ascii_uppercase();
    if !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"].contains(&p.as_str()) {
        return Err(ApiError::bad_request(
            "Invalid passthrough behavior specified. Valid options are WHEN_NO_MATCH,WHEN_NO_TEMPLATES,NEVER",
        ));
    }
    Ok(Some(p.to_ascii_lowercase()))
}

pub(super) fn put_integration(c: &Call, m: MethodPath) -> CallResult {
    put_on_operation(c, m, |body, op| {
        let integration = integration_for_document(body)?;
        let answer = integration_json(&integration, m.resource);
        op.insert(INTEGRATION_KEY.into(), integration);
        Ok(ok(201, answer))
    })
}

pub(super) fn get_integration(c: &Call, m: MethodPath) -> CallResult {
    read_operation(c, m, |_, op| {
        Ok(integration_json(integration_of(op)?, m.resource))
    })
}

pub(super) fn delete_integration(c: &Call, m: MethodPath) -> CallResult {
    edit_operation(c, m, |op| {
        op.remove(INTEGRATION_KEY)
            .ok_or_else(integration_not_found)?;
        Ok(empty(204))
    })
}

/// The document key (selection pattern, or `default`) of the integration response for `code`.
fn integration_response_key(responses: &Map<String, Value>, code: &str) -> Option<String> {
    responses
        .iter()
        .find(|(_, r)| status_code_of(r).as_deref() == Some(code))
        .map(|(k, _)| k.clone())
}

/// The integration response a PutIntegrationResponse body describes.
fn integration_response_for_document(body: &Map<String, Value>, code: &str) -> Value {
    let mut response = Map::new();
    response.insert("statusCode".into(), json!(code));
    for key in ["responseParameters", "responseTemplates"] {
        let map = string_map(body.get(key));
        if !map.is_empty() {
            response.insert(key.into(), Value::Object(map));
        }
    }
    if let Some(h) = body.get("contentHandling").filter(|v| v.is_string()) {
        response.insert("contentHandling".into(), h.clone());
    }
    Value::Object(response)
}

pub(super) fn put_integration_response(c: &Call, m: MethodPath, code: &str) -> CallResult {
    put_on_operation(c, m, |body, op| {
        let has_method_response = op.get("responses").and_then(|r| r.get(code)).is_some();
        let integration = integration_mut(op)?;
        // API Gateway maps an integration response onto a method response, which must exist.
        if !has_method_response {
            return Err(response_not_found());
        }
        let pattern = opt_str(body, "selectionPattern")
            .filter(|p| !p.is_empty())
            .unwrap_or("default")
            .to_string();
        let response = integration_response_for_document(body, code);
        let answer = integration_response_json(&pattern, &response);
        let responses = object_entry(integration, "responses")?;
        if let Some(old) = integration_response_key(responses, code) {
            responses.remove(&old);
        }
        responses.insert(pattern, response);
        Ok(ok(201, answer))
    })
}

pub(super) fn get_integration_response(c: &Call, m: MethodPath, code: &str) -> CallResult {
    read_operation(c, m, |_, op| {
        let responses = integration_of(op)?
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(response_not_found)?;
        let key = integration_response_key(responses, code).ok_or_else(response_not_found)?;
        Ok(integration_response_json(&key, &responses[&key]))
    })
}

pub(super) fn delete_integration_response(c: &Call, m: MethodPath, code: &str) -> CallResult {
    edit_operation(c, m, |op| {
        let responses = integration_mut(op)?
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .ok_or_else(response_not_found)?;
        let key = integration_response_key(responses, code).ok_or_else(response_not_found)?;
        responses.remove(&key);
        Ok(empty(204))
    })
}
