//! `paths` to the resource tree: each path checked as API Gateway checks a resource path, put
//! as a resource, and its operations put as methods.

use serde_json::Value;

use crate::model::api::ApiDefinition;
use crate::scenario::document::{child_path, DocumentError};

use super::values::object;
use super::{Importer, OPERATIONS};

impl Importer {
    pub(super) fn path_item(
        &mut self,
        definition: &mut ApiDefinition,
        resource_path: &str,
        item: &Value,
        path: &str,
    ) -> Result<(), DocumentError> {
        check_resource_path(resource_path, path)?;
        let item = object(item, path)?;
        definition.put_resource(resource_path);
        for (key, value) in item {
            let p = child_path(path, key);
            if let Some((_, method)) = OPERATIONS.iter().find(|(k, _)| k == key) {
                let method = self.operation(method, value, &p)?;
                definition.put_method(resource_path, method);
                continue;
            }
            match key.as_str() {
                "parameters" | "summary" | "description" | "servers" => {}
                "trace" => self.warn(p, "API Gateway does not support TRACE; ignored"),
                "$ref" => self.warn(p, "path item references are not resolved; ignored"),
                k if k.starts_with("x-amazon-apigateway-") => {
                    self.warn(p, "unknown API Gateway extension on a path, ignored")
                }
                k if k.starts_with("x-") => {}
                _ => self.warn(p, "unknown path item key, ignored"),
            }
        }
        Ok(())
    }
}

/// A resource path as API Gateway accepts one: `/`, or segments of letters, digits and
/// `-._~`, `{name}`, or a final greedy `{name+}`.
fn check_resource_path(resource_path: &str, path: &str) -> Result<(), DocumentError> {
    if !resource_path.starts_with('/') {
        return Err(DocumentError::new(
            path,
            "expected a path starting with '/'",
        ));
    }
    let segments = resource_path.split('/').count();
    for (i, segment) in resource_path.split('/').skip(1).enumerate() {
        let valid = if let Some(name) = segment.strip_prefix('{') {
            valid_variable(name)
        } else {
            // Empty segments: only a trailing slash on the root (`/`) is allowed.
            !segment.is_empty() || (i == 0 && resource_path == "/")
        };
        let greedy_not_last = segment.ends_with("+}") && i + 2 != segments;
        if !valid || greedy_not_last {
            return Err(DocumentError::new(
                path,
                format!("Resource path {resource_path:?} is invalid: expected segments of letters, digits and -._~, {{name}} or a final {{name+}}"),
            ));
        }
    }
    Ok(())
}

/// The inside of a `{name}` or `{name+}` segment, after the `{`.
fn valid_variable(after_brace: &str) -> bool {
    let name = after_brace.strip_suffix('}').unwrap_or("");
    let name = name.strip_suffix('+').unwrap_or(name);
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}
