//! The resource calls: a resource is a path of the document (or one on the way to a path), its
//! id a short hash of the path.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::aws::ids;
use crate::controlplane::{ControlRequest, ControlResponse};

use super::document::{paths, paths_mut, OPERATIONS};
use super::methods::method_json;
use super::state::{edit_definition, read_document};
use super::wire::{answer, answer_items, body_json, empty, ok, opt_str, ApiError};
use super::{Call, CallResult};

fn parent_path(path: &str) -> Option<String> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/".to_string()),
        Some(i) => Some(path[..i].to_string()),
        None => None,
    }
}

/// Every resource of a document: its paths and the resources on the way to them, root first.
fn resource_paths(doc: &Value) -> Vec<String> {
    let mut all = BTreeSet::new();
    all.insert("/".to_string());
    for key in paths(doc).keys() {
        let mut p = Some(key.trim_end_matches('/').to_string()).filter(|p| !p.is_empty());
        while let Some(path) = p {
            p = parent_path(&path);
            all.insert(path);
        }
    }
    all.into_iter().collect()
}

fn find_resource(doc: &Value, resource_id: &str) -> Result<String, ApiError> {
    resource_paths(doc)
        .into_iter()
        .find(|p| ids::resource_id(p) == resource_id)
        .ok_or_else(|| ApiError::not_found("Invalid Resource identifier specified"))
}

pub(super) fn path_item<'d>(doc: &'d Value, path: &str) -> Option<&'d Map<String, Value>> {
    doc.get("paths")?.get(path)?.as_object()
}

fn resource_json(doc: &Value, path: &str, embed_methods: bool) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(ids::resource_id(path)));
    if let Some(parent) = parent_path(path) {
        out.insert("parentId".into(), json!(ids::resource_id(&parent)));
        let part = path.rsplit('/').next().unwrap_or_default();
        out.insert("pathPart".into(), json!(part));
    }
    out.insert("path".into(), json!(path));
    let mut methods = Map::new();
    if let Some(item) = path_item(doc, path) {
        for (key, http_method) in OPERATIONS {
            if let Some(op) = item.get(*key) {
                let value = if embed_methods {
                    method_json(path, http_method, op)
                } else {
                    json!({})
                };
                methods.insert(http_method.to_string(), value);
            }
        }
    }
    if !methods.is_empty() {
        out.insert("resourceMethods".into(), Value::Object(methods));
    }
    Value::Object(out)
}

fn embeds_methods(req: &ControlRequest) -> bool {
    req.query
        .iter()
        .any(|(k, v)| k == "embed" && v.split(',').any(|e| e.trim() == "methods"))
}

/// The document of a read-only call on one resource, and the resource's path.
pub(super) fn read_resource(
    c: &Call,
    api_id: &str,
    resource_id: &str,
) -> Result<(Value, String), ApiError> {
    let doc = read_document(c, api_id)?;
    let path = find_resource(&doc, resource_id)?;
    Ok((doc, path))
}

/// Runs an edit of the definition at one resource (found by id, or NotFound), as
/// [`edit_definition`] does; the edit gets the document and the resource's path.
pub(super) fn edit_resource(
    c: &Call,
    api_id: &str,
    resource_id: &str,
    edit: impl FnOnce(&mut Value, String) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    edit_definition(c, api_id, |doc, _| {
        let path = find_resource(doc, resource_id)?;
        edit(doc, path)
    })
}

pub(super) fn get_resources(c: &Call, api_id: &str) -> CallResult {
    let doc = read_document(c, api_id)?;
    let embed = embeds_methods(c.req);
    let items: Vec<Value> = resource_paths(&doc)
        .iter()
        .map(|p| resource_json(&doc, p, embed))
        .collect();
    answer_items(items)
}

pub(super) fn get_resource(c: &Call, api_id: &str, resource_id: &str) -> CallResult {
    let (doc, path) = read_resource(c, api_id, resource_id)?;
    answer(resource_json(&doc, &path, embeds_methods(c.req)))
}

fn valid_path_part(part: &str) -> bool {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(inner) => name_ok(inner.strip_suffix('+').unwrap_or(inner)),
        None => name_ok(part),
    }
}

pub(super) fn create_resource(c: &Call, api_id: &str, parent_id: &str) -> CallResult {
    let body = body_json(c.req)?;
    let part = opt_str(&body, "pathPart").unwrap_or_default().to_string();
    edit_resource(c, api_id, parent_id, |doc, parent| {
        if !valid_path_part(&part) {
            return Err(ApiError::bad_request("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace."));
        }
        if parent.ends_with("+}") {
            let parent_part = parent.rsplit('/').next().unwrap_or_default();
            return Err(ApiError::bad_request(format!(
                "Cannot create a child of a resource with a greedy path variable: {parent_part}"
            )));
        }
        let path = if parent == "/" {
            format!("/{part}")
        } else {
            format!("{parent}/{part}")
        };
        let siblings: Vec<String> = resource_paths(doc)
            .into_iter()
            .filter(|p| parent_path(p).as_deref() == Some(parent.as_str()))
            .collect();
        if siblings.contains(&path) {
            return Err(ApiError::conflict(format!(
                "Another resource with the same parent already has this name: {part}"
            )));
        }
        if part.starts_with('{') {
            if let Some(other) = siblings
                .iter()
                .filter_map(|s| s.rsplit('/').next())
                .find(|s| s.starts_with('{'))
            {
                return Err(ApiError::bad_request(format!(
                    "A sibling ({other}) of this resource already has a variable path part -- only one is allowed"
                )));
            }
        }
        paths_mut(doc)?.insert(path.clone(), json!({}));
        Ok(ok(201, resource_json(doc, &path, false)))
    })
}

pub(super) fn delete_resource(c: &Call, api_id: &str, resource_id: &str) -> CallResult {
    edit_resource(c, api_id, resource_id, |doc, path| {
        if path == "/" {
            return Err(ApiError::bad_request("Cannot delete the root resource"));
        }
        let prefix = format!("{path}/");
        paths_mut(doc)?.retain(|p, _| p != &path && !p.starts_with(&prefix));
        Ok(empty(202))
    })
}
