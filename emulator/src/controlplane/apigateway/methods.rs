//! The method and method response calls: a method is an operation of a path item, its request
//! parameters the operation's `parameters`, its responses the operation's `responses`.

use serde_json::{json, Map, Value};

use crate::aws::ids;

use super::document::{is_swagger, paths_mut, INTEGRATION_KEY};
use super::integrations::integration_json;
use super::operation::{
    edit_operation, operation, operation_key, operation_mut, put_at_resource, read_operation,
    MethodPath,
};
use super::resources::{edit_resource, path_item};
use super::wire::{empty, object_entry, ok, opt_str, ApiError};
use super::{Call, CallResult};

/// `in` of an OpenAPI parameter for a `method.request.<location>.<name>` key.
const PARAMETER_LOCATIONS: &[(&str, &str)] = &[
    ("path", "path"),
    ("querystring", "query"),
    ("header", "header"),
];

fn request_parameters_of(op: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(location)) = (
            p.get("name").and_then(Value::as_str),
            p.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Some((aws, _)) = PARAMETER_LOCATIONS.iter().find(|(_, oas)| *oas == location) {
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            out.insert(format!("method.request.{aws}.{name}"), json!(required));
        }
    }
    out
}

fn parameters_for_document(
    swagger: bool,
    request_parameters: &Map<String, Value>,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for (key, required) in request_parameters {
        let parsed = key.strip_prefix("method.request.").and_then(|rest| {
            let (location, name) = rest.split_once('.')?;
            let (_, oas) = PARAMETER_LOCATIONS
                .iter()
                .find(|(aws, _)| *aws == location)?;
            Some((*oas, name))
        });
        let Some((location, name)) = parsed.filter(|(_, n)| !n.is_empty()) else {
            return Err(ApiError::bad_request(format!(
                "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method request parameter name: {key}]"
            )));
        };
        let required = required.as_bool().unwrap_or(false) || location == "path";
        out.push(declared_string(
            json!({"name": name, "in": location, "required": required}),
            swagger,
        ));
    }
    Ok(out)
}

/// A parameter or header declared a string, the way the document's version (Swagger 2 or
/// OpenAPI 3) writes a type.
fn declared_string(mut item: Value, swagger: bool) -> Value {
    if swagger {
        item["type"] = json!("string");
    } else {
        item["schema"] = json!({"type": "string"});
    }
    item
}

fn authorization_type_of(op: &Value) -> String {
    op.pointer("/x-amazon-apigateway-auth/type")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .unwrap_or_else(|| "NONE".to_string())
}

fn api_key_required_of(op: &Value) -> bool {
    op.get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|r| r.get("api_key").is_some()))
}

fn method_response_json(code: &str, response: &Value) -> Value {
    let mut out = Map::new();
    out.insert("statusCode".into(), json!(code));
    let mut parameters = Map::new();
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        for (name, h) in headers {
            let required = h.get("required").and_then(Value::as_bool).unwrap_or(false);
            parameters.insert(format!("method.response.header.{name}"), json!(required));
        }
    }
    if !parameters.is_empty() {
        out.insert("responseParameters".into(), Value::Object(parameters));
    }
    let mut models = Map::new();
    let model_name = |schema: &Value| {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .map(|m| json!(m))
    };
    if let Some(content) = response.get("content").and_then(Value::as_object) {
        for (content_type, media) in content {
            if let Some(m) = media.get("schema").and_then(model_name) {
                models.insert(content_type.clone(), m);
            }
        }
    } else if let Some(m) = response.get("schema").and_then(model_name) {
        models.insert("application/json".into(), m);
    }
    if !models.is_empty() {
        out.insert("responseModels".into(), Value::Object(models));
    }
    Value::Object(out)
}

pub(super) fn method_json(path: &str, http_method: &str, op: &Value) -> Value {
    let mut out = Map::new();
    out.insert("httpMethod".into(), json!(http_method));
    out.insert("authorizationType".into(), json!(authorization_type_of(op)));
    out.insert("apiKeyRequired".into(), json!(api_key_required_of(op)));
    if let Some(name) = op.get("operationId").and_then(Value::as_str) {
        out.insert("operationName".into(), json!(name));
    }
    let parameters = request_parameters_of(op);
    if !parameters.is_empty() {
        out.insert("requestParameters".into(), Value::Object(parameters));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        let map: Map<String, Value> = responses
            .iter()
            .filter(|(code, _)| valid_status_code(code))
            .map(|(code, r)| (code.clone(), method_response_json(code, r)))
            .collect();
        if !map.is_empty() {
            out.insert("methodResponses".into(), Value::Object(map));
        }
    }
    if let Some(integration) = op.get(INTEGRATION_KEY) {
        out.insert(
            "methodIntegration".into(),
            integration_json(integration, &ids::resource_id(path)),
        );
    }
    Value::Object(out)
}

/// The operation a PutMethod body describes, written as the document's version writes it.
fn operation_for_document(body: &Map<String, Value>, swagger: bool) -> Result<Value, ApiError> {
    let authorization = opt_str(body, "authorizationType").unwrap_or("NONE");
    let mut op = Map::new();
    if let Some(name) = opt_str(body, "operationName") {
        op.insert("operationId".into(), json!(name));
    }
    let request_parameters = body
        .get("requestParameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let parameters = parameters_for_document(swagger, &request_parameters)?;
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    match authorization {
        "NONE" => {}
        "AWS_IAM" | "CUSTOM" | "COGNITO_USER_POOLS" => {
            op.insert(
                "x-amazon-apigateway-auth".into(),
                json!({"type": authorization}),
            );
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid authorization type specified: {other}. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS"
            )))
        }
    }
    if body.get("apiKeyRequired") == Some(&Value::Bool(true)) {
        op.insert("security".into(), json!([{"api_key": []}]));
    }
    Ok(Value::Object(op))
}

pub(super) fn put_method(c: &Call, m: MethodPath) -> CallResult {
    put_at_resource(c, m, |body, doc, path| {
        let key = operation_key(m.http_method)?;
        if path_item(doc, &path).is_some_and(|item| item.contains_key(key)) {
            return Err(ApiError::conflict(
                "Method already exists for this resource",
            ));
        }
        let op = operation_for_document(body, is_swagger(doc))?;
        let response = method_json(&path, m.http_method, &op);
        object_entry(paths_mut(doc)?, &path)?.insert(key.into(), op);
        Ok(ok(201, response))
    })
}

pub(super) fn get_method(c: &Call, m: MethodPath) -> CallResult {
    read_operation(c, m, |path, op| Ok(method_json(path, m.http_method, op)))
}

pub(super) fn delete_method(c: &Call, m: MethodPath) -> CallResult {
    edit_resource(c, m.api, m.resource, |doc, path| {
        operation(doc, &path, m.http_method)?;
        let key = operation_key(m.http_method)?;
        if let Some(item) = paths_mut(doc)?
            .get_mut(&path)
            .and_then(Value::as_object_mut)
        {
            item.remove(key);
        }
        Ok(empty(204))
    })
}

fn valid_status_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) && ("1"..="5").contains(&&code[..1])
}

pub(super) fn response_not_found() -> ApiError {
    ApiError::not_found("Invalid Response status code specified")
}

/// The response a PutMethodResponse body describes: its headers declared strings, its models
/// `$ref`s, as the document's version writes them.
fn method_response_for_document(
    body: &Map<String, Value>,
    swagger: bool,
    code: &str,
) -> Result<Value, ApiError> {
    let mut response = json!({"description": format!("{code} response")});
    let mut headers = Map::new();
    if let Some(params) = body.get("responseParameters").and_then(Value::as_object) {
        for (key, required) in params {
            let name = key
                .strip_prefix("method.response.header.")
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method response parameter name: {key}]"
                    ))
                })?;
            let mut h = declared_string(json!({}), swagger);
            if required.as_bool() == Some(true) {
                h["required"] = json!(true);
            }
            headers.insert(name.to_string(), h);
        }
    }
    if !headers.is_empty() {
        response["headers"] = Value::Object(headers);
    }
    if let Some(models) = body.get("responseModels").and_then(Value::as_object) {
        write_response_models(&mut response, models, swagger);
    }
    Ok(response)
}

/// A response's models: Swagger 2 has one `schema`, OpenAPI 3 one per content type.
fn write_response_models(response: &mut Value, models: &Map<String, Value>, swagger: bool) {
    if swagger {
        if let Some(model) = models.values().find_map(Value::as_str) {
            response["schema"] = json!({"$ref": format!("#/definitions/{model}")});
        }
        return;
    }
    let content: Map<String, Value> = models
        .iter()
        .filter_map(|(ct, m)| {
            let m = m.as_str()?;
            Some((
                ct.clone(),
                json!({"schema": {"$ref": format!("#/components/schemas/{m}")}}),
            ))
        })
        .collect();
    if !content.is_empty() {
        response["content"] = Value::Object(content);
    }
}

pub(super) fn put_method_response(c: &Call, m: MethodPath, code: &str) -> CallResult {
    put_at_resource(c, m, |body, doc, path| {
        if !valid_status_code(code) {
            return Err(ApiError::bad_request("Invalid status code specified"));
        }
        let response = method_response_for_document(body, is_swagger(doc), code)?;
        let answer = method_response_json(code, &response);
        let op = operation_mut(doc, &path, m.http_method)?;
        object_entry(op, "responses")?.insert(code.into(), response);
        Ok(ok(201, answer))
    })
}

pub(super) fn get_method_response(c: &Call, m: MethodPath, code: &str) -> CallResult {
    read_operation(c, m, |_, op| {
        let response = op
            .get("responses")
            .and_then(|r| r.get(code))
            .ok_or_else(response_not_found)?;
        Ok(method_response_json(code, response))
    })
}

pub(super) fn delete_method_response(c: &Call, m: MethodPath, code: &str) -> CallResult {
    edit_operation(c, m, |op| {
        op.get_mut("responses")
            .and_then(Value::as_object_mut)
            .and_then(|r| r.remove(code))
            .ok_or_else(response_not_found)?;
        Ok(empty(204))
    })
}
