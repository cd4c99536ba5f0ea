//! An API's definition as an OpenAPI (or Swagger) document: where the scenario keeps it, the
//! `x-amazon-apigateway-*` keys the calls read and write, and freezing what stages serve before
//! the first change to it.

use serde_json::{json, Map, Value};

use crate::scenario::config::{Config, DeploymentConfig, RestApiConfig};

use super::state::region;
use super::wire::{object_entry, ApiError};
use crate::aws::ids::current_deployment_id;

pub(super) use crate::model::openapi::OPERATIONS;

pub(super) const INTEGRATION_KEY: &str = "x-amazon-apigateway-integration";

pub(super) const POLICY_KEY: &str = "x-amazon-apigateway-policy";

pub(super) const BINARY_KEY: &str = "x-amazon-apigateway-binary-media-types";

pub(super) const API_KEY_SOURCE_KEY: &str = "x-amazon-apigateway-api-key-source";

pub(super) const ENDPOINT_KEY: &str = "x-amazon-apigateway-endpoint-configuration";

/// The document a new API starts with: only the root resource.
pub(super) fn empty_document(name: &str, created: i64) -> Value {
    let version = crate::aws::timestamps::iso8601_from_unix(created);
    json!({"openapi": "3.0.1", "info": {"title": name, "version": version}, "paths": {"/": {}}})
}

pub(super) fn parse_document(text: &str) -> Result<Value, ApiError> {
    crate::scenario::document::parse(text).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// The API's current definition as a document, wherever the scenario keeps it.
pub(super) fn current_document(state: &Config, api: &RestApiConfig) -> Result<Value, ApiError> {
    let name = api.name.clone().unwrap_or_default();
    match (&api.body, &api.example, &api.body_file) {
        (Some(Value::String(text)), _, _) => parse_document(text),
        (Some(doc), _, _) => Ok(doc.clone()),
        (None, Some(example), _) => {
            let text = crate::scenario::examples::example_document(example, &region(state)?)
                .ok_or_else(|| ApiError::bad_request(format!("Unknown example {example:?}")))?;
            parse_document(&text)
        }
        (None, None, Some(file)) => {
            let full = state.base_dir().join(file);
            let text = std::fs::read_to_string(&full).map_err(|e| {
                ApiError::bad_request(format!("cannot read {}: {e}", full.display()))
            })?;
            parse_document(&text)
        }
        (None, None, None) => Ok(empty_document(&name, api.created_date.unwrap_or(0))),
    }
}

/// Prepares an API for a change to what stages serve: stages without a `deploymentId` keep
/// serving what they served, frozen as a deployment; returns the current document to edit.
pub(super) fn materialize(state: &Config, api: &mut RestApiConfig) -> Result<Value, ApiError> {
    let doc = current_document(state, api)?;
    if api.stages.iter().any(|s| s.deployment_id.is_none()) {
        let id = current_deployment_id(&api.id);
        if !api.deployments.iter().any(|d| d.id == id) {
            api.deployments.push(DeploymentConfig {
                id: id.clone(),
                description: None,
                created_date: api.created_date,
                body: doc.clone(),
                policy: api.policy.clone(),
            });
        }
        for stage in api.stages.iter_mut().filter(|s| s.deployment_id.is_none()) {
            stage.deployment_id = Some(id.clone());
        }
    }
    Ok(doc)
}

pub(super) fn store_document(api: &mut RestApiConfig, doc: Value) {
    api.body = Some(doc);
    api.example = None;
    api.body_file = None;
}

pub(super) fn is_swagger(doc: &Value) -> bool {
    doc.get("swagger").is_some()
}

pub(super) fn paths(doc: &Value) -> Map<String, Value> {
    doc.get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

pub(super) fn paths_mut(doc: &mut Value) -> Result<&mut Map<String, Value>, ApiError> {
    let root = doc
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("The API definition is not an object"))?;
    object_entry(root, "paths")
}
