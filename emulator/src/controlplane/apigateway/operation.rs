//! The steps every method-level call (methods, method responses, integrations, integration
//! responses) starts with: naming the method, finding its operation in the document (or
//! answering NotFound), and reading or editing it.

use serde_json::{Map, Value};

use crate::controlplane::ControlResponse;

use super::document::{paths_mut, OPERATIONS};
use super::resources::{edit_resource, path_item, read_resource};
use super::wire::{answer, body_json, ApiError};
use super::{Call, CallResult};

/// The method a call names: `/restapis/{api}/resources/{resource}/methods/{httpMethod}`.
#[derive(Debug, Clone, Copy)]
pub(super) struct MethodPath<'a> {
    pub(super) api: &'a str,
    pub(super) resource: &'a str,
    pub(super) http_method: &'a str,
}

/// The document key of an HTTP method's operation (`ANY` is `x-amazon-apigateway-any-method`).
pub(super) fn operation_key(http_method: &str) -> Result<&'static str, ApiError> {
    OPERATIONS
        .iter()
        .find(|(_, m)| *m == http_method)
        .map(|(k, _)| *k)
        .ok_or_else(|| {
            ApiError::bad_request(
                "Invalid HttpMethod specified. Valid options are ANY,DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT",
            )
        })
}

fn method_not_found() -> ApiError {
    ApiError::not_found("Invalid Method identifier specified")
}

/// The operation object of an existing method.
pub(super) fn operation<'d>(
    doc: &'d Value,
    path: &str,
    http_method: &str,
) -> Result<&'d Value, ApiError> {
    let key = operation_key(http_method).map_err(|_| method_not_found())?;
    path_item(doc, path)
        .and_then(|item| item.get(key))
        .ok_or_else(method_not_found)
}

/// The operation object of an existing method, to edit.
pub(super) fn operation_mut<'d>(
    doc: &'d mut Value,
    path: &str,
    http_method: &str,
) -> Result<&'d mut Map<String, Value>, ApiError> {
    let key = operation_key(http_method).map_err(|_| method_not_found())?;
    paths_mut(doc)?
        .get_mut(path)
        .and_then(Value::as_object_mut)
        .and_then(|item| item.get_mut(key))
        .and_then(Value::as_object_mut)
        .ok_or_else(method_not_found)
}

/// Answers a read-only call on an existing method (else NotFound) with what `read` makes of
/// the resource's path and the method's operation.
pub(super) fn read_operation(
    c: &Call,
    m: MethodPath,
    read: impl FnOnce(&str, &Value) -> Result<Value, ApiError>,
) -> CallResult {
    let (doc, path) = read_resource(c, m.api, m.resource)?;
    let op = operation(&doc, &path, m.http_method)?;
    answer(read(&path, op)?)
}

/// Runs an edit of an existing method's operation (else NotFound), as [`edit_resource`] does.
pub(super) fn edit_operation(
    c: &Call,
    m: MethodPath,
    edit: impl FnOnce(&mut Map<String, Value>) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    edit_resource(c, m.api, m.resource, |doc, path| {
        edit(operation_mut(doc, &path, m.http_method)?)
    })
}

/// A Put call on an existing method's operation: the request body is read first (a body that
/// is not JSON is refused before anything is looked up), then `edit` runs as in
/// [`edit_operation`].
pub(super) fn put_on_operation(
    c: &Call,
    m: MethodPath,
    edit: impl FnOnce(&Map<String, Value>, &mut Map<String, Value>) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    let body = body_json(c.req)?;
    edit_operation(c, m, |op| edit(&body, op))
}

/// A Put call at the method's resource, whether or not the method exists yet: the body is read
/// first, then `edit` gets it, the document and the resource's path, as in [`edit_resource`].
pub(super) fn put_at_resource(
    c: &Call,
    m: MethodPath,
    edit: impl FnOnce(&Map<String, Value>, &mut Value, String) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    let body = body_json(c.req)?;
    edit_resource(c, m.api, m.resource, |doc, path| edit(&body, doc, path))
}
