//! The parts of an export AWS builds from the API rather than copies from the document: the
//! header (`info`, then `servers` or `host`/`basePath`/`schemes`, from the API's name, the host
//! and the stage) and the top-level API Gateway extensions.

use serde_json::{Map, Value};

use super::{Body, EXTENSION_PREFIX};

pub(super) struct Header<'a> {
    pub(super) api_name: &'a str,
    pub(super) host: &'a str,
    pub(super) stage_name: &'a str,
    pub(super) version: &'a str,
    pub(super) description: Option<&'a str>,
}

/// The endpoint configuration, wherever the document keeps it: at the top level (Swagger, and
/// the emulator's importer) or on the first server (where OpenAPI 3 exports put it).
fn endpoint_configuration(root: &Map<String, Value>) -> Option<Value> {
    let key = "x-amazon-apigateway-endpoint-configuration";
    root.get(key).cloned().or_else(|| {
        root.get("servers")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find_map(|server| server.get(key)))
            .cloned()
    })
}

/// The document's top-level API Gateway extensions, in its order; AWS exports the policy as an
/// object even when it was imported as a JSON string.
fn top_level_extensions(root: &Map<String, Value>) -> Vec<(String, Value)> {
    root.iter()
        .filter(|(key, _)| {
            key.starts_with(EXTENSION_PREFIX)
                && key.as_str() != "x-amazon-apigateway-endpoint-configuration"
        })
        .map(|(key, value)| {
            let value = match (key.as_str(), value) {
                ("x-amazon-apigateway-policy", Value::String(text)) => {
                    serde_json::from_str(text).unwrap_or_else(|_| value.clone())
                }
                _ => value.clone(),
            };
            (key.clone(), value)
        })
        .collect()
}

pub(super) fn openapi_document(
    header: &Header,
    root: &Map<String, Value>,
    body: Body,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("openapi".to_string(), Value::from("3.0.1"));
    let mut info = Map::new();
    info.insert("title".to_string(), Value::from(header.api_name));
    if let Some(d) = header.description {
        info.insert("description".to_string(), Value::from(d));
    }
    info.insert("version".to_string(), Value::from(header.version));
    out.insert("info".to_string(), Value::Object(info));
    let mut server = Map::new();
    server.insert(
        "url".to_string(),
        Value::from(format!("https://{}/{{basePath}}", header.host)),
    );
    let mut base_path = Map::new();
    base_path.insert("default".to_string(), Value::from(header.stage_name));
    let mut variables = Map::new();
    variables.insert("basePath".to_string(), Value::Object(base_path));
    server.insert("variables".to_string(), Value::Object(variables));
    if let Some(config) = endpoint_configuration(root) {
        server.insert(
            "x-amazon-apigateway-endpoint-configuration".to_string(),
            config,
        );
    }
    out.insert(
        "servers".to_string(),
        Value::Array(vec![Value::Object(server)]),
    );
    out.insert("paths".to_string(), Value::Object(body.paths));
    let mut components = Map::new();
    if !body.schemas.is_empty() {
        components.insert("schemas".to_string(), Value::Object(body.schemas));
    }
    for (key, value) in body.other_components {
        components.insert(key, value);
    }
    if !body.security_schemes.is_empty() {
        components.insert(
            "securitySchemes".to_string(),
            Value::Object(body.security_schemes),
        );
    }
    if !components.is_empty() {
        out.insert("components".to_string(), Value::Object(components));
    }
    if let Some(security) = root.get("security") {
        out.insert("security".to_string(), security.clone());
    }
    out.extend(top_level_extensions(root));
    out
}

pub(super) fn swagger_document(
    header: &Header,
    root: &Map<String, Value>,
    body: Body,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("swagger".to_string(), Value::from("2.0"));
    let mut info = Map::new();
    if let Some(d) = header.description {
        info.insert("description".to_string(), Value::from(d));
    }
    info.insert("version".to_string(), Value::from(header.version));
    info.insert("title".to_string(), Value::from(header.api_name));
    out.insert("info".to_string(), Value::Object(info));
    out.insert("host".to_string(), Value::from(header.host));
    out.insert(
        "basePath".to_string(),
        Value::from(format!("/{}", header.stage_name)),
    );
    out.insert(
        "schemes".to_string(),
        Value::Array(vec![Value::from("https")]),
    );
    out.insert("paths".to_string(), Value::Object(body.paths));
    if !body.security_schemes.is_empty() {
        out.insert(
            "securityDefinitions".to_string(),
            Value::Object(body.security_schemes),
        );
    }
    if !body.schemas.is_empty() {
        out.insert("definitions".to_string(), Value::Object(body.schemas));
    }
    out.extend(body.other_components);
    if let Some(security) = root.get("security") {
        out.insert("security".to_string(), security.clone());
    }
    let mut extensions = top_level_extensions(root);
    if let Some(config) = endpoint_configuration(root) {
        extensions.push((
            "x-amazon-apigateway-endpoint-configuration".to_string(),
            config,
        ));
    }
    out.extend(extensions);
    out
}
