//! OpenAPI 3 to Swagger 2.0: `requestBody` becomes a body parameter, `content` becomes
//! `consumes`/`produces` and one `schema`, parameter schemas are flattened beside the name, and
//! security schemes become security definitions.

use serde_json::{Map, Value};

use super::refs::{resolve, OPENAPI_TO_SWAGGER_REFS};
use super::shape::{
    copy_keys, copy_where, is_vendor_key, object_at, ordered_operation, string_array,
};
use super::{Body, DEFAULT_MEDIA_TYPE, OPERATION_KEYS, SCHEMA_FIELDS};

pub(super) fn swagger_body_from_openapi(root: &Map<String, Value>) -> Body {
    let mut paths = Map::new();
    for (path, item) in object_at(root.get("paths")) {
        let Some(item) = resolve(root, &item).as_object() else {
            continue;
        };
        let mut out = Map::new();
        for (key, value) in item {
            if OPERATION_KEYS.contains(&key.as_str()) {
                if let Some(op) = value.as_object() {
                    out.insert(
                        key.clone(),
                        Value::Object(openapi_operation_to_swagger(root, op)),
                    );
                }
            } else if key == "parameters" {
                let params = openapi_parameters_to_swagger(root, value);
                if !params.is_empty() {
                    out.insert(key.clone(), Value::Array(params));
                }
            } else if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
            // `summary`, `description` and `servers` have no place on a Swagger path item.
        }
        paths.insert(path, Value::Object(out));
    }
    let components = object_at(root.get("components"));
    let security_schemes = object_at(components.get("securitySchemes"))
        .into_iter()
        .map(|(name, scheme)| {
            let scheme = openapi_security_scheme_to_swagger(resolve(root, &scheme));
            (name, scheme)
        })
        .collect();
    Body::converted(
        paths,
        object_at(components.get("schemas")),
        security_schemes,
        OPENAPI_TO_SWAGGER_REFS,
    )
}

fn openapi_operation_to_swagger(
    root: &Map<String, Value>,
    op: &Map<String, Value>,
) -> Map<String, Value> {
    let mut params = op
        .get("parameters")
        .map(|p| openapi_parameters_to_swagger(root, p))
        .unwrap_or_default();
    let mut consumes = Vec::new();
    if let Some(body) = op.get("requestBody").map(|b| resolve(root, b)) {
        let content = object_at(body.get("content"));
        consumes.extend(content.keys().cloned());
        params.push(request_body_to_body_parameter(body, &content));
    }
    let mut produces: Vec<String> = Vec::new();
    let mut responses = Map::new();
    for (code, response) in object_at(op.get("responses")) {
        let response = resolve(root, &response);
        let content = object_at(response.get("content"));
        for mt in content.keys() {
            if !produces.contains(mt) {
                produces.push(mt.clone());
            }
        }
        responses.insert(code, openapi_response_to_swagger(root, response, &content));
    }
    let mut converted = Vec::new();
    if !consumes.is_empty() {
        converted.push(("consumes", string_array(consumes)));
    }
    if !produces.is_empty() {
        converted.push(("produces", string_array(produces)));
    }
    if !params.is_empty() {
        converted.push(("parameters", Value::Array(params)));
    }
    converted.push(("responses", Value::Object(responses)));
    ordered_operation(
        op,
        converted,
        &[
            "parameters",
            "requestBody",
            "responses",
            "servers",
            "callbacks",
        ],
    )
}

/// A `requestBody` as Swagger's `in: body` parameter, named after the schema it references
/// (`body` when it references none).
fn request_body_to_body_parameter(body: &Value, content: &Map<String, Value>) -> Value {
    let schema = preferred_schema(content);
    let name = schema
        .as_ref()
        .and_then(|s| s.get("$ref"))
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or("body")
        .to_string();
    let mut param = Map::new();
    param.insert("in".to_string(), Value::from("body"));
    param.insert("name".to_string(), Value::from(name));
    if let Some(d) = body.get("description") {
        param.insert("description".to_string(), d.clone());
    }
    param.insert(
        "required".to_string(),
        Value::Bool(body.get("required") == Some(&Value::Bool(true))),
    );
    param.insert(
        "schema".to_string(),
        schema.unwrap_or_else(|| Value::Object(Map::new())),
    );
    Value::Object(param)
}

/// The schema of a content map, `application/json`'s first (Swagger has one schema per body or
/// response).
fn preferred_schema(content: &Map<String, Value>) -> Option<Value> {
    content
        .get(DEFAULT_MEDIA_TYPE)
        .and_then(|c| c.get("schema"))
        .or_else(|| content.values().find_map(|c| c.get("schema")))
        .cloned()
}

fn openapi_parameters_to_swagger(root: &Map<String, Value>, params: &Value) -> Vec<Value> {
    params
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| resolve(root, p).as_object())
        .map(|p| Value::Object(openapi_parameter_to_swagger(root, p)))
        .collect()
}

fn openapi_parameter_to_swagger(
    root: &Map<String, Value>,
    param: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = Map::new();
    copy_keys(param, &["name", "in", "description"], &mut out);
    // AWS writes `required` on every Swagger parameter.
    out.insert(
        "required".to_string(),
        Value::Bool(param.get("required") == Some(&Value::Bool(true))),
    );
    if let Some(v) = param.get("allowEmptyValue") {
        out.insert("allowEmptyValue".to_string(), v.clone());
    }
    let schema = param
        .get("schema")
        .or_else(|| {
            // `content` instead of `schema`: the first media type's schema.
            param
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().find_map(|m| m.get("schema")))
        })
        .map(|s| resolve(root, s));
    flatten_schema_into(root, schema, &mut out);
    copy_where(param, &mut out, is_vendor_key);
    out
}

/// Writes a schema's value fields beside a Swagger parameter's or header's name; a schema
/// Swagger cannot say there (an object, a composition) becomes `type: string`, what API
/// Gateway reads non-body values as.
fn flatten_schema_into(
    root: &Map<String, Value>,
    schema: Option<&Value>,
    out: &mut Map<String, Value>,
) {
    let schema = schema.and_then(Value::as_object);
    let mut wrote_type = false;
    if let Some(schema) = schema {
        for key in SCHEMA_FIELDS {
            let Some(v) = schema.get(*key) else {
                continue;
            };
            let v = if *key == "items" {
                let mut items = Map::new();
                flatten_schema_into(root, Some(resolve(root, v)), &mut items);
                items.remove("required");
                Value::Object(items)
            } else {
                v.clone()
            };
            if *key == "type" {
                if matches!(v.as_str(), Some("object") | None) {
                    continue;
                }
                wrote_type = true;
            }
            out.insert((*key).to_string(), v);
        }
    }
    if !wrote_type {
        out.insert("type".to_string(), Value::from("string"));
    }
}

fn openapi_response_to_swagger(
    root: &Map<String, Value>,
    response: &Value,
    content: &Map<String, Value>,
) -> Value {
    let mut out = Map::new();
    out.insert(
        "description".to_string(),
        response
            .get("description")
            .cloned()
            .unwrap_or_else(|| Value::from("")),
    );
    if let Some(schema) = preferred_schema(content) {
        out.insert("schema".to_string(), schema);
    }
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        let headers = headers
            .iter()
            .map(|(name, header)| {
                let header = resolve(root, header);
                let mut h = Map::new();
                flatten_schema_into(root, header.get("schema").map(|s| resolve(root, s)), &mut h);
                if let Some(d) = header.get("description") {
                    h.insert("description".to_string(), d.clone());
                }
                (name.clone(), Value::Object(h))
            })
            .collect();
        out.insert("headers".to_string(), Value::Object(headers));
    }
    let examples: Map<String, Value> = content
        .iter()
        .filter_map(|(mt, c)| c.get("example").map(|e| (mt.clone(), e.clone())))
        .collect();
    if !examples.is_empty() {
        out.insert("examples".to_string(), Value::Object(examples));
    }
    if let Some(response) = response.as_object() {
        copy_where(response, &mut out, is_vendor_key);
    }
    Value::Object(out)
}

fn openapi_security_scheme_to_swagger(scheme: &Value) -> Value {
    let Some(scheme) = scheme.as_object() else {
        return scheme.clone();
    };
    let mut out = Map::new();
    match (
        scheme.get("type").and_then(Value::as_str),
        scheme.get("scheme").and_then(Value::as_str),
    ) {
        (Some("http"), Some(s)) if s.eq_ignore_ascii_case("basic") => {
            out.insert("type".to_string(), Value::from("basic"));
        }
        // Swagger 2.0 has no bearer scheme; a token in the Authorization header is its nearest
        // form.
        (Some("http"), _) => {
            out.insert("type".to_string(), Value::from("apiKey"));
            out.insert("name".to_string(), Value::from("Authorization"));
            out.insert("in".to_string(), Value::from("header"));
        }
        (Some("oauth2"), _) => {
            out.insert("type".to_string(), Value::from("oauth2"));
            let flows = object_at(scheme.get("flows"));
            if let Some((name, flow)) = flows.iter().next() {
                let flow_name = match name.as_str() {
                    "password" => "password",
                    "clientCredentials" => "application",
                    "authorizationCode" => "accessCode",
                    _ => "implicit",
                };
                out.insert("flow".to_string(), Value::from(flow_name));
                for key in ["authorizationUrl", "tokenUrl", "scopes"] {
                    if let Some(v) = flow.get(key) {
                        out.insert(key.to_string(), v.clone());
                    }
                }
            }
        }
        _ => {
            copy_keys(scheme, &["type", "name", "in"], &mut out);
        }
    }
    copy_where(scheme, &mut out, |k| k == "description" || is_vendor_key(k));
    Value::Object(out)
}
