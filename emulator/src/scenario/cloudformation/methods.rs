//! `AWS::ApiGateway::Resource` and `AWS::ApiGateway::Method` resources of one API as the
//! OpenAPI document `get-export` would give for them, with each method's `Integration` in the
//! `x-amazon-apigateway-integration` extension's spelling.
//!
//! This part stays JSON: the scenario carries an API's definition as an OpenAPI document, which
//! the OpenAPI importer reads (and reports on) like any other.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::template::Converter;
use super::typed::Properties;
use crate::aws::ids::short_id;
use crate::scenario::document::DocumentError;

type Result<T> = std::result::Result<T, DocumentError>;

impl Converter<'_> {
    /// The API's methods as an OpenAPI document; none when it has no resources or methods.
    pub(super) fn methods_as_openapi(&self, api_logical: &str) -> Result<Option<Value>> {
        let api_id = self.physical_id(api_logical);
        let paths = self.resource_paths(&api_id)?;
        let mut doc_paths = Map::new();
        let mut any = false;
        for (logical, _) in self.of_kind("AWS::ApiGateway::Method") {
            let props = self.properties(&logical)?;
            if props.str("RestApiId") != Some(api_id.as_str()) {
                continue;
            }
            any = true;
            let resource_id = props.str("ResourceId").unwrap_or_default();
            let path = paths.get(resource_id).ok_or_else(|| {
                DocumentError::new(props.path_of("ResourceId"), "expected the id of an AWS::ApiGateway::Resource of this API (or its RootResourceId)")
            })?;
            let (key, operation) = operation(&props);
            let entry = doc_paths.entry(path.clone()).or_insert_with(|| json!({}));
            if let Some(m) = entry.as_object_mut() {
                m.insert(key, operation);
            }
        }
        for path in paths.values() {
            if path != "/" {
                doc_paths.entry(path.clone()).or_insert_with(|| json!({}));
            }
        }
        if !any && doc_paths.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            json!({"openapi": "3.0.1", "info": {"title": api_logical}, "paths": doc_paths}),
        ))
    }

    /// Resource id → full path, for the API's root and its `AWS::ApiGateway::Resource`s.
    fn resource_paths(&self, api_id: &str) -> Result<BTreeMap<String, String>> {
        let mut paths = BTreeMap::from([(short_id("/"), "/".to_string())]);
        let resources = self.of_kind("AWS::ApiGateway::Resource");
        // Parents may come after children in the template: resolve until nothing changes.
        for _ in 0..=resources.len() {
            for (logical, id) in &resources {
                let props = self.properties(logical)?;
                if props.str("RestApiId") != Some(api_id) || paths.contains_key(id) {
                    continue;
                }
                let parent = props.str("ParentId").unwrap_or_default();
                let part = props.str("PathPart").unwrap_or_default();
                if let Some(parent_path) = paths.get(parent) {
                    let full = if parent_path == "/" {
                        format!("/{part}")
                    } else {
                        format!("{parent_path}/{part}")
                    };
                    paths.insert(id.clone(), full);
                }
            }
        }
        Ok(paths)
    }
}

/// A method's key under its path (`get`, `x-amazon-apigateway-any-method`) and its operation.
fn operation(props: &Properties) -> (String, Value) {
    let method = props
        .str("HttpMethod")
        .unwrap_or("GET")
        .to_ascii_lowercase();
    let key = if method == "any" {
        "x-amazon-apigateway-any-method".to_string()
    } else {
        method
    };
    let mut operation = Map::new();
    if let Some(integration) = props.get("Integration").and_then(Value::as_object) {
        operation.insert(
            "x-amazon-apigateway-integration".into(),
            integration_as_openapi(integration),
        );
    }
    if let Some(t) = props.get("AuthorizationType") {
        if t.as_str().is_some_and(|t| t != "NONE") {
            operation.insert("x-amazon-apigateway-auth".into(), json!({"type": t}));
        }
    }
    (key, Value::Object(operation))
}

/// `AWS::ApiGateway::Method.Integration` in the OpenAPI extension's spelling.
fn integration_as_openapi(i: &Map<String, Value>) -> Value {
    let lowercase = |v: &Value| Value::String(v.as_str().unwrap_or_default().to_ascii_lowercase());
    let mut out = Map::new();
    for (k, v) in i {
        let (key, value) = match k.as_str() {
            "Type" => ("type".to_string(), lowercase(v)),
            "Uri" => ("uri".to_string(), v.clone()),
            "IntegrationHttpMethod" => ("httpMethod".to_string(), v.clone()),
            "PassthroughBehavior" => ("passthroughBehavior".to_string(), lowercase(v)),
            "RequestParameters" => ("requestParameters".to_string(), v.clone()),
            "RequestTemplates" => ("requestTemplates".to_string(), v.clone()),
            "TimeoutInMillis" => ("timeoutInMillis".to_string(), v.clone()),
            "IntegrationResponses" => ("responses".to_string(), integration_responses(v)),
            "TlsConfig" => match v.get("InsecureSkipVerification") {
                Some(skip) => (
                    "tlsConfig".to_string(),
                    json!({"insecureSkipVerification": skip}),
                ),
                None => continue,
            },
            // Keep the rest in camelCase for the importer, which reports what it ignores.
            other => (camel_case(other), v.clone()),
        };
        out.insert(key, value);
    }
    Value::Object(out)
}

/// `IntegrationResponses` keyed by selection pattern (`default` for none), as the extension has
/// them.
fn integration_responses(v: &Value) -> Value {
    let mut responses = Map::new();
    for r in v.as_array().into_iter().flatten() {
        let pattern = r
            .get("SelectionPattern")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .unwrap_or("default");
        let mut response = Map::new();
        for (from, to) in [
            ("StatusCode", "statusCode"),
            ("ResponseParameters", "responseParameters"),
            ("ResponseTemplates", "responseTemplates"),
        ] {
            if let Some(x) = r.get(from) {
                response.insert(to.into(), x.clone());
            }
        }
        responses.insert(pattern.to_string(), Value::Object(response));
    }
    Value::Object(responses)
}

fn camel_case(pascal: &str) -> String {
    let mut chars = pascal.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
