//! Swagger 2.0 to OpenAPI 3: body parameters become `requestBody`, response `schema`s become
//! `content` by media type, non-body parameters get a `schema`, and security definitions become
//! security schemes.

use serde_json::{Map, Value};

use super::refs::{resolve, SWAGGER_TO_OPENAPI_REFS};
use super::shape::{
    copy_keys, copy_where, is_vendor_key, object_at, ordered_operation, string_list,
};
use super::{Body, DEFAULT_MEDIA_TYPE, OPERATION_KEYS, SCHEMA_FIELDS};

pub(super) fn openapi_body_from_swagger(root: &Map<String, Value>) -> Body {
    let global_consumes = string_list(root.get("consumes"));
    let global_produces = string_list(root.get("produces"));
    let mut paths = Map::new();
    for (path, item) in object_at(root.get("paths")) {
        let Some(item) = item.as_object() else {
            continue;
        };
        let mut out = Map::new();
        for (key, value) in item {
            if OPERATION_KEYS.contains(&key.as_str()) {
                if let Some(op) = value.as_object() {
                    let op = swagger_operation_to_openapi(
                        root,
                        op,
                        global_consumes.as_deref(),
                        global_produces.as_deref(),
                    );
                    out.insert(key.clone(), Value::Object(op));
                }
            } else if key == "parameters" {
                // A body parameter has no path-level form in OpenAPI 3; each operation's
                // requestBody carries it instead (see swagger_operation_to_openapi).
                let params = swagger_parameters_to_openapi(root, value).parameters;
                if !params.is_empty() {
                    out.insert(key.clone(), Value::Array(params));
                }
            } else {
                out.insert(key.clone(), value.clone());
            }
        }
        paths.insert(path, Value::Object(out));
    }
    let security_schemes = object_at(root.get("securityDefinitions"))
        .into_iter()
        .map(|(name, scheme)| (name, swagger_security_scheme_to_openapi(&scheme)))
        .collect();
    Body::converted(
        paths,
        object_at(root.get("definitions")),
        security_schemes,
        SWAGGER_TO_OPENAPI_REFS,
    )
}

fn swagger_operation_to_openapi(
    root: &Map<String, Value>,
    op: &Map<String, Value>,
    global_consumes: Option<&[String]>,
    global_produces: Option<&[String]>,
) -> Map<String, Value> {
    let consumes = string_list(op.get("consumes"))
        .or_else(|| global_consumes.map(<[String]>::to_vec))
        .unwrap_or_else(|| vec![DEFAULT_MEDIA_TYPE.to_string()]);
    let produces = string_list(op.get("produces"))
        .or_else(|| global_produces.map(<[String]>::to_vec))
        .unwrap_or_else(|| vec![DEFAULT_MEDIA_TYPE.to_string()]);
    let mut converted = Vec::new();
    if let Some(params) = op.get("parameters") {
        let SplitParameters {
            parameters: params,
            body,
            form,
        } = swagger_parameters_to_openapi(root, params);
        if !params.is_empty() {
            converted.push(("parameters", Value::Array(params)));
        }
        if let Some(body) = body {
            converted.push((
                "requestBody",
                body_parameter_to_request_body(&body, &consumes),
            ));
        } else if !form.is_empty() {
            converted.push((
                "requestBody",
                form_parameters_to_request_body(&form, &consumes),
            ));
        }
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        let responses = responses
            .iter()
            .map(|(code, response)| {
                let response = resolve(root, response);
                (
                    code.clone(),
                    swagger_response_to_openapi(code, response, &produces),
                )
            })
            .collect();
        converted.push(("responses", Value::Object(responses)));
    }
    ordered_operation(
        op,
        converted,
        &["parameters", "responses", "consumes", "produces", "schemes"],
    )
}

/// Swagger parameters split the way OpenAPI 3 places them.
#[derive(Default)]
struct SplitParameters {
    /// Path, query, header and cookie parameters, converted.
    parameters: Vec<Value>,
    /// The `in: body` parameter: the request body.
    body: Option<Map<String, Value>>,
    /// The `in: formData` parameters: the fields of a form request body.
    form: Vec<Map<String, Value>>,
}

fn swagger_parameters_to_openapi(root: &Map<String, Value>, params: &Value) -> SplitParameters {
    let mut split = SplitParameters::default();
    for param in params.as_array().into_iter().flatten() {
        let Some(param) = resolve(root, param).as_object() else {
            continue;
        };
        match param.get("in").and_then(Value::as_str) {
            Some("body") => split.body = Some(param.clone()),
            Some("formData") => split.form.push(param.clone()),
            _ => split
                .parameters
                .push(Value::Object(swagger_parameter_to_openapi(param))),
        }
    }
    split
}

fn swagger_parameter_to_openapi(param: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    copy_keys(param, &["name", "in", "description"], &mut out);
    // AWS writes `required` in OpenAPI 3 only when it is true.
    if param.get("required") == Some(&Value::Bool(true)) {
        out.insert("required".to_string(), Value::Bool(true));
    }
    copy_keys(param, &["allowEmptyValue", "deprecated"], &mut out);
    out.insert("schema".to_string(), swagger_value_schema(param));
    copy_where(param, &mut out, is_vendor_key);
    out
}

/// The `schema` of a Swagger non-body parameter or header, from the fields beside its name.
/// `collectionFormat` has no exact OpenAPI 3 counterpart and API Gateway ignores it; it is
/// dropped.
fn swagger_value_schema(fields: &Map<String, Value>) -> Value {
    let mut schema = Map::new();
    for key in SCHEMA_FIELDS {
        if let Some(v) = fields.get(*key) {
            let v = match (*key, v) {
                ("items", Value::Object(items)) => swagger_value_schema(items),
                ("type", Value::String(t)) if t == "file" => {
                    schema.insert("format".to_string(), Value::from("binary"));
                    Value::from("string")
                }
                _ => v.clone(),
            };
            schema.insert((*key).to_string(), v);
        }
    }
    if schema.is_empty() {
        schema.insert("type".to_string(), Value::from("string"));
    }
    Value::Object(schema)
}

fn content_for(media_types: &[String], schema: &Value) -> Value {
    Value::Object(
        media_types
            .iter()
            .map(|mt| {
                let mut entry = Map::new();
                entry.insert("schema".to_string(), schema.clone());
                (mt.clone(), Value::Object(entry))
            })
            .collect(),
    )
}

fn body_parameter_to_request_body(body: &Map<String, Value>, consumes: &[String]) -> Value {
    let mut out = Map::new();
    if let Some(d) = body.get("description") {
        out.insert("description".to_string(), d.clone());
    }
    let schema = body
        .get("schema")
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
    out.insert("content".to_string(), content_for(consumes, &schema));
    if body.get("required") == Some(&Value::Bool(true)) {
        out.insert("required".to_string(), Value::Bool(true));
    }
    Value::Object(out)
}

fn form_parameters_to_request_body(form: &[Map<String, Value>], consumes: &[String]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in form {
        let Some(name) = field.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut schema = swagger_value_schema(field);
        if let (Some(d), Some(s)) = (field.get("description"), schema.as_object_mut()) {
            s.insert("description".to_string(), d.clone());
        }
        properties.insert(name.to_string(), schema);
        if field.get("required") == Some(&Value::Bool(true)) {
            required.push(Value::from(name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".to_string(), Value::from("object"));
    schema.insert("properties".to_string(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".to_string(), Value::Array(required));
    }
    let form_types: Vec<String> = consumes
        .iter()
        .filter(|mt| {
            mt.starts_with("application/x-www-form-urlencoded")
                || mt.starts_with("multipart/form-data")
        })
        .cloned()
        .collect();
    let media_types = if form_types.is_empty() {
        vec!["application/x-www-form-urlencoded".to_string()]
    } else {
        form_types
    };
    let mut out = Map::new();
    out.insert(
        "content".to_string(),
        content_for(&media_types, &Value::Object(schema)),
    );
    Value::Object(out)
}

fn swagger_response_to_openapi(code: &str, response: &Value, produces: &[String]) -> Value {
    let empty = Map::new();
    let response = response.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    out.insert(
        "description".to_string(),
        response
            .get("description")
            .cloned()
            .unwrap_or_else(|| Value::from(format!("{code} response"))),
    );
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        let headers = headers
            .iter()
            .map(|(name, header)| {
                let header = header.as_object().unwrap_or(&empty);
                let mut h = Map::new();
                if let Some(d) = header.get("description") {
                    h.insert("description".to_string(), d.clone());
                }
                h.insert("schema".to_string(), swagger_value_schema(header));
                (name.clone(), Value::Object(h))
            })
            .collect();
        out.insert("headers".to_string(), Value::Object(headers));
    }
    // A response without a model is `content: {}` in AWS's exports.
    let mut content = match response.get("schema") {
        Some(schema) => content_for(produces, schema),
        None => Value::Object(Map::new()),
    };
    if let (Some(Value::Object(examples)), Value::Object(content)) =
        (response.get("examples"), &mut content)
    {
        for (mt, example) in examples {
            let entry = content
                .entry(mt.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(entry) = entry {
                entry.insert("example".to_string(), example.clone());
            }
        }
    }
    out.insert("content".to_string(), content);
    copy_where(response, &mut out, is_vendor_key);
    Value::Object(out)
}

fn swagger_security_scheme_to_openapi(scheme: &Value) -> Value {
    let Some(scheme) = scheme.as_object() else {
        return scheme.clone();
    };
    let mut out = Map::new();
    match scheme.get("type").and_then(Value::as_str) {
        Some("basic") => {
            out.insert("type".to_string(), Value::from("http"));
            out.insert("scheme".to_string(), Value::from("basic"));
        }
        Some("oauth2") => {
            out.insert("type".to_string(), Value::from("oauth2"));
            let flow_name = match scheme.get("flow").and_then(Value::as_str) {
                Some("password") => "password",
                Some("application") => "clientCredentials",
                Some("accessCode") => "authorizationCode",
                _ => "implicit",
            };
            let mut flow = Map::new();
            copy_keys(scheme, &["authorizationUrl", "tokenUrl"], &mut flow);
            flow.insert(
                "scopes".to_string(),
                scheme
                    .get("scopes")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new())),
            );
            let mut flows = Map::new();
            flows.insert(flow_name.to_string(), Value::Object(flow));
            out.insert("flows".to_string(), Value::Object(flows));
        }
        _ => {
            copy_keys(scheme, &["type", "name", "in"], &mut out);
        }
    }
    copy_where(scheme, &mut out, |k| k == "description" || is_vendor_key(k));
    Value::Object(out)
}
