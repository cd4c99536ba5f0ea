//! Parameter mapping expressions (`requestParameters`, `responseParameters`), checked as API
//! Gateway checks them on import: a bad one fails the import with "Invalid mapping expression
//! specified".

use serde_json::Value;

use crate::scenario::document::{child_path, DocumentError};

use super::values::{object, string};

/// `requestParameters` or `responseParameters`: target to source, each pair checked with
/// `check` ([`check_request_mapping`] or [`check_response_mapping`]).
pub(super) fn parameter_mappings(
    v: &Value,
    p: &str,
    check: fn(&str, &str, &str) -> Result<(), DocumentError>,
) -> Result<Vec<(String, String)>, DocumentError> {
    let mut mappings = Vec::new();
    for (target, source) in object(v, p)? {
        let pp = child_path(p, target);
        let source = string(source, &pp)?;
        check(target, source, &pp)?;
        mappings.push((target.clone(), source.to_string()));
    }
    Ok(mappings)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace)
}

/// `integration.request.{path|querystring|header|multivaluequerystring|multivalueheader}.X`
/// from `method.request.{...}.Y`, `'literal'`, `stageVariables.Z`, `context.W` or
/// `method.request.body[.JSONPath]`, as API Gateway accepts them.
pub(super) fn check_request_mapping(
    target: &str,
    source: &str,
    path: &str,
) -> Result<(), DocumentError> {
    let target_ok = [
        "integration.request.path.",
        "integration.request.querystring.",
        "integration.request.header.",
        "integration.request.multivaluequerystring.",
        "integration.request.multivalueheader.",
    ]
    .iter()
    .any(|p| target.strip_prefix(p).is_some_and(valid_name));
    if !target_ok {
        return Err(DocumentError::new(
            path,
            format!("Invalid mapping expression specified: {target:?} (expected integration.request.path|querystring|header.NAME)"),
        ));
    }
    let source_ok = is_literal(source)
        || [
            "method.request.path.",
            "method.request.querystring.",
            "method.request.header.",
            "method.request.multivaluequerystring.",
            "method.request.multivalueheader.",
            "stageVariables.",
            "context.",
        ]
        .iter()
        .any(|p| source.strip_prefix(p).is_some_and(valid_name))
        || source == "method.request.body"
        || source.starts_with("method.request.body.");
    if !source_ok {
        return Err(DocumentError::new(
            path,
            format!("Invalid mapping expression specified: {source:?} (expected method.request.path|querystring|header.NAME, 'literal', stageVariables.NAME or context.NAME)"),
        ));
    }
    Ok(())
}

/// `method.response.header.X` from `integration.response.header.Y`,
/// `integration.response.body[.JSONPath]`, `'literal'`, `stageVariables.Z` or `context.W`.
pub(super) fn check_response_mapping(
    target: &str,
    source: &str,
    path: &str,
) -> Result<(), DocumentError> {
    if !target
        .strip_prefix("method.response.header.")
        .is_some_and(valid_name)
    {
        return Err(DocumentError::new(
            path,
            format!("Invalid mapping expression specified: {target:?} (expected method.response.header.NAME)"),
        ));
    }
    let source_ok = is_literal(source)
        || [
            "integration.response.header.",
            "integration.response.multivalueheader.",
            "stageVariables.",
            "context.",
        ]
        .iter()
        .any(|p| source.strip_prefix(p).is_some_and(valid_name))
        || source == "integration.response.body"
        || source.starts_with("integration.response.body.");
    if !source_ok {
        return Err(DocumentError::new(
            path,
            format!("Invalid mapping expression specified: {source:?} (expected 'literal', integration.response.header.NAME, integration.response.body, stageVariables.NAME or context.NAME)"),
        ));
    }
    Ok(())
}

fn is_literal(source: &str) -> bool {
    source.len() >= 2 && source.starts_with('\'') && source.ends_with('\'')
}
