//! OpenAPI 3.0 and Swagger 2.0 import, as `aws apigateway import-rest-api` reads a document:
//! paths become the resource tree, operations methods, and the `x-amazon-apigateway-*`
//! extensions integrations, policy, endpoint configuration and binary media types.
//!
//! Import is strict where API Gateway is (a bad mapping expression, an unknown integration type,
//! a template that does not parse: errors naming the JSON path) and loud where the emulator is
//! narrower than AWS (authorizers, API keys, validators, custom gateway responses: accepted and
//! reported as warnings, never silently dropped). `basePath` is ignored, API Gateway's default
//! for import (`basepath=ignore`).
//!
//! The pieces: `root` reads the document's version, `info` and top-level extensions,
//! `resources` turns `paths` into the resource tree, `operations` operations into methods,
//! `integrations` `x-amazon-apigateway-integration` into integrations (their `responses` in
//! `integration_responses`, parameter mapping expressions checked by `mappings`), and
//! `warnings` collects what was accepted but is not emulated; `values` reads typed values.

use serde_json::Value;

use crate::model::api::ApiDefinition;
use crate::scenario::document::DocumentError;

mod integration_responses;
mod integrations;
mod mappings;
mod operations;
mod resources;
mod root;
mod values;
mod warnings;

#[cfg(test)]
mod tests;

use self::warnings::Importer;

/// API Gateway's default integration timeout.
pub const DEFAULT_TIMEOUT_MILLIS: u64 = 29_000;

/// What an OpenAPI document defines.
#[derive(Debug)]
pub struct ImportedApi {
    /// `info.title`: the API's name unless the scenario names it.
    pub title: Option<String>,
    /// Resources, methods, integrations and binary media types.
    pub definition: ApiDefinition,
    /// `x-amazon-apigateway-policy`.
    pub policy: Option<Value>,
    /// `x-amazon-apigateway-endpoint-configuration.vpcEndpointIds`.
    pub vpc_endpoint_ids: Vec<String>,
    /// `x-amazon-apigateway-api-key-source` (`HEADER` or `AUTHORIZER`).
    pub api_key_source: Option<String>,
    /// What was accepted but is not emulated, by JSON path.
    pub warnings: Vec<DocumentError>,
}

/// Operation keys of an OpenAPI path item and the HTTP methods they stand for.
pub(crate) const OPERATIONS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

/// Imports a parsed document (see [`crate::scenario::document::parse`]).
pub fn import(doc: &Value) -> Result<ImportedApi, DocumentError> {
    let mut importer = Importer {
        warnings: Vec::new(),
    };
    importer.document(doc)
}
